/**
 * Compaction against a fake REST catalog and in-memory storage: equality and position deletes are
 * applied while rewriting, the delete files are dropped, rows of the same commit as an equality
 * delete survive it, and the Kafka offsets are carried forward.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RecordBatchBuilder } from '../../src/arrow/builder.js';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type Schema, type TableMetadata } from '../../src/iceberg/spec/types.js';
import { FastAppend } from '../../src/iceberg/table/append.js';
import { RowDelta } from '../../src/iceberg/table/row-delta.js';
import { branchSnapshot, readEntries, readManifests } from '../../src/iceberg/table/state.js';
import { compactTable } from '../../src/maintain/compact.js';
import { readArrow } from '../../src/maintain/read.js';
import { writeDataFiles } from '../../src/parquet/table-files.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeCatalog } from '../iceberg/catalog/fake-catalog.js';
import { MemoryFileIO, newTable, schema, specs } from '../iceberg/table/helpers.js';

const id = { namespace: ['db'], name: 'events' };
const loc = 'mem://warehouse/db/events';
let fake: FakeCatalog;
let catalog: RestCatalogClient;
const io = new MemoryFileIO();

beforeEach(async () => {
  fake = new FakeCatalog();
  const uri = await fake.start();
  fake.namespaces.set('db', {});
  fake.addTable(['db'], 'events', newTable(loc));
  catalog = new RestCatalogClient({ uri, readRetries: 0 });
});
afterEach(() => fake.stop());

async function write(rows: Array<Record<string, unknown>>, category: string, s: Schema = schema): Promise<DataFile> {
  const b = new RecordBatchBuilder(s);
  for (const r of rows) b.append(r);
  // Delete files lack the partition source column: write them unpartitioned, then scope them to the partition.
  const data = s === schema;
  const [f] = await writeDataFiles(b.finishTable(), { io, dataLocation: `${loc}/data`, schema: s, spec: specs[data ? 0 : 1]!, partition: data ? [category] : [] });
  return { ...f!, partition: [category], specId: 0 };
}

const rows = (ids: number[], category: string) => ids.map((i) => ({ id: BigInt(i), category, ts: null }));

async function commit(op: { apply(m: TableMetadata): Promise<never> } | FastAppend | RowDelta): Promise<void> {
  await commitWithRetry(catalog, id, (m) => op.apply(m));
}

async function liveFiles(): Promise<{ data: DataFile[]; deletes: DataFile[] }> {
  const md = (await catalog.loadTable(id)).metadata;
  const out = { data: [] as DataFile[], deletes: [] as DataFile[] };
  for (const m of await readManifests(io, branchSnapshot(md))) {
    for (const e of await readEntries(io, m)) {
      if (e.status !== EntryStatus.Deleted) (m.content === ManifestContent.Data ? out.data : out.deletes).push(e.dataFile);
    }
  }
  return out;
}

describe('compactTable', () => {
  it('applies equality and position deletes, drops the delete files and carries the offsets', async () => {
    const a1 = await write(rows([1, 2, 3], 'a'), 'a');
    const a2 = await write(rows([4, 5, 6], 'a'), 'a');
    const a3 = await write(rows([7, 8, 9], 'a'), 'a');
    const b1 = await write(rows([100, 101], 'b'), 'b');
    await commit(new FastAppend(io, [a1, a2, a3, b1], { properties: { 'floe.offsets': '{"t":{"0":"4"}}' } }));

    // An upsert of id 2 (new row in this commit) plus deletes of ids 2 and 8, and position 0 of a2 (id 4).
    const keySchema: Schema = { type: 'struct', 'schema-id': 0, fields: [schema.fields[0]!] };
    const eq = { ...(await write([{ id: 2n }, { id: 8n }], 'a', keySchema)), content: FileContent.EqualityDeletes, equalityIds: [1] };
    const posSchema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 2147483546, name: 'file_path', required: true, type: 'string' },
        { id: 2147483545, name: 'pos', required: true, type: 'long' },
      ],
    };
    const pos = { ...(await write([{ file_path: a2.filePath, pos: 0n }], 'a', posSchema)), content: FileContent.PositionDeletes, referencedDataFile: a2.filePath };
    const upsert = await write([{ id: 2n, category: 'a', ts: null }], 'a');
    await commit(new RowDelta(io, { dataFiles: [upsert], deleteFiles: [eq, pos] }, { properties: { 'floe.offsets': '{"t":{"0":"9"}}' } }));

    const result = await compactTable(catalog, () => io, id, { targetSizeBytes: 1 << 27, minFiles: 2, compression: 'zstd', rowGroupBytes: 1 << 23 }, silentLogger);
    expect(result.dataFilesRemoved).toBe(4); // a1, a2, a3 and the upsert; b has one file and no deletes
    expect(result.deleteFilesRemoved).toBe(2);
    expect(result.dataFilesAdded).toBe(1);

    const live = await liveFiles();
    expect(live.deletes).toEqual([]);
    expect(live.data.map((f) => f.filePath)).toContain(b1.filePath);
    const ids: number[] = [];
    for (const f of live.data.filter((x) => x.partition[0] === 'a')) {
      const t = await readArrow(io, f.filePath);
      for (let i = 0; i < t.numRows; i++) ids.push(Number(t.getChild('id')!.get(i)));
    }
    // 2 survives through the upsert (same sequence number as the equality delete); 4 and 8 are gone.
    expect(ids.sort((x, y) => x - y)).toEqual([1, 2, 3, 5, 6, 7, 9]);
    const md = (await catalog.loadTable(id)).metadata;
    const head = branchSnapshot(md)!;
    expect(head.summary).toMatchObject({ operation: 'replace', 'floe.offsets': '{"t":{"0":"9"}}' });
  });

  it('bins about one target file of input at a time, keeping every row', async () => {
    const files: DataFile[] = [];
    for (let i = 0; i < 6; i++) files.push(await write(rows([i * 10, i * 10 + 1], 'a'), 'a'));
    await commit(new FastAppend(io, files));
    const size = Math.max(...files.map((f) => f.fileSizeInBytes));
    const result = await compactTable(catalog, () => io, id, { targetSizeBytes: 2 * size + 1, minFiles: 2, compression: 'zstd', rowGroupBytes: 1 << 23 }, silentLogger);
    expect(result.dataFilesRemoved).toBe(6);
    expect(result.dataFilesAdded).toBeGreaterThanOrEqual(2);
    const ids: number[] = [];
    for (const f of (await liveFiles()).data) {
      const t = await readArrow(io, f.filePath);
      for (let i = 0; i < t.numRows; i++) ids.push(Number(t.getChild('id')!.get(i)));
    }
    expect(ids.sort((x, y) => x - y)).toEqual([0, 1, 10, 11, 20, 21, 30, 31, 40, 41, 50, 51]);
  });

  it('does nothing when no partition has enough small files or any deletes', async () => {
    await commit(new FastAppend(io, [await write(rows([1], 'a'), 'a'), await write(rows([2], 'b'), 'b')]));
    const result = await compactTable(catalog, () => io, id, { targetSizeBytes: 1 << 27, minFiles: 2, compression: 'zstd', rowGroupBytes: 1 << 23 }, silentLogger);
    expect(result.snapshotId).toBeUndefined();
    expect(result.dataFilesRemoved).toBe(0);
  });
});
