/**
 * Per-leaf column statistics computed from Arrow data, with Parquet level semantics so the counts
 * equal what Iceberg Java reads from a Parquet footer:
 * - value count: one entry per definition level, i.e. per row for leaves under structs only, and
 *   per element for leaves under lists/maps, plus one entry for each null or empty list/map;
 * - null count: entries whose leaf or any ancestor is null (incl. those null/empty list entries);
 * - NaN count for float/double; min/max (type order, NaN excluded, -0 < +0) of non-null values.
 * Bounds come from the data rather than Parquet statistics: exact for every type, and independent
 * of whether the writer kept statistics.
 */
import type * as arrow from 'apache-arrow';
import { parsePrimitive, type ParsedPrimitive } from '../arrow/schema.js';
import { compareValues, uuidFromBytes } from '../iceberg/spec/values.js';
import type { IcebergType, PrimitiveType, PrimitiveValue } from '../iceberg/spec/types.js';

export interface LeafStats {
  id: number;
  type: PrimitiveType;
  /** Under a list or map: Iceberg stores no bounds for these. */
  repeated: boolean;
  valueCount: number;
  nullCount: number;
  nanCount: number;
  min?: PrimitiveValue;
  max?: PrimitiveValue;
}

interface Leaf extends LeafStats {
  parsed: ParsedPrimitive;
}

/** Leaves of a type in Parquet column order (depth-first; map key before value). */
export function collectLeaves(type: IcebergType, id: number, repeated: boolean, out: Leaf[]): void {
  if (typeof type === 'string') {
    out.push({ id, type, parsed: parsePrimitive(type), repeated, valueCount: 0, nullCount: 0, nanCount: 0 });
    return;
  }
  switch (type.type) {
    case 'struct':
      for (const f of type.fields) collectLeaves(f.type, f.id, repeated, out);
      return;
    case 'list':
      collectLeaves(type.element, type['element-id'], true, out);
      return;
    case 'map':
      collectLeaves(type.key, type['key-id'], true, out);
      collectLeaves(type.value, type['value-id'], true, out);
      return;
  }
}

/**
 * Slots of a Data to visit: null means every slot 0..length-1; otherwise slot indices, with -1
 * for an entry that exists only as a null at an ancestor level.
 */
type Slots = Int32Array | null;

// Indexing follows Arrow JS slicing: a sliced Data keeps its offset and its null bitmap (and
// boolean bits) unsliced, while value and offset buffers are already cut to the slice. Struct
// children are sliced along with the parent; list/map children are not (offsets index them).

function isValid(data: arrow.Data, i: number): boolean {
  if (data.nullCount === 0 || !data.nullBitmap || data.nullBitmap.length === 0) return true;
  const j = data.offset + i;
  return ((data.nullBitmap[j >> 3]! >> (j & 7)) & 1) === 1;
}

/** Walks one Arrow column alongside its Iceberg type; returns the next leaf index. */
export function scanColumn(type: IcebergType, data: arrow.Data, slots: Slots, leaves: Leaf[], at: number): number {
  if (typeof type === 'string') {
    scanLeaf(leaves[at]!, data, slots);
    return at + 1;
  }
  const count = slots ? slots.length : data.length;
  switch (type.type) {
    case 'struct': {
      let childSlots = slots;
      if (data.nullCount > 0) {
        childSlots = new Int32Array(count);
        for (let k = 0; k < count; k++) {
          const s = slots ? slots[k]! : k;
          childSlots[k] = s >= 0 && isValid(data, s) ? s : -1;
        }
      }
      type.fields.forEach((f, k) => {
        at = scanColumn(f.type, data.children[k]!, childSlots, leaves, at);
      });
      return at;
    }
    case 'list':
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      let n = 0;
      for (let k = 0; k < count; k++) {
        const s = slots ? slots[k]! : k;
        const len = s >= 0 && isValid(data, s) ? offsets[s + 1]! - offsets[s]! : 0;
        n += len === 0 ? 1 : len;
      }
      const childSlots = new Int32Array(n);
      let p = 0;
      for (let k = 0; k < count; k++) {
        const s = slots ? slots[k]! : k;
        if (s < 0 || !isValid(data, s)) {
          childSlots[p++] = -1;
          continue;
        }
        const start = offsets[s]!;
        const end = offsets[s + 1]!;
        if (start === end) childSlots[p++] = -1;
        for (let c = start; c < end; c++) childSlots[p++] = c;
      }
      const child = data.children[0]!;
      if (type.type === 'list') return scanColumn(type.element, child, childSlots, leaves, at);
      // Map entries are a non-null struct of key and value.
      at = scanColumn(type.key, child.children[0]!, childSlots, leaves, at);
      return scanColumn(type.value, child.children[1]!, childSlots, leaves, at);
    }
  }
}

/** Index comparison within one Data, by kind; returns <0, 0, >0. */
type IndexCompare = (a: number, b: number) => number;

