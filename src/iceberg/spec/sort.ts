/**
 * Sort orders (spec "Sorting", Appendix C). Order id 0 is reserved for "unsorted". Besides
 * building and validating orders, `sortComparator` gives writers the row order an order declares.
 */
import { FloeError } from '../../util/errors.js';
import { findField, indexById, isPrimitive } from './schema.js';
import { applyTransform, canTransform, parseTransform, transformResultType } from './transforms.js';
import type { PrimitiveType, PrimitiveValue, Schema, SortField, SortOrder, Transform } from './types.js';
import { compareValues } from './values.js';

export const unsorted: SortOrder = Object.freeze({ 'order-id': 0, fields: Object.freeze([]) as unknown as SortField[] });

function invalid(message: string): FloeError {
  return new FloeError('ICEBERG_INVALID_SORT_ORDER', message);
}

export function isUnsorted(order: SortOrder): boolean {
  return order.fields.length === 0;
}

export interface SortFieldInput {
  /** Dotted column name or field id. */
  source: string | number;
  transform?: Transform;
  direction?: 'asc' | 'desc';
  /** Defaults like Java and SQL: nulls first when ascending, last when descending. */
  nullOrder?: 'nulls-first' | 'nulls-last';
}

/** Builds and validates an order; an empty field list yields the unsorted order (id 0). */
export function buildSortOrder(schema: Schema, fields: SortFieldInput[], orderId = 1): SortOrder {
  if (fields.length === 0) return { 'order-id': 0, fields: [] };
  const out = fields.map((input): SortField => {
    const source = findField(schema, input.source);
    if (!source) throw invalid(`sort column ${String(input.source)} not found`);
    const direction = input.direction ?? 'asc';
    return {
      transform: input.transform ?? 'identity',
      'source-id': source.field.id,
      direction,
      'null-order': input.nullOrder ?? (direction === 'asc' ? 'nulls-first' : 'nulls-last'),
    };
  });
  const order: SortOrder = { 'order-id': orderId, fields: out };
  validateSortOrder(order, schema);
  return order;
}

export function validateSortOrder(order: SortOrder, schema: Schema): void {
  if (order['order-id'] === 0 && order.fields.length > 0) throw invalid('sort order id 0 is reserved for unsorted');
  if (order['order-id'] !== 0 && order.fields.length === 0) throw invalid('an unsorted order must have id 0');
  const byId = indexById(schema);
  for (const f of order.fields) {
    if (f.direction !== 'asc' && f.direction !== 'desc') throw invalid(`invalid sort direction ${String(f.direction)}`);
    if (f['null-order'] !== 'nulls-first' && f['null-order'] !== 'nulls-last') {
      throw invalid(`invalid null order ${String(f['null-order'])}`);
    }
    const source = byId.get(f['source-id']);
    if (!source) throw invalid(`sort source field ${f['source-id']} not found`);
    if (!isPrimitive(source.field.type)) throw invalid(`sort source ${source.path.join('.')} is not a primitive`);
    if (!canTransform(f.transform, source.field.type)) throw invalid(`${f.transform} cannot apply to ${source.field.type}`);
  }
}

/** Same fields in the same order, ignoring the order id. */
export function sameSortFields(a: SortOrder, b: SortOrder): boolean {
  return a.fields.length === b.fields.length && a.fields.every((f, i) => {
    const g = b.fields[i]!;
    return f['source-id'] === g['source-id'] && f.transform === g.transform && f.direction === g.direction && f['null-order'] === g['null-order'];
  });
}

/** Reads a sort order from JSON, tolerating v3 `source-ids` (first id kept as source-id). */
export function parseSortOrder(json: unknown): SortOrder {
  const o = json as Record<string, unknown>;
  if (typeof o !== 'object' || o === null || !Array.isArray(o.fields)) throw invalid('sort order must have fields');
  const fields = o.fields.map((raw): SortField => {
    const f = raw as Record<string, unknown>;
    const sourceIds = f['source-ids'];
    const sourceId = typeof f['source-id'] === 'number' ? f['source-id'] : Array.isArray(sourceIds) ? Number(sourceIds[0]) : NaN;
    if (!Number.isInteger(sourceId) || typeof f.transform !== 'string') throw invalid(`invalid sort field ${JSON.stringify(raw)}`);
    const field: SortField = {
      transform: f.transform as Transform,
      'source-id': sourceId,
      direction: f.direction === 'desc' ? 'desc' : 'asc',
      'null-order': f['null-order'] === 'nulls-last' ? 'nulls-last' : 'nulls-first',
    };
    if (Array.isArray(sourceIds)) (field as unknown as Record<string, unknown>)['source-ids'] = sourceIds;
    return field;
  });
  return { 'order-id': typeof o['order-id'] === 'number' ? o['order-id'] : 0, fields };
}

/**
 * Comparator over rows (source values by field id) in the order's sort: transform each value,
 * compare in the spec's value order, honour direction and null placement.
 */
export function sortComparator(
  order: SortOrder,
  schema: Schema,
): (a: ReadonlyMap<number, PrimitiveValue | null>, b: ReadonlyMap<number, PrimitiveValue | null>) => number {
  const keys = order.fields.map((f) => {
    const source = findField(schema, f['source-id']);
    if (!source || !isPrimitive(source.field.type)) throw invalid(`sort source field ${f['source-id']} not found`);
    const sourceType: PrimitiveType = source.field.type;
    const transform = parseTransform(f.transform);
    return { f, sourceType, transform, resultType: transformResultType(transform, sourceType) };
  });
  return (a, b) => {
    for (const k of keys) {
      const id = k.f['source-id'];
      const x = applyTransform(k.transform, k.sourceType, a.get(id) ?? null);
      const y = applyTransform(k.transform, k.sourceType, b.get(id) ?? null);
      if (x === null || y === null) {
        if (x === y) continue;
        // Null placement is independent of direction.
        return (x === null ? -1 : 1) * (k.f['null-order'] === 'nulls-first' ? 1 : -1);
      }
      const c = compareValues(k.resultType, x, y);
      if (c !== 0) return k.f.direction === 'asc' ? c : -c;
    }
    return 0;
  };
}
