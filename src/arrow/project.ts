/**
 * Arrow data read back from a Parquet file of any schema version → the table's current schema,
 * matched by Iceberg field id (the `PARQUET:field_id` every floe file — and every Iceberg
 * engine's file — carries), never by name. This is the Arrow-side twin of src/schema/projector.ts
 * (which maps Avro writer records onto the table): compaction uses it to rewrite files written
 * before a schema change.
 *
 * Per the spec's schema evolution rules: a renamed column keeps its id and so its data; a column
 * the file lacks is its `initial-default` (v3), else null; a dropped column is not read; allowed
 * type promotions are converted (int→long, float→double, decimal(P,S)→decimal(P',S), and in v3
 * date→timestamp/timestamp_ns); structs, lists and maps are projected recursively. Columns whose
 * type is unchanged keep their buffers (no copy).
 */
import * as arrow from 'apache-arrow';
import { decimalParams, primitiveKind, promotionAllowed } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, PrimitiveType, Schema } from '../iceberg/spec/types.js';
import { initialDefault } from '../schema/initial-default.js';
import { FloeError } from '../util/errors.js';
import { createColumn } from './builder.js';
import { FIELD_ID_KEY, icebergSchemaToArrow } from './schema.js';

export interface ProjectOptions {
  /** The table's format version: date→timestamp promotion is v3 only. Default 2. */
  formatVersion?: number;
}

function unsupported(path: string, message: string): FloeError {
  return new FloeError('PROJECTION_UNSUPPORTED', `cannot project ${path}: ${message}`, { details: { path } });
}

/** The Iceberg field id of an Arrow field, from its Parquet field-id metadata. */
export function fieldIdOf(field: arrow.Field): number | undefined {
  const raw = field.metadata.get(FIELD_ID_KEY);
  return raw === undefined ? undefined : Number(raw);
}

/** `batch` (any schema version) as a record batch of `target`'s Arrow schema. */
export function projectBatch(batch: arrow.RecordBatch, target: Schema, options: ProjectOptions = {}, targetArrow = icebergSchemaToArrow(target)): arrow.RecordBatch {
  const data = projectStruct(batch.schema.fields, batch.data, target.fields, new arrow.Struct(targetArrow.fields), '', options);
  return new arrow.RecordBatch(targetArrow, data);
}

function projectStruct(fields: readonly arrow.Field[], data: arrow.Data, target: readonly NestedField[], type: arrow.Struct, path: string, options: ProjectOptions): arrow.Data<arrow.Struct> {
  const byId = new Map<number, number>();
  fields.forEach((f, k) => {
    const id = fieldIdOf(f);
    // Without ids (files imported from outside Iceberg, read through a name mapping) a column
    // would look absent and come out null: refuse rather than lose its data.
    if (id === undefined) throw unsupported(path === '' ? f.name : `${path}.${f.name}`, 'the file has no field id for this column');
    byId.set(id, k);
  });
  const children = target.map((f, k) => {
    const childPath = path === '' ? f.name : `${path}.${f.name}`;
    const at = byId.get(f.id);
    if (at === undefined) return missing(f, type.children[k]!.type, data.length, childPath);
    const child = data.children[at]!;
    // Only checkable where the enclosing struct is never null (a null struct nulls its children).
    if (f.required && data.nullCount === 0 && child.nullCount > 0) throw unsupported(childPath, 'the column is required but the file holds nulls');
    return projectData(fields[at]!, child, f.type, type.children[k]!.type, childPath, options);
  });
  return arrow.makeData({ type, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, children });
}

