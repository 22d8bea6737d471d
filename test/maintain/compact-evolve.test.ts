/**
 * Compaction across a schema change: data, equality and position delete files written under the
 * first schema and under an evolved one (rename, added column, int→long, float→double, wider
 * decimal, a column added inside a struct, promoted list elements and map values, a dropped
 * column) are all rewritten into files of the current schema, every delete applied by field id,
 * and no delete file is left.
 */
import * as arrow from 'apache-arrow';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { rowsToTable, type Row } from '../../src/arrow/builder.js';
import { icebergSchemaToArrow } from '../../src/arrow/schema.js';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type PartitionSpec, type Schema, type TableMetadata } from '../../src/iceberg/spec/types.js';
import { FastAppend } from '../../src/iceberg/table/append.js';
import { RowDelta } from '../../src/iceberg/table/row-delta.js';
import { branchSnapshot, readEntries, readManifests } from '../../src/iceberg/table/state.js';
import { compactTable } from '../../src/maintain/compact.js';
import { readArrow } from '../../src/maintain/read.js';
import { writeDataFiles } from '../../src/parquet/table-files.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeCatalog } from '../iceberg/catalog/fake-catalog.js';
import { MemoryFileIO, newTable } from '../iceberg/table/helpers.js';

const V0: Schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'int' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'float' },
    { id: 4, name: 'price', required: false, type: 'decimal(5,2)' },
    {
      id: 5,
      name: 'address',
      required: false,
      type: { type: 'struct', fields: [{ id: 6, name: 'city', required: false, type: 'string' }, { id: 7, name: 'zip', required: false, type: 'int' }] },
    },
    { id: 9, name: 'tags', required: false, type: { type: 'list', 'element-id': 10, element: 'int', 'element-required': false } },
    { id: 11, name: 'attrs', required: false, type: { type: 'map', 'key-id': 12, key: 'string', 'value-id': 13, value: 'int', 'value-required': false } },
    { id: 14, name: 'legacy', required: false, type: 'string' },
  ],
};

/** V0 evolved: name → full_name, promotions, address.country added, legacy dropped, added added. */
const V1: Schema = {
  type: 'struct',
  'schema-id': 1,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'full_name', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'double' },
    { id: 4, name: 'price', required: false, type: 'decimal(9,2)' },
    {
      id: 5,
      name: 'address',
      required: false,
      type: {
        type: 'struct',
        fields: [
          { id: 6, name: 'city', required: false, type: 'string' },
          { id: 7, name: 'zip', required: false, type: 'long' },
          { id: 8, name: 'country', required: false, type: 'string' },
        ],
      },
    },
    { id: 9, name: 'tags', required: false, type: { type: 'list', 'element-id': 10, element: 'long', 'element-required': false } },
    { id: 11, name: 'attrs', required: false, type: { type: 'map', 'key-id': 12, key: 'string', 'value-id': 13, value: 'long', 'value-required': false } },
    { id: 15, name: 'added', required: false, type: 'string' },
  ],
};

const POSITION_DELETES: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 2147483546, name: 'file_path', required: true, type: 'string' },
    { id: 2147483545, name: 'pos', required: true, type: 'long' },
  ],
};

const id = { namespace: ['db'], name: 'evolving' };
const loc = 'mem://warehouse/db/evolving';
const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
let fake: FakeCatalog;
let catalog: RestCatalogClient;
let io: MemoryFileIO;

beforeEach(async () => {
  fake = new FakeCatalog();
  const uri = await fake.start();
  fake.namespaces.set('db', {});
  const md: TableMetadata = { ...newTable(loc), schemas: [V0], 'current-schema-id': 0, 'last-column-id': 14, 'partition-specs': [unpartitioned], 'default-spec-id': 0, 'last-partition-id': 999 };
  fake.addTable(['db'], 'evolving', md);
  catalog = new RestCatalogClient({ uri });
  io = new MemoryFileIO();
});
afterEach(() => fake.stop());

async function write(schema: Schema, rows: Row[], content: FileContent = FileContent.Data, extra: Partial<DataFile> = {}): Promise<DataFile> {
  const [f] = await writeDataFiles(rowsToTable(schema, rows), { io, dataLocation: `${loc}/data`, schema, spec: unpartitioned, partition: [] });
  return { ...f!, content, ...extra };
}

