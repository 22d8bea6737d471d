/**
 * Which deletes apply to which data file during compaction (the spec's "Scan Planning" rules):
 * a position delete applies at the same or a later sequence number, an equality delete only at a
 * later one; position deletes are scoped to their file or partition, equality deletes to their
 * partition unless the spec is unpartitioned. And the survivor indices of a row mask. Reading
 * real delete files is covered through compactTable (compact.test.ts, evolve.it).
 */
import { describe, expect, it } from 'vitest';
import { applies, DeleteMasks, liveIndices, type Live } from '../../src/maintain/apply-deletes.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { FileContent, type DataFile, type Schema, type TableMetadata } from '../../src/iceberg/spec/types.js';

const partitioned = {
  'partition-specs': [{ 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'p', transform: 'identity' }] }, { 'spec-id': 1, fields: [] }],
} as unknown as TableMetadata;
const file = (path: string, content: number, specId: number, partition: unknown[], extra: Partial<DataFile> = {}): DataFile =>
  ({ filePath: path, content, specId, partition, fileFormat: 'PARQUET', recordCount: 1, fileSizeInBytes: 1, ...extra }) as DataFile;
const live = (f: DataFile, seq: number): Live => ({ file: f, seq });

describe('applies', () => {
  const data = live(file('d1', FileContent.Data, 0, ['a']), 5);
  it('position deletes apply at the same or a later sequence number, equality deletes only later', () => {
    const pos = (seq: number) => live(file('p', FileContent.PositionDeletes, 0, ['a'], { referencedDataFile: 'd1' }), seq);
    const eq = (seq: number) => live(file('e', FileContent.EqualityDeletes, 0, ['a'], { equalityIds: [1] }), seq);
    expect([4, 5, 6].map((s) => applies(partitioned, pos(s), data))).toEqual([false, true, true]);
    expect([4, 5, 6].map((s) => applies(partitioned, eq(s), data))).toEqual([false, false, true]);
  });

  it('scope: a position delete names its file; an equality delete its partition, or all of an unpartitioned spec', () => {
    expect(applies(partitioned, live(file('p', FileContent.PositionDeletes, 0, ['a'], { referencedDataFile: 'other' }), 9), data)).toBe(false);
    expect(applies(partitioned, live(file('e', FileContent.EqualityDeletes, 0, ['b'], { equalityIds: [1] }), 9), data)).toBe(false);
    expect(applies(partitioned, live(file('e', FileContent.EqualityDeletes, 1, [], { equalityIds: [1] }), 9), data)).toBe(true);
  });

  it('DeleteMasks.of lists the applying deletes of a file once', () => {
    const eq = live(file('e', FileContent.EqualityDeletes, 0, ['a'], { equalityIds: [1] }), 9);
    const elsewhere = live(file('e2', FileContent.EqualityDeletes, 0, ['b'], { equalityIds: [1] }), 9);
    const masks = new DeleteMasks({} as FileIO, { type: 'struct', 'schema-id': 0, fields: [] } as Schema, partitioned, [eq, elsewhere]);
    expect(masks.of(data)).toEqual([eq]);
    expect(masks.of(data)).toBe(masks.of(data));
  });
});

describe('liveIndices', () => {
  it('is undefined when every row of the range lives, else the live offsets within the range', () => {
    const dead = Uint8Array.from([0, 1, 0, 0, 1, 1]);
    expect(liveIndices(dead, 2, 2)).toBeUndefined();
    expect([...liveIndices(dead, 0, 3)!]).toEqual([0, 2]);
    expect([...liveIndices(dead, 3, 3)!]).toEqual([0]);
    expect([...liveIndices(dead, 4, 2)!]).toEqual([]);
  });
});
