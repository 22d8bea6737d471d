/**
 * Partition transforms (spec "Partition Transforms", Appendix B hashing) and the human-readable
 * partition values Iceberg puts in data file paths.
 *
 * Partition values must equal what Spark computes for the same row, bit for bit: a different
 * bucket or day makes a twin table disagree and breaks partition pruning.
 */
import { FloeError } from '../../util/errors.js';
import { civilFromDays, floorDiv, MICROS_PER_DAY, MICROS_PER_HOUR } from './datetime.js';
import { primitiveKind } from './schema.js';
import { humanValue, humanDay, humanHour, humanMonth, humanYear } from './text.js';
import type { PrimitiveType, PrimitiveValue, Transform } from './types.js';
import { decimalToMinBytes, toInt, toLong, truncateString, uuidToBytes } from './values.js';

export type ParsedTransform =
  | { kind: 'identity' }
  | { kind: 'bucket'; n: number }
  | { kind: 'truncate'; width: number }
  | { kind: 'year' }
  | { kind: 'month' }
  | { kind: 'day' }
  | { kind: 'hour' }
  | { kind: 'void' }
  /** Transforms from newer specs: readers keep them (and ignore them), writers must refuse. */
  | { kind: 'unknown'; name: string };

function invalid(message: string): FloeError {
  return new FloeError('ICEBERG_INVALID_TRANSFORM', message);
}

const PARAM_RE = /^(bucket|truncate)\[\s*(\d+)\s*\]$/;

export function parseTransform(s: string): ParsedTransform {
  const t = s.trim();
  switch (t) {
    case 'identity':
    case 'year':
    case 'month':
    case 'day':
    case 'hour':
    case 'void':
      return { kind: t };
  }
  const m = PARAM_RE.exec(t);
  if (m) {
    const n = Number(m[2]);
    if (n <= 0 || n > 2147483647) throw invalid(`${m[1]} parameter must be a positive int: ${s}`);
    return m[1] === 'bucket' ? { kind: 'bucket', n } : { kind: 'truncate', width: n };
  }
  return { kind: 'unknown', name: t };
}

export function transformToString(t: ParsedTransform): Transform {
  switch (t.kind) {
    case 'bucket':
      return `bucket[${t.n}]`;
    case 'truncate':
      return `truncate[${t.width}]`;
    case 'unknown':
      return t.name as Transform;
    default:
      return t.kind;
  }
}

function parsed(t: Transform | ParsedTransform): ParsedTransform {
  return typeof t === 'string' ? parseTransform(t) : t;
}

// ---------------------------------------------------------------------------------------------
// Murmur3 x86 32-bit, seed 0 (the hash Appendix B prescribes)

function rotl(x: number, r: number): number {
  return (x << r) | (x >>> (32 - r));
}

function mixK(k: number): number {
  return Math.imul(rotl(Math.imul(k, 0xcc9e2d51), 15), 0x1b873593);
}

/** Murmur3_x86_32 of the bytes with seed 0, as a signed 32-bit integer (Java's int). */
export function murmur3(bytes: Uint8Array): number {
  let h = 0;
  const n = bytes.length;
  const blocks = n - (n % 4);
  for (let i = 0; i < blocks; i += 4) {
    const k = bytes[i]! | (bytes[i + 1]! << 8) | (bytes[i + 2]! << 16) | (bytes[i + 3]! << 24);
    h ^= mixK(k);
    h = rotl(h, 13);
    h = (Math.imul(h, 5) + 0xe6546b64) | 0;
  }
  const rest = n % 4;
  if (rest > 0) {
    let k = 0;
    if (rest >= 3) k ^= bytes[blocks + 2]! << 16;
    if (rest >= 2) k ^= bytes[blocks + 1]! << 8;
    k ^= bytes[blocks]!;
    h ^= mixK(k);
  }
  h ^= n;
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h | 0;
}

function longBytes(v: bigint): Uint8Array {
  const out = new Uint8Array(8);
  new DataView(out.buffer).setBigInt64(0, v, true);
  return out;
}

function canonicalDoubleBits(v: number): bigint {
  // Appendix B note 5: one NaN bit pattern, and -0 hashes like 0.
  if (Number.isNaN(v)) return 0x7ff8000000000000n;
  const out = new DataView(new ArrayBuffer(8));
  out.setFloat64(0, v === 0 ? 0 : v);
  return out.getBigInt64(0);
}

/**
 * The Appendix B 32-bit hash of a value. Ints and dates hash as longs so int -> long promotion
 * keeps bucket values; nanosecond timestamps hash as (floored) microseconds so that precision
 * does not change buckets. Boolean/float/double are not bucketable but have spec'd hashes.
 */
export function hashValue(type: PrimitiveType, value: PrimitiveValue): number {
  const kind = primitiveKind(type);
  switch (kind) {
    case 'variant':
      throw invalid('variant values cannot be hashed');
    case 'int':
    case 'date':
      return murmur3(longBytes(BigInt(toInt(value, kind))));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
      return murmur3(longBytes(toLong(value, kind)));
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return murmur3(longBytes(floorDiv(toLong(value, kind), 1000n)));
    case 'decimal':
      return murmur3(decimalToMinBytes(value as bigint));
    case 'string':
      return murmur3(new TextEncoder().encode(value as string));
    case 'uuid':
      return murmur3(uuidToBytes(value));
    case 'fixed':
    case 'binary':
      return murmur3(value as Uint8Array);
    case 'boolean':
      return murmur3(longBytes(value ? 1n : 0n));
    case 'float':
    case 'double':
      return murmur3(longBytes(canonicalDoubleBits(value as number)));
  }
}

