import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder, rowsToTable } from '../../src/arrow/builder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { FloeError } from '../../src/util/errors.js';
import { ALL_ROWS, ALL_TYPES, expectedRows } from '../parquet/fixtures.js';
import { readWithPyarrow } from '../parquet/pyarrow.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';

const schemaOf = (fields: Schema['fields']): Schema => ({ type: 'struct', 'schema-id': 0, fields });

function errorOf(fn: () => void): FloeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected a FloeError');
}

describe('RecordBatchBuilder', () => {
  it('builds a batch whose values Arrow JS reads back', () => {
    const schema = schemaOf([
      { id: 1, name: 'l', required: true, type: 'long' },
      { id: 2, name: 's', required: false, type: 'string' },
      { id: 3, name: 'tags', required: false, type: { type: 'list', 'element-id': 4, element: 'int', 'element-required': false } },
      { id: 5, name: 'dec', required: false, type: 'decimal(38,2)' },
    ]);
    const b = new RecordBatchBuilder(schema);
    b.append({ l: 2 ** 40 + 7, s: 'ü', tags: [1, null, 3], dec: -(10n ** 37n) - 5n });
    b.append({ l: -(2 ** 40) - 7, s: null });
    b.append({ l: -1, s: 'plain ascii' });
    const batch = b.finish();
    expect(batch.numRows).toBe(3);
    expect(b.length).toBe(0);
    expect([...batch.getChild('l')!]).toEqual([2n ** 40n + 7n, -(2n ** 40n) - 7n, -1n]);
    expect([...batch.getChild('s')!]).toEqual(['ü', null, 'plain ascii']);
    expect([...batch.getChild('tags')!.get(0)!]).toEqual([1, null, 3]);
    expect(batch.getChild('tags')!.get(1)).toBeNull();
    expect(batch.getChild('dec')!.nullCount).toBe(2);
  });

  it('accepts longs and timestamps as numbers or bigints, exact beyond 2^53', () => {
    const schema = schemaOf([{ id: 1, name: 'v', required: true, type: 'timestamptz' }]);
    const values = [0, -1, 2 ** 31, -(2 ** 31) - 1, 2 ** 53 + 2, -(2 ** 62), 9223372036854775807n, -9223372036854775808n];
    const batch = rowsToTable(schema, values.map((v) => ({ v })));
    expect([...batch.getChild('v')!.data[0]!.values]).toEqual(values.map((v) => BigInt(v)));
  });

  it('grows past the initial capacity and can be reused after finish', () => {
    const b = new RecordBatchBuilder(ALL_TYPES, { initialCapacity: 1 });
    for (let round = 0; round < 2; round++) {
      const rows = Array.from({ length: 300 }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k + round) }));
      for (const r of rows) b.append(r);
      const py = readWithPyarrow(writeParquetBytes(new arrow.Table([b.finish()])));
      expect(py.rows).toEqual(expectedRows(ALL_TYPES, rows));
    }
  });

  it('a fresh builder presized from another grows each column once to that size, and stores the same', () => {
    const rows = Array.from({ length: 3000 }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k) }));
    const first = new RecordBatchBuilder(ALL_TYPES, { initialCapacity: 16 });
    for (const r of rows) first.append(r);
    const hints = first.sizeHints(); // while it holds its batch, as when the next builder is made
    const expected = expectedRows(ALL_TYPES, rows);
    expect(readWithPyarrow(writeParquetBytes(new arrow.Table([first.finish()]))).rows).toEqual(expected);
    expect(first.sizeHints()).toEqual(hints); // and after finish, what it finished

    // Buffers are replaced only when they grow: count each top-level column's value buffers.
    const grow = (b: RecordBatchBuilder) => {
      const leaves = (b as unknown as { root: { children: readonly object[] } }).root.children;
      const seen = leaves.map(() => new Set<unknown>());
      for (const r of rows) {
        b.append(r);
        leaves.forEach((c, i) => seen[i]!.add((c as { bytes?: unknown }).bytes ?? (c as { values?: unknown }).values));
      }
      return seen.map((s) => s.size);
    };
    const next = new RecordBatchBuilder(ALL_TYPES, { initialCapacity: 16 });
    next.presize(hints);
    const presized = grow(next);
    const doubling = grow(new RecordBatchBuilder(ALL_TYPES, { initialCapacity: 16 }));
    // The initial buffer and one grown to the hint; a string appended as a JS string reserves 3
    // bytes per UTF-16 unit, which can take one more near the end.
    presized.forEach((n, i) => expect(n, `column ${i}`).toBeLessThanOrEqual(3));
    expect(presized.reduce((a, b) => a + b)).toBeLessThan(doubling.reduce((a, b) => a + b) / 2);
    expect(readWithPyarrow(writeParquetBytes(new arrow.Table([next.finish()]))).rows).toEqual(expected);
  });

  it('reports a null in a required field with its path, at any depth', () => {
    const cases: [Record<string, unknown>, string][] = [
      [{ ...ALL_ROWS[0], id: null }, 'id'],
      [{ ...ALL_ROWS[0], req_s: undefined }, 'req_s'],
      [{ ...ALL_ROWS[0], st: { b: 'x' } }, 'st.a'],
      [{ ...ALL_ROWS[0], points: [{ x: 1 }, null] }, 'points.element'],
      [{ ...ALL_ROWS[0], points: [{ y: 1 }] }, 'points.element.x'],
      [{ ...ALL_ROWS[0], attrs: [[null, 1n]] }, 'attrs.key'],
      [{ ...ALL_ROWS[0], nested_map: new Map([[1, null]]) }, 'nested_map.value'],
    ];
    const b = new RecordBatchBuilder(ALL_TYPES);
    for (const [row, path] of cases) {
      const e = errorOf(() => b.append(row));
      expect(e.code).toBe('ROW_REQUIRED_NULL');
      expect(e.details.path).toBe(path);
    }
    expect(b.length).toBe(0);
  });

  it('rejects values of the wrong type', () => {
    const cases: [string, unknown][] = [
      ['i', 1.5], ['i', 2 ** 31], ['i', '1'], ['l', 1.5], ['l', 2n ** 63n], ['l', 2 ** 63], ['b', 1], ['f', 1n],
      ['dec9', 1], ['date', 1.5], ['s', 1], ['u', 'not-a-uuid'], ['u', new Uint8Array(15)], ['fx', new Uint8Array(4)],
      ['bin', 'text'], ['st', [1]], ['tags', 'a'], ['attrs', 5], ['ts', new Date()],
    ];
    const b = new RecordBatchBuilder(ALL_TYPES);
    for (const [field, value] of cases) {
      const e = errorOf(() => b.append({ ...ALL_ROWS[0], [field]: value }));
      expect(e.code, `${field}=${String(value)}`).toBe('ROW_TYPE_MISMATCH');
      expect(e.details.path).toBe(field);
    }
  });

  it('rejects decimals beyond their precision and times outside the day', () => {
    const b = new RecordBatchBuilder(ALL_TYPES);
    for (const [field, value] of [['dec9', 10n ** 9n], ['dec18', -(10n ** 18n)], ['dec38', 10n ** 38n]] as const) {
      const e = errorOf(() => b.append({ ...ALL_ROWS[0], [field]: value }));
      expect(e.code).toBe('ROW_DECIMAL_OVERFLOW');
      expect(e.details.path).toBe(field);
    }
    for (const t of [-1, 86_400_000_000n]) {
      expect(errorOf(() => b.append({ ...ALL_ROWS[0], time: t })).code).toBe('ROW_VALUE_OUT_OF_RANGE');
    }
  });

  it('rolls back a failed row completely, so the batch stays consistent', () => {
    const b = new RecordBatchBuilder(ALL_TYPES);
    b.append(ALL_ROWS[0]!);
    // Fails deep inside after earlier columns, list elements and map entries were appended.
    expect(() => b.append({ ...ALL_ROWS[1], tags: ['x', 'y'], attrs: new Map([['k', 1n]]), nested_map: [[9, [1]], [10, null]] })).toThrow(FloeError);
    expect(() => b.append({ ...ALL_ROWS[1], req_s: null })).toThrow(FloeError);
    b.append(ALL_ROWS[2]!);
    b.append(ALL_ROWS[3]!);
    const rows = [ALL_ROWS[0]!, ALL_ROWS[2]!, ALL_ROWS[3]!];
    const batch = b.finish();
    expect(batch.numRows).toBe(3);
    expect(readWithPyarrow(writeParquetBytes(new arrow.Table([batch]))).rows).toEqual(expectedRows(ALL_TYPES, rows));
  });

  it('estimates its byte size close to the Arrow IPC size', () => {
    const b = new RecordBatchBuilder(ALL_TYPES);
    for (let k = 0; k < 2000; k++) b.append({ ...ALL_ROWS[k % 4], id: BigInt(k) });
    const estimate = b.byteSize;
    expect(b.rowCount).toBe(2000);
    const ipc = arrow.tableToIPC(new arrow.Table([b.finish()]), 'stream').byteLength;
    expect(estimate / ipc).toBeGreaterThan(0.8);
    expect(estimate / ipc).toBeLessThan(1.2);
  });
});

