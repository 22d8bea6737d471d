/**
 * Column builders for Iceberg primitive types. Accepted JS values follow floe's canonical
 * representation (src/iceberg/spec/types.ts `PrimitiveValue`), with a few widenings noted below.
 */
import * as arrow from 'apache-arrow';
import { FloeError } from '../util/errors.js';
import { Column, growBytes, growInt32 } from './column.js';

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
    const byte = i >> 3;
    if (byte >= this.bits.length) this.bits = growBytes(this.bits, byte + 1);
    if (v) this.bits[byte]! |= 1 << (i & 7);
    else this.bits[byte]! &= ~(1 << (i & 7));
    this.setValid(i);
    this.length = i + 1;
  }
  appendNull(): void {
    const i = this.length;
    const byte = i >> 3;
    if (byte >= this.bits.length) this.bits = growBytes(this.bits, byte + 1);
    this.bits[byte]! &= ~(1 << (i & 7));
    this.setNull(i);
    this.length = i + 1;
  }
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  finish(): arrow.Data {
    const length = this.length;
    const data = arrow.makeData({
      type: this.type, length, nullCount: this.nullCount, nullBitmap: this.takeValidity(),
      data: this.bits.subarray(0, (length + 7) >> 3),
    });
    this.bits = new Uint8Array((length >> 3) + 1);
    this.length = 0;
    this.nullCount = 0;
    return data;
  }
  byteSize(): number {
    return ((this.length + 7) >> 3) + this.validityBytes();
  }
}

/** int (Int32) and date (Date32, days since epoch): JS integer numbers in int32 range. */
export class Int32Column extends Column {
  private values: Int32Array;
  constructor(readonly type: arrow.Int32 | arrow.DateDay, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.values = new Int32Array(Math.max(cap, 16));
  }
  append(v: unknown): void {
    if (typeof v !== 'number' || (v | 0) !== v) throw this.mismatch(this.type instanceof arrow.Int32 ? 'int (32-bit integer)' : 'date (integer days)', v);
    const i = this.length;
    if (i >= this.values.length) this.values = growInt32(this.values, i + 1);
    this.values[i] = v;
    this.setValid(i);
    this.length = i + 1;
  }
  appendNull(): void {
    const i = this.length;
    if (i >= this.values.length) this.values = growInt32(this.values, i + 1);
    this.values[i] = 0;
    this.setNull(i);
    this.length = i + 1;
  }
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  finish(): arrow.Data {
    const length = this.length;
    const data = arrow.makeData({
      type: this.type as arrow.Int32, length, nullCount: this.nullCount, nullBitmap: this.takeValidity(),
      data: this.values.subarray(0, length),
    });
    this.values = new Int32Array(Math.max(length, 16));
    this.length = 0;
    this.nullCount = 0;
    return data;
  }
  byteSize(): number {
    return this.length * 4 + this.validityBytes();
  }
}

export type Int64Kind = 'long' | 'time' | 'timestamp';

/**
 * long, time (µs of day), timestamp/timestamptz (µs) and the _ns variants: bigint, or an integer
 * number (exact as long as the producer kept it exact; a number beyond 2^53 is taken as is).
 * Numbers are split into two int32 words instead of going through BigInt(), which allocates.
 */
