/**
 * Avro logical types decoded straight into floe's canonical values (the representation the rest
 * of the pipeline uses, see `PrimitiveValue` in src/iceberg/spec/types.ts):
 *   decimal → bigint unscaled · uuid → lower-case 8-4-4-4-12 string · date → days (number)
 *   time-millis/micros → µs of day (bigint) · timestamp-* / local-timestamp-* → µs since epoch (bigint)
 * except that timestamp-nanos / local-timestamp-nanos decode to exact ns since the epoch (bigint):
 * a v3 table stores them as timestamp(tz)_ns; the projector floors them to µs for a micro column
 * (v2 tables, which have no nanosecond type; see docs/schema-mapping.md).
 *
 * A logical type whose parameters are invalid (decimal scale > precision, `date` on a string, ...)
 * throws in its constructor; the schema parser then falls back to the underlying type, as the Avro
 * spec requires.
 */
import avro from 'avsc';
import { readBigLong, type Tap } from './long.js';

export type LogicalKind =
  | 'decimal'
  | 'uuid'
  | 'date'
  | 'time-millis'
  | 'time-micros'
  | 'timestamp-millis'
  | 'timestamp-micros'
  | 'timestamp-nanos'
  | 'local-timestamp-millis'
  | 'local-timestamp-micros'
  | 'local-timestamp-nanos'
  | 'floe-variant'
  | 'floe-recursive';

interface LogicalSchema {
  type: string;
  logicalType: string;
  precision?: unknown;
  scale?: unknown;
  size?: unknown;
}

function underlyingName(t: avro.Type): string {
  // Our BigInt long reports 'abstract:long'.
  return t.typeName === 'abstract:long' ? 'long' : t.typeName;
}

/** Base class: carries the logical kind so the schema mapper can read it without re-parsing. */
export abstract class FloeLogicalType extends avro.types.LogicalType {
  abstract readonly logicalKind: LogicalKind;
  protected expectUnderlying(...names: string[]): void {
    const name = underlyingName(this.underlyingType);
    if (!names.includes(name)) throw new Error(`logical type on ${name} is not valid`);
  }
  protected override _resolve(): undefined {
    return undefined; // floe always decodes with the writer schema; no reader-side resolution.
  }
}

/** Max decimal digits a two's-complement integer of `size` bytes can hold (Avro spec formula). */
export function maxDecimalPrecision(size: number): number {
  return Math.floor(Math.log10(2 ** (8 * size - 1) - 1));
}

export function bigintFromTwosComplement(buf: Uint8Array): bigint {
  const len = buf.length;
  if (len === 0) return 0n;
  if (len <= 6) return BigInt(Buffer.from(buf.buffer, buf.byteOffset, len).readIntBE(0, len));
  let n = 0n;
  for (let i = 0; i < len; i++) n = (n << 8n) | BigInt(buf[i]!);
  return buf[0]! & 0x80 ? n - (1n << BigInt(8 * len)) : n;
}

/** Minimal-length (bytes) or sign-extended to `size` (fixed) big-endian two's complement. */
export function bigintToTwosComplement(n: bigint, size?: number): Buffer {
  let len = 1;
  while (n >= 1n << BigInt(8 * len - 1) || n < -(1n << BigInt(8 * len - 1))) len++;
  if (size !== undefined) {
    if (len > size) throw new Error(`decimal ${n} does not fit in fixed(${size})`);
    len = size;
  }
  const out = Buffer.alloc(len);
  let v = n < 0n ? (1n << BigInt(8 * len)) + n : n;
  for (let i = len - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  return out;
}

export class DecimalType extends FloeLogicalType {
  readonly logicalKind = 'decimal' as const;
  readonly precision: number;
  readonly scale: number;
  /** Set when the underlying type is fixed. */
  readonly size: number | undefined;
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('bytes', 'fixed');
    const precision = schema.precision;
    const scale = schema.scale ?? 0;
    if (!Number.isInteger(precision) || (precision as number) <= 0) throw new Error('bad precision');
    if (!Number.isInteger(scale) || (scale as number) < 0 || (scale as number) > (precision as number)) {
      throw new Error('bad scale');
    }
    this.precision = precision as number;
    this.scale = scale as number;
    const fixedSize = (this.underlyingType as unknown as { size?: number }).size;
    this.size = underlyingName(this.underlyingType) === 'fixed' ? fixedSize : undefined;
    if (this.size !== undefined && this.precision > maxDecimalPrecision(this.size)) {
      throw new Error('precision too large for fixed size');
    }
  }
  protected override _fromValue(buf: Buffer): bigint {
    return bigintFromTwosComplement(buf);
  }
  protected override _toValue(v: unknown): Buffer | undefined {
    return typeof v === 'bigint' ? bigintToTwosComplement(v, this.size) : undefined;
  }
  protected override _export(attrs: any): void {
    attrs.precision = this.precision;
    attrs.scale = this.scale;
  }
}

/** 8-4-4-4-12 lower-case hex digits: /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/ by hand. */
export function isLowerUuid(s: string): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (c !== 0x2d) return false;
    } else if (!((c >= 0x30 && c <= 0x39) || (c >= 0x61 && c <= 0x66))) return false;
  }
  return true;
}

/** A uuid string in its lower-case canonical form; undefined when it is not 8-4-4-4-12 hex digits. */
export function canonicalUuid(v: string): string | undefined {
  if (isLowerUuid(v)) return v;
  const s = v.toLowerCase();
  return isLowerUuid(s) ? s : undefined;
}

/** Thrown by value conversions; the decoder turns it into DECODE_SCHEMA_MISMATCH. */
export class InvalidValueError extends Error {}

