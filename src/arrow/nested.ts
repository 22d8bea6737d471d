/**
 * Column builders for Iceberg struct, list and map. Each owns its child builders; a null slot
 * propagates a placeholder to struct children (lists and maps just get an empty range).
 * Required-ness of children (struct fields, list elements, map keys and values) is checked here,
 * where the null is seen, so the error names the exact path.
 */
import * as arrow from 'apache-arrow';
import { Column, growInt32, requiredNull, type ColumnFill } from './column.js';

export interface StructChild {
  name: string;
  required: boolean;
  column: Column;
}

export class StructColumn extends Column {
  private readonly names: string[];
  private readonly required: boolean[];
  private readonly columns: Column[];
  constructor(readonly type: arrow.Struct, children: StructChild[], nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.names = children.map((c) => c.name);
    this.required = children.map((c) => c.required);
    this.columns = children.map((c) => c.column);
  }
  get children(): readonly Column[] {
    return this.columns;
  }
  append(v: unknown): void {
    if (typeof v !== 'object' || v === null || Array.isArray(v) || ArrayBuffer.isView(v) || v instanceof Map) {
      throw this.mismatch('struct (object)', v);
    }
    const o = v as Record<string, unknown>;
    const n = this.columns.length;
    for (let k = 0; k < n; k++) {
      const col = this.columns[k]!;
      const cv = o[this.names[k]!];
      if (cv === null || cv === undefined) {
        if (this.required[k]) throw requiredNull(col.path);
        col.appendNull();
      } else {
        col.append(cv);
      }
    }
    this.setValid(this.length);
    this.length++;
  }
  /**
   * Appends one row that `fill` writes into the children itself (src/schema/direct.ts's readers).
   * When it declines the row (or throws) every child is rolled back to where it was.
   */
  appendFilled(fill: ColumnFill, buf: Buffer, offset: number, own: unknown): boolean {
    const n = this.length;
    let ok = false;
    try {
      ok = fill(this.columns, buf, offset, own);
      // A filler that missed a child would misalign every row after it: never keep such a row.
      for (let k = 0; ok && k < this.columns.length; k++) ok = this.columns[k]!.length === n + 1;
    } catch {
      ok = false; // whatever went wrong, the general path will say it
    }
    if (!ok) this.truncate(n);
    if (ok) {
      this.setValid(n);
      this.length = n + 1;
    }
    return ok;
  }
  /** Marks the slot whose children a direct reader has just filled (src/schema/direct.ts). */
  appendPresent(): void {
    this.setValid(this.length);
    this.length++;
  }
  appendNull(): void {
    for (const col of this.columns) col.appendNull();
    this.setNull(this.length);
    this.length++;
  }
  override truncate(n: number): void {
    for (const col of this.columns) col.truncate(n);
    super.truncate(n);
  }
  finish(): arrow.Data {
    return arrow.makeData({ type: this.type, ...this.takeBatch(), children: this.columns.map((c) => c.finish()) });
  }
  byteSize(): number {
    let n = this.validityBytes();
    for (const col of this.columns) n += col.byteSize();
    return n;
  }
}

/** Shared offsets handling of list and map (both are offsets into a child of entries). */
abstract class OffsetsColumn extends Column {
  protected offsets: Int32Array;
  constructor(nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.offsets = new Int32Array(Math.max(cap, 16) + 1);
  }
  protected endSlot(childLength: number): void {
    const i = this.length;
    if (i + 1 >= this.offsets.length) this.offsets = growInt32(this.offsets, i + 2);
    this.offsets[i + 1] = childLength;
    this.length = i + 1;
  }
  /** Ends the batch (see takeBatch) with the offsets too; the next batch is presized like this one. */
  protected takeListBatch(): { length: number; nullCount: number; nullBitmap: Uint8Array | undefined; valueOffsets: Int32Array } {
    const valueOffsets = this.offsets.subarray(0, this.length + 1);
    this.offsets = new Int32Array(Math.max(this.length, 16) + 1);
    return { ...this.takeBatch(), valueOffsets };
  }
}

