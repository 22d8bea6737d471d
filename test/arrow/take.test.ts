/** takeData: the selected rows of every Iceberg type (nested too), with nulls and sliced input. */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { takeBatch } from '../../src/arrow/take.js';
import { ALL_ROWS, ALL_TYPES } from '../parquet/fixtures.js';

const json = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : typeof x === 'number' && Number.isNaN(x) ? 'NaN' : x));
const rowsOf = (t: arrow.Table | arrow.RecordBatch) => Array.from({ length: t.numRows }, (_, i) => json(t.get(i)!.toJSON()));

describe('takeBatch', () => {
  const table = rowsToTable(ALL_TYPES, [...ALL_ROWS, ...ALL_ROWS, ...ALL_ROWS]);
  const batch = table.batches[0]!;

  it('copies exactly the selected rows of every type', () => {
    const all = rowsOf(batch);
    for (const pick of [[0], [1, 2], [0, 2, 3, 5], [...all.keys()], [], [5, 0]]) {
      const taken = takeBatch(batch, Int32Array.from(pick));
      expect(taken.numRows).toBe(pick.length);
      expect(rowsOf(taken)).toEqual(pick.map((i) => all[i]));
      // What it builds survives IPC (what the Parquet writer is handed).
      expect(rowsOf(arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([taken]))))).toEqual(pick.map((i) => all[i]));
    }
  });

  it('honours the offsets of sliced input', () => {
    const sliced = batch.slice(1, 5); // rows 1..4
    const all = rowsOf(sliced);
    expect(all).toEqual(rowsOf(batch).slice(1, 5));
    const taken = takeBatch(sliced, Int32Array.from([0, 2, 3]));
    expect(rowsOf(taken)).toEqual([all[0], all[2], all[3]]);
  });

  it('drops the validity bitmap when no selected row is null', () => {
    const t = rowsToTable({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'x', required: false, type: 'int' }] }, [{ x: 1 }, { x: null }, { x: 3 }]);
    const taken = takeBatch(t.batches[0]!, Int32Array.from([0, 2]));
    expect(taken.getChild('x')!.data[0]!.nullCount).toBe(0);
    expect([...taken.getChild('x')!]).toEqual([1, 3]);
  });
});
