/** Partition tuples of buffered rows: how the table writer groups rows by table partition. */
import type { Row } from '../arrow/builder.js';
import { partitionTuple } from '../iceberg/spec/partition.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { findField } from '../iceberg/spec/schema.js';
import type { PartitionSpec, PrimitiveValue, Schema } from '../iceberg/spec/types.js';

export function tupleKeyed(tuple: unknown[]): { tuple: unknown[]; key: string } {
  return { tuple, key: valuesKey(tuple) };
}

/** The partition tuple of a row keyed by field names (the Arrow builder's representation). */
export function tupleFunction(schema: Schema, spec: PartitionSpec): (row: Row) => unknown[] {
  if (spec.fields.length === 0) return () => [];
  const getters = spec.fields.map((f) => {
    const path = findField(schema, f['source-id'])?.path ?? [];
    return { id: f['source-id'], path };
  });
  return (row) => {
    const values = new Map<number, PrimitiveValue | null>();
    for (const g of getters) {
      let cur: unknown = row;
      for (const name of g.path) cur = cur === null || cur === undefined ? null : (cur as Record<string, unknown>)[name];
      values.set(g.id, (cur ?? null) as PrimitiveValue | null);
    }
    return partitionTuple(spec, schema, values);
  };
}