/** One column of a file (`source` describes it) → the target Iceberg type. */
export function projectData(source: arrow.Field, data: arrow.Data, target: IcebergType, type: arrow.DataType, path: string, options: ProjectOptions = {}): arrow.Data {
  const st = source.type as arrow.DataType;
  if (target === 'variant') return projectVariant(st, data, type as arrow.Struct, path);
  if (typeof target === 'string') return projectPrimitive(data, target, type, path, options);
  const base = { offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap };
  switch (target.type) {
    case 'struct':
      if (!arrow.DataType.isStruct(st)) throw unsupported(path, `the file holds ${String(st)}, the table a struct`);
      return projectStruct(st.children, data, target.fields, type as arrow.Struct, path, options);
    case 'list': {
      if (!arrow.DataType.isList(st)) throw unsupported(path, `the file holds ${String(st)}, the table a list`);
      const lt = type as arrow.List;
      const child = projectData(st.children[0]!, data.children[0]!, target.element, lt.children[0]!.type, `${path}.element`, options);
      return arrow.makeData({ type: lt, ...base, valueOffsets: data.valueOffsets, child });
    }
    case 'map': {
      if (!arrow.DataType.isMap(st)) throw unsupported(path, `the file holds ${String(st)}, the table a map`);
      const mt = type as arrow.Map_;
      const entriesType = mt.children[0]!.type as arrow.Struct;
      const entries = data.children[0]!;
      const [kf, vf] = (st.children[0]!.type as arrow.Struct).children;
      const key = projectData(kf!, entries.children[0]!, target.key, entriesType.children[0]!.type, `${path}.key`, options);
      const value = projectData(vf!, entries.children[1]!, target.value, entriesType.children[1]!.type, `${path}.value`, options);
      const child = arrow.makeData({ type: entriesType, offset: entries.offset, length: entries.length, nullCount: 0, children: [key, value] });
      return arrow.makeData({ type: mt, ...base, valueOffsets: data.valueOffsets, child });
    }
  }
}

/**
 * A variant group as read back: its parts are found by name (they carry no field ids, and a
 * writer may order them either way), both binary, their bytes kept.
 */
function projectVariant(st: arrow.DataType, data: arrow.Data, type: arrow.Struct, path: string): arrow.Data {
  if (!arrow.DataType.isStruct(st)) throw unsupported(path, `the file holds ${String(st)}, the table a variant`);
  const part = (name: string): arrow.Data => {
    const k = st.children.findIndex((c) => c.name === name);
    if (k < 0) throw unsupported(path, `the variant group has no ${name} field (shredded variants are not read)`);
    const child = data.children[k]!;
    if (!arrow.DataType.isBinary(child.type)) throw unsupported(path, `the variant's ${name} is ${String(child.type)}, not binary`);
    return child;
  };
  if (st.children.length !== 2) throw unsupported(path, 'only unshredded variants (metadata and value) are read');
  const children = [part('metadata'), part('value')];
  return arrow.makeData({ type, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap, children });
}

/** The Iceberg primitive an Arrow type of a floe/Iceberg Parquet file stands for, if any. */
function icebergPrimitiveOf(t: arrow.DataType): PrimitiveType | undefined {
  if (arrow.DataType.isBool(t)) return 'boolean';
  if (arrow.DataType.isInt(t)) return t.isSigned && t.bitWidth === 32 ? 'int' : t.isSigned && t.bitWidth === 64 ? 'long' : undefined;
  if (arrow.DataType.isFloat(t)) return t.precision === arrow.Precision.SINGLE ? 'float' : t.precision === arrow.Precision.DOUBLE ? 'double' : undefined;
  if (arrow.DataType.isDecimal(t)) return t.bitWidth === 128 ? `decimal(${t.precision},${t.scale})` : undefined;
  if (arrow.DataType.isDate(t)) return t.unit === arrow.DateUnit.DAY ? 'date' : undefined;
  if (arrow.DataType.isTime(t)) return t.unit === arrow.TimeUnit.MICROSECOND && t.bitWidth === 64 ? 'time' : undefined;
  if (arrow.DataType.isTimestamp(t)) {
    const tz = t.timezone !== null && t.timezone !== undefined;
    if (t.unit === arrow.TimeUnit.MICROSECOND) return tz ? 'timestamptz' : 'timestamp';
    if (t.unit === arrow.TimeUnit.NANOSECOND) return tz ? 'timestamptz_ns' : 'timestamp_ns';
    return undefined;
  }
  if (arrow.DataType.isUtf8(t)) return 'string';
  if (arrow.DataType.isBinary(t)) return 'binary';
  if (arrow.DataType.isFixedSizeBinary(t)) return `fixed[${t.byteWidth}]`;
  return undefined;
}