export class ListColumn extends OffsetsColumn {
  constructor(
    readonly type: arrow.List,
    readonly element: Column,
    private readonly elementRequired: boolean,
    nullable: boolean,
    path: string,
    cap: number,
  ) {
    super(nullable, path, cap);
  }
  append(v: unknown): void {
    if (!Array.isArray(v)) throw this.mismatch('list (array)', v);
    const el = this.element;
    for (let k = 0; k < v.length; k++) {
      const e: unknown = v[k];
      if (e === null || e === undefined) {
        if (this.elementRequired) throw requiredNull(el.path);
        el.appendNull();
      } else {
        el.append(e);
      }
    }
    this.setValid(this.length);
    this.endSlot(el.length);
  }
  /** Ends the slot whose elements a direct reader has just appended (src/schema/direct.ts). */
  appendPresent(): void {
    this.setValid(this.length);
    this.endSlot(this.element.length);
  }
  appendNull(): void {
    this.setNull(this.length);
    this.endSlot(this.element.length);
  }
  override truncate(n: number): void {
    this.element.truncate(this.offsets[n]!);
    super.truncate(n);
  }
  finish(): arrow.Data {
    return arrow.makeData({ type: this.type, ...this.takeListBatch(), child: this.element.finish() });
  }
  byteSize(): number {
    return (this.length + 1) * 4 + this.validityBytes() + this.element.byteSize();
  }
}

/**
 * map: a `Map`, an array of [key, value] pairs, or (for string keys, as avsc decodes Avro maps)
 * a plain object. Keys are never null (Iceberg map keys are required).
 */
export class MapColumn extends OffsetsColumn {
  private readonly entriesType: arrow.Struct;
  constructor(
    readonly type: arrow.Map_,
    readonly key: Column,
    readonly value: Column,
    private readonly valueRequired: boolean,
    private readonly stringKeys: boolean,
    nullable: boolean,
    path: string,
    cap: number,
  ) {
    super(nullable, path, cap);
    this.entriesType = type.children[0]!.type as arrow.Struct;
  }
  entry(k: unknown, v: unknown): void {
    if (k === null || k === undefined) throw requiredNull(this.key.path);
    this.key.append(k);
    if (v === null || v === undefined) {
      if (this.valueRequired) throw requiredNull(this.value.path);
      this.value.appendNull();
    } else {
      this.value.append(v);
    }
  }
  append(v: unknown): void {
    if (v instanceof Map) {
      // forEach with a this-arg allocates nothing per entry, unlike for-of's [key, value] pairs.
      v.forEach(mapEntry, this);
    } else if (Array.isArray(v)) {
      for (const pair of v) {
        if (!Array.isArray(pair) || pair.length !== 2) throw this.mismatch('map entry [key, value]', pair);
        this.entry(pair[0], pair[1]);
      }
    } else if (this.stringKeys && typeof v === 'object' && v !== null && !ArrayBuffer.isView(v)) {
      const o = v as Record<string, unknown>;
      for (const k of Object.keys(o)) this.entry(k, o[k]);
    } else {
      throw this.mismatch('map (Map or array of [key, value])', v);
    }
    this.setValid(this.length);
    this.endSlot(this.key.length);
  }
  /** Ends the slot whose entries a direct reader has just appended (src/schema/direct.ts). */
  appendPresent(): void {
    this.setValid(this.length);
    this.endSlot(this.key.length);
  }
  appendNull(): void {
    this.setNull(this.length);
    this.endSlot(this.key.length);
  }
  override truncate(n: number): void {
    const m = this.offsets[n]!;
    this.key.truncate(m);
    this.value.truncate(m);
    super.truncate(n);
  }
  finish(): arrow.Data {
    const entries = arrow.makeData({
      type: this.entriesType, length: this.key.length, nullCount: 0,
      children: [this.key.finish(), this.value.finish()],
    });
    return arrow.makeData({ type: this.type, ...this.takeListBatch(), child: entries });
  }
  byteSize(): number {
    return (this.length + 1) * 4 + this.validityBytes() + this.key.byteSize() + this.value.byteSize();
  }
}

function mapEntry(this: MapColumn, value: unknown, key: unknown): void {
  this.entry(key, value);
}
