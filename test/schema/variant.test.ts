/**
 * Recursive Avro records as variants (src/schema/variant.ts): each Avro type's Variant type, the
 * value semantics of the JSON text kept (unions, null fields, NaN), and the refusal of values
 * nested deeper than a variant may be.
 */
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import { encodeVariant, VariantDecimal, VariantTyped } from '../../src/iceberg/spec/variant.js';
import { MAX_VARIANT_DEPTH, variantValueOf } from '../../src/schema/variant.js';
import { encode } from './helpers.js';

const NODE = {
  type: 'record',
  name: 'Node',
  namespace: 't',
  fields: [
    { name: 'i', type: 'int' },
    { name: 'l', type: 'long' },
    { name: 'f', type: 'float' },
    { name: 'd', type: 'double' },
    { name: 'b', type: 'boolean' },
    { name: 's', type: 'string' },
    { name: 'e', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'raw', type: 'bytes' },
    { name: 'fx', type: { type: 'fixed', name: 'Two', size: 2 } },
    { name: 'dec', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'wide', type: { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 1 } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'tm', type: { type: 'int', logicalType: 'time-millis' } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'lts', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'tsn', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'ltsn', type: { type: 'long', logicalType: 'local-timestamp-nanos' } },
    { name: 'nothing', type: 'null' },
    { name: 'opt', type: ['null', 'string'] },
    { name: 'either', type: ['null', 'int', 'string'] },
    { name: 'tags', type: { type: 'map', values: 'long' } },
    { name: 'children', type: { type: 'array', items: 'Node' } },
  ],
};

const leaf = (i: number) => ({
  i, l: 2n ** 62n + 1n, f: 1.5, d: Number.NaN, b: true, s: 'ångström', e: 'GREEN', raw: Buffer.from([0, 255]), fx: Buffer.from([1, 2]),
  dec: -12345n, wide: 10n ** 39n + 7n, id: '0e9d3f8a-5b1c-4c2d-8e7f-123456789abc', day: -1, tm: 1_500_000n, ts: 1_700_000_000_123_000n, lts: -1n,
  tsn: 1_700_000_000_123_456_789n, ltsn: -1n, nothing: null, opt: null, either: { string: 'x' }, tags: { b: 2n, a: 1n }, children: [],
});

describe('variantValueOf: recursive Avro values, typed', () => {
  const type = parseAvroSchema(NODE);
  const decode = (v: unknown) => decodeBody(type, encode(type, v), 0);
  const toVariant = variantValueOf(type);

  it('gives each Avro type its Variant type, and keeps the JSON text\'s value semantics', () => {
    const root = { ...leaf(1), opt: { string: 'here' }, either: { int: 7 }, children: [leaf(2)] };
    const v = toVariant(decode(root)) as Map<string, unknown>;
    expect(v.get('i')).toEqual(new VariantTyped('int32', 1));
    expect(v.get('l')).toEqual(new VariantTyped('int64', 2n ** 62n + 1n));
    expect(v.get('f')).toEqual(new VariantTyped('float', 1.5));
    expect(v.get('d')).toBeNaN(); // a double, NaN kept (the JSON text says "NaN")
    expect(v.get('b')).toBe(true);
    expect(v.get('s')).toBe('ångström');
    expect(v.get('e')).toBe('GREEN');
    expect(v.get('raw')).toEqual(Buffer.from([0, 255]));
    expect(v.get('fx')).toEqual(Buffer.from([1, 2]));
    expect(v.get('dec')).toEqual(new VariantDecimal(-12345n, 2));
    expect(v.get('wide')).toBe('100000000000000000000000000000000000000.7'); // 40 digits: exact text, as its column would be
    expect(v.get('id')).toEqual(new VariantTyped('uuid', Buffer.from('0e9d3f8a5b1c4c2d8e7f123456789abc', 'hex')));
    expect(v.get('day')).toEqual(new VariantTyped('date', -1));
    expect(v.get('tm')).toEqual(new VariantTyped('time', 1_500_000n));
    expect(v.get('ts')).toEqual(new VariantTyped('timestamptz', 1_700_000_000_123_000n));
    expect(v.get('lts')).toEqual(new VariantTyped('timestamp', -1n));
    expect(v.get('tsn')).toEqual(new VariantTyped('timestamptz_ns', 1_700_000_000_123_456_789n)); // every digit, unlike the text's floored µs
    expect(v.get('ltsn')).toEqual(new VariantTyped('timestamp_ns', -1n));
    expect(v.get('nothing')).toBeNull();
    expect(v.get('opt')).toBe('here');
    expect(v.get('either')).toEqual(new Map([['int', new VariantTyped('int32', 7)]]));
    expect(v.get('tags')).toEqual(new Map([['b', new VariantTyped('int64', 2n)], ['a', new VariantTyped('int64', 1n)]]));
    const child = (v.get('children') as Map<string, unknown>[])[0]!;
    expect(child.get('opt')).toBeNull();
    expect(child.get('either')).toEqual(new Map([['string', 'x']]));
    expect(child.get('children')).toEqual([]);
    // And it encodes (every type above has a Variant encoding).
    expect(encodeVariant(v as never).value.length).toBeGreaterThan(0);
  });

  it('refuses a value nested deeper than a variant may be', () => {
    const chain = { type: 'record', name: 'C', fields: [{ name: 'next', type: ['null', 'C'] }] };
    const t = parseAvroSchema(chain);
    const conv = variantValueOf(t);
    let v: unknown = { next: null };
    for (let k = 0; k < MAX_VARIANT_DEPTH; k++) v = { next: v };
    expect(() => conv(v)).toThrow(/nested deeper than 1000 levels/);
    let ok: unknown = { next: null };
    for (let k = 0; k < 100; k++) ok = { next: ok };
    expect(conv(ok)).toBeInstanceOf(Map);
  });
});
