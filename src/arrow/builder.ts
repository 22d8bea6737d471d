/**
 * RecordBatchBuilder: rows in floe's canonical JS representation → Arrow record batches for an
 * Iceberg schema, with `PARQUET:field_id` on every field (see schema.ts).
 *
 * Rows are plain objects keyed by field name; nested values: struct = object, list = array,
 * map = Map | [key, value][] | plain object (string keys). null and undefined are null. Primitive
 * values follow `PrimitiveValue` in src/iceberg/spec/types.ts; long/time/timestamps also accept
 * integer numbers. Keys of a row that the schema lacks are ignored.
 *
 * A row that fails validation (ROW_REQUIRED_NULL, ROW_TYPE_MISMATCH, ROW_DECIMAL_OVERFLOW,
 * ROW_VALUE_OUT_OF_RANGE; `details.path` names the field) is rolled back completely, so the
 * caller can dead-letter it and keep appending to the same batch.
 */
import * as arrow from 'apache-arrow';
import type { IcebergType, NestedField, Schema } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';
import { BinaryColumn, FixedColumn, Utf8Column } from './binary.js';
import type { Column, ColumnFill } from './column.js';
import { ListColumn, MapColumn, StructColumn } from './nested.js';
import { BoolColumn, DecimalColumn, FloatColumn, Int32Column, Int64Column } from './primitives.js';
import { icebergSchemaToArrow, parsePrimitive } from './schema.js';

export interface RecordBatchBuilderOptions {
  /** Rows to presize buffers for (they still grow past it). Default 1024. */
  initialCapacity?: number;
  /**
   * Builders of one's own for top-level fields, by name: such a column receives the row's value
   * for the field as is (e.g. a Kafka record for bronze metadata, src/orchestrator/metadata-column.ts)
   * and must produce Arrow data of the field's type.
   */
  columns?: Record<string, ColumnFactory>;
}

/** Makes the builder of one top-level field (`path` is the field name). */
export type ColumnFactory = (field: NestedField, arrowType: arrow.DataType, cap: number) => Column;

export type Row = Record<string, unknown>;

export class RecordBatchBuilder {
  readonly arrowSchema: arrow.Schema;
  private readonly root: StructColumn;

  constructor(
    readonly schema: Schema,
    options: RecordBatchBuilderOptions = {},
  ) {
    this.arrowSchema = icebergSchemaToArrow(schema);
    const cap = options.initialCapacity ?? 1024;
    const rootType = new arrow.Struct(this.arrowSchema.fields);
    const own = options.columns ?? {};
    const children = schema.fields.map((f, k) => {
      const arrowType = rootType.children[k]!.type;
      const make = Object.hasOwn(own, f.name) ? own[f.name] : undefined;
      return { name: f.name, required: f.required, column: make ? make(f, arrowType, cap) : createColumn(f.type, arrowType, !f.required, f.name, cap) };
    });
    this.root = new StructColumn(rootType, children, false, '', cap);
  }

  /**
   * Each leaf column's [slots, bytes] now (or of the batch it last finished): a fresh builder of
   * the same schema given these (presize) grows each column to that size at its first growth
   * instead of doubling a dozen times from 1,024 rows — each doubling a new ArrayBuffer that
   * counts toward V8's next full GC (docs/benchmarks.md, "Arrow builders: nothing allocated ahead").
   */
  sizeHints(): Array<[number, number] | undefined> {
    return leaves(this.root, []).map((c) => c.sizeHint());
  }

  /** Takes sizeHints() of a builder with the same schema; nothing is allocated until a column grows. */
  presize(hints: Array<[number, number] | undefined>): void {
    const columns = leaves(this.root, []);
    if (columns.length !== hints.length) return;
    columns.forEach((c, i) => {
      const h = hints[i];
      if (h) c.takeSizeHint(h);
    });
  }

  /** Rows appended since the last finish. */
  get length(): number {
    return this.root.length;
  }

  /** Same as length; the name src/buffer's RowSink uses. */
  get rowCount(): number {
    return this.root.length;
  }

  /**
   * Bytes held in Arrow buffers, close to the IPC size of the batch finish() returns. Walks the
   * column tree (a few ns per column), so callers checking it per row may want to sample.
   */
  get byteSize(): number {
    return this.root.byteSize();
  }

  append(row: Row): void {
    const n = this.root.length;
    try {
      this.root.append(row);
    } catch (err) {
      this.root.truncate(n);
      throw err;
    }
  }

  /**
   * Appends one row written straight into the top-level columns (in schema order) by `fill`, as
   * src/schema/direct.ts's readers do; false (nothing appended) when `fill` declines the row.
   */
  appendFilled(fill: ColumnFill, buf: Buffer, offset: number, own: unknown): boolean {
    return this.root.appendFilled(fill, buf, offset, own);
  }

