/** Partition tuples of buffered rows: how the table writer groups rows by table partition. */
import type { Row } from '../arrow/builder.js';
import type { Column } from '../arrow/column.js';
import type { StructColumn } from '../arrow/nested.js';
import { partitionTuple } from '../iceberg/spec/partition.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { findField } from '../iceberg/spec/schema.js';
import type { NestedField, PartitionSpec, PrimitiveValue, Schema } from '../iceberg/spec/types.js';
import type { SourceRecord } from '../source/types.js';
import { metadataValue } from './bronze.js';

/** Each partition field's source: its id, its path of names, and whether it is a field of the Kafka record's column. */
function sources(schema: Schema, spec: PartitionSpec, recordColumn: string | undefined): { id: number; path: string[]; fromRecord: boolean }[] {
  return spec.fields.map((f) => {
    const path = findField(schema, f['source-id'])?.path ?? [];
    return { id: f['source-id'], path, fromRecord: recordColumn !== undefined && path.length === 2 && path[0] === recordColumn };
  });
}

/** True when every source of `spec` is a field of the Kafka record's column (or there is none): a tuple needs only the record. */
export function tupleNeedsOnlyRecord(schema: Schema, spec: PartitionSpec, recordColumn: string): boolean {
  return sources(schema, spec, recordColumn).every((s) => s.fromRecord);
}

export function tupleKeyed(tuple: unknown[]): { tuple: unknown[]; key: string } {
  return { tuple, key: valuesKey(tuple) };
}

/**
 * The partition tuple of a row keyed by field names (the Arrow builder's representation).
 * `recordColumn`: the top-level column whose value in the row is the Kafka record itself (bronze
 * rows, see metadata-column.ts); a source field under it is read as its metadata row would hold it.
 */
export function tupleFunction(schema: Schema, spec: PartitionSpec, recordColumn?: string): (row: Row) => unknown[] {
  if (spec.fields.length === 0) return () => [];
  const getters = sources(schema, spec, recordColumn);
  return (row) => {
    const values = new Map<number, PrimitiveValue | null>();
    for (const g of getters) {
      let cur: unknown;
      if (g.fromRecord) {
        const record = row[g.path[0]!] as SourceRecord | null | undefined;
        cur = record ? metadataValue(record, g.path[1]!) : null;
      } else {
        cur = row;
        for (const name of g.path) cur = cur === null || cur === undefined ? null : (cur as Record<string, unknown>)[name];
      }
      values.set(g.id, (cur ?? null) as PrimitiveValue | null);
    }
    return partitionTuple(spec, schema, values);
  };
}

/**
 * The partition tuple of a bronze row already appended to Arrow columns (src/schema/direct.ts's
 * readers build no row object): value sources read back from the columns, `$kafka.*` sources from
 * the record, as tupleFunction reads them from a row. `columns` are the builder's top-level columns
 * in schema order; partition sources are primitives at the top level or inside structs.
 */
export function columnTupleFunction(schema: Schema, spec: PartitionSpec, recordColumn: string): (columns: readonly Column[], row: number, record: SourceRecord) => unknown[] {
  if (spec.fields.length === 0) return () => [];
  const getters = sources(schema, spec, recordColumn).map(({ id, path, fromRecord }) => {
    if (fromRecord) return { id, record: path[1]!, indices: [] as number[] };
    // Column indices level by level: a struct's children are in its fields' order.
    const indices: number[] = [];
    let fields: readonly NestedField[] = schema.fields;
    for (const name of path) {
      const k = fields.findIndex((x) => x.name === name);
      if (k < 0) throw new Error(`partition source ${path.join('.')} is not in the schema`);
      indices.push(k);
      const t = fields[k]!.type;
      fields = typeof t === 'object' && t.type === 'struct' ? t.fields : [];
    }
    return { id, record: undefined, indices };
  });
  return (columns, row, record) => {
    const values = new Map<number, PrimitiveValue | null>();
    for (const g of getters) {
      if (g.record !== undefined) {
        values.set(g.id, metadataValue(record, g.record) as PrimitiveValue | null);
        continue;
      }
      let col = columns[g.indices[0]!]!;
      let value: unknown = null;
      for (let level = 1; ; level++) {
        if (level === g.indices.length) {
          value = col.valueAt(row);
          break;
        }
        if (col.isNull(row)) break; // a null struct: its fields are null
        col = (col as StructColumn).children[g.indices[level]!]!;
      }
      values.set(g.id, value as PrimitiveValue | null);
    }
    return partitionTuple(spec, schema, values);
  };
}
