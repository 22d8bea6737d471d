import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { DecodeCode, frame } from '../../../src/decode/index.js';
import { parseDecimalText, unscaledOf } from '../../../src/decode/protobuf/decimal.js';
import { protobufFormat, writeIndexPath } from '../../../src/decode/protobuf/format.js';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import { evolveSchema } from '../../../src/schema/index.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/formats/protobuf');
const MONEY_TEXT = readFileSync(`${FIXTURES}/money.proto`, 'utf8');
/** money.proto as protoc compiled it (FileDescriptorProto, base64: what Confluent's serializers register). */
const MONEY_DESCRIPTOR = readFileSync(`${FIXTURES}/money.desc.b64`, 'utf8').trim();

const encoder = (() => {
  const root = new protobuf.Root();
  protobuf.parse('syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }', root);
  protobuf.parse('syntax = "proto3"; package google.type; message Decimal { string value = 1; }', root);
  protobuf.parse('syntax = "proto3"; package floe.it; message Payment { int32 id = 1; confluent.type.Decimal amount = 2; confluent.type.Decimal raw = 3; google.type.Decimal rate = 4; google.type.Decimal text = 5; repeated confluent.type.Decimal whole = 6; }', root);
  root.resolveAll();
  return root.lookupType('floe.it.Payment');
})();

/** Big-endian two's complement of n in the fewest bytes (as Confluent's and Avro's decimals). */
function twos(n: bigint): Uint8Array {
  let len = 1;
  while (n >= 1n << BigInt(len * 8 - 1) || n < -(1n << BigInt(len * 8 - 1))) len++;
  const x = BigInt.asUintN(len * 8, n);
  return Uint8Array.from({ length: len }, (_, i) => Number((x >> BigInt((len - 1 - i) * 8)) & 0xffn));
}

function read(schema: string, value: object) {
  const w = protobufFormat.load(1, schema, []);
  const body = Buffer.concat([writeIndexPath([0]), encoder.encode(encoder.fromObject(value)).finish()]);
  return w.read(frame(1, body), 5);
}

function types(schema: string): Record<string, IcebergType> {
  const w = protobufFormat.load(1, schema, []);
  return Object.fromEntries(evolveSchema(undefined, w.type).newSchema.fields.map((f) => [f.name, f.type]));
}

