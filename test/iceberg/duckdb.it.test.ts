/**
 * DuckDB reads floe's tables: rows written by floe's core (Arrow → Parquet with field ids → S3,
 * committed through the REST catalog) read back in DuckDB (1.5.5, iceberg extension, REST catalog
 * ATTACH, data on MinIO) with exactly the written values, and a row delta's equality and position
 * deletes applied as Spark applies them. DuckDB runs in a python child process
 * (scripts/stack/duckdb_sql.py; scripts/stack/requirements-duckdb.txt, installed by .ci/run).
 */
import { execFile } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { registerSparkCatalog, startS3Catalog } from '../harness/catalogs.js';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../src/arrow/builder.js';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { FastAppend } from '../../src/iceberg/table/append.js';
import { buildPartitionSpec } from '../../src/iceberg/spec/partition.js';
import { findField } from '../../src/iceberg/spec/schema.js';
import { FileContent, type NestedField, type Schema } from '../../src/iceberg/spec/types.js';
import { RowDelta } from '../../src/iceberg/table/row-delta.js';
import { bytes, days, micros, unscaled } from './table/oracle-values.js';
import { deleteFile, POSITION_DELETES } from './table/delete-files.js';
import { newCatalog, OracleTables, schemaOf, stack } from './table/oracle-tables.js';

interface DuckResult {
  columns: string[];
  types: string[];
  rows: (string | null)[][];
}

/** Runs the statements in one DuckDB session attached to the stack's catalog; values as text. */
async function duckdb(...sql: string[]): Promise<{ version: string; results: DuckResult[] }> {
  return duckdbAt({ catalogUri: stack.catalogUri, warehouse: stack.warehouse }, ...sql);
}

async function duckdbAt(catalog: { catalogUri: string; warehouse: string }, ...sql: string[]): Promise<{ version: string; results: DuckResult[] }> {
  const child = promisify(execFile)(process.env.FLOE_PYTHON || 'python3', ['scripts/stack/duckdb_sql.py'], {
    encoding: 'utf8',
    timeout: 120_000,
  });
  child.child.stdin!.end(JSON.stringify({ ...catalog, s3: stack.s3, sql }));
  const out = JSON.parse((await child).stdout) as { duckdb: string; results: DuckResult[] };
  return { version: out.duckdb, results: out.results };
}

const t = new OracleTables('floe_duckdb');

beforeAll(() => t.setup());
afterAll(() => t.teardown());

const opt = (id: number, name: string, type: NestedField['type']): NestedField => ({ id, name, required: false, type });
const req = (id: number, name: string, type: NestedField['type']): NestedField => ({ id, name, required: true, type });

