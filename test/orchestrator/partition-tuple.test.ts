import { describe, expect, it } from 'vitest';
import { tupleFunction, tupleKeyed } from '../../src/orchestrator/partition-tuple.js';
import type { PartitionSpec, Schema } from '../../src/iceberg/spec/types.js';

describe('tupleFunction', () => {
  const schema: Schema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'customer', required: false, type: { type: 'struct', fields: [{ id: 2, name: 'region', required: false, type: 'string' }] } },
      { id: 3, name: 'ts', required: true, type: 'timestamptz' },
    ],
  };

  it('follows nested source paths and applies the transforms', () => {
    const spec: PartitionSpec = {
      'spec-id': 1,
      fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'region', transform: 'identity' },
        { 'source-id': 3, 'field-id': 1001, name: 'ts_day', transform: 'day' },
      ],
    };
    const tuple = tupleFunction(schema, spec);
    // 2023-11-14T22:13:20Z in microseconds is day 19675.
    expect(tuple({ customer: { region: 'eu' }, ts: 1_700_000_000_000_000n })).toEqual(['eu', 19675]);
    // A missing parent struct gives a null partition value, not an exception.
    expect(tuple({ customer: null, ts: 0n })).toEqual([null, 0]);
  });

  it('gives the empty tuple without a spec field', () => {
    expect(tupleFunction(schema, { 'spec-id': 0, fields: [] })({ ts: 1n })).toEqual([]);
  });
});

describe('tupleKeyed', () => {
  it('pairs a tuple with its partition key', () => {
    expect(tupleKeyed(['eu', 3])).toEqual({ tuple: ['eu', 3], key: 'string2:eu,number1:3' });
  });
});
