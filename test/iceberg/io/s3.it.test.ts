import { randomBytes, randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { fromTableConfig, resolveFileIO } from '../../../src/iceberg/io/resolve.js';
import { S3FileIO } from '../../../src/iceberg/io/s3.js';
import { isFloeError } from '../../../src/util/errors.js';

const stack = inject('stack');

describe('S3FileIO against the stack\'s object store', () => {
  let io: S3FileIO;
  const base = `s3://${stack.s3.bucket}/floe-it/io-${randomUUID()}`;

  beforeAll(() => {
    io = new S3FileIO({
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    });
  });
  afterAll(async () => {
    for await (const f of io.list(`${base}/`)) await io.delete(f.path);
    await io.close();
  });

  it('puts, gets, lists and deletes', async () => {
    const bytes = new TextEncoder().encode('hello iceberg');
    await io.write(`${base}/a/one.txt`, bytes);
    await io.write(`${base}/a/two.txt`, new Uint8Array([1, 2, 3]));
    await io.write(`${base}/b/three.txt`, new Uint8Array([4]));
    expect(await io.read(`${base}/a/one.txt`)).toEqual(bytes);
    expect(await io.exists(`${base}/a/one.txt`)).toBe(true);
    expect(await io.exists(`${base}/a/nope.txt`)).toBe(false);

    const listed = [];
    for await (const f of io.list(`${base}/a/`)) listed.push(f);
    expect(listed.map((f) => f.path).sort()).toEqual([`${base}/a/one.txt`, `${base}/a/two.txt`]);
    expect(listed.find((f) => f.path.endsWith('two.txt'))?.size).toBe(3);
    expect(listed[0]?.lastModified).toBeInstanceOf(Date);

    await io.delete(`${base}/a/one.txt`);
    await io.delete(`${base}/a/one.txt`); // deleting twice is fine
    expect(await io.exists(`${base}/a/one.txt`)).toBe(false);
    const err = await io.read(`${base}/a/one.txt`).catch((e: unknown) => e);
    expect(isFloeError(err, 'IO_NOT_FOUND')).toBe(true);
  });

  it('accepts s3a:// URIs for the same objects', async () => {
    await io.write(`${base}/s3a.bin`, new Uint8Array([9]));
    expect(await io.read(`${base.replace(/^s3:/, 's3a:')}/s3a.bin`)).toEqual(new Uint8Array([9]));
  });

  it('uploads a ~20 MiB file in parts and reads it back intact', async () => {
    const big = randomBytes(20 * 1024 * 1024 + 123);
    const path = `${base}/big/data.parquet`;
    await io.write(path, big);
    const back = await io.read(path);
    expect(back.byteLength).toBe(big.byteLength);
    expect(Buffer.from(back).equals(big)).toBe(true);
    // A multipart object's ETag is "<md5 of part md5s>-<part count>".
    const head = await io.client.send(new (await import('@aws-sdk/client-s3')).HeadObjectCommand({ Bucket: stack.s3.bucket, Key: path.slice(`s3://${stack.s3.bucket}/`.length) }));
    expect(head.ETag).toMatch(/-3"?$/);
  });

  it('conditional create refuses to overwrite an existing file', async () => {
    const path = `${base}/meta/v1.metadata.json`;
    await io.write(path, new TextEncoder().encode('{"v":1}'), { ifNotExists: true });
    const err = await io.write(path, new TextEncoder().encode('{"v":2}'), { ifNotExists: true }).catch((e: unknown) => e);
    expect(isFloeError(err, 'IO_ALREADY_EXISTS')).toBe(true);
    expect(new TextDecoder().decode(await io.read(path))).toBe('{"v":1}');
  });

  it('builds an S3FileIO from a catalog table config (vended-credential keys)', async () => {
    const vended = fromTableConfig({
      's3.access-key-id': stack.s3.accessKeyId,
      's3.secret-access-key': stack.s3.secretAccessKey,
      's3.endpoint': stack.s3.endpoint,
      's3.path-style-access': 'true',
      'client.region': stack.s3.region,
    });
    try {
      await vended.write(`${base}/vended.txt`, new Uint8Array([7]));
      expect(await io.read(`${base}/vended.txt`)).toEqual(new Uint8Array([7]));
    } finally {
      await vended.close();
    }
    const wrongKeys = fromTableConfig(
      { 's3.access-key-id': 'nobody', 's3.secret-access-key': 'wrong' },
      { endpoint: stack.s3.endpoint, forcePathStyle: true, region: stack.s3.region },
    );
    const err = await wrongKeys.read(`${base}/vended.txt`).catch((e: unknown) => e);
    expect(isFloeError(err, 'IO_ACCESS_DENIED')).toBe(true);
    await wrongKeys.close();
  });

  it('resolveFileIO picks S3 by scheme', async () => {
    const resolved = resolveFileIO(`${base}/x`, {
      s3: { endpoint: stack.s3.endpoint, forcePathStyle: true, region: stack.s3.region, credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey } },
    });
    expect(resolved).toBeInstanceOf(S3FileIO);
    await resolved.write(`${base}/resolved.txt`, new Uint8Array([1]));
    expect(await resolved.exists(`${base}/resolved.txt`)).toBe(true);
    await resolved.close?.();
  });
});
