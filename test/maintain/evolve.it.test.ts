/**
 * Compaction of a silver-style table across a schema change, judged by Spark: upserts as row
 * deltas (data + equality deletes on the key, plus position deletes as another engine writes
 * them) under the first schema; Spark evolves the schema (rename, int→long on the key, float→
 * double, a column added inside a struct, a promoted struct field, an added and a dropped
 * column); more row deltas under the new schema. After `compactTable`, Spark reads exactly the
 * expected rows and the table has no delete files left.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/arrow/builder.js';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { currentSchema } from '../../src/iceberg/spec/metadata.js';
import { findField } from '../../src/iceberg/spec/schema.js';
import { FileContent, type DataFile, type Schema } from '../../src/iceberg/spec/types.js';
import { RowDelta } from '../../src/iceberg/table/row-delta.js';
import { compactTable } from '../../src/maintain/compact.js';
import { silentLogger } from '../../src/util/log.js';
import { OracleTables, schemaOf } from '../iceberg/table/oracle-tables.js';
import { deleteFile, POSITION_DELETES } from '../iceberg/table/delete-files.js';

const t = new OracleTables('maint_evolve');
const NAME = 'customers';

beforeAll(() => t.setup());
afterAll(() => t.teardown());

/** One silver commit: the upserted rows, equality deletes of `keys`, position deletes of `positions` in `target`. */
async function rowDelta(rows: Row[], keys: Row[], positions: { target: DataFile; pos: bigint[] }): Promise<DataFile[]> {
  const metadata = await t.load(NAME);
  const schema = currentSchema(metadata);
  const key = findField(schema, schema['identifier-field-ids']![0]!)!.field;
  const data = rows.length ? await t.writeFiles(metadata, rows) : [];
  const eq = await deleteFile(t.io, metadata, { type: 'struct', 'schema-id': schema['schema-id'], fields: [key] }, keys, { content: FileContent.EqualityDeletes, equalityIds: [key.id] });
  const pos = await deleteFile(t.io, metadata, POSITION_DELETES, positions.pos.map((p) => ({ file_path: positions.target.filePath, pos: p })), { referencedDataFile: positions.target.filePath });
  await commitWithRetry(t.catalog, t.id(NAME), new RowDelta(t.io, { dataFiles: data, deleteFiles: [eq, pos] }, { properties: { 'floe.offsets': '{"customers":{"0":"42"}}' } }).apply);
  return data;
}

describe('compaction after a schema change', () => {
  it('rewrites files and deletes of both schemas; Spark reads the expected rows and no delete files', async () => {
    const v0 = schemaOf([
      { id: 1, name: 'id', required: true, type: 'int' },
      { id: 2, name: 'name', required: false, type: 'string' },
      { id: 3, name: 'amount', required: false, type: 'float' },
      { id: 4, name: 'address', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'city', required: false, type: 'string' }, { id: 6, name: 'zip', required: false, type: 'int' }] } },
      { id: 7, name: 'legacy', required: false, type: 'string' },
    ]);
    await t.create(NAME, { ...v0, 'identifier-field-ids': [1] });
    const row0 = (i: number, name = `n${i}`): Row => ({ id: i, name, amount: i + 0.5, address: i % 2 === 0 ? { city: `c${i}`, zip: 1000 + i } : null, legacy: 'old' });
    const [a] = (await t.append(NAME, [1, 2, 3, 4, 5, 6, 7, 8].map((i) => row0(i)))).files;
    // Schema 0: upsert 2, delete 3; another engine's position delete of row 0 (id 1).
    await rowDelta([row0(2, 'n2-upserted')], [{ id: 2 }, { id: 3 }], { target: a!, pos: [0n] });

    for (const ddl of [
      'RENAME COLUMN name TO full_name',
      'ALTER COLUMN id TYPE bigint',
      'ALTER COLUMN amount TYPE double',
      'ALTER COLUMN address.zip TYPE bigint',
      'ADD COLUMN address.country string',
      'ADD COLUMN added string',
      'DROP COLUMN legacy',
    ]) await t.spark(`ALTER TABLE ${t.name(NAME)} ${ddl}`);
    expect(currentSchema(await t.load(NAME))['schema-id']).toBeGreaterThan(0);

    // Schema 1: upserts of 4 and 7 with values only the new types hold; deletes of 2 (a schema-0
    // row, keyed by an int column), 4, 5, 7; position delete of row 5 of the first file (id 6).
    const zip = 99_999_999_999n;
    await rowDelta(
      [
        { id: 4n, full_name: 'n4-v1', amount: 4.125, address: { city: 'x', zip, country: 'NL' }, added: 'new' },
        { id: 7n, full_name: 'n7-v1', amount: null, address: null, added: null },
      ],
      [2n, 4n, 5n, 7n].map((id) => ({ id })),
      { target: a!, pos: [5n] },
    );

    const expected = [
      { id: '4', full_name: 'n4-v1', amount: 4.125, city: 'x', zip: String(zip), country: 'NL', added: 'new' },
      { id: '7', full_name: 'n7-v1', amount: null, city: null, zip: null, country: null, added: null },
      { id: '8', full_name: 'n8', amount: 8.5, city: 'c8', zip: '1008', country: null, added: null },
    ];
    const read = () => t.sparkRows(`SELECT id, full_name, amount, address.city, address.zip, address.country, added FROM ${t.name(NAME)} ORDER BY id`);
    // Spark applies the deletes of both eras itself: the state to keep.
    expect(await read()).toEqual(expected);
    expect(Number((await t.spark(`SELECT count(*) FROM ${t.name(NAME)}.delete_files`)).rows[0]![0])).toBe(4);

    const result = await compactTable(t.catalog, () => t.io, t.id(NAME), { targetSizeBytes: 128 << 20, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 << 20 }, silentLogger);
    expect(result).toMatchObject({ dataFilesRemoved: 3, deleteFilesRemoved: 4, dataFilesAdded: 1 });

    expect(await read()).toEqual(expected);
    expect(Number((await t.spark(`SELECT count(*) FROM ${t.name(NAME)}.delete_files`)).rows[0]![0])).toBe(0);
    expect(await t.sparkRows(`SELECT content, record_count FROM ${t.name(NAME)}.files`)).toEqual([{ content: 0, record_count: '3' }]);
    // The rewritten file is of the current schema: Spark's types, and the columns by field id.
    const types = (await t.spark(`SELECT * FROM ${t.name(NAME)}`)).columns.map((c) => `${c.name}:${c.type}`);
    expect(types).toEqual(['id:bigint', 'full_name:string', 'amount:double', 'address:struct<city:string,zip:bigint,country:string>', 'added:string']);
    const head = (await t.sparkRows(`SELECT operation, summary['floe.offsets'] AS o FROM ${t.name(NAME)}.snapshots ORDER BY committed_at DESC LIMIT 1`))[0];
    expect(head).toEqual({ operation: 'replace', o: '{"customers":{"0":"42"}}' });
  }, 300_000);
});
