/** concatData / concatBatches: every Iceberg type (nested too), nulls, sliced input. */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { concatBatches } from '../../src/arrow/concat.js';
import { ALL_ROWS, ALL_TYPES } from '../parquet/fixtures.js';

const json = (v: unknown) =>
  JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : typeof x === 'number' && Number.isNaN(x) ? 'NaN' : x));
const rowsOf = (t: arrow.Table | arrow.RecordBatch) => Array.from({ length: t.numRows }, (_, i) => json(t.get(i)!.toJSON()));

describe('concatBatches', () => {
  const a = rowsToTable(ALL_TYPES, ALL_ROWS).batches[0]!;
  const b = rowsToTable(ALL_TYPES, [...ALL_ROWS].reverse()).batches[0]!;

  it('holds the rows of every batch in order, for every type', () => {
    for (const parts of [[a, b], [a.slice(1, 3), b, a.slice(2)], [b.slice(0, 0), a]]) {
      const joined = concatBatches(a.schema, parts);
      expect(joined.numRows).toBe(parts.reduce((n, p) => n + p.numRows, 0));
      expect(rowsOf(joined)).toEqual(parts.flatMap((p) => rowsOf(p)));
      // What it builds survives IPC (what the Parquet writer is handed).
      expect(rowsOf(arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table([joined]))))).toEqual(parts.flatMap((p) => rowsOf(p)));
    }
  });

  it('returns a single batch as it is', () => {
    expect(concatBatches(a.schema, [a])).toBe(a);
  });
});
