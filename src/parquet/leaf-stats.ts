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
import { boundSlots, presentSlot, validityOf, type Slots } from './leaf-bounds.js';
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

// Slots (leaf-bounds.ts) of a Data to visit: null means every slot 0..length-1; otherwise slot
// indices, with -1 for an entry that exists only as a null at an ancestor level.
// Indexing follows Arrow JS slicing: a sliced Data keeps its offset and its null bitmap (and
// boolean bits) unsliced, while value and offset buffers are already cut to the slice. Struct
// children are sliced along with the parent; list/map children are not (offsets index them).

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
      const bits = validityOf(data);
      if (bits !== null) {
        childSlots = new Int32Array(count);
        for (let k = 0; k < count; k++) childSlots[k] = presentSlot(slots, k, bits, data.offset);
      }
      type.fields.forEach((f, k) => {
        at = scanColumn(f.type, data.children[k]!, childSlots, leaves, at);
      });
      return at;
    }
    case 'list':
    case 'map': {
      const offsets = data.valueOffsets as Int32Array;
      const bits = validityOf(data);
      const off = data.offset;
      let n = 0;
      for (let k = 0; k < count; k++) {
        const s = presentSlot(slots, k, bits, off);
        const len = s >= 0 ? offsets[s + 1]! - offsets[s]! : 0;
        n += len === 0 ? 1 : len;
      }
      const childSlots = new Int32Array(n);
      let p = 0;
      for (let k = 0; k < count; k++) {
        const s = presentSlot(slots, k, bits, off);
        if (s < 0) {
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
  const bits = validityOf(data);
  let nulls = 0;
  let nans = 0;
  if (p.kind === 'float' || p.kind === 'double') {
    const floats = data.values as Float32Array | Float64Array;
    for (let k = 0; k < count; k++) {
      const s = presentSlot(slots, k, bits, data.offset);
      if (s < 0) nulls++;
      else if (Number.isNaN(floats[s]!)) nans++;
    }
  } else if (slots !== null || bits !== null) {
    for (let k = 0; k < count; k++) if (presentSlot(slots, k, bits, data.offset) < 0) nulls++;
  }
  leaf.valueCount += count;
  leaf.nullCount += nulls;
  leaf.nanCount += nans;
  // Iceberg keeps no bounds for leaves under lists and maps: skip the comparisons altogether.
  // Nor for an unshredded variant: its bounds would be per-path variant objects (spec, "Bounds
  // for Variant"), which only shredded columns can give.
  if (leaf.repeated || p.kind === 'variant' || nulls + nans === count) return;
  const { min, max } = boundSlots(p, data, slots, count);
  // Merge with earlier batches in the spec's order (compareValues), once per batch.
  const lo = materialize(p, data, min);
  const hi = materialize(p, data, max);
  if (leaf.min === undefined || compareValues(leaf.type, lo, leaf.min) < 0) leaf.min = lo;
  if (leaf.max === undefined || compareValues(leaf.type, hi, leaf.max) > 0) leaf.max = hi;
}
