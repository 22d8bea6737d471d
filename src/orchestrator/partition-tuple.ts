/** Partition tuples of buffered rows: how the table writer groups rows by table partition. */
import type { Row } from '../arrow/builder.js';
import { partitionTuple } from '../iceberg/spec/partition.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { findField } from '../iceberg/spec/schema.js';
import type { PartitionSpec, PrimitiveValue, Schema } from '../iceberg/spec/types.js';
import type { SourceRecord } from '../source/types.js';
import { metadataValue } from './bronze.js';

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
  const getters = spec.fields.map((f) => {
    const path = findField(schema, f['source-id'])?.path ?? [];
    return { id: f['source-id'], path, fromRecord: recordColumn !== undefined && path.length === 2 && path[0] === recordColumn };
  });
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

/** True when every source field of `spec` lies in `recordColumn` (bronze's Kafka metadata), so a row's tuple needs only the record. */
export function tupleFromRecordOnly(schema: Schema, spec: PartitionSpec, recordColumn: string): boolean {
  return spec.fields.every((f) => {
    const path = findField(schema, f['source-id'])?.path ?? [];
    return path.length === 2 && path[0] === recordColumn;
  });
}
