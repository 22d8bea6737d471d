/**
 * Columnar row selection: the rows at `indices` of an Arrow Data (any type floe writes: booleans,
 * fixed-width numbers and temporals, decimals, fixed/var-width binary and strings, structs, lists,
 * maps), copied into fresh, compact buffers. apache-arrow has no filter kernel; compaction needs
 * one to drop deleted rows without turning every surviving row into a JS object and back, and
 * without slicing into many tiny batches. Runs of consecutive indices are copied as one block.
 *
 * Buffer conventions of apache-arrow (data.ts `_sliceBuffers`): fixed-width values and
 * value offsets are relative to the Data's own first row (a slice subarrays them); validity and
 * boolean bits are addressed with `data.offset + i`; struct children are sliced with their parent,
 * list/map children are not (offsets point into them absolutely).
 */
import * as arrow from 'apache-arrow';
import { FloeError } from '../util/errors.js';

/** The rows at `indices` (ascending or not; each < data.length) as a new Data of the same type. */
export function takeData<T extends arrow.DataType>(data: arrow.Data<T>, indices: Int32Array): arrow.Data<T> {
  const n = indices.length;
  const { nullBitmap, nullCount } = takeValidity(data, indices);
  const base = { type: data.type, length: n, nullCount, nullBitmap } as const;
  const type = data.type as arrow.DataType;
  switch (type.typeId) {
    case arrow.Type.Null:
      return make({ type, length: n });
    case arrow.Type.Bool:
      return make({ ...base, data: takeBits(data.values as Uint8Array, data.offset, indices) });
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Decimal:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.FixedSizeBinary:
      return make({ ...base, data: takeFixed(data.values as FixedArray, data.stride, indices) });
    case arrow.Type.Utf8:
    case arrow.Type.Binary: {
      const { offsets, ranges } = takeOffsets(data.valueOffsets as Int32Array, indices);
      const src = data.values as Uint8Array;
      const out = new Uint8Array(offsets[n]!);
      for (let r = 0, at = 0; r < ranges.length; r += 2) {
        const block = src.subarray(ranges[r]!, ranges[r + 1]!);
        out.set(block, at);
        at += block.length;
      }
      return make({ ...base, valueOffsets: offsets, data: out });
    }
    case arrow.Type.Struct:
      return make({ ...base, children: data.children.map((c) => takeData(c, indices)) });
    case arrow.Type.List:
    case arrow.Type.Map: {
      const { offsets, ranges } = takeOffsets(data.valueOffsets as Int32Array, indices);
      const childIndices = new Int32Array(offsets[n]!);
      for (let r = 0, at = 0; r < ranges.length; r += 2) for (let j = ranges[r]!; j < ranges[r + 1]!; j++) childIndices[at++] = j;
      const child = takeData(data.children[0]!, childIndices);
      return make({ ...base, valueOffsets: offsets, child });
    }
  }
  throw new FloeError('ARROW_UNSUPPORTED_TYPE', `cannot select rows of Arrow type ${String(type)}`);
}

/** makeData for a type known only at run time (its overloads need the static type). */
function make<T extends arrow.DataType>(props: Record<string, unknown>): arrow.Data<T> {
  return (arrow.makeData as (p: unknown) => arrow.Data<T>)(props);
}

/** Every Data of a record batch's columns through takeData. */
export function takeBatch(batch: arrow.RecordBatch, indices: Int32Array): arrow.RecordBatch {
  return new arrow.RecordBatch(batch.schema, takeData(batch.data, indices));
}

type FixedArray = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function takeFixed(values: FixedArray, stride: number, indices: Int32Array): FixedArray {
  const n = indices.length;
  const Ctor = values.constructor as new (length: number) => FixedArray;
  const out = new Ctor(n * stride);
  if (stride === 1) {
    const v = values as Float64Array;
    const o = out as Float64Array;
    for (let k = 0; k < n; k++) o[k] = v[indices[k]!]!;
    return out;
  }
  for (let k = 0; k < n; k++) {
    const i = indices[k]! * stride;
    (out as Uint8Array).set((values as Uint8Array).subarray(i, i + stride), k * stride);
  }
  return out;
}

function takeBits(bits: Uint8Array, offset: number, indices: Int32Array): Uint8Array {
  const out = new Uint8Array((indices.length + 7) >> 3);
  for (let k = 0; k < indices.length; k++) {
    const i = offset + indices[k]!;
    if (bits[i >> 3]! & (1 << (i & 7))) out[k >> 3]! |= 1 << (k & 7);
  }
  return out;
}

function takeValidity(data: arrow.Data, indices: Int32Array): { nullBitmap: Uint8Array | undefined; nullCount: number } {
  const bitmap = data.nullBitmap;
  if (!bitmap || bitmap.length === 0 || data.nullCount === 0) return { nullBitmap: undefined, nullCount: 0 };
  const out = takeBits(bitmap, data.offset, indices);
  let valid = 0;
  for (let k = 0; k < out.length; k++) valid += popcount(out[k]!);
  return { nullBitmap: out, nullCount: indices.length - valid };
}

function popcount(b: number): number {
  b = b - ((b >> 1) & 0x55);
  b = (b & 0x33) + ((b >> 2) & 0x33);
  return (b + (b >> 4)) & 0x0f;
}

/**
 * New offsets for the selected rows and the [start, end) ranges of child positions to copy,
 * consecutive rows merged into one range.
 */
function takeOffsets(src: Int32Array, indices: Int32Array): { offsets: Int32Array; ranges: number[] } {
  const n = indices.length;
  const offsets = new Int32Array(n + 1);
  const ranges: number[] = [];
  let total = 0;
  for (let k = 0; k < n; k++) {
    const i = indices[k]!;
    const start = src[i]!;
    const end = src[i + 1]!;
    total += end - start;
    offsets[k + 1] = total;
    if (ranges.length > 0 && ranges[ranges.length - 1] === start) ranges[ranges.length - 1] = end;
    else ranges.push(start, end);
  }
  return { offsets, ranges };
}
