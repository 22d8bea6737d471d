import { describe, expect, it } from 'vitest';
import { buildSortOrder, isUnsorted, parseSortOrder, sameSortFields, sortComparator, unsorted, validateSortOrder } from '../../../src/iceberg/spec/sort.js';
import type { PrimitiveValue, Schema } from '../../../src/iceberg/spec/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'score', required: false, type: 'double' },
  ],
};

describe('sort orders', () => {
  it('unsorted is order 0 with no fields', () => {
    expect(unsorted).toEqual({ 'order-id': 0, fields: [] });
    expect(isUnsorted(unsorted)).toBe(true);
    expect(buildSortOrder(schema, [])).toEqual({ 'order-id': 0, fields: [] });
  });
  it('builds with Java defaults for null order', () => {
    const o = buildSortOrder(schema, [{ source: 'name' }, { source: 'id', transform: 'bucket[4]', direction: 'desc' }]);
    expect(o).toEqual({
      'order-id': 1,
      fields: [
        { transform: 'identity', 'source-id': 2, direction: 'asc', 'null-order': 'nulls-first' },
        { transform: 'bucket[4]', 'source-id': 1, direction: 'desc', 'null-order': 'nulls-last' },
      ],
    });
    expect(sameSortFields(o, { ...o, 'order-id': 7 })).toBe(true);
  });
  it('validates', () => {
    expect(() => buildSortOrder(schema, [{ source: 'nope' }])).toThrow();
    expect(() => buildSortOrder(schema, [{ source: 'score', transform: 'bucket[2]' }])).toThrow();
    expect(() => validateSortOrder({ 'order-id': 0, fields: [{ transform: 'identity', 'source-id': 1, direction: 'asc', 'null-order': 'nulls-first' }] }, schema)).toThrow(/reserved/);
  });
  it('parses JSON including v3 source-ids', () => {
    const o = parseSortOrder({ 'order-id': 2, fields: [{ transform: 'identity', 'source-ids': [1, 2], direction: 'desc', 'null-order': 'nulls-last' }] });
    expect(o.fields[0]).toMatchObject({ 'source-id': 1, direction: 'desc', 'null-order': 'nulls-last' });
  });
  it('sortComparator honours direction, null order and code-point string order', () => {
    const order = buildSortOrder(schema, [{ source: 'name', nullOrder: 'nulls-last' }, { source: 'score', direction: 'desc' }]);
    const cmp = sortComparator(order, schema);
    const row = (name: string | null, score: number | null) => new Map<number, PrimitiveValue | null>([[2, name], [3, score]]);
    const rows = [row(null, 1), row('\uffff', 1), row('😀', 1), row('a', 1), row('a', 3), row('a', NaN), row('a', null)];
    const sorted = [...rows].sort(cmp).map((r) => [r.get(2), r.get(3)]);
    expect(sorted).toEqual([['a', NaN], ['a', 3], ['a', 1], ['a', null], ['\uffff', 1], ['😀', 1], [null, 1]]);
  });
});
