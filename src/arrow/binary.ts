/**
 * Column builders for variable- and fixed-width byte types: string (Utf8), binary, fixed[L] and
 * uuid (both FixedSizeBinary). Strings are encoded straight into one growing Buffer with
 * `Buffer.write` (one native call, no intermediate Uint8Array per value); short ASCII strings,
 * the common case for keys and codes, are copied in a JS loop, which beats the native call.
 */
import * as arrow from 'apache-arrow';
import { uuidFromBytes } from '../iceberg/spec/values.js';
import { Column, FixedWidthColumn, growArray } from './column.js';
import { giveBytes, takeBytes } from './recycle.js';

const SHORT_STRING = 24;

/** The bytes of a finished column until it grows (never written: it has no room). */
const EMPTY_BYTES = Buffer.alloc(0);

abstract class VarColumn extends Column {
  protected offsets: Int32Array;
  protected bytes: Buffer;
  protected byteLength = 0;
  constructor(readonly type: arrow.Utf8 | arrow.Binary, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap);
    this.offsets = new Int32Array(Math.max(cap, 16) + 1);
    this.bytes = Buffer.allocUnsafe(Math.max(cap * 8, 256));
  }
  /**
   * The previous batch's sizes, for the first growth of the next one. finish() used to allocate
   * the next batch's buffers at once, but the daemon makes a fresh builder per flush: those
   * buffers were never written, yet each counted toward the 64 MiB of ArrayBuffer growth after
   * which V8 runs a full GC (docs/benchmarks.md, "Arrow builders: nothing allocated ahead").
   */
  private hintSlots = 0;
  private hintBytes = 0;
  override sizeHint(): [number, number] {
    return this.length > 0 ? [this.length, this.byteLength] : [this.hintSlots, this.hintBytes];
  }
  override takeSizeHint(hint: [number, number]): void {
    if (this.length > 0) return;
    if (this.offsets.length <= hint[0]) this.hintSlots = hint[0];
    if (this.bytes.length < hint[1]) this.hintBytes = hint[1];
  }
  protected ensureBytes(extra: number): void {
    const need = this.byteLength + extra;
    if (need <= this.bytes.length) return;
    if (need > 0x7fffffff) throw new RangeError(`column ${this.path}: more than 2 GiB in one batch`);
    // A written batch's buffer when one fits (recycle.ts); the outgrown one goes back at once:
    // nothing outside this column ever holds it before finish().
    const next = takeBytes(Math.min(0x7fffffff, Math.max(need, this.bytes.length * 2, this.hintBytes)));
    this.hintBytes = 0;
    this.bytes.copy(next, 0, 0, this.byteLength);
    giveBytes(this.bytes);
    this.bytes = next;
  }
  protected endSlot(i: number): void {
    if (i + 1 >= this.offsets.length) {
      this.offsets = growArray(this.offsets, i + 2, Math.max(64, this.hintSlots + 1));
      this.hintSlots = 0;
    }
    this.offsets[i + 1] = this.byteLength;
    this.length = i + 1;
  }
  appendNull(): void {
    const i = this.length;
    this.setNull(i);
    this.endSlot(i);
  }
  override truncate(n: number): void {
    super.truncate(n);
    this.byteLength = this.offsets[n]!;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    const data = arrow.makeData({
      type: this.type as arrow.Utf8, ...batch,
      valueOffsets: this.offsets.subarray(0, batch.length + 1),
      data: new Uint8Array(this.bytes.buffer, this.bytes.byteOffset, this.byteLength),
    });
    // The old buffers now belong to the Data. The next batch's are sized like this one when it
    // first grows, not now: a builder that is not used again allocates nothing more.
    this.hintSlots = batch.length;
    this.hintBytes = this.byteLength;
    this.offsets = new Int32Array(2);
    this.bytes = EMPTY_BYTES;
    this.byteLength = 0;
    return data;
  }
  byteSize(): number {
    return this.byteLength + (this.length + 1) * 4 + this.validityBytes();
  }
}

export class Utf8Column extends VarColumn {
  override valueAt(i: number): string | null {
    return this.isNull(i) ? null : this.bytes.toString('utf8', this.offsets[i]!, this.offsets[i + 1]!);
  }
  /** Bytes already checked to be UTF-8, buf[start..end), as one value (src/schema/direct.ts). */
  appendSlice(buf: Buffer, start: number, end: number): void {
    const i = this.length;
    const n = end - start;
    this.ensureBytes(n);
    const bytes = this.bytes;
    let pos = this.byteLength;
    if (n <= SHORT_STRING) for (let k = start; k < end; k++) bytes[pos++] = buf[k]!;
    else pos += buf.copy(bytes, pos, start, end);
    this.byteLength = pos;
    this.setValid(i);
    this.endSlot(i);
  }
  /** Whether buf[start..end) equals one of this column's values from slot `from` on (a map's keys so far). */
  hasValueFrom(from: number, buf: Buffer, start: number, end: number): boolean {
    const n = end - start;
    const offsets = this.offsets;
    const bytes = this.bytes;
    outer: for (let j = from; j < this.length; j++) {
      const a = offsets[j]!;
      if (offsets[j + 1]! - a !== n) continue;
      for (let k = 0; k < n; k++) if (bytes[a + k] !== buf[start + k]) continue outer;
      return true;
    }
    return false;
  }
  append(v: unknown): void {
    if (typeof v !== 'string') throw this.mismatch('string', v);
    const i = this.length;
    const n = v.length;
    // UTF-16 → UTF-8 needs at most 3 bytes per code unit.
    this.ensureBytes(n * 3);
    const bytes = this.bytes;
    let pos = this.byteLength;
    if (n <= SHORT_STRING) {
      let k = 0;
      for (; k < n; k++) {
        const c = v.charCodeAt(k);
        if (c >= 0x80) break;
        bytes[pos + k] = c;
      }
      pos = k === n ? pos + n : pos + bytes.write(v, pos, 'utf8');
    } else {
      pos += bytes.write(v, pos, 'utf8');
    }
    this.byteLength = pos;
    this.setValid(i);
    this.endSlot(i);
  }
}

