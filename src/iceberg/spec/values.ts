/**
 * Single values: the spec's binary single-value serialization (Appendix D), the ordering used for
 * lower/upper bounds, and the truncation of string/binary bounds that manifests store.
 *
 * Bounds are what engines prune with: a wrong byte order or a too-small upper bound makes Spark
 * skip files that do match a filter, i.e. silently wrong answers. Hence the care below.
 */
import { FloeError } from '../../util/errors.js';
import { decimalParams, fixedLength, primitiveKind } from './schema.js';
import type { PrimitiveType, PrimitiveValue } from './types.js';

/** Iceberg's default metrics mode is truncate(16) (`write.metadata.metrics.default`). */
export const DEFAULT_TRUNCATE_WIDTH = 16;

const encoder = new TextEncoder();
// fatal: bounds we read back must be valid UTF-8; garbage should fail loudly, not become U+FFFD.
const decoder = new TextDecoder('utf-8', { fatal: true });

function invalid(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('ICEBERG_INVALID_VALUE', message, details ? { details } : {});
}

const INT_MIN = -(2 ** 31);
const INT_MAX = 2 ** 31 - 1;
const LONG_MIN = -(2n ** 63n);
const LONG_MAX = 2n ** 63n - 1n;

/** Accepts a number (safe integer) or bigint for long-valued types; the contract is bigint. */
export function toLong(value: PrimitiveValue, type = 'long'): bigint {
  let v: bigint;
  if (typeof value === 'bigint') v = value;
  else if (typeof value === 'number' && Number.isSafeInteger(value)) v = BigInt(value);
  else throw invalid(`${type} value must be a bigint or safe integer, got ${String(value)}`);
  if (v < LONG_MIN || v > LONG_MAX) throw invalid(`${type} value out of range: ${v}`);
  return v;
}

export function toInt(value: PrimitiveValue, type = 'int'): number {
  const v = typeof value === 'bigint' ? Number(value) : value;
  if (typeof v !== 'number' || !Number.isInteger(v) || v < INT_MIN || v > INT_MAX) {
    throw invalid(`${type} value must be a 32-bit integer, got ${String(value)}`);
  }
  return v;
}

function toBytes(value: PrimitiveValue, type: string): Uint8Array {
  if (!(value instanceof Uint8Array)) throw invalid(`${type} value must be a Uint8Array`);
  return value;
}

