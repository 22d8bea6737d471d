/**
 * Columnar concatenation: several Arrow Datas of one type → one Data with fresh, compact buffers.
 * Sorting a file (src/parquet/sort.ts) needs its rows in one Data to select them in sort order
 * with take.ts; compaction hands over a bin of many batches. apache-arrow has no concat kernel
 * (Table only chains batches).
 *
 * Each input is first made compact (offset 0, list offsets from 0) by take.ts's identity
 * selection, so the concatenation itself only appends buffers and shifts offsets.
 */
import * as arrow from 'apache-arrow';
import { FloeError } from '../util/errors.js';
import { takeData } from './take.js';

/** The rows of every Data in order, as one Data of the same type. */
export function concatData<T extends arrow.DataType>(datas: readonly arrow.Data<T>[]): arrow.Data<T> {
  if (datas.length === 0) throw new FloeError('ARROW_UNSUPPORTED_TYPE', 'nothing to concatenate');
  if (datas.length === 1 && datas[0]!.offset === 0) return datas[0]!;
  return join(datas.map((d) => takeData(d, identity(d.length))));
}

/** One record batch holding the rows of all `batches` (one schema). */
export function concatBatches(schema: arrow.Schema, batches: readonly arrow.RecordBatch[]): arrow.RecordBatch {
  if (batches.length === 1) return batches[0]!;
  if (batches.length === 0) return new arrow.RecordBatch(schema, arrow.makeData({ type: new arrow.Struct(schema.fields), length: 0, children: schema.fields.map((f) => arrow.makeData({ type: f.type, length: 0 } as never)) }));
  return new arrow.RecordBatch(schema, concatData(batches.map((b) => b.data)));
}

function identity(n: number): Int32Array {
  const out = new Int32Array(n);
  for (let i = 0; i < n; i++) out[i] = i;
  return out;
}

function make<T extends arrow.DataType>(props: Record<string, unknown>): arrow.Data<T> {
  return (arrow.makeData as (p: unknown) => arrow.Data<T>)(props);
}

/** Concatenates compact Datas (offset 0, offsets from 0). */
function join<T extends arrow.DataType>(parts: arrow.Data<T>[]): arrow.Data<T> {
  const type = parts[0]!.type as arrow.DataType;
  const length = parts.reduce((n, d) => n + d.length, 0);
  const nullCount = parts.reduce((n, d) => n + d.nullCount, 0);
  const nullBitmap = nullCount === 0 ? undefined : joinBits(parts.map((d) => ({ bits: d.nullBitmap, n: d.length })));
  const base = { type, length, nullCount, nullBitmap };
  switch (type.typeId) {
    case arrow.Type.Null:
      return make({ type, length });
    case arrow.Type.Bool:
      return make({ ...base, data: joinBits(parts.map((d) => ({ bits: d.values as Uint8Array, n: d.length }))) });
    case arrow.Type.Int:
    case arrow.Type.Float:
    case arrow.Type.Decimal:
    case arrow.Type.Date:
    case arrow.Type.Time:
    case arrow.Type.Timestamp:
    case arrow.Type.FixedSizeBinary:
      return make({ ...base, data: joinTyped(parts.map((d) => d.values as Typed)) });
    case arrow.Type.Utf8:
    case arrow.Type.Binary:
      return make({ ...base, valueOffsets: joinOffsets(parts), data: joinTyped(parts.map((d) => d.values as Uint8Array)) });
    case arrow.Type.Struct:
      return make({ ...base, children: type.children.map((_c, k) => join(parts.map((d) => d.children[k]!))) });
    case arrow.Type.List:
    case arrow.Type.Map:
      return make({ ...base, valueOffsets: joinOffsets(parts), child: join(parts.map((d) => d.children[0]!)) });
  }
  throw new FloeError('ARROW_UNSUPPORTED_TYPE', `cannot concatenate Arrow type ${String(type)}`);
}

type Typed = Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array | BigInt64Array | BigUint64Array;

function joinTyped<A extends Typed>(parts: A[]): A {
  const Ctor = parts[0]!.constructor as new (length: number) => A;
  const out = new Ctor(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    (out as Uint8Array).set(p as unknown as Uint8Array, at);
    at += p.length;
  }
  return out;
}

/** Offsets of all parts, each shifted by the values before it. */
function joinOffsets(parts: arrow.Data[]): Int32Array {
  const out = new Int32Array(parts.reduce((n, d) => n + d.length, 0) + 1);
  let at = 0;
  let shift = 0;
  for (const d of parts) {
    const o = d.valueOffsets as Int32Array;
    for (let i = 1; i <= d.length; i++) out[at + i] = o[i]! + shift;
    at += d.length;
    shift = out[at]!;
  }
  return out;
}

/** Bit-packed parts (validity or booleans); a missing bitmap means all set. */
function joinBits(parts: { bits: Uint8Array | null | undefined; n: number }[]): Uint8Array {
  const out = new Uint8Array((parts.reduce((n, p) => n + p.n, 0) + 7) >> 3);
  let at = 0;
  for (const { bits, n } of parts) {
    for (let i = 0; i < n; i++, at++) {
      const set = !bits || bits.length === 0 || (bits[i >> 3]! & (1 << (i & 7))) !== 0;
      if (set) out[at >> 3]! |= 1 << (at & 7);
    }
  }
  return out;
}
