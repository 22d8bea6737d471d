/** Partition tuples of buffered rows: how the table writer groups rows by table partition. */
import type { Row } from '../arrow/builder.js';
import { partitionTuple } from '../iceberg/spec/partition.js';
import { findField } from '../iceberg/spec/schema.js';
import type { PartitionSpec, PrimitiveValue, Schema } from '../iceberg/spec/types.js';

export function tupleKeyed(tuple: unknown[]): { tuple: unknown[]; key: string } {
  return { tuple, key: tupleKey(tuple) };
}

export function tupleKey(tuple: readonly unknown[]): string {
  if (tuple.length === 0) return '';
  return tuple
    .map((v) => (v === null || v === undefined ? 'n' : v instanceof Uint8Array ? `b${Buffer.from(v).toString('hex')}` : `${typeof v === 'bigint' ? 'number' : typeof v}:${String(v)}`))
    .join('\u0000');
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
