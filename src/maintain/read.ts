/**
 * Reading data and delete files back for compaction: Parquet → Arrow through parquet-wasm (the
 * same arrow-rs build that wrote them, a runtime dependency; hyparquet is only a dev dependency),
 * and the deletes in the shapes compaction applies them in — columnar, one key per row, no JS
 * object per row (docs/benchmarks.md, "Silver and maintenance").
 */
import * as arrow from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { columnById, projectData } from '../arrow/project.js';
import { icebergTypeToArrow } from '../arrow/schema.js';
import type { FileIO } from '../iceberg/io/types.js';
import { indexById } from '../iceberg/spec/schema.js';
import { readDeletionVector } from '../iceberg/deletes/deletion-vector.js';
import type { DataFile, Schema } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';

export async function readArrow(io: FileIO, path: string): Promise<arrow.Table> {
  const bytes = await io.read(path);
  try {
    const wasm = readParquet(bytes);
    return arrow.tableFromIPC(wasm.intoIPCStream());
  } catch (cause) {
    throw new FloeError('PARQUET_READ_FAILED', `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/**
 * One column value as a Map key. Values that compare equal in Iceberg get the same key across
 * the types a column may have had (int and long are both numbers when safe, else bigints);
 * strings and binaries are their bytes as latin1 (a bijection, and cheaper than UTF-8 decoding).
 */
export type KeyValue = string | number | bigint | boolean | null;

const TWO_32 = 4294967296;

/** Reads row `i` of a leaf column as a KeyValue; null when the value or an enclosing struct is null. */
export function keyReader(data: arrow.Data, parents: readonly arrow.Data[] = []): (i: number) => KeyValue {
  const value = valueReader(data);
  const nullables = [...parents, data].filter((d) => d.nullCount > 0);
  if (nullables.length === 0) return value;
  const valid = (d: arrow.Data, i: number) => {
    const b = d.offset + i;
    return (d.nullBitmap![b >> 3]! & (1 << (b & 7))) !== 0;
  };
  return (i) => (nullables.every((d) => valid(d, i)) ? value(i) : null);
}

function valueReader(data: arrow.Data): (i: number) => KeyValue {
  const t = data.type as arrow.DataType;
  const values = data.values as ArrayBufferView;
  if (arrow.DataType.isUtf8(t) || arrow.DataType.isBinary(t)) {
    const offsets = data.valueOffsets as Int32Array;
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    return (i) => buf.toString('latin1', offsets[i]!, offsets[i + 1]!);
  }
  if (arrow.DataType.isFixedSizeBinary(t) || arrow.DataType.isDecimal(t)) {
    const width = arrow.DataType.isDecimal(t) ? t.bitWidth / 8 : t.byteWidth;
    const buf = Buffer.from(values.buffer, values.byteOffset, values.byteLength);
    return (i) => buf.toString('latin1', i * width, (i + 1) * width);
  }
  if (arrow.DataType.isBool(t)) {
    const bits = data.values as Uint8Array;
    return (i) => (bits[(data.offset + i) >> 3]! & (1 << ((data.offset + i) & 7))) !== 0;
  }
  if (values instanceof BigInt64Array) {
    // Two 32-bit halves instead of a BigInt per row; numbers whenever the value is safe.
    const i32 = new Int32Array(values.buffer, values.byteOffset, values.length * 2);
    return (i) => {
      const hi = i32[2 * i + 1]!;
      if (hi >= -2097152 && hi < 2097152) return hi * TWO_32 + (i32[2 * i]! >>> 0);
      return values[i]!;
    };
  }
  if (values instanceof Int32Array || values instanceof Int16Array || values instanceof Int8Array || values instanceof Float32Array || values instanceof Float64Array) {
    const v = values;
    return (i) => v[i]!;
  }
  throw new FloeError('COMPACTION_UNSUPPORTED', `equality delete column of Arrow type ${String(t)} is not supported`);
}

/** Several columns' values as one Map key (unambiguous: strings are length-prefixed). */
function compositeKey(readers: ReadonlyArray<(i: number) => KeyValue>): (i: number) => KeyValue {
  if (readers.length === 1) return readers[0]!;
  return (i) => {
    let key = '';
    for (const r of readers) {
      const v = r(i);
      key += v === null ? '\u0000' : typeof v === 'string' ? `s${v.length}:${v}` : `${(typeof v)[0]}${String(v)}`;
      key += '\u0001';
    }
    return key;
  };
}

/**
 * The readers of equality key `ids` over a batch: by field id, in `projected` (the batch on the
 * current schema, so types are the current ones) or, for columns the current schema dropped, in
 * `raw` (the file as written). A column neither has is null in every row.
 */
export function rowKeys(ids: readonly number[], projected: arrow.RecordBatch, raw: arrow.RecordBatch): (i: number) => KeyValue {
  return compositeKey(
    ids.map((id) => {
      const col = columnById(projected, id) ?? columnById(raw, id);
      return col ? keyReader(col.data, col.parents) : () => null;
    }),
  );
}

/**
 * Every equality delete file of a compaction, merged per set of equality ids into one map from
 * key to the delete files holding it: one key and one lookup per data row, whatever the number of
 * delete files (which ones apply to a data file is decided per file by the caller).
 */
export class EqualityDeletes {
  private readonly groups = new Map<string, { ids: number[]; keys: Map<KeyValue, number[]>; loaded: Set<number> }>();
  private readonly byId: ReturnType<typeof indexById>;

  constructor(
    private readonly io: FileIO,
    private readonly schema: Schema,
  ) {
    this.byId = indexById(schema);
  }

  /** The merged key map of delete file `index` (reading it the first time). */
  async load(index: number, path: string, equalityIds: readonly number[]): Promise<{ ids: number[]; keys: Map<KeyValue, number[]> }> {
    const ids = [...equalityIds].sort((a, b) => a - b);
    const signature = ids.join(',');
    let g = this.groups.get(signature);
    if (!g) this.groups.set(signature, (g = { ids, keys: new Map(), loaded: new Set() }));
    if (g.loaded.has(index)) return g;
    g.loaded.add(index);
    const table = await readArrow(this.io, path);
    for (const batch of table.batches) {
      const readers = ids.map((id) => {
        const col = columnById(batch, id);
        if (!col) throw new FloeError('COMPACTION_UNSUPPORTED', `equality delete file ${path} lacks its equality field ${id}`);
        // Bring the value to the column's current type (e.g. a date key of a date→timestamp column).
        const current = this.byId.get(id);
        const data = current && typeof current.field.type === 'string' ? projectData(col.field, col.data, current.field.type, icebergTypeToArrow(current.field.type), current.path.join('.')) : col.data;
        return keyReader(data, col.parents);
      });
      const key = compositeKey(readers);
      for (let i = 0; i < batch.numRows; i++) {
        const k = key(i);
        const hits = g.keys.get(k);
        if (hits === undefined) g.keys.set(k, [index]);
        else if (hits[hits.length - 1] !== index) hits.push(index);
      }
    }
    return g;
  }
}

/** Positions deleted per data file path, from a position delete file. */
export async function readPositions(io: FileIO, path: string): Promise<Map<string, number[]>> {
  const t = await readArrow(io, path);
  const out = new Map<string, number[]>();
  for (const batch of t.batches) {
    const paths = batch.getChild('file_path');
    const pos = batch.getChild('pos');
    if (!paths || !pos) throw new FloeError('COMPACTION_UNSUPPORTED', `position delete file ${path} lacks file_path/pos`);
    const p = paths.data[0]!;
    const offsets = p.valueOffsets;
    const buf = Buffer.from(p.values.buffer, p.values.byteOffset, p.values.byteLength);
    const positions = keyReader(pos.data[0]!);
    let last: string | undefined;
    let list: number[] = [];
    for (let i = 0; i < batch.numRows; i++) {
      const file = buf.toString('utf8', offsets[i]!, offsets[i + 1]!);
      if (file !== last) {
        last = file;
        list = out.get(file) ?? [];
        out.set(file, list);
      }
      list.push(Number(positions(i)));
    }
  }
  return out;
}

/**
 * The deleted positions of a deletion vector's data file (v3): the blob at content_offset /
 * content_size_in_bytes of its Puffin file, positions checked against the data file's row count.
 */
export async function readDeletionVectorOf(io: FileIO, dv: DataFile, dataRows: number): Promise<number[]> {
  const offset = dv.contentOffset;
  const size = dv.contentSizeInBytes;
  if (offset === undefined || size === undefined) throw new FloeError('DELETION_VECTOR_INVALID', `deletion vector ${dv.filePath} has no content_offset/content_size_in_bytes`);
  const bytes = await io.read(dv.filePath);
  if (offset < 0 || size < 0 || offset + size > bytes.byteLength) {
    throw new FloeError('DELETION_VECTOR_INVALID', `deletion vector blob [${offset}, ${offset + size}) lies outside ${dv.filePath} (${bytes.byteLength} bytes)`);
  }
  try {
    return readDeletionVector(bytes.subarray(offset, offset + size), dataRows);
  } catch (err) {
    throw new FloeError('DELETION_VECTOR_INVALID', `${dv.filePath}: ${(err as Error).message}`, { cause: err });
  }
}
