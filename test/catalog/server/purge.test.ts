/**
 * purgeTableFiles' refusals, with an in-memory FileIO: a file another table's metadata names from
 * outside this table's location is kept, a missing file of another table names nothing, and when
 * another table's files exist but cannot be read (or its metadata does not parse) nothing at all
 * is deleted. test/catalog/server/purge.it.test.ts proves the whole path on MinIO with Spark.
 */
import { describe, expect, it } from 'vitest';
import { purgeTableFiles, type OtherObject } from '../../../catalog/server/purge.js';
import type { FileIO } from '../../../src/iceberg/io/types.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FloeError } from '../../../src/util/errors.js';

const T = 's3://b/wh/ns/t';

/** Files by path; reads of `failing` paths fail the way an unreachable store does. */
class MemoryIO implements Pick<FileIO, 'read' | 'delete'> {
  readonly deleted: string[] = [];
  constructor(readonly files: Set<string>, readonly failing = new Set<string>()) {}
  async read(path: string): Promise<Uint8Array> {
    if (this.failing.has(path)) throw new FloeError('IO_FAILED', `read ${path}: connection reset`, { retryable: true });
    if (!this.files.has(path)) throw new FloeError('IO_NOT_FOUND', `read ${path}: no such file`);
    return new Uint8Array();
  }
  async delete(path: string): Promise<void> {
    this.deleted.push(path);
    this.files.delete(path);
  }
}

/** A table's metadata naming only metadata files (a metadata log), and optionally one manifest list. */
function metadata(location: string, log: string[], manifestList?: string): TableMetadata {
  return {
    location,
    properties: {},
    'metadata-log': log.map((f, i) => ({ 'metadata-file': f, 'timestamp-ms': i })),
    snapshots: manifestList ? [{ 'snapshot-id': 1, 'timestamp-ms': 0, 'manifest-list': manifestList, summary: { operation: 'append' } }] : [],
  } as unknown as TableMetadata;
}

const mine = { current: `${T}/metadata/v3.metadata.json`, log: [`${T}/metadata/v1.metadata.json`, `${T}/metadata/v2.metadata.json`] };
const other = (md: OtherObject['metadata'], at = 's3://b/wh/ns/copy/metadata/v1.metadata.json'): OtherObject => ({ roots: ['s3://b/wh/ns/copy', 's3://b/wh/ns/copy/metadata'], metadataLocation: at, metadata: md });

describe('purgeTableFiles', () => {
  it("keeps what another table's metadata names from its own location; deletes the rest", async () => {
    const io = new MemoryIO(new Set([mine.current, ...mine.log]));
    // A copy of v2 registered elsewhere: its log names v1.
    const copy = other(metadata('s3://b/wh/ns/copy', [mine.log[0]!]));
    expect(await purgeTableFiles(metadata(T, mine.log), mine.current, () => io as unknown as FileIO, [copy])).toBe(2);
    expect(io.deleted.sort()).toEqual([mine.log[1]!, mine.current]);
  });

  it("a missing file of another table names nothing; a view names no files", async () => {
    const io = new MemoryIO(new Set([mine.current]));
    const gone = other(metadata('s3://b/wh/ns/copy', [], 's3://b/wh/ns/copy/metadata/snap-1.avro'));
    const view: OtherObject = { roots: ['s3://b/wh/ns/v'], metadataLocation: 's3://b/wh/ns/v/metadata/v1.metadata.json', metadata: undefined };
    expect(await purgeTableFiles(metadata(T, []), mine.current, () => io as unknown as FileIO, [gone, view])).toBe(1);
  });

  it("deletes nothing when another table's files exist but cannot be read, or its metadata does not parse", async () => {
    const list = 's3://b/wh/ns/copy/metadata/snap-1.avro';
    const io = new MemoryIO(new Set([mine.current, list]), new Set([list]));
    const unreadableList = other(metadata('s3://b/wh/ns/copy', [], list));
    expect(await purgeTableFiles(metadata(T, []), mine.current, () => io as unknown as FileIO, [unreadableList])).toBe('unverified');
    expect(await purgeTableFiles(metadata(T, []), mine.current, () => io as unknown as FileIO, [other('unreadable')])).toBe('unverified');
    expect(io.deleted).toEqual([]);
  });

  it('deletes nothing when another object shares the location', async () => {
    const io = new MemoryIO(new Set([mine.current]));
    const inside: OtherObject = { roots: [`${T}/sub`], metadataLocation: `${T}/sub/metadata/v1.metadata.json`, metadata: undefined };
    expect(await purgeTableFiles(metadata(T, []), mine.current, () => io as unknown as FileIO, [inside])).toBe('shared');
    expect(io.deleted).toEqual([]);
  });
});
