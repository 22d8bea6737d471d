/** A schema with every Iceberg type (nested too) and rows exercising their edge values. */
import type { IcebergType, Schema } from '../../src/iceberg/spec/types.js';
import { decimalParams, fixedLength } from '../../src/iceberg/spec/schema.js';

export const ALL_TYPES: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'b', required: false, type: 'boolean' },
    { id: 3, name: 'i', required: false, type: 'int' },
    { id: 4, name: 'l', required: false, type: 'long' },
    { id: 5, name: 'f', required: false, type: 'float' },
    { id: 6, name: 'd', required: false, type: 'double' },
    { id: 7, name: 'dec9', required: false, type: 'decimal(9,2)' },
    { id: 8, name: 'dec18', required: false, type: 'decimal(18,6)' },
    { id: 9, name: 'dec38', required: false, type: 'decimal(38,10)' },
    { id: 10, name: 'date', required: false, type: 'date' },
    { id: 11, name: 'time', required: false, type: 'time' },
    { id: 12, name: 'ts', required: false, type: 'timestamp' },
    { id: 13, name: 'tstz', required: false, type: 'timestamptz' },
    { id: 14, name: 's', required: false, type: 'string' },
    { id: 15, name: 'u', required: false, type: 'uuid' },
    { id: 16, name: 'fx', required: false, type: 'fixed[3]' },
    { id: 17, name: 'bin', required: false, type: 'binary' },
    {
      id: 18, name: 'st', required: false,
      type: {
        type: 'struct',
        fields: [
          { id: 19, name: 'a', required: true, type: 'int' },
          { id: 20, name: 'b', required: false, type: 'string' },
          { id: 21, name: 'inner', required: false, type: { type: 'struct', fields: [{ id: 22, name: 'x', required: false, type: 'double' }] } },
        ],
      },
    },
    { id: 23, name: 'tags', required: false, type: { type: 'list', 'element-id': 24, element: 'string', 'element-required': false } },
    {
      id: 25, name: 'attrs', required: false,
      type: { type: 'map', 'key-id': 26, key: 'string', 'value-id': 27, value: 'long', 'value-required': false },
    },
    {
      id: 28, name: 'points', required: false,
      type: {
        type: 'list', 'element-id': 29, 'element-required': true,
        element: { type: 'struct', fields: [{ id: 30, name: 'x', required: true, type: 'int' }, { id: 31, name: 'y', required: false, type: 'int' }] },
      },
    },
    {
      id: 32, name: 'nested_map', required: false,
      type: {
        type: 'map', 'key-id': 33, key: 'int', 'value-id': 34, 'value-required': true,
        value: { type: 'list', 'element-id': 35, element: 'date', 'element-required': false },
      },
    },
    { id: 36, name: 'ts_ns', required: false, type: 'timestamptz_ns' },
    { id: 37, name: 'req_s', required: true, type: 'string' },
  ],
};

const bytes = (...b: number[]) => Uint8Array.from(b);

export const ALL_ROWS: Record<string, unknown>[] = [
  {
    id: 1n, b: true, i: 2147483647, l: 9007199254740993n, f: 1.1, d: -0.0,
    dec9: 9999999_99n, dec18: -999999999999999999n, dec38: 99999999999999999999999999999999999999n,
    date: -719162, time: 86399999999n, ts: -1n, tstz: 1700000000123456n, s: 'héllo wörld ✓ 𝄞',
    u: 'f79c3e09-677c-4bbd-a479-3f349cb785e7', fx: bytes(0, 1, 255), bin: bytes(),
    st: { a: 1, b: 'x', inner: { x: Number.NaN } }, tags: ['a', null, 'c'], attrs: new Map([['k', 1n], ['z', null]]),
    points: [{ x: 1, y: null }, { x: 2, y: 3 }], nested_map: new Map([[1, [0, null]]]), ts_ns: 1700000000123456789n, req_s: '',
  },
  {
    id: -9223372036854775808n, b: false, i: -2147483648, l: -9223372036854775808n, f: Number.NEGATIVE_INFINITY, d: 0.0,
    dec9: -99999999n, dec18: 1n, dec38: -99999999999999999999999999999999999999n,
    date: 2932896, time: 0, ts: -62135596800000000n, tstz: 253402300799999999n, s: 'a',
    u: '00000000-0000-0000-0000-000000000000', fx: bytes(255, 255, 255), bin: bytes(0, 0xff),
    st: { a: -1, b: null, inner: null }, tags: [], attrs: [['a', 5n]],
    points: [], nested_map: [], ts_ns: -1n, req_s: 'required',
  },
  {
    id: 9223372036854775807n, b: null, i: null, l: 12345, f: null, d: Number.NaN,
    dec9: null, dec18: null, dec38: 0n, date: null, time: null, ts: null, tstz: null, s: null,
    u: null, fx: null, bin: null, st: null, tags: null, attrs: null, points: null, nested_map: null, ts_ns: null, req_s: 'z',
  },
  {
    id: 0, b: undefined, d: 1e308, f: 3.4028234663852886e38, s: 'zzzzzzzzzzzzzzzzzzzzzzzz-long-string-beyond-sixteen', bin: bytes(1, 2, 3),
    u: 'FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', st: { a: 0 }, tags: [null], attrs: { x: -1n }, points: [{ x: 0 }],
    nested_map: [[2, []], [3, [19000]]], req_s: 'ok',
  },
];

/** The row as test/parquet/pyarrow.ts prints it, derived from the Iceberg type alone. */
export function expectedValue(type: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') {
    if (decimalParams(type)) return String(v);
    if (fixedLength(type) !== undefined) return { hex: Buffer.from(v as Uint8Array).toString('hex') };
    switch (type) {
      case 'boolean': case 'string': return v;
      case 'float': return floatJson(Math.fround(v as number));
      case 'double': return floatJson(v as number);
      case 'uuid': return { hex: (v as string).replace(/-/g, '').toLowerCase() };
      case 'binary': return { hex: Buffer.from(v as Uint8Array).toString('hex') };
      default: return BigInt(v as number | bigint).toString();
    }
  }
  switch (type.type) {
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, expectedValue(f.type, o[f.name])]));
    }
    case 'list':
      return (v as unknown[]).map((e) => expectedValue(type.element, e));
    case 'map': {
      const entries = v instanceof Map ? [...v] : Array.isArray(v) ? (v as [unknown, unknown][]) : Object.entries(v as object);
      return entries.map(([k, x]) => [expectedValue(type.key, k), expectedValue(type.value, x)]);
    }
  }
}

function floatJson(n: number): unknown {
  if (Number.isNaN(n)) return 'NaN';
  if (n === Infinity) return 'Infinity';
  if (n === -Infinity) return '-Infinity';
  if (Object.is(n, -0)) return '-0';
  return n;
}

export function expectedRows(schema: Schema, rows: Record<string, unknown>[]): unknown[] {
  return rows.map((r) => expectedValue({ type: 'struct', fields: schema.fields }, r));
}
