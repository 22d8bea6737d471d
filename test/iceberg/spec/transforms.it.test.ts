/**
 * floe's partition transforms equal Spark's (Iceberg Java's): the same rows, written by floe into
 * one table and INSERTed by Spark into a twin with the same partitioning, land in the same
 * partitions. Compared row by row through Spark's `_partition` metadata column, and as the set of
 * partition tuples in both tables' `files` metadata tables (read from the manifests floe wrote).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/arrow/builder.js';
import type { PartitionFieldInput } from '../../../src/iceberg/spec/partition.js';
import type { NestedField, PrimitiveType, PrimitiveValue, Transform } from '../../../src/iceberg/spec/types.js';
import { rowObjects, type OracleValue } from '../../harness/oracle.js';
import { OracleTables, schemaOf, sortBy } from '../table/oracle-tables.js';
import { days, micros, unscaled } from '../table/oracle-values.js';

/** A column: its Iceberg and Spark types, readable value → floe value, readable value → SQL literal. */
interface Column {
  name: string;
  type: PrimitiveType;
  spark: string;
  value: (v: string) => PrimitiveValue;
  sql: (v: string) => string;
  transforms: Transform[];
}

const quote = (s: string) => `'${s.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
const hex = (s: string) => Uint8Array.from(Buffer.from(s, 'hex'));

const COLUMNS: Column[] = [
  { name: 'i', type: 'int', spark: 'INT', value: Number, sql: (v) => v, transforms: ['identity', 'bucket[16]', 'truncate[10]'] },
  { name: 'l', type: 'long', spark: 'BIGINT', value: BigInt, sql: (v) => `${v}L`, transforms: ['identity', 'bucket[16]', 'truncate[100]'] },
  { name: 's', type: 'string', spark: 'STRING', value: String, sql: quote, transforms: ['identity', 'bucket[16]', 'truncate[3]'] },
  {
    name: 'dec', type: 'decimal(9,2)', spark: 'DECIMAL(9,2)', value: (v) => unscaled(v, 2), sql: (v) => `CAST('${v}' AS DECIMAL(9,2))`,
    transforms: ['identity', 'bucket[16]', 'truncate[50]'],
  },
  { name: 'bin', type: 'binary', spark: 'BINARY', value: hex, sql: (v) => `X'${v}'`, transforms: ['bucket[16]', 'truncate[2]'] },
  { name: 'b', type: 'boolean', spark: 'BOOLEAN', value: (v) => v === 'true', sql: (v) => v, transforms: ['identity'] },
  ...(['date', 'timestamp', 'timestamptz'] as const).flatMap((type): Column[] => {
    const base = { date: 'd', timestamp: 'ts', timestamptz: 'tz' }[type];
    const spark = { date: 'DATE', timestamp: 'TIMESTAMP_NTZ', timestamptz: 'TIMESTAMP' }[type];
    const value = (v: string) => (type === 'date' ? days(v.slice(0, 10)) : micros(v));
    const sql = (v: string) => (type === 'date' ? `DATE '${v.slice(0, 10)}'` : `${spark} '${v.replace('T', ' ')}'`);
    // One column per time transform: year/month/day/hour of one column would be redundant.
    const units: Transform[] = type === 'date' ? ['year', 'month', 'day'] : ['year', 'month', 'day', 'hour'];
    return [
      { name: base, type, spark, value, sql, transforms: ['identity', 'bucket[16]', units[0]!] },
      ...units.slice(1).map((u) => ({ name: `${base}_${u}`, type, spark, value, sql, transforms: [u] })),
    ];
  }),
];

/** Types Spark SQL cannot declare: their twin is created through the catalog, Spark only inserts. */
const OTHER: Column[] = [
  { name: 'u', type: 'uuid', spark: 'STRING', value: String, sql: quote, transforms: ['identity', 'bucket[16]'] },
  { name: 'fx', type: 'fixed[4]', spark: 'BINARY', value: hex, sql: (v) => `X'${v}'`, transforms: ['identity', 'bucket[8]'] },
  { name: 'v', type: 'int', spark: 'INT', value: Number, sql: (v) => v, transforms: ['void'] },
];

/** Readable rows, one per id; dates/timestamps share one string (date columns use its day). */
const ROWS: Record<string, string | null>[] = [
  { i: '0', l: '0', s: 'a', dec: '0.00', bin: '', b: 'true', t: '1970-01-01T00:00:00' },
  { i: '-1', l: '-1', s: 'abcd', dec: '-0.01', bin: '00', b: 'false', t: '1969-12-31T23:59:59.999999' },
  { i: '2147483647', l: '9223372036854775807', s: 'ü😀😀😀x', dec: '9999999.99', bin: 'ffffff', b: 'true', t: '2024-02-29T23:30:00.000001' },
  { i: '-2147483648', l: '-9223372036854775808', s: '😀', dec: '-9999999.50', bin: '0102', b: null, t: '1900-03-01T01:02:03' },
  { i: '15', l: '1234567890123', s: 'iceberg', dec: '1.25', bin: '00ff00ff', b: 'false', t: '1969-01-01T00:00:00' },
  { i: '-11', l: '-101', s: '', dec: '-0.75', bin: 'aa', b: 'true', t: '2000-12-31T23:59:59.999999' },
  { i: null, l: null, s: null, dec: null, bin: null, b: null, t: null },
  { i: '99', l: '100', s: 'ab', dec: '12.50', bin: '7f80', b: 'true', t: '1582-10-04T12:00:00' },
];
const UUIDS = ['f79c3e09-677c-4bbd-a479-3f349cb785e7', '00000000-0000-0000-0000-000000000000', 'ffffffff-ffff-ffff-ffff-ffffffffffff', null];
const FIXED = ['00000000', 'ffffffff', '01020304', null];

function readable(col: Column, row: Record<string, string | null>, k: number): string | null {
  if (col.name === 'u') return UUIDS[k % UUIDS.length]!;
  if (col.name === 'fx') return FIXED[k % FIXED.length]!;
  if (col.name === 'v') return String(k);
  return col.type === 'date' || col.type.startsWith('timestamp') ? row.t! : row[col.name]!;
}

function floeRows(cols: Column[]): Row[] {
  return ROWS.map((r, k) => {
    const row: Row = { id: k };
    for (const c of cols) {
      const v = readable(c, r, k);
      row[c.name] = v === null ? null : c.value(v);
    }
    return row;
  });
}

function insertSql(table: string, cols: Column[]): string {
  const values = ROWS.map((r, k) => `(${[String(k), ...cols.map((c) => {
    const v = readable(c, r, k);
    return v === null ? `CAST(NULL AS ${c.spark})` : c.sql(v);
  })].join(', ')})`);
  return `INSERT INTO ${table} (id, ${cols.map((c) => c.name).join(', ')}) VALUES ${values.join(', ')}`;
}

function schemaFor(cols: Column[]) {
  return schemaOf([
    { id: 1, name: 'id', required: true, type: 'int' },
    ...cols.map((c, k): NestedField => ({ id: k + 2, name: c.name, required: false, type: c.type })),
  ]);
}

function specFor(cols: Column[]): PartitionFieldInput[] {
  return cols.flatMap((c) => c.transforms.map((transform) => ({ source: c.name, transform })));
}

/** Spark DDL of a transform: bucket(16, i), truncate(3, s), years(d), ... */
function sparkTransform(col: string, t: Transform): string {
  const m = /^(bucket|truncate)\[(\d+)\]$/.exec(t);
  if (m) return `${m[1]}(${m[2]}, ${col})`;
  return t === 'identity' ? col : `${t}s(${col})`;
}

const t = new OracleTables('floe_transforms');

async function partitionsByRow(table: string): Promise<OracleValue[][]> {
  const rows = sortBy(await t.sparkRows(`SELECT id, _partition AS p FROM ${t.name(table)}`), 'id');
  return rows.map((r) => Object.values(r.p as Record<string, OracleValue>));
}

async function fileTuples(table: string): Promise<string[]> {
  const files = await t.sparkRows(`SELECT partition FROM ${t.name(table)}.files`);
  return files.map((f) => JSON.stringify(Object.values(f.partition as Record<string, OracleValue>))).sort();
}

beforeAll(async () => {
  await t.setup();
}, 600_000);
afterAll(() => t.teardown());

describe('partition transforms: floe vs Spark', () => {
  it('identity, bucket, truncate, year/month/day/hour on every Spark SQL type give Spark\'s partitions', async () => {
    const floe = await t.create('floe_all', schemaFor(COLUMNS), specFor(COLUMNS));
    const ddlCols = COLUMNS.map((c) => `${c.name} ${c.spark}`).join(', ');
    const parts = COLUMNS.flatMap((c) => c.transforms.map((x) => sparkTransform(c.name, x))).join(', ');
    await t.spark(`CREATE TABLE ${t.name('spark_all')} (id INT NOT NULL, ${ddlCols}) USING iceberg PARTITIONED BY (${parts}) TBLPROPERTIES ('format-version'='2')`);
    const twin = await t.load('spark_all');
    // Spark's DDL built the same spec: transforms and sources in order ...
    const shape = (fields: { 'source-id': number; transform: string }[]) => fields.map((f) => `${f['source-id']}:${f.transform}`);
    expect(shape(twin['partition-specs'][0]!.fields)).toEqual(shape(floe.metadata['partition-specs'][0]!.fields));
    // ... and the same default partition field names (i_bucket, s_trunc, ts_hour, ...).
    const names = (fields: { name: string }[]) => fields.map((f) => f.name);
    expect(names(twin['partition-specs'][0]!.fields)).toEqual(names(floe.metadata['partition-specs'][0]!.fields));

    await t.append('floe_all', floeRows(COLUMNS));
    await t.spark(insertSql(t.name('spark_all'), COLUMNS));

    const mine = await partitionsByRow('floe_all');
    const theirs = await partitionsByRow('spark_all');
    expect(mine).toHaveLength(ROWS.length);
    expect(mine).toEqual(theirs);
    expect(await fileTuples('floe_all')).toEqual(await fileTuples('spark_all'));
  });

  it('uuid, fixed and void (types and transforms Spark SQL cannot declare) give Spark\'s partitions', async () => {
    await t.create('floe_other', schemaFor(OTHER), specFor(OTHER));
    await t.create('spark_other', schemaFor(OTHER), specFor(OTHER));
    await t.append('floe_other', floeRows(OTHER));
    await t.spark(insertSql(t.name('spark_other'), OTHER));
    const mine = await partitionsByRow('floe_other');
    expect(mine).toEqual(await partitionsByRow('spark_other'));
    expect(mine.map((p) => p.at(-1))).toEqual(ROWS.map(() => null)); // void: always null
    // Spark's `files` table cannot show an identity(uuid) partition, whoever wrote the table
    // (PartitionData holds a java.util.UUID where StructInternalRow expects a CharSequence).
    for (const table of ['floe_other', 'spark_other']) {
      await expect(t.spark(`SELECT partition FROM ${t.name(table)}.files`)).rejects.toThrow(/expected java.lang.CharSequence, but was java.util.UUID/);
    }
  });

  it('a decimal truncation beyond the column precision: Spark fails the INSERT, floe refuses the row', async () => {
    const cols = COLUMNS.filter((c) => c.name === 'dec');
    await t.create('floe_dec', schemaFor(cols), [{ source: 'dec', transform: 'truncate[50]' }]);
    await t.spark(`CREATE TABLE ${t.name('spark_dec')} (id INT NOT NULL, dec DECIMAL(9,2)) USING iceberg PARTITIONED BY (truncate(50, dec))`);
    // truncate[50] of -9999999.99 is -10000000.00: 10 digits in a decimal(9,2) partition field.
    await expect(t.spark(`INSERT INTO ${t.name('spark_dec')} VALUES (1, CAST('-9999999.99' AS DECIMAL(9,2)))`)).rejects.toThrow(
      /Cannot write value as decimal\(9,2\), too large: -10000000.00/,
    );
    await expect(t.append('floe_dec', [{ id: 1, dec: unscaled('-9999999.99', 2) }])).rejects.toThrow(/row 0: partition dec_trunc .* exceeds its decimal precision/);
    expect(await t.sparkCount('floe_dec')).toBe(0);
    expect(await t.sparkCount('spark_dec')).toBe(0);
  });
});
