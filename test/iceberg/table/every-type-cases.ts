/**
 * The every-type table: its schema, the rows floe writes and what each reader must return. Shared by
 * every-type.it.test.ts (the always-on oracle: Spark 4.1 + Iceberg 1.12, PyIceberg) and
 * older-reader.it.test.ts (Spark 3.5 + Iceberg 1.10.1), and with a time column added by trino.it.test.ts.
 */
import type { Row } from '../../../src/arrow/builder.js';
import type { NestedField } from '../../../src/iceberg/spec/types.js';
import type { OracleValue } from '../../harness/oracle.js';
import { b64, bytes, days, micros, unscaled } from './oracle-values.js';
import { schemaOf } from './oracle-tables.js';

export const opt = (id: number, name: string, type: NestedField['type']): NestedField => ({ id, name, required: false, type });
export const req = (id: number, name: string, type: NestedField['type']): NestedField => ({ id, name, required: true, type });

export const schema = schemaOf([
  req(1, 'id', 'int'),
  opt(2, 'b', 'boolean'),
  opt(3, 'i', 'int'),
  opt(4, 'l', 'long'),
  opt(5, 'f', 'float'),
  opt(6, 'd', 'double'),
  opt(7, 'dec9', 'decimal(9,2)'),
  opt(8, 'dec18', 'decimal(18,6)'),
  opt(9, 'dec38', 'decimal(38,10)'),
  opt(10, 'dt', 'date'),
  opt(11, 'ts', 'timestamp'),
  opt(12, 'tstz', 'timestamptz'),
  opt(13, 's', 'string'),
  opt(14, 'u', 'uuid'),
  opt(15, 'fx', 'fixed[16]'),
  opt(16, 'bin', 'binary'),
  opt(17, 'st', {
    type: 'struct',
    fields: [req(30, 'a', 'int'), opt(31, 'b', 'string'), opt(32, 'inner', { type: 'struct', fields: [opt(33, 'x', 'double')] })],
  }),
  opt(18, 'li', { type: 'list', 'element-id': 40, element: 'int', 'element-required': false }),
  opt(19, 'ls', {
    type: 'list',
    'element-id': 41,
    element: { type: 'struct', fields: [req(42, 'k', 'string'), opt(43, 'v', 'long')] },
    'element-required': true,
  }),
  opt(20, 'm', { type: 'map', 'key-id': 50, key: 'string', 'value-id': 51, value: 'long', 'value-required': false }),
  opt(21, 'mi', { type: 'map', 'key-id': 52, key: 'int', 'value-id': 53, value: 'string', 'value-required': true }),
  req(22, 'rs', 'string'),
]);

export const FIXED = bytes(0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 255);
export const BIN = bytes(0, 255, 128, 7);

