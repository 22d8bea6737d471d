/**
 * The byte readers of src/schema/direct.ts: each reads one Avro value from the cursor exactly as
 * the general decoder (decode/avro.ts, decode/long.ts, decode/logical.ts, avsc's Tap) would, and
 * appends it to a column (null: read past it). Each returns false instead of judging anything the
 * general path might refuse — bytes past the end, an over-long varint, invalid UTF-8, an index
 * out of range — so the row is declined and the general path gives the reason.
 */
import type { Column } from '../arrow/column.js';
import { utf8Text } from '../decode/avro.js';
import { parseUuidBytesInto } from '../arrow/binary.js';
import { bigintFromTwosComplement } from '../decode/logical.js';

/** The reading state of one record: the body and the position in it (one per reader, reused). */
export interface Cursor {
  buf: Buffer;
  pos: number;
}

export const EMPTY = Buffer.alloc(0);

/**
 * An Avro int (zig-zag varint) as avsc's Tap.readLong reads it, or NaN when the general path must
 * judge it (a varint longer than 5 bytes, or bytes past the end).
 */
function readVarint(t: Cursor): number {
  const buf = t.buf;
  const len = buf.length;
  let pos = t.pos;
  let n = 0;
  let b = 0x80;
  for (let shift = 0; shift < 28 && b & 0x80; shift += 7) {
    if (pos >= len) return NaN;
    b = buf[pos++]!;
    n |= (b & 0x7f) << shift;
  }
  if (b & 0x80) {
    if (pos >= len) return NaN;
    b = buf[pos++]!;
    if (b & 0x80) return NaN;
    t.pos = pos;
    // avsc's float arithmetic past 28 bits, to the same value.
    const f = n + (b & 0x7f) * 268435456;
    return (f % 2 ? -(f + 1) : f) / 2;
  }
  t.pos = pos;
  return (n >> 1) ^ -(n & 1);
}

function boolean(t: Cursor, c: Column | null): boolean {
  if (t.pos >= t.buf.length) return false;
  const v = t.buf[t.pos++]! !== 0;
  if (c) c.append(v);
  return true;
}

function int(t: Cursor, c: Column | null): boolean {
  const v = readVarint(t);
  if ((v | 0) !== v) return false; // NaN, or beyond 32 bits: the general path refuses it with its reason
  if (c) c.append(v);
  return true;
}

interface WordsColumn extends Column {
  appendWords(lo: number, hi: number): void;
}

/** The high word of the last readWords, kept outside so that call allocates nothing. */
let wordHi = 0;

/**
 * An Avro long as two 32-bit words (low returned, high in wordHi), exactly as decode/long.ts
 * reads it: the 64-bit zig-zag value, bits past 64 in a tenth byte ignored. Undefined for a
 * varint of more than 10 bytes or one running past the end.
 */
function readWords(t: Cursor): number | undefined {
  const buf = t.buf;
  let pos = t.pos;
  const len = buf.length;
  let lo = 0;
  let hi = 0;
  let b = 0x80;
  let shift = 0;
  // Bytes 1-4: 28 bits of the low word.
  for (; shift < 28 && b & 0x80; shift += 7) {
    if (pos >= len) return undefined;
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
  }
  if (b & 0x80) {
    // Byte 5: 4 bits of the low word, 3 of the high.
    if (pos >= len) return undefined;
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    // Bytes 6-9: 7 bits each of the high word; byte 10: its top bit.
    for (shift = 3; b & 0x80; shift += 7) {
      if (shift > 31) return undefined; // an 11th byte: not an Avro long
      if (pos >= len) return undefined;
      b = buf[pos++]!;
      hi |= shift === 31 ? (b & 0x01) << 31 : (b & 0x7f) << shift;
    }
  }
  t.pos = pos;
  // Zig-zag: (u >>> 1) ^ -(u & 1) over 64 bits.
  const neg = lo & 1;
  let l = (lo >>> 1) | (hi << 31);
  let h = hi >>> 1;
  if (neg) {
    l = ~l;
    h = ~h;
  }
  wordHi = h | 0;
  return l | 0;
}