const commit = (op: FastAppend | RowDelta) => commitWithRetry(catalog, id, (m) => op.apply(m));

/** A schema change as the daemon commits one (add-schema + set-current-schema); the fake catalog only applies snapshot updates, so it is applied to its metadata directly. */
function evolve(schema: Schema): void {
  const entry = fake.tables.get(JSON.stringify([id.namespace, id.name]))!;
  const md = entry.metadata;
  entry.metadata = { ...md, schemas: [...md.schemas, schema], 'current-schema-id': schema['schema-id'], 'last-column-id': Math.max(md['last-column-id'], 15) };
}

/** A v0 row; addresses only on even ids, so null structs are projected too. */
function v0Row(i: number, name = `n${i}`): Row {
  return {
    id: i,
    name,
    amount: i + 0.5,
    price: BigInt(i * 100 + 25),
    address: i % 2 === 0 ? { city: `c${i}`, zip: 1000 + i } : null,
    tags: [i, null, -i],
    attrs: new Map<string, number | null>([['a', i], ['b', null]]),
    legacy: 'old',
  };
}

/** Arrow values as plain JS: structs → objects, lists → arrays, maps → entry arrays, decimals → bigint. */
function plain(v: unknown, type: arrow.DataType): unknown {
  if (v === null || v === undefined) return null;
  if (arrow.DataType.isStruct(type)) return Object.fromEntries(type.children.map((c) => [c.name, plain((v as Record<string, unknown>)[c.name], c.type)]));
  if (arrow.DataType.isList(type)) return [...(v as arrow.Vector)].map((x) => plain(x, type.children[0]!.type));
  if (arrow.DataType.isMap(type)) {
    const [k, val] = (type.children[0]!.type as arrow.Struct).children;
    return [...(v as Iterable<[unknown, unknown]>)].map(([a, b]) => [plain(a, k!.type), plain(b, val!.type)]);
  }
  if (arrow.DataType.isDecimal(type)) {
    const w = v as Uint32Array;
    return BigInt.asIntN(128, (BigInt(w[3]!) << 96n) | (BigInt(w[2]!) << 64n) | (BigInt(w[1]!) << 32n) | BigInt(w[0]!));
  }
  return v;
}

async function liveState(): Promise<{ data: DataFile[]; deletes: DataFile[] }> {
  const md = (await catalog.loadTable(id)).metadata;
  const out = { data: [] as DataFile[], deletes: [] as DataFile[] };
  for (const m of await readManifests(io, branchSnapshot(md))) {
    for (const e of await readEntries(io, m)) if (e.status !== EntryStatus.Deleted) (m.content === ManifestContent.Data ? out.data : out.deletes).push(e.dataFile);
  }
  return out;
}

