/**
 * Rows of a data file in the table's sort order (spec "Sorting"): a file that records
 * `sort_order_id` must hold its rows sorted by that order. Each sort key is read once per row
 * out of the Arrow column (transform applied), the row indices are sorted on those keys (a
 * stable sort, so rows with equal keys keep their arrival order), and the columns are copied in
 * that order by take.ts.
 */
import * as arrow from 'apache-arrow';
import { concatBatches } from '../arrow/concat.js';
import { columnById } from '../arrow/project.js';
import { parsePrimitive } from '../arrow/schema.js';
import { takeBatch } from '../arrow/take.js';
import { findField, isPrimitive } from '../iceberg/spec/schema.js';
import { applyTransform, parseTransform, transformResultType } from '../iceberg/spec/transforms.js';
import type { PrimitiveType, PrimitiveValue, Schema, SortOrder } from '../iceberg/spec/types.js';
import { compareValues, uuidFromBytes } from '../iceberg/spec/values.js';
import { FloeError } from '../util/errors.js';

/**
 * `order` when every one of its source columns is a primitive column of `schema`, else undefined:
 * rows built for an older schema (or an equality delete file's key columns) may lack a column the
 * order sorts by; such a file is written unsorted and records no order rather than a false one.
 */
export function applicableOrder(order: SortOrder | undefined, schema: Schema): SortOrder | undefined {
  if (!order || order.fields.length === 0) return undefined;
  return order.fields.every((f) => {
    const source = findField(schema, f['source-id']);
    return source !== undefined && isPrimitive(source.field.type);
  })
    ? order
    : undefined;
}

/** The table's rows as one batch in `order`; the input unchanged when the order is unsorted. */
export function sortTable(table: arrow.Table, schema: Schema, order: SortOrder | undefined): arrow.Table {
  if (!order || order.fields.length === 0 || table.numRows < 2) return table;
  const batch = concatBatches(table.schema, table.batches);
  const keys = order.fields.map((f) => {
    const source = findField(schema, f['source-id']);
    if (!source || !isPrimitive(source.field.type)) throw new FloeError('ICEBERG_INVALID_SORT_ORDER', `sort source field ${f['source-id']} is not a primitive column`);
    const type = source.field.type;
    const transform = parseTransform(f.transform);
    const column = columnById(batch, f['source-id']);
    const read = column ? valueReader(type, column.data, column.parents) : () => null;
    const values = new Array<PrimitiveValue | null>(batch.numRows);
    for (let i = 0; i < batch.numRows; i++) values[i] = applyTransform(transform, type, read(i));
    return {
      values,
      type: transformResultType(transform, type),
      sign: f.direction === 'desc' ? -1 : 1,
      // Null placement does not depend on direction.
      nullSign: f['null-order'] === 'nulls-first' ? -1 : 1,
    };
  });
  const indices = Array.from({ length: batch.numRows }, (_v, i) => i);
  indices.sort((a, b) => {
    for (const k of keys) {
      const x = k.values[a]!;
      const y = k.values[b]!;
      if (x === null || y === null) {
        if (x === y) continue;
        return x === null ? k.nullSign : -k.nullSign;
      }
      const c = compareValues(k.type as PrimitiveType, x, y);
      if (c !== 0) return c * k.sign;
    }
    return 0;
  });
  return new arrow.Table([takeBatch(batch, Int32Array.from(indices))]);
}

/** Reads row i of a leaf as its Iceberg value (types.ts PrimitiveValue); null at a null (or null parent). */
function valueReader(type: PrimitiveType, data: arrow.Data, parents: readonly arrow.Data[]): (i: number) => PrimitiveValue | null {
  const value = primitiveReader(type, data);
  const nullables = [...parents, data].filter((d) => d.nullCount > 0 && d.nullBitmap && d.nullBitmap.length > 0);
  if (nullables.length === 0) return value;
  const valid = (d: arrow.Data, i: number) => {
    const b = d.offset + i;
    return (d.nullBitmap![b >> 3]! & (1 << (b & 7))) !== 0;
  };
  return (i) => (nullables.every((d) => valid(d, i)) ? value(i) : null);
}

function primitiveReader(type: PrimitiveType, data: arrow.Data): (i: number) => PrimitiveValue {
  const p = parsePrimitive(type);
  switch (p.kind) {
    case 'boolean': {
      const bits = data.values as Uint8Array;
      return (i) => (bits[(data.offset + i) >> 3]! & (1 << ((data.offset + i) & 7))) !== 0;
    }
    case 'int':
    case 'date':
    case 'float':
    case 'double': {
      const v = data.values as Int32Array | Float32Array | Float64Array;
      return (i) => v[i]!;
    }
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const v = data.values as BigInt64Array;
      return (i) => v[i]!;
    }
    case 'decimal': {
      // 128-bit little-endian two's complement, four 32-bit words per value.
      const w = data.values as Uint32Array;
      return (i) => BigInt.asIntN(128, (BigInt(w[4 * i + 3]!) << 96n) | (BigInt(w[4 * i + 2]!) << 64n) | (BigInt(w[4 * i + 1]!) << 32n) | BigInt(w[4 * i]!));
    }
    case 'string': {
      const o = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
      return (i) => buf.toString('utf8', o[i]!, o[i + 1]!);
    }
    case 'binary': {
      const o = data.valueOffsets as Int32Array;
      const bytes = data.values as Uint8Array;
      return (i) => bytes.subarray(o[i]!, o[i + 1]!);
    }
    case 'uuid':
    case 'fixed': {
      const width = (data.type as arrow.FixedSizeBinary).byteWidth;
      const bytes = data.values as Uint8Array;
      return p.kind === 'uuid' ? (i) => uuidFromBytes(bytes.subarray(i * width, (i + 1) * width)) : (i) => bytes.subarray(i * width, (i + 1) * width);
    }
  }
  throw new FloeError('ICEBERG_INVALID_SORT_ORDER', `cannot sort by a column of type ${type}`);
}
