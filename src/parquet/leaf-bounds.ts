/**
 * The slots holding the smallest and largest value of one Arrow leaf (leaf-stats.ts turns them
 * into Iceberg bounds). Order is the Iceberg type order: signed for numbers, -0 < +0, NaN and
 * nulls excluded, unsigned lexicographic for bytes and strings (UTF-8 byte order is code point
 * order).
 *
 * This runs over every value of every non-repeated column of every file, so each common kind has
 * its own loop with the comparison written inline: one shared loop calling a comparator closure
 * per kind makes that call site megamorphic, which V8 cannot inline. The rare kinds (boolean,
 * decimal) still go through a comparator.
 */
import type * as arrow from 'apache-arrow';
import type { ParsedPrimitive } from '../arrow/schema.js';

/** Slot indices to visit (-1: null at an ancestor), or null for every slot 0..count-1. */
export type Slots = Int32Array | null;

/**
 * A Data's null bitmap when some slot is null, else null. Call once per column: `Data.nullCount`
 * is a getter that re-checks the type (DataType.isUnion) on every read.
 */
export function validityOf(data: arrow.Data): Uint8Array | null {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return null;
  return data.nullBitmap;
}

/** The slot visited at k, or -1 when it is null (at an ancestor, or in `bits`, indexed from `off`). */
export function presentSlot(slots: Slots, k: number, bits: Uint8Array | null, off: number): number {
  const s = slots === null ? k : slots[k]!;
  if (s < 0) return -1;
  if (bits !== null) {
    const j = off + s;
    if (((bits[j >> 3]! >> (j & 7)) & 1) === 0) return -1;
  }
  return s;
}

/** Slots of the min and max value; both -1 when no slot is non-null (and non-NaN). */
export interface BoundSlots {
  min: number;
  max: number;
}

export function boundSlots(p: ParsedPrimitive, data: arrow.Data, slots: Slots, count: number): BoundSlots {
  const bits = validityOf(data);
  const off = data.offset;
  switch (p.kind) {
    case 'int':
    case 'date':
      return int32Bounds(data.values as Int32Array, slots, count, bits, off);
    case 'float':
    case 'double':
      return floatBounds(data.values as Float32Array | Float64Array, slots, count, bits, off);
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const v = data.values as BigInt64Array;
      return int64Bounds(new Int32Array(v.buffer, v.byteOffset, v.length * 2), slots, count, bits, off);
    }
    case 'string':
    case 'binary':
      return varBytesBounds(data.values as Uint8Array, data.valueOffsets as Int32Array, slots, count, bits, off);
    case 'uuid':
    case 'fixed':
      return fixedBytesBounds(data.values as Uint8Array, p.kind === 'fixed' ? p.length : 16, slots, count, bits, off);
    default:
      return comparatorBounds(comparator(p, data), slots, count, bits, off);
  }
}

function int32Bounds(v: Int32Array, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  let min = -1;
  let max = -1;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    const x = v[s]!;
    if (min < 0) {
      min = max = s;
      lo = hi = x;
    } else if (x < lo) {
      min = s;
      lo = x;
    } else if (x > hi) {
      max = s;
      hi = x;
    }
  }
  return { min, max };
}

function floatBounds(v: Float32Array | Float64Array, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  let min = -1;
  let max = -1;
  let lo = 0;
  let hi = 0;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    const x = v[s]!;
    if (x !== x) continue; // NaN
    if (min < 0) {
      min = max = s;
      lo = hi = x;
    } else if (x < lo || (x === 0 && lo === 0 && 1 / x < 1 / lo)) {
      // 1/x tells -0 (-Infinity) from +0 (Infinity).
      min = s;
      lo = x;
    } else if (x > hi || (x === 0 && hi === 0 && 1 / x > 1 / hi)) {
      max = s;
      hi = x;
    }
  }
  return { min, max };
}