  /** The top-level columns, in schema order (for reading back a row appended with appendFilled). */
  get columns(): readonly Column[] {
    return this.root.children;
  }

  /** Drops the last row appended. */
  dropLast(): void {
    if (this.root.length > 0) this.root.truncate(this.root.length - 1);
  }

  /** The rows appended so far as one record batch; the builder starts empty again. */
  finish(): arrow.RecordBatch {
    const data = this.root.finish() as arrow.Data<arrow.Struct>;
    return new arrow.RecordBatch(this.arrowSchema, data);
  }

  finishTable(): arrow.Table {
    return new arrow.Table([this.finish()]);
  }
}

function childPath(parent: string, name: string): string {
  return parent === '' ? name : `${parent}.${name}`;
}

/** Builds the column tree for an Iceberg type; `arrowType` is its already-derived Arrow type. */
export function createColumn(type: IcebergType, arrowType: arrow.DataType, nullable: boolean, path: string, cap: number): Column {
  if (typeof type === 'string') {
    const p = parsePrimitive(type);
    switch (p.kind) {
      case 'boolean': return new BoolColumn(arrowType as arrow.Bool, nullable, path, cap);
      case 'int':
      case 'date': return new Int32Column(arrowType as arrow.Int32, nullable, path, cap);
      case 'long': return new Int64Column(arrowType as arrow.Int64, 'long', nullable, path, cap);
      case 'time': return new Int64Column(arrowType as arrow.TimeMicrosecond, 'time', nullable, path, cap);
      case 'timestamp':
      case 'timestamptz':
      case 'timestamp_ns':
      case 'timestamptz_ns': return new Int64Column(arrowType as arrow.Timestamp, 'timestamp', nullable, path, cap);
      case 'float':
      case 'double': return new FloatColumn(arrowType as arrow.Float64, nullable, path, cap);
      case 'decimal': return new DecimalColumn(arrowType as arrow.Decimal, nullable, path, cap);
      case 'string': return new Utf8Column(arrowType as arrow.Utf8, nullable, path, cap);
      case 'binary': return new BinaryColumn(arrowType as arrow.Binary, nullable, path, cap);
      case 'uuid': return new FixedColumn(arrowType as arrow.FixedSizeBinary, true, nullable, path, cap);
      case 'fixed': return new FixedColumn(arrowType as arrow.FixedSizeBinary, false, nullable, path, cap);
      case 'variant': {
        // Rows hold an EncodedVariant ({ metadata, value }); both parts are required binaries.
        const st = arrowType as arrow.Struct;
        const part = (k: number, name: string) => ({
          name, required: true, column: new BinaryColumn(st.children[k]!.type as arrow.Binary, false, childPath(path, name), cap),
        });
        return new StructColumn(st, [part(0, 'metadata'), part(1, 'value')], nullable, path, cap);
      }
    }
  }
  switch (type.type) {
    case 'struct': {
      const st = arrowType as arrow.Struct;
      const children = type.fields.map((f, k) => {
        const af = st.children[k]!;
        return { name: f.name, required: f.required, column: createColumn(f.type, af.type, !f.required, childPath(path, f.name), cap) };
      });
      return new StructColumn(st, children, nullable, path, cap);
    }
    case 'list': {
      const lt = arrowType as arrow.List;
      const el = createColumn(type.element, lt.children[0]!.type, !type['element-required'], childPath(path, 'element'), cap);
      return new ListColumn(lt, el, type['element-required'], nullable, path, cap);
    }
    case 'map': {
      const mt = arrowType as arrow.Map_;
      const entries = mt.children[0]!.type as arrow.Struct;
      const key = createColumn(type.key, entries.children[0]!.type, false, childPath(path, 'key'), cap);
      const value = createColumn(type.value, entries.children[1]!.type, !type['value-required'], childPath(path, 'value'), cap);
      return new MapColumn(mt, key, value, type['value-required'], type.key === 'string', nullable, path, cap);
    }
  }
  throw new FloeError('SCHEMA_UNSUPPORTED_TYPE', `unsupported Iceberg type at ${path}`);
}

/** Convenience for tests and small callers: rows → one Arrow table. */
export function rowsToTable(schema: Schema, rows: Iterable<Row>): arrow.Table {
  const b = new RecordBatchBuilder(schema);
  for (const r of rows) b.append(r);
  return b.finishTable();
}

/** Every column under `c` and `c` itself, children first, in a fixed order for one schema. */
function leaves(c: Column, out: Column[]): Column[] {
  if (c instanceof StructColumn) for (const x of c.children) leaves(x, out);
  else if (c instanceof ListColumn) leaves(c.element, out);
  else if (c instanceof MapColumn) {
    leaves(c.key, out);
    leaves(c.value, out);
  }
  out.push(c);
  return out;
}
