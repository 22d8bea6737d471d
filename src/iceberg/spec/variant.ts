/**
 * The Variant binary encoding (apache/parquet-format VariantEncoding.md, version 1), written
 * unshredded: one `metadata` (the dictionary of object keys) and one `value` per variant.
 *
 * Choices the spec leaves to the writer:
 * - the dictionary holds every object key of the value once, sorted by UTF-8 bytes, and says so
 *   (`sorted_strings` = 1), so readers may binary-search it;
 * - offsets, field ids and element counts use the fewest bytes that hold them (`is_large` only
 *   past 255 elements);
 * - object fields are laid out in key order (the spec requires field ids/offsets in key order and
 *   allows any value order; key order is the simplest that satisfies both);
 * - strings shorter than 64 UTF-8 bytes use the short-string form, longer ones the string primitive;
 * - integers use the smallest of int8/16/32/64, decimals the smallest of decimal4/8/16.
 */
import { FloeError } from '../../util/errors.js';

/** An exact decimal: `unscaled × 10^-scale`, at most 38 digits, scale 0..38. */
export class VariantDecimal {
  constructor(
    readonly unscaled: bigint,
    readonly scale: number,
  ) {}
}

/**
 * A primitive whose type a schema states (values of recursive records, where the writer's type is
 * known): written as that Variant type, not the smallest that holds the value.
 * - int32: a JS integer; int64, time (µs of the day), timestamp(tz) (µs), timestamp(tz)_ns (ns): bigint;
 * - float: a JS number, written as a 4-byte IEEE float; date: days since 1970-01-01;
 * - uuid: 16 bytes, big-endian (the spec's byte order, as in the UUID's text).
 */
export class VariantTyped {
  constructor(
    readonly type: 'int32' | 'int64' | 'float' | 'date' | 'time' | 'timestamptz' | 'timestamp' | 'timestamptz_ns' | 'timestamp_ns' | 'uuid',
    readonly value: number | bigint | Uint8Array,
  ) {}
}

/**
 * A variant value in JS: null, boolean, string, bigint (an integer, int64 range, in its smallest
 * width), number (a double), VariantDecimal, Uint8Array (binary), VariantTyped, arrays, and
 * objects as Maps (keys unique by construction).
 */
export type VariantValue = null | boolean | string | bigint | number | VariantDecimal | Uint8Array | VariantTyped | VariantValue[] | Map<string, VariantValue>;

/** The two binary fields of an unshredded variant column. */
export interface EncodedVariant {
  metadata: Uint8Array;
  value: Uint8Array;
}

const BASIC_PRIMITIVE = 0;
const BASIC_SHORT_STRING = 1;
const BASIC_OBJECT = 2;
const BASIC_ARRAY = 3;

/** Primitive type ids (VariantEncoding.md, "Variant primitive types"). */
const enum Prim {
  Null = 0,
  True = 1,
  False = 2,
  Int8 = 3,
  Int16 = 4,
  Int32 = 5,
  Int64 = 6,
  Double = 7,
  Decimal4 = 8,
  Decimal8 = 9,
  Decimal16 = 10,
  Date = 11,
  TimestampTz = 12,
  TimestampNtz = 13,
  Float = 14,
  Binary = 15,
  String = 16,
  TimeNtz = 17,
  TimestampTzNanos = 18,
  TimestampNtzNanos = 19,
  Uuid = 20,
}

const MAX_SHORT_STRING = 63;
const MAX_DECIMAL_DIGITS = 38;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;

function variantError(message: string): FloeError {
  return new FloeError('VARIANT_UNREPRESENTABLE', message);
}

/** Bytes needed for an unsigned value (1..4). */
export function byteWidth(n: number): number {
  if (n <= 0xff) return 1;
  if (n <= 0xffff) return 2;
  if (n <= 0xffffff) return 3;
  return 4;
}

function writeUnsigned(out: Uint8Array, at: number, n: number, width: number): void {
  for (let k = 0; k < width; k++) out[at + k] = (n >>> (8 * k)) & 0xff;
}

function writeSignedLE(out: Uint8Array, at: number, v: bigint, width: number): void {
  let x = BigInt.asUintN(8 * width, v);
  for (let k = 0; k < width; k++) {
    out[at + k] = Number(x & 0xffn);
    x >>= 8n;
  }
}

const primitive = (id: Prim): number => (id << 2) | BASIC_PRIMITIVE;

function compareUtf8(a: Uint8Array, b: Uint8Array): number {
  return Buffer.compare(a, b);
}

