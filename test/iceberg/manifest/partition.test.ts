import { describe, expect, it } from 'vitest';
import { PartitionSummaries, partitionStruct } from '../../../src/iceberg/manifest/partition.js';
import type { PartitionSpec, Schema } from '../../../src/iceberg/spec/types.js';
import { deserializeValue } from '../../../src/iceberg/spec/values.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'ts', required: true, type: 'timestamptz' },
    { id: 2, name: 'customer', required: false, type: 'string' },
    { id: 3, name: 'score', required: false, type: 'double' },
    { id: 4, name: 'tags', required: false, type: { type: 'list', 'element-id': 5, element: 'string', 'element-required': false } },
  ],
};

describe('partitionStruct', () => {
  it('gives one field per spec field with the partition field id and the transform result type', () => {
    const spec: PartitionSpec = {
      'spec-id': 1,
      fields: [
        { 'source-id': 1, 'field-id': 1000, name: 'ts_day', transform: 'day' },
        { 'source-id': 2, 'field-id': 1001, name: 'customer_bucket', transform: 'bucket[16]' },
        { 'source-id': 2, 'field-id': 1002, name: 'customer_prefix', transform: 'truncate[2]' },
      ],
    };
    expect(partitionStruct(spec, schema)).toEqual([
      { id: 1000, name: 'ts_day', type: 'date' },
      { id: 1001, name: 'customer_bucket', type: 'int' },
      { id: 1002, name: 'customer_prefix', type: 'string' },
    ]);
  });

  it('refuses a spec whose source column is not primitive', () => {
    const spec: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'tags', transform: 'identity' }] };
    expect(() => partitionStruct(spec, schema)).toThrow();
  });
});

describe('PartitionSummaries', () => {
  it('tracks nulls, NaN and serialized bounds per field across every tuple of a manifest', () => {
    const s = new PartitionSummaries([
      { id: 1000, name: 'day', type: 'date' },
      { id: 1001, name: 'score', type: 'double' },
      { id: 1002, name: 'customer', type: 'string' },
    ]);
    s.update([19000, 1.5, 'm']);
    s.update([18990, Number.NaN, null]);
    s.update([19010, -2.25, 'b']);
    const [day, score, customer] = s.result();
    expect(day).toMatchObject({ containsNull: false, containsNan: false });
    expect(deserializeValue('date', day!.lowerBound!)).toBe(18990);
    expect(deserializeValue('date', day!.upperBound!)).toBe(19010);
    // NaN is recorded as such and never becomes a bound.
    expect(score).toMatchObject({ containsNull: false, containsNan: true });
    expect(deserializeValue('double', score!.lowerBound!)).toBe(-2.25);
    expect(deserializeValue('double', score!.upperBound!)).toBe(1.5);
    expect(customer).toMatchObject({ containsNull: true, containsNan: false });
    expect(deserializeValue('string', customer!.lowerBound!)).toBe('b');
    expect(deserializeValue('string', customer!.upperBound!)).toBe('m');
  });

  it('has no bounds for a field that was only ever null', () => {
    const s = new PartitionSummaries([{ id: 1000, name: 'x', type: 'long' }]);
    s.update([null]);
    expect(s.result()).toEqual([{ containsNull: true, containsNan: false }]);
  });
});
