/**
 * Column builders for Iceberg primitive types. Accepted JS values follow floe's canonical
 * representation (src/iceberg/spec/types.ts `PrimitiveValue`), with a few widenings noted below.
 */
import * as arrow from 'apache-arrow';
import { FloeError } from '../util/errors.js';
import { Column, FixedWidthColumn, writeBit } from './column.js';

const TWO_32 = 4294967296;
const TWO_63 = 9223372036854775808;
const MIN_I64 = -(1n << 63n);
const MAX_I64 = (1n << 63n) - 1n;
const MICROS_PER_DAY = 86_400_000_000;

export class BoolColumn extends Column {
  private bits: Uint8Array;
  constructor(readonly type: arrow.Bool, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.bits = new Uint8Array((cap >> 3) + 1);
  }
  append(v: unknown): void {
    if (typeof v !== 'boolean') throw this.mismatch('boolean', v);
    const i = this.length;
    this.bits = writeBit(this.bits, i, v);
    this.setValid(i);
    this.length = i + 1;
  }
  override valueAt(i: number): boolean | null {
    return this.isNull(i) ? null : (this.bits[i >> 3]! & (1 << (i & 7))) !== 0;
  }
  override truncate(n: number): void {
    for (let i = n; i < this.length; i++) this.bits[i >> 3]! &= ~(1 << (i & 7));
    super.truncate(n);
  }
  appendNull(): void {
    const i = this.length;
    this.bits = writeBit(this.bits, i, false);
    this.setNull(i);
    this.length = i + 1;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    const data = arrow.makeData({ type: this.type, ...batch, data: this.bits.subarray(0, (batch.length + 7) >> 3) });
    this.bits = new Uint8Array((batch.length >> 3) + 1);
    return data;
  }
  byteSize(): number {
    return ((this.length + 7) >> 3) + this.validityBytes();
  }
}

/** int (Int32) and date (Date32, days since epoch): JS integer numbers in int32 range. */
export class Int32Column extends FixedWidthColumn<number, Int32Array> {
  constructor(readonly type: arrow.Int32 | arrow.DateDay, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap, new Int32Array(Math.max(cap, 16)), 1, 0);
  }
  override valueAt(i: number): number | null {
    return this.isNull(i) ? null : this.values[i]!;
  }
  append(v: unknown): void {
    if (typeof v !== 'number' || (v | 0) !== v) throw this.mismatch(this.type instanceof arrow.Int32 ? 'int (32-bit integer)' : 'date (integer days)', v);
    const i = this.length;
    if (i >= this.values.length) this.ensureSlot(i);
    this.values[i] = v;
    this.setValid(i);
    this.length = i + 1;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    return arrow.makeData({ type: this.type as arrow.Int32, ...batch, data: this.takeValues(batch.length) });
  }
}

export type Int64Kind = 'long' | 'time' | 'timestamp';

/**
 * long, time (µs of day), timestamp/timestamptz (µs) and the _ns variants: bigint, or an integer
 * number (exact as long as the producer kept it exact; a number beyond 2^53 is taken as is).
 * Numbers are split into two int32 words instead of going through BigInt(), which allocates.
 */
export class Int64Column extends FixedWidthColumn<bigint, BigInt64Array> {
  private words: Int32Array;
  constructor(
    readonly type: arrow.Int64 | arrow.TimeMicrosecond | arrow.Timestamp,
    readonly kind: Int64Kind,
    nullable: boolean,
    path: string,
    cap: number,
  ) {
    super(nullable, path, cap, new BigInt64Array(Math.max(cap, 16)), 1, 0n);
    this.words = new Int32Array(this.values.buffer);
  }
  protected override replaceValues(values: BigInt64Array): void {
    this.values = values;
    this.words = new Int32Array(values.buffer);
  }
  append(v: unknown): void {
    const i = this.length;
    if (i >= this.values.length) this.ensureSlot(i);
    if (typeof v === 'number') {
      if (!Number.isInteger(v) || v < -TWO_63 || v >= TWO_63) throw this.mismatch(`${this.kind} (64-bit integer)`, v);
      if (this.kind === 'time' && (v < 0 || v >= MICROS_PER_DAY)) throw this.outOfRange(v);
      if (v >= -2147483648 && v <= 2147483647) {
        this.words[2 * i] = v;
        this.words[2 * i + 1] = v < 0 ? -1 : 0;
      } else {
        const hi = Math.floor(v / TWO_32);
        this.words[2 * i] = v - hi * TWO_32; // 0..2^32-1, wrapped to int32 by the typed array
        this.words[2 * i + 1] = hi;
      }
    } else if (typeof v === 'bigint') {
      if (v < MIN_I64 || v > MAX_I64) throw this.mismatch(`${this.kind} (64-bit integer)`, v);
      if (this.kind === 'time' && (v < 0n || v >= BigInt(MICROS_PER_DAY))) throw this.outOfRange(v);
      this.values[i] = v;
    } else {
      throw this.mismatch(`${this.kind} (bigint or integer number)`, v);
    }
    this.setValid(i);
    this.length = i + 1;
  }
  override valueAt(i: number): bigint | null {
    return this.isNull(i) ? null : this.values[i]!;
  }
  /**
   * A long or timestamp given as its two 32-bit words, low first (src/schema/direct.ts reads Avro
   * longs that way: no BigInt per value). Not for time columns, whose range append checks.
   */
  appendWords(lo: number, hi: number): void {
    const i = this.length;
    if (i >= this.values.length) this.ensureSlot(i);
    this.words[2 * i] = lo;
    this.words[2 * i + 1] = hi;
    this.setValid(i);
    this.length = i + 1;
  }
  private outOfRange(v: number | bigint): FloeError {
    return new FloeError('ROW_VALUE_OUT_OF_RANGE', `field ${this.path}: time ${v} is outside 0..86399999999 µs`, {
      details: { path: this.path },
    });
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    return arrow.makeData({ type: this.type as arrow.Int64, ...batch, data: this.takeValues(batch.length) });
  }
}