export class UuidType extends FloeLogicalType {
  readonly logicalKind = 'uuid' as const;
  private readonly fixed: boolean;
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('string', 'fixed');
    this.fixed = underlyingName(this.underlyingType) === 'fixed';
    if (this.fixed && (this.underlyingType as unknown as { size: number }).size !== 16) {
      throw new Error('uuid on fixed needs size 16');
    }
  }
  protected override _fromValue(v: string | Buffer): string {
    if (typeof v !== 'string') {
      const h = v.toString('hex');
      return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
    }
    // An Iceberg uuid column cannot hold an arbitrary string: reject instead of writing garbage.
    // Lower-case text (what producers send) is checked without a copy or a RegExp run per value.
    const s = canonicalUuid(v);
    if (s === undefined) throw new InvalidValueError(`invalid uuid string ${JSON.stringify(v.slice(0, 64))}`);
    return s;
  }
  protected override _toValue(v: unknown): string | Buffer | undefined {
    if (typeof v !== 'string') return undefined;
    return this.fixed ? Buffer.from(v.replace(/-/g, ''), 'hex') : v;
  }
}

export class DateType extends FloeLogicalType {
  readonly logicalKind = 'date' as const;
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('int');
  }
  protected override _fromValue(v: number): number {
    return v;
  }
  protected override _toValue(v: unknown): number | undefined {
    return typeof v === 'number' ? v : undefined;
  }
}

export class TimeMillisType extends FloeLogicalType {
  readonly logicalKind = 'time-millis' as const;
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('int');
  }
  protected override _fromValue(v: number): bigint {
    return BigInt(v) * 1000n;
  }
  protected override _toValue(v: unknown): number | undefined {
    return typeof v === 'bigint' ? Number(v / 1000n) : undefined;
  }
}

/** Floor division, so truncation keeps ordering for instants before the epoch. */
function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n ? q - 1n : q;
}

/** time-micros and every timestamp flavour: a long scaled to µs. */
abstract class ScaledLongType extends FloeLogicalType {
  /** ms → µs multiplies; µs and ns are kept as they are (ns exact, for timestamp(tz)_ns columns). */
  protected abstract readonly unit: 'ms' | 'us' | 'ns';
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('long');
  }
  protected override _fromValue(v: bigint): bigint {
    return this.unit === 'ms' ? v * 1000n : v;
  }
  /** Skips the generic logical-type indirection: timestamps are the most common long there is. */
  _read(tap: Tap): bigint {
    return this._fromValue(readBigLong(tap));
  }
  protected override _toValue(v: unknown): bigint | undefined {
    if (typeof v !== 'bigint') return undefined;
    return this.unit === 'ms' ? floorDiv(v, 1000n) : v;
  }
}

function scaled(kind: LogicalKind, unit: 'ms' | 'us' | 'ns') {
  return class extends ScaledLongType {
    readonly logicalKind = kind;
    protected readonly unit = unit;
  };
}

/**
 * floe's internal marker for a value stored as an Iceberg `variant` (the raw `json` writer with
 * `value.json: variant`, see raw.ts): that writer hands the projector encoded variants itself and
 * never decodes through avsc. A registered schema that borrows the name gets its bytes refused
 * (dead-lettered) rather than misread.
 */
export class FloeVariantType extends FloeLogicalType {
  readonly logicalKind = 'floe-variant' as const;
  constructor(schema: LogicalSchema, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('bytes');
  }
  protected override _fromValue(): never {
    throw new InvalidValueError('logical type floe-variant is internal to floe; registered schemas cannot use it');
  }
  protected override _toValue(): undefined {
    return undefined;
  }
}

/**
 * floe's internal marker for a recursive type of a JSON Schema or Protobuf writer (a `$ref` or a
 * message reached again inside itself), on `string`: its decoder hands the projector a
 * `RecursiveValue` (recursive-value.ts), which the column's type turns into JSON text or a variant.
 * `floe.name` carries the type's name for messages. Avro's own recursive records need no marker
 * (the model finds them); a registered Avro schema that borrows the name gets its bytes refused.
 */
export class FloeRecursiveType extends FloeLogicalType {
  readonly logicalKind = 'floe-recursive' as const;
  readonly recursiveName: string;
  constructor(schema: LogicalSchema & { 'floe.name'?: unknown }, opts?: unknown) {
    super(schema as never, opts);
    this.expectUnderlying('string');
    this.recursiveName = typeof schema['floe.name'] === 'string' ? schema['floe.name'] : 'recursive';
  }
  protected override _fromValue(): never {
    throw new InvalidValueError('logical type floe-recursive is internal to floe; registered schemas cannot use it');
  }
  protected override _toValue(): undefined {
    return undefined;
  }
}

export const LOGICAL_TYPES: Record<LogicalKind, new (schema: LogicalSchema, opts?: unknown) => FloeLogicalType> = {
  decimal: DecimalType,
  uuid: UuidType,
  date: DateType,
  'time-millis': TimeMillisType,
  'time-micros': scaled('time-micros', 'us'),
  'timestamp-millis': scaled('timestamp-millis', 'ms'),
  'timestamp-micros': scaled('timestamp-micros', 'us'),
  'timestamp-nanos': scaled('timestamp-nanos', 'ns'),
  'local-timestamp-millis': scaled('local-timestamp-millis', 'ms'),
  'local-timestamp-micros': scaled('local-timestamp-micros', 'us'),
  'local-timestamp-nanos': scaled('local-timestamp-nanos', 'ns'),
  'floe-variant': FloeVariantType,
  'floe-recursive': FloeRecursiveType,
};

export function isFloeLogical(t: avro.Type): t is FloeLogicalType {
  return t instanceof FloeLogicalType;
}
