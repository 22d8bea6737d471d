/**
 * The older reader, Spark 3.5 with Iceberg 1.10.1 (test/harness/older-reader.ts starts it for this
 * file; the always-on oracle is Spark 4.1 with Iceberg 1.12), the line many users still run:
 *  - v2: the every-type table floe writes reads back with exactly the written values and the same
 *    Spark types as in Spark 4 (every-type.it.test.ts);
 *  - v3: the same rows in a v3 table read the same, with distinct `_row_id`s; a column added with
 *    an `initial-default` reads that default for rows written before it; the deletion vectors Spark
 *    4's DELETE writes are applied;
 *  - what it refuses on v3 (docs/querying.md's reader matrix): `variant`, `timestamp_ns`,
 *    `timestamptz_ns` and `time` columns make the whole table unreadable.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { useOlderReader } from '../../harness/older-reader.js';
import { rowObjects, type OracleValue } from '../../harness/oracle.js';
import { cases, opt, req, schema, sortPairs, SPARK_TYPES } from './every-type-cases.js';
import { OracleTables, schemaOf, sortBy } from './oracle-tables.js';

const older = useOlderReader();
const t = new OracleTables('floe_older');

beforeAll(async () => {
  await t.setup();
  await t.create('v2', schema);
  await t.create('v3', schema, [], { 'format-version': '3' });
  await t.append('v2', cases.map((c) => c.row));
  await t.append('v3', cases.map((c) => c.row));
});
afterAll(() => t.teardown());

const byKey = (rows: Record<string, OracleValue>[]) => rows.map((r) => ({ ...r, m: sortPairs(r.m ?? null), mi: sortPairs(r.mi ?? null) }));

describe('Spark 3.5 with Iceberg 1.10.1', () => {
  it('reads floe v2 and v3 tables of every type with exactly the written values, as Spark 4 does', async () => {
    expect((await older().health()).spark).toMatch(/^3\.5\./);
    for (const table of ['v2', 'v3']) {
      const res = await older().sparkSql(`SELECT * FROM ${t.name(table)}`);
      expect(Object.fromEntries(res.columns.map((c) => [c.name, c.type])), table).toEqual(SPARK_TYPES);
      expect(byKey(sortBy(rowObjects(res), 'id')), table).toEqual(byKey(cases.map((c) => c.want)));
      const current = await t.spark(`SELECT * FROM ${t.name(table)}`);
      expect(current.columns, table).toEqual(res.columns);
    }
    const lineage = await older().sparkSql(`SELECT _row_id FROM ${t.name('v3')}`);
    expect(new Set(lineage.rows.map((r) => r[0])).size).toBe(cases.length);
    expect(lineage.rows.every((r) => typeof r[0] === 'string')).toBe(true);
  });

  it('reads the initial-default of a column added to a v3 table for the rows written before it', async () => {
    await t.create('defaults', schemaOf([req(1, 'id', 'long')]), [], { 'format-version': '3' });
    await t.append('defaults', [{ id: 1n }, { id: 2n }]);
    const md = await t.load('defaults');
    const note = { id: 2, name: 'note', required: false, type: 'string' as const, 'initial-default': 'n/a', 'write-default': 'n/a' };
    await t.catalog.commitTable(t.id('defaults'), {
      requirements: [{ type: 'assert-current-schema-id', 'current-schema-id': md['current-schema-id'] }],
      updates: [
        { action: 'add-schema', schema: { type: 'struct', 'schema-id': 1, fields: [req(1, 'id', 'long'), note] }, 'last-column-id': 2 },
        { action: 'set-current-schema', 'schema-id': -1 },
      ],
    });
    const want = [['1', 'n/a'], ['2', 'n/a']];
    expect((await older().sparkSql(`SELECT id, note FROM ${t.name('defaults')} ORDER BY id`)).rows).toEqual(want);
    expect((await t.spark(`SELECT id, note FROM ${t.name('defaults')} ORDER BY id`)).rows).toEqual(want);
  });

  it('applies the deletion vectors a Spark 4 DELETE writes on a v3 table', async () => {
    await t.create('dv', schema, [], { 'format-version': '3', 'write.delete.mode': 'merge-on-read' });
    await t.append('dv', cases.map((c) => c.row));
    await t.spark(`DELETE FROM ${t.name('dv')} WHERE id = 2`);
    expect((await t.spark(`SELECT file_format, content FROM ${t.name('dv')}.delete_files`)).rows).toEqual([['PUFFIN', 1]]);
    const res = await older().sparkSql(`SELECT * FROM ${t.name('dv')}`);
    expect(byKey(sortBy(rowObjects(res), 'id'))).toEqual(byKey(cases.filter((c) => c.want.id !== 2).map((c) => c.want)));
  });

  it('refuses a v3 table with a variant, nanosecond timestamp or time column, whichever columns the query selects', async () => {
    const refusals: Record<string, string> = {
      variant: 'UnsupportedOperationException: Unsupported type: variant',
      timestamp_ns: 'Cannot convert unknown type to Spark: timestamp_ns',
      timestamptz_ns: 'Cannot convert unknown type to Spark: timestamptz_ns',
      time: 'Spark does not support time fields',
    };
    for (const [type, message] of Object.entries(refusals)) {
      const name = `t_${type}`;
      await t.create(name, schemaOf([req(1, 'id', 'long'), opt(2, 'v', type as 'time')]), [], { 'format-version': '3' });
      await expect(older().sparkSql(`SELECT id FROM ${t.name(name)}`), type).rejects.toThrow(message);
    }
  });
});
