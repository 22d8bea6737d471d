/**
 * The data half of a commit, alone: commitRows against an in-memory table store and file sink.
 * Bronze rows become data files and one append; silver changes become data files plus equality
 * deletes (data first) and one row delta; the offsets' summary properties are evaluated on the
 * metadata the store commits against; a failure of the store reaches the caller unchanged.
 */
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder, type Row } from '../../src/arrow/builder.js';
import type { FileConfig } from '../../src/config/index.js';
import type { LoadedTable, TableIdentifier } from '../../src/iceberg/catalog/types.js';
import { FileContent, type DataFile, type PartitionSpec, type Schema, type TableMetadata } from '../../src/iceberg/spec/types.js';
import { commitRows } from '../../src/orchestrator/data-sink.js';
import type { DataFileSink, PartitionData, TableStore } from '../../src/orchestrator/ports.js';

const id: TableIdentifier = { namespace: ['raw'], name: 'orders' };
const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'qty', required: false, type: 'int' },
  ],
};
const spec: PartitionSpec = { 'spec-id': 0, fields: [] };
const file = { targetSizeBytes: 1 << 20 } as unknown as FileConfig;
const before = { 'format-version': 2, 'last-sequence-number': 7 } as unknown as TableMetadata;
const fresh = { 'format-version': 2, 'last-sequence-number': 8 } as unknown as TableMetadata;
const loaded = (metadata: TableMetadata): LoadedTable => ({ metadataLocation: undefined, metadata, config: {} });

/** Files and commits in order; the committed table is `fresh` (another writer committed in between). */
class MemoryStore implements Pick<TableStore, 'append' | 'rowDelta'>, DataFileSink {
  readonly events: string[] = [];
  readonly commits: Array<{ kind: string; files: DataFile[]; deletes?: DataFile[]; properties: Record<string, string> }> = [];
  fail: Error | undefined;

  async write(table: LoadedTable, s: PartitionSpec, partitions: PartitionData[], f: FileConfig): Promise<DataFile[]> {
    expect(table.metadata).toBe(before);
    expect(s).toBe(spec);
    expect(f).toBe(file);
    // Like the Parquet sink (table-store.ts): a partition without rows writes no file.
    return partitions.filter((p) => p.sink.rowCount > 0).map((p) => {
      const recordCount = p.sink.rowCount;
      p.sink.finish(); // as the Parquet writer does: the builder hands its rows over and is empty after
      this.events.push(`write ${recordCount} ${JSON.stringify(p.tuple)}`);
      return { content: FileContent.Data, filePath: `mem://${this.events.length}`, recordCount, fileSizeInBytes: 10 } as DataFile;
    });
  }

  async append(_id: TableIdentifier, _t: LoadedTable, files: DataFile[], properties: (m: TableMetadata) => Record<string, string>): Promise<LoadedTable> {
    if (this.fail) throw this.fail;
    this.commits.push({ kind: 'append', files, properties: properties(fresh) });
    return loaded(fresh);
  }

  async rowDelta(_id: TableIdentifier, _t: LoadedTable, data: DataFile[], deletes: DataFile[], properties: (m: TableMetadata) => Record<string, string>): Promise<LoadedTable> {
    if (this.fail) throw this.fail;
    this.commits.push({ kind: 'rowDelta', files: data, deletes, properties: properties(fresh) });
    return loaded(fresh);
  }
}

function builder(rows: Row[]): RecordBatchBuilder {
  const b = new RecordBatchBuilder(schema);
  for (const r of rows) b.append(r);
  return b;
}

/** Summary properties as a function of the metadata committed against, like the offset committer's. */
const properties = (m: TableMetadata) => ({ 'floe.offsets': `seq ${m['last-sequence-number']}` });

describe('commitRows', () => {
  it('bronze: one data file per table partition, one append, rows counted before writing empties the builders', async () => {
    const store = new MemoryStore();
    const partitions = [
      { tuple: ['a'], sink: builder([{ id: 1n, qty: 1 }, { id: 2n, qty: null }]) },
      { tuple: ['b'], sink: builder([{ id: 3n, qty: 3 }]) },
    ];
    const out = await commitRows({ store: store as unknown as TableStore, files: store }, id, loaded(before), spec, file, { kind: 'bronze', partitions }, properties);
    expect(store.events).toEqual(['write 2 ["a"]', 'write 1 ["b"]']);
    expect(partitions.every((p) => p.sink.rowCount === 0)).toBe(true);
    expect(out.rows).toBe(3);
    expect(out.files.map((f) => f.recordCount)).toEqual([2, 1]);
    expect(out.table.metadata).toBe(fresh);
    expect(store.commits).toEqual([{ kind: 'append', files: out.files, properties: { 'floe.offsets': 'seq 8' } }]);
  });

  it('bronze with nothing but skipped records still commits: the snapshot carries the offsets', async () => {
    const store = new MemoryStore();
    const out = await commitRows({ store: store as unknown as TableStore, files: store }, id, loaded(before), spec, file, { kind: 'bronze', partitions: [] }, properties);
    expect(out).toMatchObject({ rows: 0, files: [] });
    expect(store.commits).toEqual([{ kind: 'append', files: [], properties: { 'floe.offsets': 'seq 8' } }]);
  });

  it('silver: data files first, then one equality-delete file per partition for every touched key; one row delta', async () => {
    const store = new MemoryStore();
    const changes = [
      { key: { id: 1n }, row: { id: 1n, qty: 5 } },
      { key: { id: 2n }, row: null }, // deleted: a delete, no row
      { key: { id: 3n }, row: { id: 3n, qty: 7 } },
    ];
    const partitionOf = (key: Row) => ({ tuple: [Number(key.id) % 2], key: String(Number(key.id) % 2) });
    const out = await commitRows({ store: store as unknown as TableStore, files: store }, id, loaded(before), spec, file, { kind: 'silver', changes, schema, keyColumns: ['id'], metadataColumn: '_kafka', partitionOf }, properties);
    // Rows of keys 1 and 3 share partition [1]; key 2 (deleted) has no row, only a delete in [0].
    expect(store.events).toEqual(['write 2 [1]', 'write 2 [1]', 'write 1 [0]']);
    const [commit] = store.commits;
    expect(commit!.kind).toBe('rowDelta');
    expect(commit!.files).toBe(out.files);
    expect(commit!.files.every((f) => f.content === FileContent.Data)).toBe(true);
    expect(commit!.deletes!.map((f) => [f.content, f.recordCount, f.equalityIds])).toEqual([
      [FileContent.EqualityDeletes, 2, [1]],
      [FileContent.EqualityDeletes, 1, [1]],
    ]);
    expect(commit!.properties).toEqual({ 'floe.offsets': 'seq 8' });
    expect(out.rows).toBe(2); // deleted keys add no rows
  });

  it('a failed commit reaches the caller as it is (the writer decides to re-read)', async () => {
    const store = new MemoryStore();
    store.fail = Object.assign(new Error('catalog down'), { code: 'CATALOG_UNAVAILABLE' });
    const partitions = [{ tuple: [], sink: builder([{ id: 1n, qty: 1 }]) }];
    await expect(commitRows({ store: store as unknown as TableStore, files: store }, id, loaded(before), spec, file, { kind: 'bronze', partitions }, properties)).rejects.toBe(store.fail);
    expect(store.events).toEqual(['write 1 []']);
    expect(store.commits).toEqual([]);
  });
});