describe('DuckDB reads tables floe wrote', () => {
  it('every column of a day-partitioned table reads back with the written values', async () => {
    const schema = schemaOf([
      req(1, 'id', 'long'),
      opt(2, 'b', 'boolean'),
      opt(3, 'i', 'int'),
      opt(4, 'f', 'float'),
      opt(5, 'd', 'double'),
      opt(6, 'dec9', 'decimal(9,2)'),
      opt(7, 'dec38', 'decimal(38,10)'),
      opt(8, 'dt', 'date'),
      opt(9, 'ts', 'timestamp'),
      opt(10, 'tstz', 'timestamptz'),
      opt(11, 's', 'string'),
      opt(12, 'u', 'uuid'),
      opt(13, 'bin', 'binary'),
      opt(14, 'st', { type: 'struct', fields: [req(30, 'a', 'int'), opt(31, 'b', 'string')] }),
      opt(15, 'li', { type: 'list', 'element-id': 40, element: 'int', 'element-required': false }),
      opt(16, 'm', { type: 'map', 'key-id': 50, key: 'string', 'value-id': 51, value: 'long', 'value-required': false }),
    ]);
    await t.create('types', schema, [{ source: 'tstz', transform: 'day' }]);
    const rows: Row[] = [
      {
        id: 9223372036854775807n, b: true, i: -2147483648, f: 1.5, d: -0.25,
        dec9: unscaled('-1234567.89', 2), dec38: unscaled('9999999999999999999999999999.9999999999', 10),
        dt: days('1969-12-31'), ts: micros('1969-12-31T23:59:59.999999'), tstz: micros('2024-02-29T12:34:56.789012Z'),
        s: 'non-BMP: 😀 and ü', u: '123e4567-e89b-12d3-a456-426614174000', bin: bytes(0, 255, 128, 7),
        st: { a: 7, b: 'x' }, li: [1, null, 3], m: new Map([['one', 1n], ['big', -9007199254740993n]]),
      },
      {
        id: -9223372036854775808n, b: false, i: 2147483647, f: -2, d: 1e300,
        dec9: unscaled('0.01', 2), dec38: unscaled('-0.0000000001', 10),
        dt: days('0001-01-01'), ts: micros('2262-04-11T23:47:16.854775'), tstz: micros('1900-01-01T00:00:00.000001Z'),
        s: '', u: '00000000-0000-0000-0000-000000000000', bin: new Uint8Array(0),
        st: { a: -1, b: null }, li: [], m: new Map(),
      },
      { id: 3n },
    ];
    await t.append('types', rows);

    const { version, results } = await duckdb(
      `SELECT id, b, i, f, d, dec9, dec38, dt, ts, tstz, s, u, hex(bin), st, li, m FROM floe.${t.name('types')} ORDER BY id`,
      `SELECT count(*), any_value(typeof(bin)) FROM floe.${t.name('types')}`,
    );
    expect(version).toBe('1.5.5');
    const [all, count] = results as [DuckResult, DuckResult];
    expect(all.types).toEqual([
      'BIGINT', 'BOOLEAN', 'INTEGER', 'FLOAT', 'DOUBLE', 'DECIMAL(9,2)', 'DECIMAL(38,10)', 'DATE', 'TIMESTAMP',
      'TIMESTAMP WITH TIME ZONE', 'VARCHAR', 'UUID', 'VARCHAR', 'STRUCT(a INTEGER, b VARCHAR)', 'INTEGER[]', 'MAP(VARCHAR, BIGINT)',
    ]);
    expect(all.rows).toEqual([
      [
        '-9223372036854775808', 'false', '2147483647', '-2.0', '1e+300', '0.01', '-0.0000000001', '0001-01-01',
        '2262-04-11 23:47:16.854775', '1900-01-01 00:00:00.000001+00', '', '00000000-0000-0000-0000-000000000000', '',
        "{'a': -1, 'b': NULL}", '[]', '{}',
      ],
      ['3', null, null, null, null, null, null, null, null, null, null, null, null, null, null, null],
      [
        '9223372036854775807', 'true', '-2147483648', '1.5', '-0.25', '-1234567.89', '9999999999999999999999999999.9999999999',
        '1969-12-31', '1969-12-31 23:59:59.999999', '2024-02-29 12:34:56.789012+00', 'non-BMP: 😀 and ü',
        '123e4567-e89b-12d3-a456-426614174000', '00FF8007', "{'a': 7, 'b': x}", '[1, NULL, 3]',
        '{one=1, big=-9007199254740993}',
      ],
    ]);
    expect(count.rows).toEqual([['3', 'BLOB']]);
  });

  it('equality deletes, position deletes and a replacement row: DuckDB returns what Spark returns', async () => {
    const schema = schemaOf([req(1, 'id', 'long'), opt(2, 'name', 'string')]);
    await t.create('upserts', { ...schema, 'identifier-field-ids': [1] });
    const base = Array.from({ length: 10 }, (_, i) => ({ id: BigInt(i + 1), name: `v1-${i + 1}` }));
    const [data] = (await t.append('upserts', base)).files;
    const metadata = await t.load('upserts');
    const idField = findField(metadata.schemas[0]!, 'id')!.field;
    // Equality deletes on ids 2 and 3, with id 2 written again in the same delta (an upsert: the
    // new row has the delete's sequence number, so it survives); position deletes on rows 0 and 9
    // (ids 1 and 10). Id 3's delete is written as floe writes a silver removal: its own file whose
    // rows carry a column beyond the equality ids (here a name no row has), which readers ignore.
    const eqSchema: Schema = { type: 'struct', 'schema-id': 0, fields: [idField] };
    const removalSchema: Schema = { type: 'struct', 'schema-id': 0, fields: [idField, findField(metadata.schemas[0]!, 'name')!.field] };
    const eq = await deleteFile(t.io, metadata, eqSchema, [{ id: 2n }], { content: FileContent.EqualityDeletes, equalityIds: [idField.id] });
    const removal = await deleteFile(t.io, metadata, removalSchema, [{ id: 3n, name: 'removed' }], { content: FileContent.EqualityDeletes, equalityIds: [idField.id] });
    const pos = await deleteFile(t.io, metadata, POSITION_DELETES, [{ file_path: data!.filePath, pos: 0n }, { file_path: data!.filePath, pos: 9n }], {
      referencedDataFile: data!.filePath,
    });
    const [replacement] = await t.writeFiles(metadata, [{ id: 2n, name: 'v2-2' }]);
    await commitWithRetry(t.catalog, t.id('upserts'), new RowDelta(t.io, { dataFiles: [replacement!], deleteFiles: [eq, removal, pos] }).apply);

    const want = [['2', 'v2-2'], ...[4, 5, 6, 7, 8, 9].map((i) => [String(i), `v1-${i}`])];
    const spark = await t.sparkRows(`SELECT id, name FROM ${t.name('upserts')} ORDER BY id`);
    expect(spark.map((r) => [r.id, r.name])).toEqual(want);
    const { results } = await duckdb(`SELECT id, name FROM floe.${t.name('upserts')} ORDER BY id`);
    expect(results[0]!.rows).toEqual(want);
  });
});