function projectPrimitive(data: arrow.Data, target: PrimitiveType, type: arrow.DataType, path: string, options: ProjectOptions): arrow.Data {
  const from = icebergPrimitiveOf(data.type);
  // uuid is stored as fixed[16] (see schema.ts): the same bytes.
  const same = from === target || (target === 'uuid' && from === 'fixed[16]');
  if (from === undefined || (!same && !promotionAllowed(from, target, options.formatVersion ?? 2))) {
    throw unsupported(path, `the file holds ${String(data.type)}, the table ${target}`);
  }
  const base = { type, offset: data.offset, length: data.length, nullCount: data.nullCount, nullBitmap: data.nullBitmap };
  // Same representation (incl. a wider decimal precision: the 128-bit unscaled value is unchanged).
  if (same || (decimalParams(from) && decimalParams(target))) return data.clone(type);
  const n = data.length;
  if (from === 'int' && target === 'long') {
    const src = data.values as Int32Array;
    const out = new Int32Array(2 * n);
    for (let i = 0; i < n; i++) {
      const v = src[i]!;
      out[2 * i] = v;
      out[2 * i + 1] = v < 0 ? -1 : 0;
    }
    return make({ ...base, data: new BigInt64Array(out.buffer) });
  }
  if (from === 'float' && target === 'double') return make({ ...base, data: Float64Array.from(data.values as Float32Array) });
  if (from === 'date') {
    // date → timestamp (v3): midnight of the day, in the target unit.
    const perDay = primitiveKind(target) === 'timestamp_ns' ? 86_400_000_000_000n : 86_400_000_000n;
    const src = data.values as Int32Array;
    const out = new BigInt64Array(n);
    for (let i = 0; i < n; i++) out[i] = BigInt(src[i]!) * perDay;
    return make({ ...base, data: out });
  }
  throw unsupported(path, `no conversion from ${from} to ${target}`);
}

function make(props: Record<string, unknown>): arrow.Data {
  return (arrow.makeData as (p: unknown) => arrow.Data)(props);
}

/** A column the file lacks: `length` copies of the field's initial-default, else nulls. */
function missing(field: NestedField, type: arrow.DataType, length: number, path: string): arrow.Data {
  const value = initialDefault(field);
  if (value === null && field.required) throw unsupported(path, 'the file lacks this required column and it has no initial-default');
  const column = createColumn(field.type, type, !field.required, path, Math.min(length, 1 << 16));
  for (let i = 0; i < length; i++) {
    if (value === null) column.appendNull();
    else column.append(value);
  }
  return column.finish();
}

/**
 * The column of field `id` in a record batch, looking through structs (equality delete columns
 * may be nested in structs, never in lists or maps): its Data and the Data of each enclosing
 * struct (a null struct makes the value null). Undefined when the batch lacks the field.
 */
export function columnById(batch: arrow.RecordBatch, id: number): { field: arrow.Field; data: arrow.Data; parents: arrow.Data[] } | undefined {
  const walk = (fields: readonly arrow.Field[], data: arrow.Data, parents: arrow.Data[]): ReturnType<typeof columnById> => {
    for (let k = 0; k < fields.length; k++) {
      const f = fields[k]!;
      if (fieldIdOf(f) === id) return { field: f, data: data.children[k]!, parents };
      if (arrow.DataType.isStruct(f.type)) {
        const found = walk(f.type.children, data.children[k]!, [...parents, data.children[k]!]);
        if (found) return found;
      }
    }
    return undefined;
  };
  return walk(batch.schema.fields, batch.data, []);
}