describe('columns read back (valueAt) and rolled back (truncate)', () => {
  const schema = schemaOf([
    { id: 1, name: 'b', required: false, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'd', required: false, type: 'date' },
    { id: 4, name: 'l', required: false, type: 'long' },
    { id: 5, name: 'ts', required: false, type: 'timestamptz' },
    { id: 6, name: 'f', required: false, type: 'float' },
    { id: 7, name: 'x', required: false, type: 'double' },
    { id: 8, name: 'small', required: false, type: 'decimal(9,2)' },
    { id: 9, name: 'wide', required: false, type: 'decimal(38,0)' },
    { id: 10, name: 's', required: false, type: 'string' },
    { id: 11, name: 'bin', required: false, type: 'binary' },
    { id: 12, name: 'u', required: false, type: 'uuid' },
    { id: 13, name: 'fx', required: false, type: 'fixed[3]' },
  ]);
  const rows = [
    { b: true, i: -7, d: 19000, l: -(2n ** 63n), ts: 1_700_000_000_000_123n, f: 1.5, x: -0.25, small: -12345n, wide: -(10n ** 37n) - 3n, s: 'grüße', bin: new Uint8Array([0, 255]), u: '0123abcd-0000-4000-8000-00000000ffff', fx: new Uint8Array([1, 2, 3]) },
    { b: null, i: null, d: null, l: null, ts: null, f: null, x: null, small: null, wide: null, s: null, bin: null, u: null, fx: null },
    { b: false, i: 2147483647, d: -1, l: 2n ** 63n - 1n, ts: 0n, f: -0, x: Number.NaN, small: 999999999n, wide: 10n ** 38n - 1n, s: '', bin: new Uint8Array(0), u: 'ffffffff-ffff-4fff-bfff-ffffffffffff', fx: new Uint8Array([0, 0, 0]) },
  ];

  it('gives back what append took, in canonical form, and null for a null slot', () => {
    const b = new RecordBatchBuilder(schema);
    for (const r of rows) b.append(r);
    rows.forEach((r, i) => {
      const back = Object.fromEntries(schema.fields.map((f, k) => [f.name, b.columns[k]!.valueAt(i)]));
      expect(back).toEqual(r);
    });
  });

  it('a rolled-back row leaves the batch byte for byte as if it had never come', () => {
    const plain = new RecordBatchBuilder(schema);
    const rolled = new RecordBatchBuilder(schema);
    for (const r of [rows[0]!, rows[1]!]) {
      plain.append(r);
      rolled.append(r);
    }
    rolled.append(rows[2]!);
    rolled.dropLast();
    rolled.append(rows[0]!);
    rolled.dropLast();
    const ipc = (x: RecordBatchBuilder) => Buffer.from(arrow.tableToIPC(new arrow.Table([x.finish()])));
    expect(ipc(rolled).equals(ipc(plain))).toBe(true);
  });
});