function long(t: Cursor, c: Column | null): boolean {
  const lo = readWords(t);
  if (lo === undefined) return false;
  if (c) (c as WordsColumn).appendWords(lo, wordHi);
  return true;
}

/** |ms| below this: ms × 1000 < 2^53, exact as a double. */
const MAX_EXACT_MS = 2 ** 43;

function millis(t: Cursor, c: Column | null): boolean {
  const lo = readWords(t);
  if (lo === undefined) return false;
  const ms = wordHi * 4294967296 + (lo >>> 0);
  if (ms >= MAX_EXACT_MS || ms <= -MAX_EXACT_MS) return false; // BigInt arithmetic is the general path's
  if (c) c.append(ms * 1000);
  return true;
}

/** A float (size 4) or double (size 8), little-endian IEEE 754. */
function ieee(t: Cursor, c: Column | null, size: 4 | 8): boolean {
  const pos = t.pos;
  if (pos + size > t.buf.length) return false;
  t.pos = pos + size;
  if (c) (c as IeeeColumn).appendIeeeAt(t.buf, pos, size);
  return true;
}

interface IeeeColumn extends Column {
  appendIeeeAt(src: Uint8Array, pos: number, size: 4 | 8): void;
}

/** A string as decode/avro.ts's readStringStrict reads it; undefined where that one would refuse it or read past the end. */
function text(t: Cursor): string | undefined {
  const len = runLength(t);
  if (len < 0) return undefined;
  const start = t.pos;
  const end = start + len;
  t.pos = end;
  return utf8Text(t.buf, start, end);
}

/**
 * A DataView over the ArrayBuffer records were last read from (a fetch response holds many). It
 * keeps that one response alive until strings are read from another: at most one fetch's bytes.
 */
let wordsOf: ArrayBufferLike | undefined;
let words: DataView | undefined;

/** No byte ≥ 0x80 in buf[start..end): four at a time past a few bytes (URLs, user agents). */
function isAscii(buf: Buffer, start: number, end: number): boolean {
  let i = start;
  if (end - start >= 16) {
    const ab = buf.buffer;
    if (ab !== wordsOf) {
      words = new DataView(ab);
      wordsOf = ab;
    }
    const view = words!;
    const base = buf.byteOffset;
    for (; i + 4 <= end; i += 4) if ((view.getUint32(base + i) & 0x80808080) !== 0) return false;
  }
  for (; i < end; i++) if (buf[i]! >= 0x80) return false;
  return true;
}

/**
 * The length of the string or bytes at the cursor (which is left at their first byte), or -1 for
 * a bad length or one past the body (the general path judges those).
 */
function runLength(t: Cursor): number {
  const len = readVarint(t);
  return len >= 0 && t.pos + len <= t.buf.length ? len : -1;
}

function string(t: Cursor, c: Column | null): boolean {
  const len = runLength(t);
  if (len < 0) return false;
  const start = t.pos;
  const end = start + len;
  const buf = t.buf;
  t.pos = end;
  if (isAscii(buf, start, end)) {
    if (c) (c as SliceColumn).appendSlice(buf, start, end);
    return true;
  }
  const s = utf8Text(buf, start, end);
  if (s === undefined) return false;
  if (c) c.append(s);
  return true;
}

/**
 * A uuid string: its 36 ASCII bytes parsed straight into the column (canonicalUuid accepts either
 * hex case, so does this). Anything else (another length, a non-hex byte) is declined; the general
 * path judges it. Without a column, only read past it.
 */
function uuid(t: Cursor, c: Column | null): boolean {
  if (runLength(t) !== 36) return false;
  const start = t.pos;
  if (c) {
    if (!(c as UuidColumn).appendUuidText(t.buf, start)) return false;
  } else if (!parseUuidBytesInto(t.buf, start, UUID_SCRATCH, 0)) return false;
  t.pos = start + 36;
  return true;
}

const UUID_SCRATCH = new Uint8Array(16);