/** Digits of |v| (1 for 0): the decimal's precision in the spec's sense. */
export function decimalDigits(v: bigint): number {
  return (v < 0n ? -v : v).toString().length;
}

function collectKeys(v: VariantValue, keys: Set<string>): void {
  if (v instanceof Map) {
    for (const [k, x] of v) {
      keys.add(k);
      collectKeys(x, keys);
    }
  } else if (Array.isArray(v)) {
    for (const x of v) collectKeys(x, keys);
  }
}

/** The metadata of a sorted, unique dictionary; returns it with each key's id. */
function encodeMetadata(keys: Set<string>): { metadata: Uint8Array; ids: Map<string, number> } {
  const entries = [...keys].map((k) => ({ key: k, bytes: utf8(k) }));
  entries.sort((a, b) => compareUtf8(a.bytes, b.bytes));
  const total = entries.reduce((n, e) => n + e.bytes.length, 0);
  const width = byteWidth(Math.max(entries.length, total));
  const out = new Uint8Array(1 + width * (entries.length + 2) + total);
  // version 1, sorted_strings, offset_size_minus_one in bits 6-7.
  out[0] = 1 | (1 << 4) | ((width - 1) << 6);
  writeUnsigned(out, 1, entries.length, width);
  let offsetAt = 1 + width;
  let bytesAt = 1 + width * (entries.length + 2);
  const ids = new Map<string, number>();
  let offset = 0;
  entries.forEach((e, i) => {
    ids.set(e.key, i);
    writeUnsigned(out, offsetAt, offset, width);
    offsetAt += width;
    out.set(e.bytes, bytesAt);
    bytesAt += e.bytes.length;
    offset += e.bytes.length;
  });
  writeUnsigned(out, offsetAt, offset, width);
  return { metadata: out, ids };
}

function encodeInt(v: bigint): Uint8Array {
  if (v < INT64_MIN || v > INT64_MAX) throw variantError(`integer ${v} is outside int64; store it as a decimal`);
  const [id, width] =
    v >= -128n && v <= 127n ? [Prim.Int8, 1]
    : v >= -32768n && v <= 32767n ? [Prim.Int16, 2]
    : v >= -2147483648n && v <= 2147483647n ? [Prim.Int32, 4]
    : [Prim.Int64, 8];
  const out = new Uint8Array(1 + width);
  out[0] = primitive(id);
  writeSignedLE(out, 1, v, width);
  return out;
}

function encodeDecimal(d: VariantDecimal): Uint8Array {
  const digits = decimalDigits(d.unscaled);
  if (digits > MAX_DECIMAL_DIGITS) throw variantError(`decimal with ${digits} digits exceeds the variant limit of 38`);
  if (!Number.isInteger(d.scale) || d.scale < 0 || d.scale > MAX_DECIMAL_DIGITS) throw variantError(`decimal scale ${d.scale} is outside 0..38`);
  const [id, width] = digits <= 9 ? [Prim.Decimal4, 4] : digits <= 18 ? [Prim.Decimal8, 8] : [Prim.Decimal16, 16];
  const out = new Uint8Array(2 + width);
  out[0] = primitive(id);
  out[1] = d.scale;
  writeSignedLE(out, 2, d.unscaled, width);
  return out;
}

function encodeDouble(v: number): Uint8Array {
  const out = new Uint8Array(9);
  out[0] = primitive(Prim.Double);
  new DataView(out.buffer).setFloat64(1, v, true);
  return out;
}

function encodeBinary(b: Uint8Array): Uint8Array {
  const out = new Uint8Array(5 + b.length);
  out[0] = primitive(Prim.Binary);
  writeUnsigned(out, 1, b.length, 4);
  out.set(b, 5);
  return out;
}

const TYPED: Record<VariantTyped['type'], [Prim, number]> = {
  int32: [Prim.Int32, 4],
  int64: [Prim.Int64, 8],
  float: [Prim.Float, 4],
  date: [Prim.Date, 4],
  time: [Prim.TimeNtz, 8],
  timestamptz: [Prim.TimestampTz, 8],
  timestamp: [Prim.TimestampNtz, 8],
  timestamptz_ns: [Prim.TimestampTzNanos, 8],
  timestamp_ns: [Prim.TimestampNtzNanos, 8],
  uuid: [Prim.Uuid, 16],
};

