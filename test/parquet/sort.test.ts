/**
 * Files in the table's sort order: sortTable's row order for directions, null orders, transforms
 * and several batches, and writeDataFiles recording sort_order_id — read back with hyparquet.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { unpartitioned } from '../../src/iceberg/spec/partition.js';
import { buildSortOrder } from '../../src/iceberg/spec/sort.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { applicableOrder, sortTable } from '../../src/parquet/sort.js';
import { writeDataFiles } from '../../src/parquet/table-files.js';
import { MemoryFileIO } from '../iceberg/table/helpers.js';
import { readWithHyparquet } from './hyparquet.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'amount', required: false, type: 'decimal(10,2)' },
    { id: 4, name: 'meta', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'ts', required: false, type: 'timestamptz' }] } },
  ],
};

const rows = [
  { id: 3n, name: 'b', amount: -150n, meta: { ts: 3_000_000n } },
  { id: 1n, name: null, amount: 200n, meta: null },
  { id: 2n, name: 'a', amount: null, meta: { ts: 1_000_000n } },
  { id: 5n, name: 'b', amount: 5n, meta: { ts: 2_000_000n } },
  { id: 4n, name: 'ä', amount: -3n, meta: { ts: null } },
];
const ids = (t: arrow.Table) => [...t.getChild('id')!].map(Number);

describe('sortTable', () => {
  const table = rowsToTable(schema, rows);

  it('orders by each field in turn, stable for equal keys, nulls placed as the order says', () => {
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'id' }])))).toEqual([1, 2, 3, 4, 5]);
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'id', direction: 'desc' }])))).toEqual([5, 4, 3, 2, 1]);
    // asc: nulls first by default; 'b' twice keeps arrival order (3 before 5); 'ä' after ASCII.
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'name' }])))).toEqual([1, 2, 3, 5, 4]);
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'name', nullOrder: 'nulls-last' }, { source: 'id', direction: 'desc' }])))).toEqual([2, 5, 3, 4, 1]);
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'amount', direction: 'desc' }])))).toEqual([1, 5, 4, 3, 2]);
    // A null parent struct makes the nested value null; desc puts nulls last.
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'meta.ts', direction: 'desc' }])))).toEqual([3, 5, 2, 1, 4]);
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'id', transform: 'bucket[2]' }, { source: 'id' }])))).toHaveLength(5);
    expect(ids(sortTable(table, schema, buildSortOrder(schema, [{ source: 'name', transform: 'truncate[1]' }, { source: 'id', direction: 'desc' }])))).toEqual([1, 2, 5, 3, 4]);
  });

  it('sorts across batches and leaves an unsorted order alone', () => {
    const two = new arrow.Table([...rowsToTable(schema, rows.slice(0, 2)).batches, ...rowsToTable(schema, rows.slice(2)).batches]);
    const sorted = sortTable(two, schema, buildSortOrder(schema, [{ source: 'id' }]));
    expect(sorted.batches).toHaveLength(1);
    expect(ids(sorted)).toEqual([1, 2, 3, 4, 5]);
    expect(sortTable(table, schema, buildSortOrder(schema, []))).toBe(table);
  });

  it('applies only when every sort column is in the schema written', () => {
    const order = buildSortOrder(schema, [{ source: 'name' }]);
    expect(applicableOrder(order, schema)).toBe(order);
    expect(applicableOrder(order, { ...schema, fields: [schema.fields[0]!] })).toBeUndefined();
  });
});

describe('writeDataFiles with a sort order', () => {
  it('writes every file sorted and records the order id', async () => {
    const io = new MemoryFileIO();
    const many = Array.from({ length: 3000 }, (_, i) => ({ id: BigInt((i * 7919) % 3000), name: `row-${i}-${'x'.repeat(40)}`, amount: null, meta: null }));
    const order = buildSortOrder(schema, [{ source: 'id', direction: 'desc' }], 4);
    const files = await writeDataFiles(many, {
      io, dataLocation: 'mem://t/data', schema, spec: unpartitioned, partition: [], sortOrder: order,
      targetFileSizeBytes: 16 * 1024, initialCompressionRatio: 0.1, compression: 'none',
    });
    expect(files.length).toBeGreaterThan(1);
    expect(files.every((f) => f.sortOrderId === 4)).toBe(true);
    const all: number[] = [];
    for (const f of files) {
      const back = (await readWithHyparquet(io.files.get(f.filePath)!)).map((r) => Number(r.id));
      expect(back).toEqual([...back].sort((x, y) => y - x));
      all.push(...back);
    }
    // Rolled after sorting: the files hold consecutive ranges, together every row once.
    expect(all).toEqual(Array.from({ length: 3000 }, (_, i) => 2999 - i));
    const unsortedFiles = await writeDataFiles(many.slice(0, 10), { io, dataLocation: 'mem://t/data', schema, spec: unpartitioned, partition: [] });
    expect(unsortedFiles[0]!.sortOrderId).toBeUndefined();
  });
});
