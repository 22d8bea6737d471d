/**
 * v3 defaults (issue #17): Avro field defaults become `write-default` on new fields and also
 * `initial-default` on fields added to an existing table, in the spec's JSON single-value form; the
 * reading side (initial-default.ts) turns every one back into the same row value.
 */
import { describe, expect, it } from 'vitest';
import { fromJson } from '../../src/schema/initial-default.js';
import { avroToIceberg, evolveSchema } from '../../src/schema/index.js';
import { defaultJson } from '../../src/schema/write-default.js';

const base = { type: 'record', name: 'R', fields: [{ name: 'id', type: 'long' }] };
const withField = (field: object) => ({ ...base, fields: [...base.fields, field] });

describe('Avro defaults as Iceberg v3 defaults', () => {
  const cases: [string, unknown, unknown, string, unknown][] = [
    // [label, avro type, avro default, iceberg type, JSON single value]
    ['boolean', 'boolean', true, 'boolean', true],
    ['int', 'int', -7, 'int', -7],
    ['long beyond 2^53', 'long', 2 ** 60, 'long', 2n ** 60n],
    ['float', 'float', 1.5, 'float', 1.5],
    ['double', 'double', -0.25, 'double', -0.25],
    ['string', 'string', 'héllo', 'string', 'héllo'],
    ['enum', { type: 'enum', name: 'E', symbols: ['A', 'B'] }, 'B', 'string', 'B'],
    ['bytes (Avro: code points as bytes) → upper-case hex', 'bytes', '\u0000\u00ff', 'binary', '00FF'],
    ['fixed', { type: 'fixed', name: 'F', size: 2 }, '\u0001\u00ab', 'fixed[2]', '01AB'],
    ['decimal', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }, '\u0005\u0039', 'decimal(9,2)', '13.37'],
    ['date', { type: 'int', logicalType: 'date' }, 17486, 'date', '2017-11-16'],
    ['time-micros', { type: 'long', logicalType: 'time-micros' }, 81_068_123_456, 'time', '22:31:08.123456'],
    ['timestamp-micros', { type: 'long', logicalType: 'timestamp-micros' }, 1_510_871_468_123_456, 'timestamptz', '2017-11-16T22:31:08.123456+00:00'],
    ['local-timestamp-millis', { type: 'long', logicalType: 'local-timestamp-millis' }, 1_510_871_468_123, 'timestamp', '2017-11-16T22:31:08.123'],
    ['timestamp-nanos', { type: 'long', logicalType: 'timestamp-nanos' }, 1_510_871_468_123_456_000, 'timestamptz_ns', '2017-11-16T22:31:08.123456+00:00'],
    ['uuid', { type: 'string', logicalType: 'uuid' }, '0E9D3F8A-5B1C-4C2D-8E7F-123456789ABC', 'uuid', '0e9d3f8a-5b1c-4c2d-8e7f-123456789abc'],
    ['[T, null] with a T default', ['string', 'null'], 'x', 'string', 'x'],
  ];
  for (const [label, avroType, avroDefault, icebergType, json] of cases) {
    it(`${label}: added to a v3 table → initial-default and write-default ${JSON.stringify(json, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`, () => {
      const table = avroToIceberg(base, 3).newSchema;
      const r = evolveSchema(table, withField({ name: 'f', type: avroType, default: avroDefault }), { formatVersion: 3 });
      const f = r.newSchema.fields[1]!;
      expect(f.type).toBe(icebergType);
      expect(f['initial-default']).toEqual(json);
      expect(f['write-default']).toEqual(json);
      // The reader's parse gives back the row value the projector fills in for writers without the field.
      const back = fromJson(f.type, json, 'f');
      const row = r.defaults.get(f.id);
      if (back instanceof Uint8Array) expect(Buffer.from(back)).toEqual(Buffer.from(row as Uint8Array));
      else expect(back).toEqual(row);
    });
  }

  it('a new v3 table gets write-default only (the spec sets initial-default when a field is added)', () => {
    const f = avroToIceberg(withField({ name: 'n', type: 'int', default: 3 }), 3).newSchema.fields[1]!;
    expect(f['write-default']).toBe(3);
    expect(f['initial-default']).toBeUndefined();
  });

  it('v2 tables carry no defaults; null, non-finite and nested defaults are not written', () => {
    const table = avroToIceberg(base).newSchema;
    expect(evolveSchema(table, withField({ name: 'n', type: 'int', default: 3 })).newSchema.fields[1]).not.toHaveProperty('initial-default');
    const v3 = avroToIceberg(base, 3).newSchema;
    for (const field of [
      { name: 'a', type: ['null', 'int'], default: null },
      { name: 'c', type: { type: 'array', items: 'int' }, default: [1] },
      { name: 'd', type: { type: 'record', name: 'In', fields: [{ name: 'x', type: 'int', default: 4 }] }, default: { x: 1 } },
    ]) {
      const f = evolveSchema(v3, withField(field), { formatVersion: 3 }).newSchema.fields[1]!;
      expect(f, field.name).not.toHaveProperty('initial-default');
      expect(f, field.name).not.toHaveProperty('write-default');
    }
    expect(defaultJson('double', Number.POSITIVE_INFINITY)).toBeUndefined();
    expect(defaultJson('double', Number.NaN)).toBeUndefined();
    expect(defaultJson('decimal(3,2)', 1000n)).toBeUndefined(); // 10.00 does not fit decimal(3,2)
    expect(defaultJson('decimal(3,2)', -999n)).toBe('-9.99');
  });

  it('a field nested in a new struct gets write-default only; existing fields keep theirs', () => {
    const v3 = avroToIceberg(base, 3).newSchema;
    const r = evolveSchema(v3, withField({ name: 'd', type: ['null', { type: 'record', name: 'In', fields: [{ name: 'x', type: 'int', default: 4 }] }], default: null }), { formatVersion: 3 });
    const inner = (r.newSchema.fields[1]!.type as unknown as { fields: Record<string, unknown>[] }).fields[0]!;
    expect(inner['write-default']).toBe(4);
    expect(inner).not.toHaveProperty('initial-default');
    // The same writer again: nothing changes, the defaults stay.
    expect(evolveSchema(r.newSchema, withField({ name: 'd', type: ['null', { type: 'record', name: 'In', fields: [{ name: 'x', type: 'int', default: 9 }] }], default: null }), { formatVersion: 3, lastColumnId: r.lastColumnId }).action).toBe('none');
  });
});