/** Each row: floe's canonical input and what both oracles must return (their JSON encoding). */
export const cases: { row: Row; want: Record<string, OracleValue> }[] = [
  {
    row: {
      id: 1, b: true, i: -2147483648, l: 9223372036854775807n, f: 1.5, d: Number.NaN,
      dec9: unscaled('-1234567.89', 2), dec18: unscaled('123456789012.345678', 6),
      dec38: unscaled('9999999999999999999999999999.9999999999', 10),
      dt: days('1969-12-31'), ts: micros('1969-12-31T23:59:59.999999'), tstz: micros('1900-01-01T00:00:00.000001'),
      s: 'non-BMP: 😀 𝄞 and ü', u: '123e4567-e89b-12d3-a456-426614174000', fx: FIXED, bin: BIN,
      st: { a: 7, b: 'x', inner: { x: -0.5 } }, li: [1, null, 3], ls: [{ k: 'a', v: 9007199254740993n }, { k: 'b', v: null }],
      m: new Map([['one', 1n], ['big', -9007199254740993n]]), mi: [[2, 'two'], [-1, 'minus one']], rs: 'r1',
    },
    want: {
      id: 1, b: true, i: -2147483648, l: '9223372036854775807', f: 1.5, d: 'NaN',
      dec9: '-1234567.89', dec18: '123456789012.345678', dec38: '9999999999999999999999999999.9999999999',
      dt: '1969-12-31', ts: '1969-12-31T23:59:59.999999', tstz: '1900-01-01T00:00:00.000001Z',
      s: 'non-BMP: 😀 𝄞 and ü', u: '123e4567-e89b-12d3-a456-426614174000', fx: b64(FIXED), bin: b64(BIN),
      st: { a: 7, b: 'x', inner: { x: -0.5 } }, li: [1, null, 3], ls: [{ k: 'a', v: '9007199254740993' }, { k: 'b', v: null }],
      m: [['one', '1'], ['big', '-9007199254740993']], mi: [[2, 'two'], [-1, 'minus one']], rs: 'r1',
    },
  },
  {
    row: {
      id: 2, b: false, i: 2147483647, l: -9223372036854775808n, f: -3.4028234663852886e38, d: Infinity,
      dec9: unscaled('0.01', 2), dec18: unscaled('-0.000001', 6), dec38: unscaled('-0.0000000001', 10),
      dt: days('0001-01-01'), ts: micros('2262-04-11T23:47:16.854775'), tstz: micros('1970-01-01T00:00:00Z') - 1n,
      s: '', u: '00000000-0000-0000-0000-000000000000', fx: new Uint8Array(16), bin: new Uint8Array(0),
      st: { a: -1, b: null, inner: null }, li: [], ls: [], m: new Map(), mi: [], rs: '',
    },
    want: {
      id: 2, b: false, i: 2147483647, l: '-9223372036854775808', f: -3.4028234663852886e38, d: 'Infinity',
      dec9: '0.01', dec18: '-0.000001', dec38: '-0.0000000001',
      dt: '0001-01-01', ts: '2262-04-11T23:47:16.854775', tstz: '1969-12-31T23:59:59.999999Z',
      s: '', u: '00000000-0000-0000-0000-000000000000', fx: b64(new Uint8Array(16)), bin: { $bytes: '' },
      st: { a: -1, b: null, inner: null }, li: [], ls: [], m: [], mi: [], rs: '',
    },
  },
  {
    // Every optional column null (nested ones too), only the required ones set.
    row: { id: 3, rs: 'only required' },
    want: {
      id: 3, b: null, i: null, l: null, f: null, d: null, dec9: null, dec18: null, dec38: null, dt: null, ts: null,
      tstz: null, s: null, u: null, fx: null, bin: null, st: null, li: null, ls: null, m: null, mi: null, rs: 'only required',
    },
  },
  {
    row: {
      id: 4, b: null, i: 0, l: 9007199254740993n, f: Math.fround(0.1), d: -Infinity,
      dec9: 0n, dec18: unscaled('999999999999.999999', 6), dec38: unscaled('-12345678901234567890.0123456789', 10),
      dt: days('2024-02-29'), ts: micros('2024-02-29T12:34:56.789012'), tstz: micros('2024-02-29T12:34:56.789012Z'),
      s: 'a\u0000b\nc', u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', fx: FIXED.slice().reverse(), bin: bytes(1),
      st: { a: 0, b: '', inner: { x: null } }, li: [null], ls: [{ k: '', v: 0n }], m: { k: null }, mi: [[0, '']], rs: 'r4',
    },
    want: {
      id: 4, b: null, i: 0, l: '9007199254740993', f: Math.fround(0.1), d: '-Infinity',
      dec9: '0.00', dec18: '999999999999.999999', dec38: '-12345678901234567890.0123456789',
      dt: '2024-02-29', ts: '2024-02-29T12:34:56.789012', tstz: '2024-02-29T12:34:56.789012Z',
      s: 'a\u0000b\nc', u: 'ffffffff-ffff-ffff-ffff-ffffffffffff', fx: b64(FIXED.slice().reverse()), bin: b64(bytes(1)),
      st: { a: 0, b: '', inner: { x: null } }, li: [null], ls: [{ k: '', v: '0' }], m: [['k', null]], mi: [[0, '']], rs: 'r4',
    },
  },
];

/** Spark's simpleString of each column's type. */
export const SPARK_TYPES: Record<string, string> = {
  id: 'int', b: 'boolean', i: 'int', l: 'bigint', f: 'float', d: 'double',
  dec9: 'decimal(9,2)', dec18: 'decimal(18,6)', dec38: 'decimal(38,10)',
  dt: 'date', ts: 'timestamp_ntz', tstz: 'timestamp', s: 'string', u: 'string', fx: 'binary', bin: 'binary',
  st: 'struct<a:int,b:string,inner:struct<x:double>>', li: 'array<int>', ls: 'array<struct<k:string,v:bigint>>',
  m: 'map<string,bigint>', mi: 'map<int,string>', rs: 'string',
};

/**
 * Arrow's type strings for what PyIceberg 0.12 returns: the spec's Iceberg → Arrow mapping. uuid
 * comes back as the arrow.uuid extension although floe's Parquet column is a plain
 * FIXED_LEN_BYTE_ARRAY(16) (parquet-wasm cannot annotate UUID): readers go by the table schema.
 */
export const PYICEBERG_TYPES: Record<string, string> = {
  id: 'int32', b: 'bool', i: 'int32', l: 'int64', f: 'float', d: 'double',
  dec9: 'decimal128(9, 2)', dec18: 'decimal128(18, 6)', dec38: 'decimal128(38, 10)',
  dt: 'date32[day]', ts: 'timestamp[us]', tstz: 'timestamp[us, tz=UTC]', s: 'string', u: 'extension<arrow.uuid>',
  fx: 'fixed_size_binary[16]', bin: 'binary',
  st: 'struct<a: int32 not null, b: string, inner: struct<x: double>>', li: 'list<element: int32>',
  ls: 'list<element: struct<k: string not null, v: int64> not null>', m: 'map<string, int64>', mi: 'map<int32, string>',
  rs: 'string',
};

/** Map entries in a stable order: pyspark hands maps over as dicts built from a java.util.HashMap. */
export function sortPairs(v: OracleValue): OracleValue {
  if (!Array.isArray(v)) return v;
  return [...v].sort((a, b) => (JSON.stringify(a) < JSON.stringify(b) ? -1 : 1));
}