describe("DuckDB through floe's embedded catalog", () => {
  it('a table created and appended through `catalog serve` (data on MinIO) reads back exactly', async () => {
    const run = randomUUID().slice(0, 8);
    const dir = mkdtempSync(join(tmpdir(), 'floe-duckdb-it-'));
    const server = await startS3Catalog(stack, { warehouse: `s3://${stack.s3.bucket}/floe-duckdb-${run}`, storePath: join(dir, 'catalog.db') });
    try {
      const catalog = newCatalog(server.url);
      const id = { namespace: ['ducks'], name: 'events' };
      await catalog.ensureNamespace(id.namespace);
      const schema = schemaOf([req(1, 'id', 'long'), opt(2, 'day', 'date'), opt(3, 'name', 'string')]);
      const { metadata } = await catalog.createTable(id, {
        schema,
        partitionSpec: buildPartitionSpec(schema, [{ source: 'day', transform: 'identity' }]),
        properties: { 'format-version': '2' },
      });
      const rows = Array.from({ length: 5 }, (_, i) => ({ id: BigInt(i), day: days('2024-05-01') + i, name: `e${i}` }));
      const files = await t.writeFiles(metadata, rows);
      await commitWithRetry(catalog, id, new FastAppend(t.io, files).apply);

      // Async child: the catalog serves from this very process.
      const { results } = await duckdbAt({ catalogUri: server.url, warehouse: '' }, 'SELECT id, day, name FROM floe.ducks.events ORDER BY id');
      expect(results[0]!.rows).toEqual(rows.map((r, i) => [String(i), `2024-05-0${i + 1}`, r.name]));
      await catalog.dropTable(id, { purge: true });
      await catalog.dropNamespace(id.namespace);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      for await (const f of t.io.list(`s3://${stack.s3.bucket}/floe-duckdb-${run}/`)) await t.io.delete(f.path);
    }
  });

  it('DuckDB creates a table and inserts rows through `catalog serve`; Spark and floe read exactly them', async () => {
    const run = randomUUID().slice(0, 8);
    const dir = mkdtempSync(join(tmpdir(), 'floe-duckdb-it-'));
    const server = await startS3Catalog(stack, { warehouse: `s3://${stack.s3.bucket}/floe-duckdb-${run}`, storePath: join(dir, 'catalog.db') });
    const spark = `floeduck_${run.replace(/[^a-z0-9]/g, '')}`;
    try {
      const catalog = newCatalog(server.url);
      await catalog.ensureNamespace(['ducks']);
      await duckdbAt(
        { catalogUri: server.url, warehouse: '' },
        'CREATE TABLE floe.ducks.written (id BIGINT, name VARCHAR, ts TIMESTAMPTZ, amount DECIMAL(10,2), day DATE)',
        `INSERT INTO floe.ducks.written VALUES
           (1, 'a', TIMESTAMPTZ '2024-01-02 03:04:05.123456+00', 12.34, DATE '2024-01-02'),
           (2, NULL, NULL, NULL, NULL)`,
        `INSERT INTO floe.ducks.written VALUES (3, 'c', TIMESTAMPTZ '1969-12-31 23:59:59.999999+00', -0.01, DATE '1969-12-31')`,
      );
      await registerSparkCatalog(t.oracle, spark, server.url, stack.s3);
      const r = await t.oracle.sparkSql(`SELECT id, name, CAST(ts AS STRING), CAST(amount AS STRING), CAST(day AS STRING) FROM ${spark}.ducks.written ORDER BY id`);
      expect(r.rows.map((row) => row.map((v) => (v === null ? null : String(v))))).toEqual([
        ['1', 'a', '2024-01-02 03:04:05.123456', '12.34', '2024-01-02'],
        ['2', null, null, null, null],
        ['3', 'c', '1969-12-31 23:59:59.999999', '-0.01', '1969-12-31'],
      ]);
      const described = await t.oracle.sparkSql(`DESCRIBE TABLE ${spark}.ducks.written`);
      expect(described.rows.slice(0, 5).map((row) => [String(row[0]), String(row[1])])).toEqual([
        ['id', 'bigint'],
        ['name', 'string'],
        ['ts', 'timestamp'],
        ['amount', 'decimal(10,2)'],
        ['day', 'date'],
      ]);
      // Two INSERTs, two snapshots, committed through floe's compare-and-swap.
      const { metadata } = await catalog.loadTable({ namespace: ['ducks'], name: 'written' });
      expect((metadata.snapshots ?? []).map((x) => x.summary.operation)).toEqual(['append', 'append']);
      await catalog.dropTable({ namespace: ['ducks'], name: 'written' }, { purge: true });
      await catalog.dropNamespace(['ducks']);
    } finally {
      await server.close();
      rmSync(dir, { recursive: true, force: true });
      for await (const f of t.io.list(`s3://${stack.s3.bucket}/floe-duckdb-${run}/`)) await t.io.delete(f.path);
    }
  });
});