/** Micro- (or nano-) seconds since the epoch of a timestamp value, floored to microseconds. */
function timestampMicros(type: PrimitiveType, value: PrimitiveValue): bigint {
  const v = toLong(value, type);
  return type === 'timestamp_ns' || type === 'timestamptz_ns' ? floorDiv(v, 1000n) : v;
}

function daysOf(type: PrimitiveType, value: PrimitiveValue): number {
  if (type === 'date') return toInt(value, type);
  return Number(floorDiv(timestampMicros(type, value), MICROS_PER_DAY));
}

// ---------------------------------------------------------------------------------------------
// Applying transforms

const TIME_SOURCES = new Set(['date', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns']);
const BUCKET_SOURCES = new Set([
  'int', 'long', 'decimal', 'date', 'time', 'timestamp', 'timestamptz', 'timestamp_ns',
  'timestamptz_ns', 'string', 'uuid', 'fixed', 'binary',
]);
const TRUNCATE_SOURCES = new Set(['int', 'long', 'decimal', 'string', 'binary']);

/** Whether the transform accepts the source type (spec's transform table). */
export function canTransform(transform: Transform | ParsedTransform, sourceType: PrimitiveType): boolean {
  const t = parsed(transform);
  let kind: string;
  try {
    kind = primitiveKind(sourceType);
  } catch {
    return false;
  }
  // Variant is not a primitive in the spec; no transform (not even identity) takes one.
  if (kind === 'variant') return false;
  switch (t.kind) {
    case 'identity':
    case 'void':
      return true;
    case 'bucket':
      return BUCKET_SOURCES.has(kind);
    case 'truncate':
      return TRUNCATE_SOURCES.has(kind);
    case 'year':
    case 'month':
    case 'day':
      return TIME_SOURCES.has(kind);
    case 'hour':
      return TIME_SOURCES.has(kind) && kind !== 'date';
    case 'unknown':
      return false;
  }
}

/** The partition value type the transform produces from the source type. */
export function transformResultType(transform: Transform | ParsedTransform, sourceType: PrimitiveType): PrimitiveType {
  const t = parsed(transform);
  switch (t.kind) {
    case 'identity':
    case 'truncate':
    case 'void':
      return sourceType;
    case 'bucket':
    case 'year':
    case 'month':
    case 'hour':
      return 'int';
    case 'day':
      return 'date';
    case 'unknown':
      throw invalid(`unknown transform: ${t.name}`);
  }
}

/**
 * Applies a transform to one non-null or null source value. Returns null for null input (every
 * transform) and always for void.
 */
export function applyTransform(
  transform: Transform | ParsedTransform,
  sourceType: PrimitiveType,
  value: PrimitiveValue | null | undefined,
): PrimitiveValue | null {
  const t = parsed(transform);
  if (!canTransform(t, sourceType)) {
    throw invalid(`cannot apply ${transformToString(t)} to ${sourceType}`);
  }
  if (value === null || value === undefined || t.kind === 'void') return null;
  const kind = primitiveKind(sourceType);
  switch (t.kind) {
    case 'identity':
      // Normalize to the contract's representation (a caller may hand a long as a number).
      if (kind === 'int' || kind === 'date') return toInt(value, kind);
      if (kind === 'long' || kind === 'time' || kind.startsWith('timestamp')) return toLong(value, kind);
      return value;
    case 'bucket':
      return (hashValue(sourceType, value) & 0x7fffffff) % t.n;
    case 'truncate':
      return truncateValue(kind, t.width, value);
    case 'year':
      return civilFromDays(daysOf(sourceType, value)).year - 1970;
    case 'month': {
      const { year, month } = civilFromDays(daysOf(sourceType, value));
      return (year - 1970) * 12 + month - 1;
    }
    case 'day':
      return daysOf(sourceType, value);
    case 'hour':
      return Number(floorDiv(timestampMicros(sourceType, value), MICROS_PER_HOUR));
    case 'unknown':
      throw invalid(`unknown transform: ${t.name}`);
  }
}

function truncateValue(kind: string, width: number, value: PrimitiveValue): PrimitiveValue {
  // The spec's remainder must be positive: v - (((v % W) + W) % W), so -1 -> -10 for W=10.
  // Near the minimum the result leaves the type's range; Java wraps around (two's complement),
  // and we do the same so values agree with Spark's even there.
  switch (kind) {
    case 'int': {
      const v = toInt(value);
      return (v - (((v % width) + width) % width)) | 0;
    }
    case 'long':
    case 'decimal': {
      // Decimals truncate the unscaled value: W is applied in the column's scale.
      const v = kind === 'long' ? toLong(value) : (value as bigint);
      const w = BigInt(width);
      const r = v - (((v % w) + w) % w);
      return kind === 'long' ? BigInt.asIntN(64, r) : r;
    }
    case 'string':
      return truncateString(value as string, width);
    case 'binary': {
      const b = value as Uint8Array;
      return b.length <= width ? b : b.slice(0, width);
    }
  }
  throw invalid(`cannot truncate ${kind}`);
}


/**
 * The text Iceberg puts in a data file path for a partition value (before URL-escaping):
 * `ts_day=2024-01-02`, `ts_month=2024-01`, `ts_hour=2024-01-02-03`, `ts_year=2024`, null as "null".
 * `resultType` is the partition field's type (transformResultType of the source).
 */
export function partitionPathValue(
  transform: Transform | ParsedTransform,
  resultType: PrimitiveType,
  value: PrimitiveValue | null,
): string {
  if (value === null) return 'null';
  const t = parsed(transform);
  switch (t.kind) {
    case 'year':
      return humanYear(toInt(value));
    case 'month':
      return humanMonth(toInt(value));
    case 'day':
      return humanDay(toInt(value));
    case 'hour':
      return humanHour(toInt(value));
    case 'void':
      return 'null';
    default:
      return humanValue(resultType, value);
  }
}