describe('compaction across schema versions', () => {
  it('projects files of the old schema by field id and applies deletes of both eras', async () => {
    // Era 0: ids 1..8; then an upsert of 2, equality deletes of 2 and 3, a position delete of row 0 (id 1).
    const a = await write(V0, [1, 2, 3, 4, 5, 6, 7, 8].map((i) => v0Row(i)));
    await commit(new FastAppend(io, [a], { properties: { 'floe.offsets': '{"t":{"0":"8"}}' } }));
    const b = await write(V0, [v0Row(2, 'n2-upserted')]);
    const eq0 = await write({ type: 'struct', 'schema-id': 0, fields: [V0.fields[0]!] }, [{ id: 2 }, { id: 3 }], FileContent.EqualityDeletes, { equalityIds: [1] });
    const pos0 = await write(POSITION_DELETES, [{ file_path: a.filePath, pos: 0n }], FileContent.PositionDeletes, { referencedDataFile: a.filePath });
    await commit(new RowDelta(io, { dataFiles: [b], deleteFiles: [eq0, pos0] }));

    // The producer evolves its schema.
    evolve(V1);

    // Era 1: upserts of 4 and 7 (values only the new types can hold), equality deletes of 2 (B's
    // row, written as int), 4, 5, 7 as longs, and a position delete of A's row 5 (id 6).
    const big = 2n ** 40n;
    const c = await write(V1, [
      { id: 4n, full_name: 'n4-v1', amount: 4.125, price: 123456789n, address: { city: 'x', zip: 99999999999n, country: 'NL' }, tags: [big], attrs: new Map([['z', big]]), added: 'new' },
      { id: 7n, full_name: 'n7-v1', amount: null, price: null, address: null, tags: null, attrs: null, added: null },
    ]);
    const eq1 = await write({ type: 'struct', 'schema-id': 1, fields: [V1.fields[0]!] }, [2n, 4n, 5n, 7n].map((k) => ({ id: k })), FileContent.EqualityDeletes, { equalityIds: [1] });
    const pos1 = await write(POSITION_DELETES, [{ file_path: a.filePath, pos: 5n }], FileContent.PositionDeletes, { referencedDataFile: a.filePath });
    await commit(new RowDelta(io, { dataFiles: [c], deleteFiles: [eq1, pos1] }));

    const result = await compactTable(catalog, () => io, id, { targetSizeBytes: 1 << 27, minFiles: 2, compression: 'zstd', rowGroupBytes: 1 << 23 }, silentLogger);
    expect(result).toMatchObject({ dataFilesRemoved: 3, deleteFilesRemoved: 4, dataFilesAdded: 1 });

    const live = await liveState();
    expect(live.deletes).toEqual([]);
    expect(live.data).toHaveLength(1);
    const t = await readArrow(io, live.data[0]!.filePath);
    // Written with the current schema: its names, types and field ids.
    const wanted = icebergSchemaToArrow(V1);
    expect(t.schema.fields.map((f) => [f.name, String(f.type), f.metadata.get('PARQUET:field_id')])).toEqual(
      wanted.fields.map((f) => [f.name, String(f.type), f.metadata.get('PARQUET:field_id')]),
    );
    const rows = [...Array(t.numRows).keys()].map((i) => Object.fromEntries(wanted.fields.map((f) => [f.name, plain(t.getChild(f.name)!.get(i), f.type)])));
    rows.sort((x, y) => Number(x.id) - Number(y.id));
    expect(rows).toEqual([
      { id: 4n, full_name: 'n4-v1', amount: 4.125, price: 123456789n, address: { city: 'x', zip: 99999999999n, country: 'NL' }, tags: [big], attrs: [['z', big]], added: 'new' },
      { id: 7n, full_name: 'n7-v1', amount: null, price: null, address: null, tags: null, attrs: null, added: null },
      // Written under V0: renamed, promoted and nested-added by field id; legacy is gone.
      { id: 8n, full_name: 'n8', amount: 8.5, price: 825n, address: { city: 'c8', zip: 1008n, country: null }, tags: [8n, null, -8n], attrs: [['a', 8n], ['b', null]], added: null },
    ]);
    const head = branchSnapshot((await catalog.loadTable(id)).metadata)!;
    expect(head.summary).toMatchObject({ operation: 'replace', 'floe.offsets': '{"t":{"0":"8"}}' });
  });

  it('keeps a file it cannot project (and the deletes it needs) rather than guess', async () => {
    const odd: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'int' }, { id: 2, name: 'name', required: false, type: 'string' }] };
    const a = await write(odd, [{ id: 1, name: 'x' }, { id: 2, name: 'y' }]);
    await commit(new FastAppend(io, [a]));
    // A later schema whose column 2 is a long: not a promotion Iceberg allows from string.
    const bad: Schema = { ...odd, 'schema-id': 1, fields: [odd.fields[0]!, { id: 2, name: 'name', required: false, type: 'long' }] };
    evolve(bad);
    const eq = await write({ type: 'struct', 'schema-id': 1, fields: [odd.fields[0]!] }, [{ id: 1 }], FileContent.EqualityDeletes, { equalityIds: [1] });
    await commit(new RowDelta(io, { dataFiles: [], deleteFiles: [eq] }));
    const result = await compactTable(catalog, () => io, id, { targetSizeBytes: 1 << 27, minFiles: 2, compression: 'zstd', rowGroupBytes: 1 << 23 }, silentLogger);
    expect(result.snapshotId).toBeUndefined();
    const live = await liveState();
    expect(live.data.map((f) => f.filePath)).toEqual([a.filePath]);
    expect(live.deletes).toHaveLength(1);
  });
});