export class Int64Column extends Column {
  private values: BigInt64Array;
  private words: Int32Array;
  constructor(
    readonly type: arrow.Int64 | arrow.TimeMicrosecond | arrow.Timestamp,
    readonly kind: Int64Kind,
    nullable: boolean,
    path: string,
    cap: number,
  ) {
    super(nullable, path, cap);
    this.values = new BigInt64Array(Math.max(cap, 16));
    this.words = new Int32Array(this.values.buffer);
  }
  private grow(need: number): void {
    const next = new BigInt64Array(Math.max(need, this.values.length * 2));
    next.set(this.values);
    this.values = next;
    this.words = new Int32Array(next.buffer);
  }
  append(v: unknown): void {
    const i = this.length;
    if (i >= this.values.length) this.grow(i + 1);
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
  private outOfRange(v: number | bigint): FloeError {
    return new FloeError('ROW_VALUE_OUT_OF_RANGE', `field ${this.path}: time ${v} is outside 0..86399999999 µs`, {
      details: { path: this.path },
    });
  }
  appendNull(): void {
    const i = this.length;
    if (i >= this.values.length) this.grow(i + 1);
    this.values[i] = 0n;
    this.setNull(i);
    this.length = i + 1;
  }
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  finish(): arrow.Data {
    const length = this.length;
    const data = arrow.makeData({
      type: this.type as arrow.Int64, length, nullCount: this.nullCount, nullBitmap: this.takeValidity(),
      data: this.values.subarray(0, length),
    });
    this.values = new BigInt64Array(Math.max(length, 16));
    this.words = new Int32Array(this.values.buffer);
    this.length = 0;
    this.nullCount = 0;
    return data;
  }
  byteSize(): number {
    return this.length * 8 + this.validityBytes();
  }
}

/** float (Float32, rounded like Java's (float) cast) and double (Float64): JS numbers. */
export class FloatColumn extends Column {
  private values: Float32Array | Float64Array;
  constructor(readonly type: arrow.Float32 | arrow.Float64, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.values = this.alloc(Math.max(cap, 16));
  }
  private alloc(n: number): Float32Array | Float64Array {
    return this.type instanceof arrow.Float32 ? new Float32Array(n) : new Float64Array(n);
  }
  append(v: unknown): void {
    if (typeof v !== 'number') throw this.mismatch(this.type instanceof arrow.Float32 ? 'float' : 'double', v);
    const i = this.length;
    if (i >= this.values.length) this.grow(i + 1);
    this.values[i] = v;
    this.setValid(i);
    this.length = i + 1;
  }
  private grow(need: number): void {
    const next = this.alloc(Math.max(need, this.values.length * 2));
    next.set(this.values);
    this.values = next;
  }
  appendNull(): void {
    const i = this.length;
    if (i >= this.values.length) this.grow(i + 1);
    this.values[i] = 0;
    this.setNull(i);
    this.length = i + 1;
  }
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  finish(): arrow.Data {
    const length = this.length;
    const data = arrow.makeData({
      type: this.type as arrow.Float64, length, nullCount: this.nullCount, nullBitmap: this.takeValidity(),
      data: this.values.subarray(0, length) as Float64Array,
    });
    this.values = this.alloc(Math.max(length, 16));
    this.length = 0;
    this.nullCount = 0;
    return data;
  }
  byteSize(): number {
    return this.length * this.values.BYTES_PER_ELEMENT + this.validityBytes();
  }
}

/**
 * decimal(p,s): a bigint holding the unscaled value, stored as a 128-bit little-endian two's
 * complement (Arrow Decimal128). |unscaled| must be < 10^p, else ROW_DECIMAL_OVERFLOW: Iceberg
 * readers would otherwise see a value the column type cannot hold.
 */
export class DecimalColumn extends Column {
  private values: BigInt64Array;
  private readonly limit: bigint;
  constructor(readonly type: arrow.Decimal, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.values = new BigInt64Array(2 * Math.max(cap, 16));
    this.limit = 10n ** BigInt(type.precision);
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
    if (2 * i + 1 >= this.values.length) this.grow(2 * i + 2);
    // BigInt64Array stores modulo 2^64, so the low word is v itself and the high word the sign
    // extension (or the upper 64 bits once precision exceeds 18 digits).
    this.values[2 * i] = v;
    this.values[2 * i + 1] = this.type.precision <= 18 ? (v < 0n ? -1n : 0n) : v >> 64n;
    this.setValid(i);
    this.length = i + 1;
  }
  private grow(need: number): void {
    const next = new BigInt64Array(Math.max(need, this.values.length * 2));
    next.set(this.values);
    this.values = next;
  }
  appendNull(): void {
    const i = this.length;
    if (2 * i + 1 >= this.values.length) this.grow(2 * i + 2);
    this.values[2 * i] = 0n;
    this.values[2 * i + 1] = 0n;
    this.setNull(i);
    this.length = i + 1;
  }
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  finish(): arrow.Data {
    const length = this.length;
    const data = arrow.makeData({
      type: this.type, length, nullCount: this.nullCount, nullBitmap: this.takeValidity(),
      data: new Uint32Array(this.values.buffer, 0, length * 4),
    });
    this.values = new BigInt64Array(2 * Math.max(length, 16));
    this.length = 0;
    this.nullCount = 0;
    return data;
  }
  byteSize(): number {
    return this.length * 16 + this.validityBytes();
  }
}