interface UuidColumn extends Column {
  appendUuidText(src: Uint8Array, start: number): boolean;
}

function enumeration(t: Cursor, c: Column | null, symbols: readonly string[]): boolean {
  const i = readVarint(t);
  const s = symbols[i];
  if (s === undefined || !Number.isInteger(i)) return false;
  if (c) c.append(s);
  return true;
}

interface SliceColumn extends Column {
  appendSlice(buf: Buffer, start: number, end: number): void;
}

function bytes(t: Cursor, c: Column | null): boolean {
  const len = runLength(t);
  if (len < 0) return false;
  const start = t.pos;
  const end = start + len;
  t.pos = end;
  if (c) (c as SliceColumn).appendSlice(t.buf, start, end);
  return true;
}

function fixed(t: Cursor, c: Column | null, size: number): boolean {
  const start = t.pos;
  const end = start + size;
  if (end > t.buf.length) return false;
  t.pos = end;
  if (c) (c as FixedAtColumn).appendFixedAt(t.buf, start);
  return true;
}

interface FixedAtColumn extends Column {
  appendFixedAt(src: Uint8Array, start: number): void;
}

/** A decimal on bytes (size -1) or fixed: two's complement, as DecimalType reads it; false past `limit` (10^precision), the column's refusal. */
function decimal(t: Cursor, c: Column | null, size: number, limit: bigint): boolean {
  const len = size < 0 ? readVarint(t) : size;
  if (!(len >= 0)) return false;
  const start = t.pos;
  const end = start + len;
  if (end > t.buf.length) return false;
  t.pos = end;
  const v = bigintFromTwosComplement(t.buf.subarray(start, end));
  if (v >= limit || v <= -limit) return false;
  if (c) c.append(v);
  return true;
}

/**
 * The item count of the next block of an array or map (0 ends it); -1 where the general path must
 * judge: an unreadable count or size, or more items than bytes left (every item eligible here
 * takes at least one byte), so a hostile count cannot make the loop run long.
 */
function blockCount(t: Cursor): number {
  let n = readVarint(t);
  if (n < 0) {
    n = -n;
    if (Number.isNaN(readVarint(t))) return -1; // the block's size in bytes, only for skipping
  }
  if (!(n >= 0) || n > t.buf.length - t.pos) return -1;
  return n;
}

interface KeyColumn extends SliceColumn {
  readonly length: number;
  hasValueFrom(from: number, buf: Buffer, start: number, end: number): boolean;
  valueAt(i: number): unknown;
}

/** Keys of one map compared as bytes with the ones before; past this many, through a Set of strings. */
const MAP_KEYS_COMPARED = 32;

/**
 * A map key into `c`, whose keys of this map start at slot `first`; false for a key seen before in
 * this map (the general path's Map keeps one entry) or one the general path refuses. Valid UTF-8
 * is one byte sequence per string, so equal bytes are equal keys: a map of a few keys is checked
 * against the bytes already in the column, without a string per key.
 */
function mapKey(t: Cursor, c: Column, seen: Set<string>, first: number): boolean {
  const len = runLength(t);
  if (len < 0) return false;
  const start = t.pos;
  const end = start + len;
  const buf = t.buf;
  if (!isAscii(buf, start, end) && utf8Text(buf, start, end) === undefined) return false;
  const col = c as unknown as KeyColumn;
  const n = col.length - first;
  if (n < MAP_KEYS_COMPARED) {
    if (col.hasValueFrom(first, buf, start, end)) return false;
  } else {
    if (n === MAP_KEYS_COMPARED) {
      seen.clear();
      for (let j = first; j < col.length; j++) seen.add(col.valueAt(j) as string);
    }
    const s = utf8Text(buf, start, end)!;
    if (seen.has(s)) return false;
    seen.add(s);
  }
  t.pos = end;
  col.appendSlice(buf, start, end);
  return true;
}

/** The helpers the generated code calls, by the names it uses. */
export const READERS = { index: readVarint, boolean, int, long, millis, ieee, string, enumeration, bytes, uuid, fixed, decimal, blockCount, mapKey };