function toStr(value: PrimitiveValue, type: string): string {
  if (typeof value !== 'string') throw invalid(`${type} value must be a string`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// UUID

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Canonical UUID string -> its 16 bytes, big-endian (most significant byte first). */
export function uuidToBytes(uuid: PrimitiveValue): Uint8Array {
  if (uuid instanceof Uint8Array && uuid.length === 16) return uuid;
  if (typeof uuid !== 'string' || !UUID_RE.test(uuid)) throw invalid(`invalid uuid: ${String(uuid)}`);
  return Uint8Array.from(Buffer.from(uuid.replace(/-/g, ''), 'hex'));
}

export function uuidFromBytes(bytes: Uint8Array): string {
  if (bytes.length !== 16) throw invalid(`uuid must be 16 bytes, got ${bytes.length}`);
  const h = Buffer.from(bytes).toString('hex');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// ---------------------------------------------------------------------------------------------
// Decimals: unscaled bigint <-> minimal two's-complement big-endian bytes (Java BigInteger.toByteArray)

export function decimalToMinBytes(unscaled: bigint): Uint8Array {
  // Smallest n with -2^(8n-1) <= v < 2^(8n-1); zero still takes one byte.
  let n = 1;
  while (unscaled < -(1n << BigInt(8 * n - 1)) || unscaled >= 1n << BigInt(8 * n - 1)) n++;
  const out = new Uint8Array(n);
  let v = BigInt.asUintN(8 * n, unscaled);
  for (let i = n - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export function decimalFromBytes(bytes: Uint8Array): bigint {
  if (bytes.length === 0) throw invalid('decimal bytes must not be empty');
  let v = 0n;
  for (const b of bytes) v = (v << 8n) | BigInt(b);
  return BigInt.asIntN(8 * bytes.length, v);
}

function checkDecimal(type: PrimitiveType, value: PrimitiveValue): bigint {
  const p = decimalParams(type);
  if (!p) throw invalid(`not a decimal type: ${type}`);
  if (typeof value !== 'bigint') throw invalid(`${type} value must be a bigint unscaled value`);
  const limit = 10n ** BigInt(p.precision);
  if (value >= limit || value <= -limit) throw invalid(`${value} exceeds precision of ${type}`);
  return value;
}

// ---------------------------------------------------------------------------------------------
// Binary single-value serialization

function le(size: number, write: (view: DataView) => void): Uint8Array {
  const out = new Uint8Array(size);
  write(new DataView(out.buffer));
  return out;
}

/** The spec's binary single-value serialization (Appendix D), as stored in manifest bounds. */
export function serializeValue(type: PrimitiveType, value: PrimitiveValue): Uint8Array {
  const kind = primitiveKind(type);
  switch (kind) {
    case 'variant':
      // Variant bounds are variant objects keyed by field path (spec), not single values.
      throw invalid('variant has no single-value serialization or order');
    case 'boolean':
      if (typeof value !== 'boolean') throw invalid('boolean value must be a boolean');
      return Uint8Array.of(value ? 1 : 0);
    case 'int':
    case 'date': {
      const v = toInt(value, kind);
      return le(4, (d) => d.setInt32(0, v, true));
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const v = toLong(value, kind);
      return le(8, (d) => d.setBigInt64(0, v, true));
    }
    case 'float':
      if (typeof value !== 'number') throw invalid('float value must be a number');
      return le(4, (d) => d.setFloat32(0, value, true));
    case 'double':
      if (typeof value !== 'number') throw invalid('double value must be a number');
      return le(8, (d) => d.setFloat64(0, value, true));
    case 'string':
      return encoder.encode(toStr(value, kind));
    case 'uuid':
      return uuidToBytes(value).slice();
    case 'fixed': {
      const bytes = toBytes(value, type);
      if (bytes.length !== fixedLength(type)) throw invalid(`${type} value has ${bytes.length} bytes`);
      return bytes.slice();
    }
    case 'binary':
      return toBytes(value, kind).slice();
    case 'decimal':
      return decimalToMinBytes(checkDecimal(type, value));
  }
}

function expectLength(type: PrimitiveType, bytes: Uint8Array, n: number): DataView {
  if (bytes.length !== n) throw invalid(`${type} value needs ${n} bytes, got ${bytes.length}`);
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Inverse of serializeValue. Note (spec "Schema Evolution"): after promotion a bound may be
 * shorter than the current type (4-byte int under a long column); we accept those widths so old
 * manifests stay readable.
 */
export function deserializeValue(type: PrimitiveType, bytes: Uint8Array): PrimitiveValue {
  const kind = primitiveKind(type);
  switch (kind) {
    case 'variant':
      // Variant bounds are variant objects keyed by field path (spec), not single values.
      throw invalid('variant has no single-value serialization or order');
    case 'boolean':
      if (bytes.length !== 1) throw invalid(`boolean value needs 1 byte, got ${bytes.length}`);
      return bytes[0] !== 0;
    case 'int':
    case 'date':
      return expectLength(type, bytes, 4).getInt32(0, true);
    case 'long':
    case 'timestamp':
    case 'timestamp_ns':
      if (bytes.length === 4) {
        // int -> long promotion; date -> timestamp(_ns) promotion (v3) stores days.
        const v = BigInt(expectLength(type, bytes, 4).getInt32(0, true));
        if (kind === 'long') return v;
        return v * (kind === 'timestamp' ? 86_400_000_000n : 86_400_000_000_000n);
      }
      return expectLength(type, bytes, 8).getBigInt64(0, true);
    case 'time':
    case 'timestamptz':
    case 'timestamptz_ns':
      return expectLength(type, bytes, 8).getBigInt64(0, true);
    case 'float':
      return expectLength(type, bytes, 4).getFloat32(0, true);
    case 'double':
      if (bytes.length === 4) return expectLength(type, bytes, 4).getFloat32(0, true);
      return expectLength(type, bytes, 8).getFloat64(0, true);
    case 'string':
      return decoder.decode(bytes);
    case 'uuid':
      return uuidFromBytes(bytes);
    case 'fixed':
      if (bytes.length !== fixedLength(type)) throw invalid(`${type} value has ${bytes.length} bytes`);
      return bytes.slice();
    case 'binary':
      return bytes.slice();
    case 'decimal':
      return decimalFromBytes(bytes);
  }
}

// ---------------------------------------------------------------------------------------------
// Ordering

function sign(n: number): -1 | 0 | 1 {
  return n < 0 ? -1 : n > 0 ? 1 : 0;
}

/** Unsigned lexicographic byte comparison, the order of binary, fixed, uuid and UTF-8 strings. */
export function compareBytes(a: Uint8Array, b: Uint8Array): -1 | 0 | 1 {
  const n = Math.min(a.length, b.length);
  for (let i = 0; i < n; i++) {
    const d = a[i]! - b[i]!;
    if (d !== 0) return sign(d);
  }
  return sign(a.length - b.length);
}

/**
 * Code point order, which equals UTF-8 byte order. JS `<` compares UTF-16 code units and would
 * put U+10000 (surrogates 0xD800..) below U+E000, disagreeing with every other engine.
 */
export function compareStrings(a: string, b: string): -1 | 0 | 1 {
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const ca = a.codePointAt(i)!;
    const cb = b.codePointAt(j)!;
    if (ca !== cb) return ca < cb ? -1 : 1;
    i += ca > 0xffff ? 2 : 1;
    j += cb > 0xffff ? 2 : 1;
  }
  return sign(a.length - i - (b.length - j));
}

/**
 * Java's floating-point total order, which the spec adopts: -Inf < ... < -0 < 0 < ... < Inf < NaN.
 * (JS cannot observe a NaN's sign reliably, so every NaN sorts last, like Java's Double.compare.)
 */
export function compareFloats(a: number, b: number): -1 | 0 | 1 {
  const an = Number.isNaN(a);
  const bn = Number.isNaN(b);
  if (an || bn) return an && bn ? 0 : an ? 1 : -1;
  if (a < b) return -1;
  if (a > b) return 1;
  if (a === 0 && b === 0) {
    const az = Object.is(a, -0);
    const bz = Object.is(b, -0);
    return az === bz ? 0 : az ? -1 : 1;
  }
  return 0;
}

/** Compares two non-null values of one type in the spec's order; returns -1, 0 or 1. */
export function compareValues(type: PrimitiveType, a: PrimitiveValue, b: PrimitiveValue): -1 | 0 | 1 {
  const kind = primitiveKind(type);
  switch (kind) {
    case 'variant':
      // Variant bounds are variant objects keyed by field path (spec), not single values.
      throw invalid('variant has no single-value serialization or order');
    case 'boolean':
      return a === b ? 0 : a ? 1 : -1;
    case 'int':
    case 'date':
      return sign(toInt(a, kind) - toInt(b, kind));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
    case 'decimal': {
      const x = kind === 'decimal' ? (a as bigint) : toLong(a, kind);
      const y = kind === 'decimal' ? (b as bigint) : toLong(b, kind);
      return x < y ? -1 : x > y ? 1 : 0;
    }
    case 'float':
    case 'double':
      return compareFloats(a as number, b as number);
    case 'string':
      return compareStrings(toStr(a, kind), toStr(b, kind));
    case 'uuid':
      // Unsigned byte order: canonical lower-case hex compares the same way.
      return compareBytes(uuidToBytes(a), uuidToBytes(b));
    case 'fixed':
    case 'binary':
      return compareBytes(toBytes(a, type), toBytes(b, type));
  }
}

// ---------------------------------------------------------------------------------------------
// Bound truncation (metrics mode truncate(N))

/**
 * Lone surrogates cannot be encoded in UTF-8; TextEncoder writes U+FFFD for them. Truncation works
 * on what will actually be stored, so replace them first.
 */
export function toWellFormed(s: string): string {
  return s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, '\uFFFD');
}

/** The first `length` code points (never splitting a surrogate pair). */
export function truncateString(s: string, length: number): string {
  let units = 0;
  let points = 0;
  while (units < s.length && points < length) {
    units += s.codePointAt(units)! > 0xffff ? 2 : 1;
    points++;
  }
  return s.slice(0, units);
}

/** Lower bound: the truncated prefix is <= every value with that prefix. */
export function truncateLowerBound(type: PrimitiveType, value: PrimitiveValue, width = DEFAULT_TRUNCATE_WIDTH): PrimitiveValue {
  if (width <= 0) throw invalid(`truncate width must be positive: ${width}`);
  if (type === 'string') return truncateString(toWellFormed(toStr(value, type)), width);
  if (type === 'binary') {
    const b = toBytes(value, type);
    return b.length <= width ? b : b.slice(0, width);
  }
  return value;
}

/**
 * Upper bound: truncate, then increment the last code point that can be incremented (dropping
 * what follows), so the result is > every value with the prefix. U+D7FF steps over the surrogate
 * range to U+E000; U+10FFFF cannot be incremented. Undefined when no bound of that width exists
 * (the caller then omits the upper bound rather than storing a wrong one).
 */
export function truncateUpperBound(type: PrimitiveType, value: PrimitiveValue, width = DEFAULT_TRUNCATE_WIDTH): PrimitiveValue | undefined {
  if (width <= 0) throw invalid(`truncate width must be positive: ${width}`);
  if (type === 'string') {
    const s = toWellFormed(toStr(value, type));
    const points = Array.from(s, (c) => c.codePointAt(0)!);
    if (points.length <= width) return s;
    for (let i = width - 1; i >= 0; i--) {
      const cp = points[i]!;
      if (cp === 0x10ffff) continue;
      const next = cp === 0xd7ff ? 0xe000 : cp + 1;
      return String.fromCodePoint(...points.slice(0, i), next);
    }
    return undefined;
  }
  if (type === 'binary') {
    const b = toBytes(value, type);
    if (b.length <= width) return b;
    for (let i = width - 1; i >= 0; i--) {
      if (b[i]! !== 0xff) {
        const out = b.slice(0, i + 1);
        out[i] = b[i]! + 1;
        return out;
      }
    }
    return undefined;
  }
  return value;
}

/**
 * One string per distinct tuple of values: how rows are grouped by partition and how silver keys
 * are told apart in memory. Each value carries its type and length: a string value may contain any
 * character, so with a separator alone ['a\u0000…', 'c'] and ['a', '…c'] would share a key (rows of
 * two partitions in one file; two silver keys merged into one). An int and a long of the same value
 * are one key (ints arrive as numbers, longs as bigints).
 */
export function valuesKey(values: readonly unknown[]): string {
  if (values.length === 0) return '';
  return values.map(valueKey).join(',');
}

function valueKey(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  const text = String(v);
  return `${typeof v === 'bigint' ? 'number' : typeof v}${text.length}:${text}`;
}