/** float (Float32, rounded like Java's (float) cast) and double (Float64): JS numbers. */
export class FloatColumn extends FixedWidthColumn<number, Float32Array | Float64Array> {
  /** The values' bytes, for appendIeeeAt. */
  private bytes: Uint8Array;
  constructor(readonly type: arrow.Float32 | arrow.Float64, nullable: boolean, path: string, cap: number) {
    const n = Math.max(cap, 16);
    super(nullable, path, cap, type instanceof arrow.Float32 ? new Float32Array(n) : new Float64Array(n), 1, 0);
    this.bytes = new Uint8Array(this.values.buffer);
  }
  protected override replaceValues(values: Float32Array | Float64Array): void {
    this.values = values;
    this.bytes = new Uint8Array(values.buffer);
  }
  override valueAt(i: number): number | null {
    return this.isNull(i) ? null : this.values[i]!;
  }
  append(v: unknown): void {
    if (typeof v !== 'number') throw this.mismatch(this.type instanceof arrow.Float32 ? 'float' : 'double', v);
    const i = this.length;
    if (i >= this.values.length) this.ensureSlot(i);
    this.values[i] = v;
    this.setValid(i);
    this.length = i + 1;
  }
  /**
   * A little-endian IEEE 754 value of this column's width (4 or 8 bytes) at `pos` of `src`
   * (src/schema/direct.ts), copied byte for byte: a double read into JS and passed on costs a heap
   * number per value wherever the calls are not inlined, and NaN payloads stay as written.
   */
  appendIeeeAt(src: Uint8Array, pos: number, size: 4 | 8): void {
    const i = this.length;
    if (i >= this.values.length) this.ensureSlot(i);
    const b = this.bytes;
    if (size === 8 && this.values.BYTES_PER_ELEMENT === 8) {
      const o = i * 8;
      b[o] = src[pos]!;
      b[o + 1] = src[pos + 1]!;
      b[o + 2] = src[pos + 2]!;
      b[o + 3] = src[pos + 3]!;
      b[o + 4] = src[pos + 4]!;
      b[o + 5] = src[pos + 5]!;
      b[o + 6] = src[pos + 6]!;
      b[o + 7] = src[pos + 7]!;
    } else if (size === 4 && this.values.BYTES_PER_ELEMENT === 4) {
      const o = i * 4;
      b[o] = src[pos]!;
      b[o + 1] = src[pos + 1]!;
      b[o + 2] = src[pos + 2]!;
      b[o + 3] = src[pos + 3]!;
    } else {
      const view = new DataView(src.buffer, src.byteOffset + pos, size);
      this.values[i] = size === 4 ? view.getFloat32(0, true) : view.getFloat64(0, true);
    }
    this.setValid(i);
    this.length = i + 1;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    return arrow.makeData({ type: this.type as arrow.Float64, ...batch, data: this.takeValues(batch.length) as Float64Array });
  }
}

/**
 * decimal(p,s): a bigint holding the unscaled value, stored as a 128-bit little-endian two's
 * complement (Arrow Decimal128). |unscaled| must be < 10^p, else ROW_DECIMAL_OVERFLOW: Iceberg
 * readers would otherwise see a value the column type cannot hold.
 */
export class DecimalColumn extends FixedWidthColumn<bigint, BigInt64Array> {
  private readonly limit: bigint;
  constructor(readonly type: arrow.Decimal, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap, new BigInt64Array(2 * Math.max(cap, 16)), 2, 0n);
    this.limit = 10n ** BigInt(type.precision);
  }
  override valueAt(i: number): bigint | null {
    if (this.isNull(i)) return null;
    // Low word unsigned, high word signed: the 128-bit two's complement value.
    return (this.values[2 * i + 1]! << 64n) | BigInt.asUintN(64, this.values[2 * i]!);
  }
  append(v: unknown): void {
    if (typeof v !== 'bigint') throw this.mismatch(`decimal(${this.type.precision},${this.type.scale}) as bigint unscaled value`, v);
    if (v >= this.limit || v <= -this.limit) {
      throw new FloeError(
        'ROW_DECIMAL_OVERFLOW',
        `field ${this.path}: unscaled value ${v} does not fit decimal(${this.type.precision},${this.type.scale})`,
        { details: { path: this.path, precision: this.type.precision, scale: this.type.scale } },
      );
    }
    const i = this.length;
    if (2 * i + 1 >= this.values.length) this.ensureSlot(i);
    // BigInt64Array stores modulo 2^64, so the low word is v itself and the high word the sign
    // extension (or the upper 64 bits once precision exceeds 18 digits).
    this.values[2 * i] = v;
    this.values[2 * i + 1] = this.type.precision <= 18 ? (v < 0n ? -1n : 0n) : v >> 64n;
    this.setValid(i);
    this.length = i + 1;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    const words = this.takeValues(batch.length); // two 64-bit words per value = Decimal128's four Uint32
    return arrow.makeData({ type: this.type, ...batch, data: new Uint32Array(words.buffer, 0, batch.length * 4) });
  }
}
