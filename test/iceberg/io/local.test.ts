import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { LocalFileIO, toLocalPath } from '../../../src/iceberg/io/local.js';
import { resolveFileIO, s3OptionsForTable } from '../../../src/iceberg/io/resolve.js';
import { parseS3Uri, S3FileIO } from '../../../src/iceberg/io/s3.js';
import { isFloeError } from '../../../src/util/errors.js';

describe('LocalFileIO', () => {
  let dir: string;
  const io = new LocalFileIO();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'floe-io-'));
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  it('writes atomically into new directories and reads back, by path and by file:// URI', async () => {
    const path = join(dir, 'a', 'b', 'f.bin');
    await io.write(path, new Uint8Array([1, 2, 3]));
    expect(await io.read(path)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await io.read(pathToFileURL(path).href)).toEqual(new Uint8Array([1, 2, 3]));
    expect(await io.read(`file:${path}`)).toEqual(new Uint8Array([1, 2, 3])); // Hadoop's file:/a/b
    await io.write(path, new Uint8Array([4]));
    expect(await io.read(path)).toEqual(new Uint8Array([4]));
    expect(await readdir(join(dir, 'a', 'b'))).toEqual(['f.bin']); // no temp files left behind
  });

  it('exists, delete (idempotent) and not-found errors', async () => {
    const path = join(dir, 'x.txt');
    expect(await io.exists(path)).toBe(false);
    await io.write(path, new Uint8Array([1]));
    expect(await io.exists(path)).toBe(true);
    await io.delete(path);
    await io.delete(path);
    const err = await io.read(path).catch((e: unknown) => e);
    expect(isFloeError(err, 'IO_NOT_FOUND')).toBe(true);
  });

  it('ifNotExists refuses to replace an existing file', async () => {
    const path = join(dir, 'v1.metadata.json');
    await io.write(path, new Uint8Array([1]), { ifNotExists: true });
    const err = await io.write(path, new Uint8Array([2]), { ifNotExists: true }).catch((e: unknown) => e);
    expect(isFloeError(err, 'IO_ALREADY_EXISTS')).toBe(true);
    expect(await io.read(path)).toEqual(new Uint8Array([1]));
    expect(await readdir(dir)).toEqual(['v1.metadata.json']);
  });

  it('lists by string prefix, recursively, in the form asked', async () => {
    await io.write(join(dir, 'data', 'p=1', 'a.parquet'), new Uint8Array(5));
    await io.write(join(dir, 'data', 'p=2', 'b.parquet'), new Uint8Array(7));
    await io.write(join(dir, 'metadata', 'm.avro'), new Uint8Array(1));
    const list = async (prefix: string) => {
      const out: { path: string; size: number }[] = [];
      for await (const f of io.list(prefix)) out.push({ path: f.path, size: f.size });
      return out.sort((a, b) => a.path.localeCompare(b.path));
    };
    expect(await list(join(dir, 'data') + '/')).toEqual([
      { path: join(dir, 'data', 'p=1', 'a.parquet'), size: 5 },
      { path: join(dir, 'data', 'p=2', 'b.parquet'), size: 7 },
    ]);
    expect((await list(join(dir, 'data', 'p=1'))).map((f) => f.path)).toEqual([join(dir, 'data', 'p=1', 'a.parquet')]);
    expect((await list(pathToFileURL(join(dir, 'metadata')).href + '/')).map((f) => f.path)).toEqual([
      pathToFileURL(join(dir, 'metadata', 'm.avro')).href,
    ]);
    expect(await list(join(dir, 'missing') + '/')).toEqual([]);
  });

  it('rejects other schemes', () => {
    expect(() => toLocalPath('s3://b/k')).toThrow(/LocalFileIO/);
  });
});

describe('choosing and configuring a FileIO', () => {
  it('parses s3, s3a and s3n URIs', () => {
    expect(parseS3Uri('s3a://bucket/a/b.parquet')).toEqual({ scheme: 's3a', bucket: 'bucket', key: 'a/b.parquet' });
    expect(parseS3Uri('s3://bucket/', true)).toEqual({ scheme: 's3', bucket: 'bucket', key: '' });
    expect(() => parseS3Uri('s3://bucket')).toThrow();
    expect(() => parseS3Uri('gs://bucket/k')).toThrow();
  });

  it('resolves by scheme', () => {
    expect(resolveFileIO('/tmp/x')).toBeInstanceOf(LocalFileIO);
    expect(resolveFileIO('file:///tmp/x')).toBeInstanceOf(LocalFileIO);
    const s3 = resolveFileIO('s3://b/t', { s3: { region: 'us-east-1' } });
    expect(s3).toBeInstanceOf(S3FileIO);
    void s3.close?.();
    expect(() => resolveFileIO('gs://b/t')).toThrow(/no FileIO for gs/);
  });

  it('vended credentials win over the daemon\'s; the daemon\'s endpoint wins over the catalog\'s', () => {
    const opts = s3OptionsForTable(
      {
        config: {
          's3.access-key-id': 'AK',
          's3.secret-access-key': 'SK',
          's3.session-token': 'ST',
          's3.endpoint': 'http://minio:9000',
          's3.path-style-access': 'true',
          'client.region': 'eu-west-1',
        },
      },
      { endpoint: 'http://127.0.0.1:19000', credentials: { accessKeyId: 'daemon', secretAccessKey: 'daemon' } },
    );
    expect(opts).toMatchObject({
      endpoint: 'http://127.0.0.1:19000',
      forcePathStyle: true,
      region: 'eu-west-1',
      credentials: { accessKeyId: 'AK', secretAccessKey: 'SK', sessionToken: 'ST' },
    });
  });

  it('prefers the longest matching storage credential', () => {
    const opts = s3OptionsForTable({
      location: 's3a://wh/db/t',
      config: { 's3.access-key-id': 'from-config', 's3.secret-access-key': 'x' },
      storageCredentials: [
        { prefix: 's3://wh/', config: { 's3.access-key-id': 'wide', 's3.secret-access-key': 'x' } },
        { prefix: 's3://wh/db/t', config: { 's3.access-key-id': 'narrow', 's3.secret-access-key': 'x' } },
        { prefix: 's3://other/', config: { 's3.access-key-id': 'other', 's3.secret-access-key': 'x' } },
      ],
    });
    expect(opts.credentials).toMatchObject({ accessKeyId: 'narrow' });
  });
});
