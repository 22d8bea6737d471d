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
  /** Drops every slot at index ≥ n; used to roll back a row that failed validation part-way. */
  abstract truncate(n: number): void;
  /** Returns the column's Arrow data and starts a fresh, empty column. */
  abstract finish(): arrow.Data;
  /** Bytes of Arrow buffers held (approximates the IPC size, for file-size estimates). */
  abstract byteSize(): number;

  protected setValid(i: number): void {
    if (!this.nullable) return;
    const byte = i >> 3;
    if (byte >= this.validity.length) this.validity = growBytes(this.validity, byte + 1);
    this.validity[byte]! |= 1 << (i & 7);
  }

  protected setNull(i: number): void {
    if (!this.nullable) return;
    const byte = i >> 3;
    if (byte >= this.validity.length) this.validity = growBytes(this.validity, byte + 1);
    this.validity[byte]! &= ~(1 << (i & 7));
    this.nullCount++;
  }

  /** Adjusts the null count for slots [n, length) that are about to be dropped. */
  protected truncateValidity(n: number): void {
    if (!this.nullable) return;
    for (let i = n; i < this.length; i++) {
      if ((this.validity[i >> 3]! & (1 << (i & 7))) === 0) this.nullCount--;
    }
  }

  /** Validity buffer for makeData (undefined when there are no nulls), then a fresh bitmap. */
  protected takeValidity(): Uint8Array | undefined {
    const out = this.nullCount > 0 ? this.validity.subarray(0, (this.length + 7) >> 3) : undefined;
    if (this.nullable) this.validity = new Uint8Array((this.length >> 3) + 1);
    return out;
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

/** Doubling growth; a fresh zeroed tail (validity relies on zero meaning null). */
export function growBytes(a: Uint8Array, need: number): Uint8Array {
  const out = new Uint8Array(Math.max(need, a.length * 2, 64));
  out.set(a);
  return out;
}

export function growInt32(a: Int32Array, need: number): Int32Array {
  const out = new Int32Array(Math.max(need, a.length * 2, 64));
  out.set(a);
  return out;
}