describe('FloatColumn.appendIeeeAt (the direct reader’s floats and doubles)', () => {
  it('copies little-endian values of the column’s width bit for bit, and converts other widths', async () => {
    const { FloatColumn } = await import('../../src/arrow/primitives.js');
    const src = Buffer.alloc(8 * 40 + 3);
    const doubles = [0, -0, 1.5, -1e-300, Number.MAX_VALUE, Number.NEGATIVE_INFINITY, 5e-324];
    doubles.forEach((d, i) => src.writeDoubleLE(d, 3 + 8 * i));
    // A NaN with a payload: kept as written.
    src.writeUInt32LE(0x00000001, 3 + 8 * 7);
    src.writeUInt32LE(0x7ff80000, 3 + 8 * 7 + 4);
    const d = new FloatColumn(new arrow.Float64(), false, 'd', 1);
    for (let i = 0; i < 40; i++) d.appendIeeeAt(src, 3 + 8 * i, 8); // past the initial 16 slots
    const data = d.finish();
    const bytes = Buffer.from(data.values.buffer, data.values.byteOffset, 8 * 40);
    expect(bytes.equals(src.subarray(3, 3 + 8 * 40))).toBe(true);
    expect(Array.from(data.values as Float64Array).slice(0, 7)).toEqual(doubles);

    const f = new FloatColumn(new arrow.Float32(), false, 'f', 1);
    const floats = Buffer.alloc(12);
    [1.5, -0, Math.fround(3.4e38)].forEach((v, i) => floats.writeFloatLE(v, 4 * i));
    for (let i = 0; i < 3; i++) f.appendIeeeAt(floats, 4 * i, 4);
    expect(Array.from(f.finish().values as Float32Array)).toEqual([1.5, -0, Math.fround(3.4e38)]);

    // A float into a double column (widths differ): converted, not copied.
    const w = new FloatColumn(new arrow.Float64(), false, 'w', 1);
    w.appendIeeeAt(floats, 0, 4);
    expect(Array.from(w.finish().values as Float64Array)).toEqual([1.5]);
  });
});