function comparator(p: ParsedPrimitive, data: arrow.Data): IndexCompare {
  switch (p.kind) {
    case 'boolean': {
      // Boolean data is the one buffer Arrow JS does not slice: index it with the offset.
      const o = data.offset;
      const bits = data.values as Uint8Array;
      const bit = (i: number) => (bits[(o + i) >> 3]! >> ((o + i) & 7)) & 1;
      return (a, b) => bit(a) - bit(b);
    }
    case 'int':
    case 'date': {
      const v = data.values as Int32Array;
      return (a, b) => v[a]! - v[b]!;
    }
    case 'float':
    case 'double': {
      const v = data.values as Float64Array;
      return (a, b) => {
        const x = v[a]!;
        const y = v[b]!;
        if (x < y) return -1;
        if (x > y) return 1;
        if (x !== 0) return 0;
        const nx = Object.is(x, -0);
        return nx === Object.is(y, -0) ? 0 : nx ? -1 : 1;
      };
    }
    case 'decimal': {
      // Four little-endian 32-bit words per value; the top word is signed.
      const w = new Int32Array((data.values as Uint32Array).buffer, (data.values as Uint32Array).byteOffset, (data.values as Uint32Array).length);
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
    case 'uuid':
    case 'fixed': {
      const bytes = data.values as Uint8Array;
      const width = p.kind === 'fixed' ? p.length : 16;
      return (a, b) => compareRanges(bytes, a * width, (a + 1) * width, bytes, b * width, (b + 1) * width);
    }
    case 'string':
    case 'binary': {
      const bytes = data.values as Uint8Array;
      const off = data.valueOffsets as Int32Array;
      return (a, b) => compareRanges(bytes, off[a]!, off[a + 1]!, bytes, off[b]!, off[b + 1]!);
    }
    default: {
      // long, time, timestamps: signed high word, then unsigned low word.
      const v = data.values as BigInt64Array;
      const w = new Int32Array(v.buffer, v.byteOffset, v.length * 2);
      return (a, b) => {
        const x = 2 * a;
        const y = 2 * b;
        if (w[x + 1] !== w[y + 1]) return w[x + 1]! - w[y + 1]!;
        return (w[x]! >>> 0) - (w[y]! >>> 0);
      };
    }
  }
}

function compareRanges(a: Uint8Array, as: number, ae: number, b: Uint8Array, bs: number, be: number): number {
  const n = Math.min(ae - as, be - bs);
  for (let k = 0; k < n; k++) {
    const d = a[as + k]! - b[bs + k]!;
    if (d !== 0) return d;
  }
  return ae - as - (be - bs);
}

/** The JS value of slot i in floe's canonical representation (for serializeValue). */
function materialize(p: ParsedPrimitive, data: arrow.Data, i: number): PrimitiveValue {
  const j = i;
  switch (p.kind) {
    case 'boolean': {
      const b = data.offset + i;
      return (((data.values as Uint8Array)[b >> 3]! >> (b & 7)) & 1) === 1;
    }
    case 'int':
    case 'date':
    case 'float':
    case 'double':
      return (data.values as Int32Array | Float64Array)[j]!;
    case 'decimal': {
      const w = data.values as Uint32Array;
      let v = 0n;
      for (let k = 3; k >= 0; k--) v = (v << 32n) | BigInt(w[4 * j + k]!);
      return BigInt.asIntN(128, v);
    }
    case 'uuid':
      return uuidFromBytes((data.values as Uint8Array).slice(16 * j, 16 * j + 16));
    case 'fixed':
      return (data.values as Uint8Array).slice(p.length * j, p.length * (j + 1));
    case 'string':
    case 'binary': {
      const off = data.valueOffsets as Int32Array;
      const bytes = (data.values as Uint8Array).slice(off[j]!, off[j + 1]!);
      return p.kind === 'string' ? Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8') : bytes;
    }
    default:
      return (data.values as BigInt64Array)[j]!;
  }
}

function scanLeaf(leaf: Leaf, data: arrow.Data, slots: Slots): void {
  const count = slots ? slots.length : data.length;
  const p = leaf.parsed;
  const isFloat = p.kind === 'float' || p.kind === 'double';
  const floats = isFloat ? (data.values as Float64Array) : undefined;
  const cmp = comparator(p, data);
  let minIdx = -1;
  let maxIdx = -1;
  let nulls = 0;
  let nans = 0;
  for (let k = 0; k < count; k++) {
    const s = slots ? slots[k]! : k;
    if (s < 0 || !isValid(data, s)) {
      nulls++;
      continue;
    }
    if (floats && Number.isNaN(floats[s]!)) {
      nans++;
      continue;
    }
    if (minIdx < 0) {
      minIdx = maxIdx = s;
      continue;
    }
    if (cmp(s, minIdx) < 0) minIdx = s;
    else if (cmp(s, maxIdx) > 0) maxIdx = s;
  }
  leaf.valueCount += count;
  leaf.nullCount += nulls;
  leaf.nanCount += nans;
  if (minIdx < 0 || leaf.repeated) return;
  // Merge with earlier batches in the spec's order (compareValues), once per batch.
  const lo = materialize(p, data, minIdx);
  const hi = materialize(p, data, maxIdx);
  if (leaf.min === undefined || compareValues(leaf.type, lo, leaf.min) < 0) leaf.min = lo;
  if (leaf.max === undefined || compareValues(leaf.type, hi, leaf.max) > 0) leaf.max = hi;
}