describe('Protobuf decimals', () => {
  for (const [form, schema] of [['.proto text', MONEY_TEXT], ['descriptor', MONEY_DESCRIPTOR]] as const) {
    it(`maps field_meta precision/scale to decimal(p,s), and keeps the struct without them (${form})`, () => {
      const t = types(schema);
      expect(t.amount).toBe('decimal(7,2)');
      expect(t.rate).toBe('decimal(5,3)');
      expect(t.whole).toMatchObject({ type: 'list', element: 'decimal(38,0)' });
      expect(t.raw).toMatchObject({ type: 'struct', fields: [{ name: 'value', type: 'binary' }, { name: 'precision', type: 'long' }, { name: 'scale', type: 'int' }] });
      expect(t.text).toMatchObject({ type: 'struct', fields: [{ name: 'value', type: 'string' }] });
    });
  }

  it('finds the option on a nested message\'s snake_case field and a oneof member, in both forms', () => {
    for (const schema of [readFileSync(`${FIXTURES}/nested-decimal.proto`, 'utf8'), readFileSync(`${FIXTURES}/nested-decimal.desc.b64`, 'utf8').trim()]) {
      const t = types(schema);
      expect(t.lines).toMatchObject({ type: 'list', element: { type: 'struct', fields: [{ name: 'unit_price', type: 'decimal(9,4)' }] } });
      expect(t.one_of_dec).toBe('decimal(38,1)');
    }
  });

  it('a map field\'s option makes its decimal values decimal(p,s); without it they keep the struct (both forms)', () => {
    const text = readFileSync(`${FIXTURES}/map-decimal.proto`, 'utf8');
    const descriptor = readFileSync(`${FIXTURES}/map-decimal.desc.b64`, 'utf8').trim();
    const root = new protobuf.Root();
    protobuf.parse('syntax = "proto3"; package confluent.type; message Decimal { bytes value = 1; uint32 precision = 2; int32 scale = 3; }', root);
    protobuf.parse('syntax = "proto3"; package google.type; message Decimal { string value = 1; }', root);
    protobuf.parse('syntax = "proto3"; package a.m; message Prices { map<string, confluent.type.Decimal> by_sku = 1; map<int32, google.type.Decimal> rates = 2; map<string, confluent.type.Decimal> plain = 3; }', root, { keepCase: true });
    root.resolveAll();
    const prices = root.lookupType('a.m.Prices');
    for (const schema of [text, descriptor]) {
      const t = types(schema);
      expect(t.by_sku).toMatchObject({ type: 'map', key: 'string', value: 'decimal(9,2)' });
      expect(t.rates).toMatchObject({ type: 'map', value: 'decimal(6,4)' });
      expect(t.plain).toMatchObject({ type: 'map', value: { type: 'struct' } });
      const w = protobufFormat.load(1, schema, []);
      const body = Buffer.concat([writeIndexPath([0]), prices.encode(prices.fromObject({ by_sku: { a: { value: twos(-123456789n), scale: 2 }, z: { scale: 2 } }, rates: { 7: { value: '0.0625' } } })).finish()]);
      const v = w.read(frame(1, body), 5).value as { by_sku: Map<string, unknown>; rates: Map<string, unknown> };
      expect([...v.by_sku]).toEqual([['a', -123456789n], ['z', 0n]]);
      expect([...v.rates]).toEqual([['7', 625n]]);
      const tooBig = Buffer.concat([writeIndexPath([0]), prices.encode(prices.fromObject({ by_sku: { a: { value: twos(10n ** 9n), scale: 2 } } })).finish()]);
      expect(() => w.read(frame(1, tooBig), 5)).toThrow(/does not fit decimal\(9,2\)/);
    }
  });

  it('reads the unscaled two\'s-complement value exactly: negative, zero, the largest of the precision, zero scale', () => {
    const r = read(MONEY_DESCRIPTOR, {
      id: 1,
      amount: { value: twos(-1234567n), scale: 2 },
      rate: { value: '-12.345' },
      whole: [{ value: twos(10n ** 38n - 1n) }, { value: new Uint8Array(0) }, { value: twos(-(10n ** 38n - 1n)), precision: 38 }],
      raw: { value: Uint8Array.of(1), precision: 3, scale: 1 },
    });
    expect(r.value).toMatchObject({ amount: -1234567n, rate: -12345n, whole: [10n ** 38n - 1n, 0n, -(10n ** 38n - 1n)], text: null });
    expect((r.value as { raw: unknown }).raw).toEqual({ value: Uint8Array.of(1), precision: 3n, scale: 1 });
    expect(read(MONEY_TEXT, { amount: { value: twos(9999999n), scale: 2 }, rate: { value: '' } }).value).toMatchObject({ amount: 9999999n, rate: 0n });
    expect(read(MONEY_TEXT, { amount: { value: new Uint8Array(0), scale: 2 } }).value).toMatchObject({ amount: 0n });
  });

  it('dead-letters a value that does not fit, or that states another precision or scale, never rounding', () => {
    const bad = (value: object, why: RegExp) => {
      try {
        read(MONEY_DESCRIPTOR, value);
      } catch (err) {
        expect((err as { code: string }).code).toBe(DecodeCode.SchemaMismatch);
        expect((err as Error).message).toMatch(why);
        return;
      }
      throw new Error('no error');
    };
    bad({ amount: { value: twos(10000000n), scale: 2 } }, /confluent.type.Decimal 100000.00 does not fit decimal\(7,2\)/);
    bad({ amount: { value: twos(-10000000n), scale: 2 } }, /-100000.00 does not fit/);
    bad({ amount: { value: twos(5n), scale: 3 } }, /states scale 3, the column is decimal\(7,2\)/);
    // A proto3 scale of 0 is the value's scale (as Confluent's deserializers read it), not "unset".
    bad({ amount: { value: twos(5n) } }, /states scale 0/);
    bad({ amount: { value: twos(5n), precision: 9, scale: 2 } }, /states precision 9/);
    bad({ whole: [{ value: twos(10n ** 38n) }] }, /does not fit decimal\(38,0\)/);
    bad({ rate: { value: '123.4567' } }, /"123.4567" does not fit decimal\(5,3\) without rounding/);
    bad({ rate: { value: '100' } }, /"100" does not fit/);
    bad({ rate: { value: '1,5' } }, /"1,5" is not a decimal number/);
    bad({ rate: { value: 'NaN' } }, /is not a decimal number/);
  });

  it('refuses params that cannot be an Iceberg decimal when the schema loads', () => {
    const s = (p: string, sc: string) =>
      `syntax = "proto3"; import "confluent/meta.proto"; import "confluent/type/decimal.proto"; message M { confluent.type.Decimal a = 1 [(confluent.field_meta) = { params { key: "precision" value: "${p}" } params { key: "scale" value: "${sc}" } }]; }`;
    expect(() => protobufFormat.load(1, s('39', '0'), [])).toThrow(/precision 39 and scale 0 cannot be an Iceberg decimal/);
    expect(() => protobufFormat.load(1, s('4', '5'), [])).toThrow(/cannot be an Iceberg decimal/);
    expect(() => protobufFormat.load(1, s('x', '1'), [])).toThrow(/cannot be an Iceberg decimal/);
    // The option's other spellings protobufjs reads: one assignment per entry, and a scale alone (precision 38).
    const split = 'syntax = "proto3"; import "confluent/type/decimal.proto"; message M { confluent.type.Decimal a = 1 [(confluent.field_meta).params = { key: "precision" value: "4" }, (confluent.field_meta).params = { key: "scale" value: "1" }]; confluent.type.Decimal b = 2 [(confluent.field_meta) = { params { key: "scale" value: "3" } }]; }';
    expect(types(split)).toEqual({ a: 'decimal(4,1)', b: 'decimal(38,3)' });
  });

  it('parses google.type.Decimal text exactly: sign, fraction, exponent, empty as zero', () => {
    const p = (t: string, precision = 10, scale = 2) => parseDecimalText(t, precision, scale);
    expect(p('')).toBe(0n);
    expect(p('+2.5')).toBe(250n);
    expect(p('-.5')).toBe(-50n);
    expect(p('5.')).toBe(500n);
    expect(p('2.5E+3')).toBe(250000n);
    expect(p('1250e-3')).toBe(125n);
    expect(p('1.230000')).toBe(123n);
    expect(p('-0.00')).toBe(0n);
    expect(p('000012.34')).toBe(1234n);
    expect(p('1.235')).toBeUndefined();
    expect(p('1e999999999')).toBeUndefined();
    expect(p('0e999999999')).toBe(0n);
    expect(p('99999999.99')).toBe(9999999999n);
    expect(p('100000000')).toBeUndefined();
    for (const t of ['.', 'e5', '1e', '--1', ' 1', '1.2.3', 'Infinity']) expect(p(t)).toBe('invalid');
  });

  it('reads two\'s-complement bytes', () => {
    expect(unscaledOf(Uint8Array.of(0xff))).toBe(-1n);
    expect(unscaledOf(Uint8Array.of(0x00, 0x80))).toBe(128n);
    expect(unscaledOf(Uint8Array.of(0x80, 0x00))).toBe(-32768n);
    expect(unscaledOf(twos(-(10n ** 38n - 1n)))).toBe(-(10n ** 38n - 1n));
  });
});
