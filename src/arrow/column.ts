/**
 * The base of floe's Arrow column builders. apache-arrow's own builders box every value through
 * generic visitor dispatch; these write straight into typed arrays that grow by doubling, and hand
 * the filled prefix to `arrow.makeData` at finish (no copy). One builder per Iceberg field.
 *
 * Nulls: a nullable column keeps a validity bitmap. A non-nullable (Iceberg `required`) column only
 * ever receives `appendNull` when an ancestor struct/list/map slot is null; the slot gets a zero
 * value and no validity bit, because the ancestor's null already masks it (Parquet definition
 * levels come from the ancestor) and Arrow requires non-nullable children to carry no nulls.
 */
import type * as arrow from 'apache-arrow';
import { FloeError } from '../util/errors.js';

export abstract class Column {
  length = 0;
  nullCount = 0;
  protected validity: Uint8Array;

  constructor(
    readonly nullable: boolean,
    /** Dotted path for error messages: "a.b", "tags.element", "attrs.value". */
    readonly path: string,
    initialCapacity: number,
  ) {
    this.validity = new Uint8Array(nullable ? (initialCapacity >> 3) + 1 : 0);
  }

  /** Appends a non-null value in floe's canonical representation; throws on a wrong type. */
  abstract append(v: unknown): void;
  /** Appends a null (or, for a required column, a masked placeholder). */
  abstract appendNull(): void;
  /**
   * Drops every slot at index ≥ n; used to roll back a row that failed validation part-way.
   * Columns whose slots have no further state (values past `length` are just overwritten) need
   * nothing more than this; columns with offsets or children override it.
   */
  truncate(n: number): void {
    this.truncateValidity(n);
    this.length = n;
  }
  /**
   * The value of slot i in floe's canonical representation (null for a null slot), as append took
   * it: what a partition tuple reads of a row appended without a row object (src/schema/direct.ts).
   * Primitive columns only; nested ones throw.
   */
  valueAt(i: number): unknown {
    void i;
    throw new FloeError('ORCHESTRATOR_STATE', `column ${this.path}: no value read-back for a nested column`);
  }
  /** True when slot i holds a null. */
  isNull(i: number): boolean {
    return this.nullable && (this.validity[i >> 3]! & (1 << (i & 7))) === 0;
  }
  /** Returns the column's Arrow data and starts a fresh, empty column. */
  abstract finish(): arrow.Data;

  /**
   * [slots, value bytes] of this column's current batch (or, once finished, of the batch it
   * finished), for sizing the same column of the next builder; undefined: nothing to size.
   */
  sizeHint(): [number, number] | undefined {
    return undefined;
  }

  /** Sizes this column's first growth like `hint` (nothing is allocated until then). */
  takeSizeHint(_hint: [number, number]): void {}
  /** Bytes of Arrow buffers held (approximates the IPC size, for file-size estimates). */
  abstract byteSize(): number;

  protected setValid(i: number): void {
    if (this.nullable) this.validity = writeBit(this.validity, i, true);
  }

  protected setNull(i: number): void {
    if (!this.nullable) return;
    this.validity = writeBit(this.validity, i, false);
    this.nullCount++;
  }

  /**
   * Adjusts the null count for slots [n, length) that are about to be dropped, and clears their
   * bits: a batch's bytes then never depend on which rows were rolled back before it.
   */
  protected truncateValidity(n: number): void {
    if (!this.nullable) return;
    for (let i = n; i < this.length; i++) {
      if ((this.validity[i >> 3]! & (1 << (i & 7))) === 0) this.nullCount--;
      else this.validity[i >> 3]! &= ~(1 << (i & 7));
    }
  }

  /** Validity buffer for makeData (undefined when there are no nulls), then a fresh bitmap. */
  protected takeValidity(): Uint8Array | undefined {
    const out = this.nullCount > 0 ? this.validity.subarray(0, (this.length + 7) >> 3) : undefined;
    if (this.nullable) this.validity = new Uint8Array((this.length >> 3) + 1);
    return out;
  }

  /**
   * Ends the batch: length, null count and validity bitmap for `arrow.makeData`; the column is
   * empty afterwards (subclasses replace their own buffers).
   */
  protected takeBatch(): { length: number; nullCount: number; nullBitmap: Uint8Array | undefined } {
    const length = this.length;
    const nullCount = this.nullCount;
    const nullBitmap = this.takeValidity();
    this.length = 0;
    this.nullCount = 0;
    return { length, nullCount, nullBitmap };
  }

  protected validityBytes(): number {
    return this.nullable ? (this.length + 7) >> 3 : 0;
  }

  protected mismatch(expected: string, v: unknown): FloeError {
    return new FloeError('ROW_TYPE_MISMATCH', `field ${this.path}: expected ${expected}, got ${describe(v)}`, {
      details: { path: this.path, expected },
    });
  }
}