/** 64-bit values as little-endian int32 word pairs: signed high word, then unsigned low word. */
function int64Bounds(w: Int32Array, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  let min = -1;
  let max = -1;
  let loH = 0;
  let loL = 0;
  let hiH = 0;
  let hiL = 0;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    const h = w[2 * s + 1]!;
    const l = w[2 * s]! >>> 0;
    if (min < 0) {
      min = max = s;
      loH = hiH = h;
      loL = hiL = l;
    } else if (h < loH || (h === loH && l < loL)) {
      min = s;
      loH = h;
      loL = l;
    } else if (h > hiH || (h === hiH && l > hiL)) {
      max = s;
      hiH = h;
      hiL = l;
    }
  }
  return { min, max };
}

function varBytesBounds(bytes: Uint8Array, offsets: Int32Array, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  const view = byteView(bytes);
  let min = -1;
  let max = -1;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    if (min < 0) {
      min = max = s;
      continue;
    }
    const a = offsets[s]!;
    const e = offsets[s + 1]!;
    if (compareBytes(bytes, view, a, e, offsets[min]!, offsets[min + 1]!) < 0) min = s;
    else if (compareBytes(bytes, view, a, e, offsets[max]!, offsets[max + 1]!) > 0) max = s;
  }
  return { min, max };
}

function fixedBytesBounds(bytes: Uint8Array, width: number, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  const view = byteView(bytes);
  let min = -1;
  let max = -1;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    if (min < 0) {
      min = max = s;
      continue;
    }
    const a = s * width;
    if (compareBytes(bytes, view, a, a + width, min * width, (min + 1) * width) < 0) min = s;
    else if (compareBytes(bytes, view, a, a + width, max * width, (max + 1) * width) > 0) max = s;
  }
  return { min, max };
}

function byteView(bytes: Uint8Array): DataView {
  return new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/**
 * Unsigned lexicographic order of bytes[as..ae) and bytes[bs..be) (`view` spans the same bytes).
 * Strings in one column tend to share long prefixes (URLs, user agents), so this reads four bytes
 * at a time: a big-endian 32-bit read orders like its four bytes, and V8 compiles DataView reads
 * to plain loads.
 */
export function compareBytes(bytes: Uint8Array, view: DataView, as: number, ae: number, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  let k = 0;
  for (; k + 4 <= n; k += 4) {
    const x = view.getUint32(as + k);
    const y = view.getUint32(bs + k);
    if (x !== y) return x < y ? -1 : 1;
  }
  for (; k < n; k++) {
    const d = bytes[as + k]! - bytes[bs + k]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** Index comparison within one Data; <0, 0, >0. Only for the kinds without their own loop. */
type IndexCompare = (a: number, b: number) => number;

function comparatorBounds(cmp: IndexCompare, slots: Slots, count: number, bits: Uint8Array | null, off: number): BoundSlots {
  let min = -1;
  let max = -1;
  for (let k = 0; k < count; k++) {
    const s = presentSlot(slots, k, bits, off);
    if (s < 0) continue;
    if (min < 0) min = max = s;
    else if (cmp(s, min) < 0) min = s;
    else if (cmp(s, max) > 0) max = s;
  }
  return { min, max };
}

function comparator(p: ParsedPrimitive, data: arrow.Data): IndexCompare {
  if (p.kind === 'boolean') {
    // Boolean data is the one buffer Arrow JS does not slice: index it with the offset.
    const o = data.offset;
    const bits = data.values as Uint8Array;
    const bit = (i: number) => (bits[(o + i) >> 3]! >> ((o + i) & 7)) & 1;
    return (a, b) => bit(a) - bit(b);
  }
  if (p.kind === 'decimal') {
    // Four little-endian 32-bit words per value; the top word is signed.
    const u = data.values as Uint32Array;
    const w = new Int32Array(u.buffer, u.byteOffset, u.length);
    return (a, b) => {
      const x = 4 * a;
      const y = 4 * b;
      if (w[x + 3] !== w[y + 3]) return w[x + 3]! - w[y + 3]!;
      for (let k = 2; k >= 0; k--) {
        const d = (w[x + k]! >>> 0) - (w[y + k]! >>> 0);
        if (d !== 0) return d;
      }
      return 0;
    };
  }
  throw new Error(`no comparator for ${p.kind}`);
}
