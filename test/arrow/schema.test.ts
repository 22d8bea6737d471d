import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { FIELD_ID_KEY, icebergSchemaToArrow, icebergTypeToArrow } from '../../src/arrow/schema.js';
import type { PrimitiveType, Schema } from '../../src/iceberg/spec/types.js';

describe('icebergTypeToArrow', () => {
  it.each<[PrimitiveType, string]>([
    ['boolean', 'Bool'],
    ['int', 'Int32'],
    ['long', 'Int64'],
    ['float', 'Float32'],
    ['double', 'Float64'],
    ['decimal(9,2)', 'Decimal[9e+2]'],
    ['decimal(38, 0)', 'Decimal[38e0]'],
    ['date', 'Date32<DAY>'],
    ['time', 'Time64<MICROSECOND>'],
    ['timestamp', 'Timestamp<MICROSECOND>'],
    ['timestamptz', 'Timestamp<MICROSECOND, UTC>'],
    ['timestamp_ns', 'Timestamp<NANOSECOND>'],
    ['timestamptz_ns', 'Timestamp<NANOSECOND, UTC>'],
    ['string', 'Utf8'],
    ['uuid', 'FixedSizeBinary[16]'],
    ['fixed[7]', 'FixedSizeBinary[7]'],
    ['binary', 'Binary'],
  ])('%s → %s', (type, expected) => {
    expect(String(icebergTypeToArrow(type))).toBe(expected);
  });

  it('decimals are 128-bit with Iceberg precision and scale', () => {
    const t = icebergTypeToArrow('decimal(18,6)') as arrow.Decimal;
    expect([t.precision, t.scale, t.bitWidth]).toEqual([18, 6, 128]);
  });

  it('rejects unknown types and decimal precision outside 1..38', () => {
    for (const bad of ['varchar', 'decimal(39,0)', 'decimal(0,0)', 'fixed[x]']) {
      expect(() => icebergTypeToArrow(bad as PrimitiveType)).toThrow(expect.objectContaining({ code: 'SCHEMA_UNSUPPORTED_TYPE' }));
    }
  });
});

describe('icebergSchemaToArrow', () => {
  const schema: Schema = {
    type: 'struct',
    'schema-id': 3,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 's', required: false, type: { type: 'struct', fields: [{ id: 3, name: 'x', required: true, type: 'int' }] } },
      { id: 4, name: 'l', required: true, type: { type: 'list', 'element-id': 5, element: 'string', 'element-required': true } },
      {
        id: 6, name: 'm', required: false,
        type: { type: 'map', 'key-id': 7, key: 'string', 'value-id': 8, value: 'double', 'value-required': false },
      },
    ],
  };
  const a = icebergSchemaToArrow(schema);
  const id = (f: arrow.Field) => f.metadata.get(FIELD_ID_KEY);

  it('puts PARQUET:field_id on every field, nested included', () => {
    const [f1, f2, f4, f6] = a.fields as [arrow.Field, arrow.Field, arrow.Field, arrow.Field];
    expect([id(f1), id(f2), id(f4), id(f6)]).toEqual(['1', '2', '4', '6']);
    expect(id(f2.type.children[0]!)).toBe('3');
    expect(id(f4.type.children[0]!)).toBe('5');
    const entries = f6.type.children[0]!;
    expect(entries.name).toBe('entries');
    expect(entries.nullable).toBe(false);
    expect(entries.type.children.map((c: arrow.Field) => [c.name, id(c), c.nullable])).toEqual([
      ['key', '7', false],
      ['value', '8', true],
    ]);
    expect((f6.type as arrow.Map_).keysSorted).toBe(false);
  });

  it('derives nullability from required', () => {
    expect(a.fields.map((f) => f.nullable)).toEqual([false, true, false, true]);
    expect(a.fields[1]!.type.children[0]!.nullable).toBe(false);
    expect(a.fields[2]!.type.children[0]!.nullable).toBe(false);
    expect(a.fields[2]!.type.children[0]!.name).toBe('element');
  });
});