export function requiredNull(path: string): FloeError {
  return new FloeError('ROW_REQUIRED_NULL', `required field ${path} is null`, { details: { path } });
}

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (v instanceof Uint8Array) return `Uint8Array(${v.length})`;
  if (v instanceof Map) return 'Map';
  if (typeof v === 'string') return v.length > 40 ? `string "${v.slice(0, 40)}…"` : `string "${v}"`;
  if (typeof v === 'number' || typeof v === 'bigint' || typeof v === 'boolean') return `${typeof v} ${String(v)}`;
  return typeof v;
}

/**
 * Writes one row straight into a struct's child columns (one slot each) from the bytes at
 * buf[offset..], `own` being a value for columns the filler fills itself; false declines the row
 * (the struct rolls its children back). src/schema/direct.ts compiles these.
 */
export type ColumnFill = (columns: readonly Column[], buf: Buffer, offset: number, own: unknown) => boolean;

/** The typed arrays column buffers are made of. */
export type TypedArray = Uint8Array | Int32Array | Float32Array | Float64Array | BigInt64Array;

/**
 * Doubling growth (at least `need` elements, and at least `min`): a copy of `a` with a fresh
 * zeroed tail (validity relies on zero meaning null). Same array kind as `a`.
 */
export function growArray<A extends TypedArray>(a: A, need: number, min = 0): A {
  const out = new (a.constructor as new (length: number) => A)(Math.max(need, a.length * 2, min));
  out.set(a as never);
  return out;
}

export function growBytes(a: Uint8Array, need: number): Uint8Array {
  return growArray(a, need, 64);
}

export function growInt32(a: Int32Array, need: number): Int32Array {
  return growArray(a, need, 64);
}

/** Sets (on) or clears bit i of a bitmap that grows as needed; returns the (possibly new) bitmap. */
export function writeBit(bits: Uint8Array, i: number, on: boolean): Uint8Array {
  const byte = i >> 3;
  if (byte >= bits.length) bits = growBytes(bits, byte + 1);
  if (on) bits[byte]! |= 1 << (i & 7);
  else bits[byte]! &= ~(1 << (i & 7));
  return bits;
}

/** A typed array of element type E, as far as fixed-width columns use it. */
interface SlotArray<E> {
  readonly length: number;
  readonly BYTES_PER_ELEMENT: number;
  [i: number]: E;
  fill(value: E, start: number, end: number): unknown;
}

/**
 * A column of fixed-width slots in one typed array: `stride` elements per slot (1 for numbers, 2
 * for a decimal's two 64-bit words, L bytes for fixed[L]). Subclasses write values in append
 * (after `ensureSlot`); nulls, rollback, finish and sizes are shared. A null slot is zeroed, as a
 * rolled-back value may sit there.
 */
export abstract class FixedWidthColumn<E extends number | bigint, A extends TypedArray & SlotArray<E>> extends Column {
  protected values: A;
  constructor(
    nullable: boolean,
    path: string,
    cap: number,
    /** The initial buffer, `stride * max(cap, 16)` elements. */
    values: A,
    protected readonly stride: number,
    private readonly zero: E,
  ) {
    super(nullable, path, cap);
    this.values = values;
  }

  /** The previous batch's slot count, for the first growth of the next one (see takeValues). */
  private hintSlots = 0;

  override sizeHint(): [number, number] {
    return [this.length > 0 ? this.length : this.hintSlots, 0];
  }

  override takeSizeHint(hint: [number, number]): void {
    if (this.length === 0 && this.values.length < hint[0] * this.stride) this.hintSlots = hint[0];
  }

  /** Makes room for slot i (growing by doubling); call before writing its elements. */
  protected ensureSlot(i: number): void {
    const need = (i + 1) * this.stride;
    if (need > this.values.length) {
      this.replaceValues(growArray(this.values, need, this.hintSlots * this.stride));
      this.hintSlots = 0;
    }
  }

  /** Installs a new buffer; a subclass keeping views of it refreshes them here. */
  protected replaceValues(values: A): void {
    this.values = values;
  }

  appendNull(): void {
    const i = this.length;
    this.ensureSlot(i);
    const stride = this.stride;
    if (stride === 1) this.values[i] = this.zero;
    else this.values.fill(this.zero, i * stride, (i + 1) * stride);
    this.setNull(i);
    this.length = i + 1;
  }

  /**
   * The filled prefix of the buffer for `arrow.makeData`, then a small fresh buffer that grows to
   * this batch's size at once when it first grows: the daemon makes a fresh builder per flush, and
   * buffers allocated ahead for a batch that never comes only brought V8's next full GC forward.
   */
  protected takeValues(length: number): A {
    const stride = this.stride;
    const out = this.values.subarray(0, length * stride) as A;
    this.hintSlots = length;
    this.replaceValues(new (this.values.constructor as new (length: number) => A)(stride * 16));
    return out;
  }

  byteSize(): number {
    return this.length * this.stride * this.values.BYTES_PER_ELEMENT + this.validityBytes();
  }
}
