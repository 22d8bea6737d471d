import { describe, expect, it } from 'vitest';
import { daysFromCivil } from '../../../src/iceberg/spec/datetime.js';
import {
  buildPartitionSpec,
  defaultPartitionFieldName,
  escapePathComponent,
  isUnpartitioned,
  parsePartitionSpec,
  partitionPath,
  partitionTuple,
  partitionType,
  unpartitioned,
  validatePartitionSpec,
} from '../../../src/iceberg/spec/partition.js';
import type { PrimitiveValue, Schema } from '../../../src/iceberg/spec/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
    { id: 4, name: 'price', required: false, type: 'decimal(9,2)' },
    { id: 5, name: 'loc', required: false, type: { type: 'struct', fields: [{ id: 6, name: 'city', required: false, type: 'string' }] } },
    { id: 7, name: 'tags', required: false, type: { type: 'list', 'element-id': 8, element: 'string', 'element-required': true } },
    { id: 9, name: 'd', required: false, type: 'date' },
  ],
};

const micros = (y: number, m: number, d: number, h: number) => BigInt(daysFromCivil(y, m, d)) * 86_400_000_000n + BigInt(h) * 3_600_000_000n;

describe('buildPartitionSpec', () => {
  it('assigns ids from 1000 and default names', () => {
    const spec = buildPartitionSpec(schema, [
      { source: 'ts', transform: 'day' },
      { source: 'id', transform: 'bucket[16]' },
      { source: 'name', transform: 'truncate[3]' },
      { source: 'loc.city', transform: 'identity' },
      { source: 9, transform: 'void' },
    ]);
    expect(spec).toEqual({
      'spec-id': 0,
      fields: [
        { 'source-id': 3, 'field-id': 1000, name: 'ts_day', transform: 'day' },
        { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[16]' },
        { 'source-id': 2, 'field-id': 1002, name: 'name_trunc', transform: 'truncate[3]' },
        { 'source-id': 6, 'field-id': 1003, name: 'loc.city', transform: 'identity' },
        { 'source-id': 9, 'field-id': 1004, name: 'd_null', transform: 'void' },
      ],
    });
  });
  it('continues after lastPartitionId and honours explicit names and ids', () => {
    const spec = buildPartitionSpec(schema, [{ source: 'ts', transform: 'hour', name: 'h', fieldId: 1000 }, { source: 'id', transform: 'bucket[4]' }], { specId: 2, lastPartitionId: 1005 });
    expect(spec.fields.map((f) => f['field-id'])).toEqual([1000, 1006]);
    expect(spec['spec-id']).toBe(2);
  });
  it('rejects what Java rejects', () => {
    expect(() => buildPartitionSpec(schema, [{ source: 'nope', transform: 'identity' }])).toThrow(/not found/);
    expect(() => buildPartitionSpec(schema, [{ source: 'name', transform: 'day' }])).toThrow(/cannot apply/);
    expect(() => buildPartitionSpec(schema, [{ source: 'loc', transform: 'identity' }])).toThrow(/primitive/);
    expect(() => buildPartitionSpec(schema, [{ source: 'tags.element', transform: 'identity' }])).toThrow(/list or map/);
    expect(() => buildPartitionSpec(schema, [{ source: 'id', transform: 'bucket[4]', name: 'name' }])).toThrow(/conflicts/);
    expect(() => buildPartitionSpec(schema, [{ source: 'ts', transform: 'day' }, { source: 'ts', transform: 'hour' }])).toThrow(/redundant/);
    expect(() => buildPartitionSpec(schema, [{ source: 'id', transform: 'identity', name: 'x' }, { source: 'name', transform: 'identity', name: 'x' }])).toThrow(/duplicate/);
    expect(() => buildPartitionSpec(schema, [{ source: 'id', transform: 'zorder' as never }])).toThrow(/unknown/);
    // Bucketing a column twice with different counts is allowed, as in Java.
    expect(() => buildPartitionSpec(schema, [{ source: 'id', transform: 'bucket[4]', name: 'a' }, { source: 'id', transform: 'bucket[8]', name: 'b' }])).not.toThrow();
  });
  it('allows a void field whose source column was dropped', () => {
    expect(() => validatePartitionSpec({ 'spec-id': 1, fields: [{ 'source-id': 99, 'field-id': 1000, name: 'gone', transform: 'void' }] }, schema)).not.toThrow();
  });
  it('default names', () => {
    expect(defaultPartitionFieldName('ts', 'month')).toBe('ts_month');
    expect(defaultPartitionFieldName('ts', 'year')).toBe('ts_year');
    expect(defaultPartitionFieldName('id', 'identity')).toBe('id');
  });
});

describe('partition type, tuple and path', () => {
  const spec = buildPartitionSpec(schema, [
    { source: 'ts', transform: 'day' },
    { source: 'ts', transform: 'bucket[16]', name: 'ts_bucket' },
    { source: 'name', transform: 'identity' },
    { source: 'price', transform: 'truncate[50]' },
  ]);
  it('types partition fields by their results, all optional', () => {
    expect(partitionType(spec, schema)).toEqual({
      type: 'struct',
      fields: [
        { id: 1000, name: 'ts_day', required: false, type: 'date' },
        { id: 1001, name: 'ts_bucket', required: false, type: 'int' },
        { id: 1002, name: 'name', required: false, type: 'string' },
        { id: 1003, name: 'price_trunc', required: false, type: 'decimal(9,2)' },
      ],
    });
  });
  it('computes the tuple and the escaped path', () => {
    const row = new Map<number, PrimitiveValue | null>([[3, micros(2024, 1, 2, 3)], [2, 'a b/c=é'], [4, 1065n]]);
    const tuple = partitionTuple(spec, schema, row);
    expect(tuple[0]).toBe(daysFromCivil(2024, 1, 2));
    expect(typeof tuple[1]).toBe('number');
    expect(tuple[2]).toBe('a b/c=é');
    expect(tuple[3]).toBe(1050n);
    expect(partitionPath(spec, schema, tuple)).toBe(`ts_day=2024-01-02/ts_bucket=${tuple[1]}/name=a+b%2Fc%3D%C3%A9/price_trunc=10.50`);
  });
  it('renders nulls (absent values) as null', () => {
    const tuple = partitionTuple(spec, schema, new Map());
    expect(tuple).toEqual([null, null, null, null]);
    expect(partitionPath(spec, schema, tuple)).toBe('ts_day=null/ts_bucket=null/name=null/price_trunc=null');
  });
  it('month/hour/year paths and timestamps with colons', () => {
    const s = buildPartitionSpec(schema, [{ source: 'ts', transform: 'month' }, { source: 'ts', transform: 'identity', name: 'ts_raw' }, { source: 'd', transform: 'year' }]);
    const t = partitionTuple(s, schema, new Map<number, PrimitiveValue>([[3, micros(1969, 12, 31, 23)], [9, -1]]));
    expect(partitionPath(s, schema, t)).toBe('ts_month=1969-12/ts_raw=1969-12-31T23%3A00%3A00%2B00%3A00/d_year=1969');
  });
  it('unpartitioned has an empty path', () => {
    expect(isUnpartitioned(unpartitioned)).toBe(true);
    expect(partitionType(unpartitioned, schema).fields).toEqual([]);
    expect(partitionPath(unpartitioned, schema, [])).toBe('');
  });
  it('escapes like java.net.URLEncoder', () => {
    expect(escapePathComponent('aZ09.-*_')).toBe('aZ09.-*_');
    expect(escapePathComponent('a b~!\'()')).toBe('a+b%7E%21%27%28%29');
    expect(escapePathComponent('😀')).toBe('%F0%9F%98%80');
  });
});

describe('parsePartitionSpec', () => {
  it('assigns v1 field ids from 1000 and reads the list form', () => {
    const s = parsePartitionSpec([{ name: 'a', transform: 'identity', 'source-id': 1 }, { name: 'b', transform: 'bucket[2]', 'source-id': 2 }]);
    expect(s).toEqual({ 'spec-id': 0, fields: [{ 'source-id': 1, 'field-id': 1000, name: 'a', transform: 'identity' }, { 'source-id': 2, 'field-id': 1001, name: 'b', transform: 'bucket[2]' }] });
  });
  it('keeps v3 source-ids', () => {
    const s = parsePartitionSpec({ 'spec-id': 3, fields: [{ name: 'z', transform: 'zorder', 'source-ids': [1, 2], 'field-id': 1005 }] });
    expect(s['spec-id']).toBe(3);
    expect(s.fields[0]).toMatchObject({ 'source-id': 1, 'source-ids': [1, 2], 'field-id': 1005 });
  });
});