function encodeTyped(t: VariantTyped): Uint8Array {
  const [id, width] = TYPED[t.type];
  const out = new Uint8Array(1 + width);
  out[0] = primitive(id);
  const v = t.value;
  if (t.type === 'uuid') {
    if (!(v instanceof Uint8Array) || v.length !== 16) throw variantError('a variant uuid is 16 bytes');
    out.set(v, 1);
  } else if (t.type === 'float') {
    new DataView(out.buffer).setFloat32(1, v as number, true);
  } else {
    const big = typeof v === 'bigint' ? v : BigInt(v as number);
    if (BigInt.asIntN(8 * width, big) !== big) throw variantError(`${t.type} ${big} does not fit ${width} bytes`);
    writeSignedLE(out, 1, big, width);
  }
  return out;
}

/** UTF-8 of a string; a lone UTF-16 surrogate has none (Buffer.from would silently write U+FFFD). */
function utf8(s: string): Uint8Array {
  // String.prototype.isWellFormed is ES2024 (Node 20+); the compiler's lib is ES2023.
  if (!(s as unknown as { isWellFormed(): boolean }).isWellFormed()) throw variantError(`string ${JSON.stringify(s.slice(0, 40))} holds a lone UTF-16 surrogate, which UTF-8 cannot encode`);
  return Buffer.from(s, 'utf8');
}

function encodeString(s: string): Uint8Array {
  const bytes = utf8(s);
  if (bytes.length <= MAX_SHORT_STRING) {
    const out = new Uint8Array(1 + bytes.length);
    out[0] = (bytes.length << 2) | BASIC_SHORT_STRING;
    out.set(bytes, 1);
    return out;
  }
  const out = new Uint8Array(5 + bytes.length);
  out[0] = primitive(Prim.String);
  writeUnsigned(out, 1, bytes.length, 4);
  out.set(bytes, 5);
  return out;
}

/** Array and object bodies: count, optional field ids, offsets, then the values. */
function encodeContainer(basic: number, values: Uint8Array[], ids: number[] | undefined, idSpace: number): Uint8Array {
  const n = values.length;
  const large = n > 0xff;
  const countWidth = large ? 4 : 1;
  const total = values.reduce((s, v) => s + v.length, 0);
  const offsetWidth = byteWidth(total);
  const idWidth = ids ? byteWidth(Math.max(0, idSpace - 1)) : 0;
  const header =
    basic === BASIC_OBJECT
      ? ((large ? 1 : 0) << 4) | ((idWidth - 1) << 2) | (offsetWidth - 1)
      : ((large ? 1 : 0) << 2) | (offsetWidth - 1);
  const out = new Uint8Array(1 + countWidth + n * idWidth + (n + 1) * offsetWidth + total);
  out[0] = (header << 2) | basic;
  let at = 1;
  writeUnsigned(out, at, n, countWidth);
  at += countWidth;
  if (ids) {
    for (const id of ids) {
      writeUnsigned(out, at, id, idWidth);
      at += idWidth;
    }
  }
  let offset = 0;
  for (const v of values) {
    writeUnsigned(out, at, offset, offsetWidth);
    at += offsetWidth;
    offset += v.length;
  }
  writeUnsigned(out, at, offset, offsetWidth);
  at += offsetWidth;
  for (const v of values) {
    out.set(v, at);
    at += v.length;
  }
  return out;
}

function encodeValue(v: VariantValue, ids: Map<string, number>): Uint8Array {
  if (v === null) return Uint8Array.of(primitive(Prim.Null));
  if (v === true) return Uint8Array.of(primitive(Prim.True));
  if (v === false) return Uint8Array.of(primitive(Prim.False));
  if (typeof v === 'bigint') return encodeInt(v);
  if (typeof v === 'number') return encodeDouble(v);
  if (typeof v === 'string') return encodeString(v);
  if (v instanceof VariantDecimal) return encodeDecimal(v);
  if (v instanceof Uint8Array) return encodeBinary(v);
  if (v instanceof VariantTyped) return encodeTyped(v);
  if (Array.isArray(v)) return encodeContainer(BASIC_ARRAY, v.map((x) => encodeValue(x, ids)), undefined, 0);
  // Field ids (and offsets) in key order; the dictionary is sorted, so id order is key order.
  const fields = [...v.keys()].map((k) => ({ id: ids.get(k)!, key: k })).sort((a, b) => a.id - b.id);
  return encodeContainer(BASIC_OBJECT, fields.map((f) => encodeValue(v.get(f.key)!, ids)), fields.map((f) => f.id), ids.size);
}

/** Encodes a value as an unshredded variant (metadata + value). */
export function encodeVariant(v: VariantValue): EncodedVariant {
  const keys = new Set<string>();
  collectKeys(v, keys);
  const { metadata, ids } = encodeMetadata(keys);
  return { metadata, value: encodeValue(v, ids) };
}