export class BinaryColumn extends VarColumn {
  override valueAt(i: number): Uint8Array | null {
    return this.isNull(i) ? null : new Uint8Array(this.bytes.subarray(this.offsets[i]!, this.offsets[i + 1]!));
  }
  append(v: unknown): void {
    if (!(v instanceof Uint8Array)) throw this.mismatch('binary (Uint8Array)', v);
    const i = this.length;
    this.ensureBytes(v.length);
    this.bytes.set(v, this.byteLength);
    this.byteLength += v.length;
    this.setValid(i);
    this.endSlot(i);
  }
  /** The bytes buf[start..end) as one value, copied without a view (src/schema/direct.ts). */
  appendSlice(buf: Buffer, start: number, end: number): void {
    const i = this.length;
    this.ensureBytes(end - start);
    buf.copy(this.bytes, this.byteLength, start, end);
    this.byteLength += end - start;
    this.setValid(i);
    this.endSlot(i);
  }
}

const HEX = new Int8Array(128).fill(-1);
for (let c = 0; c < 10; c++) HEX[48 + c] = c;
for (let c = 0; c < 6; c++) {
  HEX[65 + c] = 10 + c;
  HEX[97 + c] = 10 + c;
}

/** The 36 characters of a uuid string as bytes (a character past ASCII ends it: malformed). */
const UUID_TEXT = new Uint8Array(36);

/** Parses "xxxxxxxx-xxxx-xxxx-xxxx-xxxxxxxxxxxx" (any hex case) into out[off..off+16); false if malformed. */
export function parseUuidInto(s: string, out: Uint8Array, off: number): boolean {
  if (s.length !== 36) return false;
  for (let i = 0; i < 36; i++) {
    const c = s.charCodeAt(i);
    if (c >= 128) return false;
    UUID_TEXT[i] = c;
  }
  return parseUuidBytesInto(UUID_TEXT, 0, out, off);
}

/** A uuid's 36 ASCII characters at src[at..at+36) (any hex case) into out[off..off+16); false if malformed. */
export function parseUuidBytesInto(src: Uint8Array, at: number, out: Uint8Array, off: number): boolean {
  if (at + 36 > src.length) return false;
  let j = off;
  for (let i = 0; i < 36; ) {
    if (i === 8 || i === 13 || i === 18 || i === 23) {
      if (src[at + i] !== 45) return false;
      i++;
      continue;
    }
    const a = src[at + i]!;
    const b = src[at + i + 1]!;
    const h = a < 128 ? HEX[a]! : -1;
    const l = b < 128 ? HEX[b]! : -1;
    if (h < 0 || l < 0) return false;
    out[j++] = (h << 4) | l;
    i += 2;
  }
  return true;
}

/**
 * fixed[L] (Uint8Array of exactly L bytes) and uuid (canonical string, or its 16 big-endian
 * bytes as a Uint8Array) as FixedSizeBinary.
 */
export class FixedColumn extends FixedWidthColumn<number, Uint8Array> {
  private readonly width: number;
  constructor(readonly type: arrow.FixedSizeBinary, readonly uuid: boolean, nullable: boolean, path: string, cap: number) {
    super(nullable, path, cap, new Uint8Array(type.byteWidth * Math.max(cap, 16)), type.byteWidth, 0);
    this.width = type.byteWidth;
  }
  override valueAt(i: number): string | Uint8Array | null {
    if (this.isNull(i)) return null;
    const bytes = this.values.slice(i * this.width, (i + 1) * this.width);
    return this.uuid ? uuidFromBytes(bytes) : bytes;
  }
  append(v: unknown): void {
    const i = this.length;
    this.ensureSlot(i);
    const off = i * this.width;
    if (typeof v === 'string' && this.uuid) {
      if (!parseUuidInto(v, this.values, off)) throw this.mismatch('uuid string (8-4-4-4-12 hex)', v);
    } else if (v instanceof Uint8Array && v.length === this.width) {
      this.values.set(v, off);
    } else {
      throw this.mismatch(this.uuid ? 'uuid (string or 16 bytes)' : `fixed[${this.width}] (Uint8Array of ${this.width} bytes)`, v);
    }
    this.setValid(i);
    this.length = i + 1;
  }
  /**
   * A uuid from its 36 text bytes at src[start..start+36) (any hex case), without a string; false
   * (nothing appended) when they are not 8-4-4-4-12 hex digits.
   */
  appendUuidText(src: Uint8Array, start: number): boolean {
    const i = this.length;
    this.ensureSlot(i);
    if (!parseUuidBytesInto(src, start, this.values, i * this.width)) return false;
    this.setValid(i);
    this.length = i + 1;
    return true;
  }
  /** width bytes at src[start..), copied in without a view object per value. */
  appendFixedAt(src: Uint8Array, start: number): void {
    const i = this.length;
    this.ensureSlot(i);
    const values = this.values;
    for (let k = 0, off = i * this.width; k < this.width; k++) values[off + k] = src[start + k]!;
    this.setValid(i);
    this.length = i + 1;
  }
  finish(): arrow.Data {
    const batch = this.takeBatch();
    return arrow.makeData({ type: this.type, ...batch, data: this.takeValues(batch.length) });
  }
}
