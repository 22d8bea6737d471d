/**
 * The Variant binary encoding against bytes derived by hand from apache/parquet-format
 * VariantEncoding.md (each expectation spells out header bits, counts, ids and offsets).
 */
import { describe, expect, it } from 'vitest';
import { VariantDecimal, VariantTyped, encodeVariant, type VariantValue } from '../../../src/iceberg/spec/variant.js';

const EMPTY_METADATA = [0x11, 0x00, 0x00]; // version 1 | sorted_strings, 0 strings, offsets [0]
const value = (v: VariantValue) => [...encodeVariant(v).value];
const metadata = (v: VariantValue) => [...encodeVariant(v).metadata];

describe('encodeVariant primitives', () => {
  it('null and booleans are a header byte only (primitive ids 0, 1, 2 shifted past basic_type 0)', () => {
    expect(metadata(null)).toEqual(EMPTY_METADATA);
    expect(value(null)).toEqual([0x00]);
    expect(value(true)).toEqual([0x04]);
    expect(value(false)).toEqual([0x08]);
  });

  it('integers take the smallest of int8/16/32/64, little-endian two\'s complement', () => {
    expect(value(1n)).toEqual([0x0c, 0x01]); // int8 = 3 << 2
    expect(value(-1n)).toEqual([0x0c, 0xff]);
    expect(value(-128n)).toEqual([0x0c, 0x80]);
    expect(value(300n)).toEqual([0x10, 0x2c, 0x01]); // int16 = 4 << 2
    expect(value(70000n)).toEqual([0x14, 0x70, 0x11, 0x01, 0x00]); // int32 = 5 << 2
    expect(value(1n << 40n)).toEqual([0x18, 0, 0, 0, 0, 0, 0x01, 0, 0]); // int64 = 6 << 2
    expect(value(-(1n << 63n))).toEqual([0x18, 0, 0, 0, 0, 0, 0, 0, 0x80]);
    expect(() => value(1n << 63n)).toThrow(/outside int64/);
  });

  it('doubles are IEEE little-endian after header 7 << 2', () => {
    expect(value(1.5)).toEqual([0x1c, 0, 0, 0, 0, 0, 0, 0xf8, 0x3f]);
  });

  it('decimals: scale byte, then the unscaled value in 4, 8 or 16 bytes by digit count', () => {
    expect(value(new VariantDecimal(15n, 1))).toEqual([0x20, 0x01, 0x0f, 0, 0, 0]); // decimal4 = 8 << 2
    expect(value(new VariantDecimal(-15n, 1))).toEqual([0x20, 0x01, 0xf1, 0xff, 0xff, 0xff]);
    expect(value(new VariantDecimal(1234567890n, 2))).toEqual([0x24, 0x02, 0xd2, 0x02, 0x96, 0x49, 0, 0, 0, 0]); // decimal8 = 9 << 2
    // 2^64 has 20 digits: decimal16 = 10 << 2
    expect(value(new VariantDecimal(1n << 64n, 0))).toEqual([0x28, 0x00, 0, 0, 0, 0, 0, 0, 0, 0, 0x01, 0, 0, 0, 0, 0, 0, 0]);
    expect(() => value(new VariantDecimal(10n ** 38n, 0))).toThrow(/39 digits/);
    expect(() => value(new VariantDecimal(1n, 39))).toThrow(/scale 39/);
  });

  it('strings under 64 UTF-8 bytes are short strings (length << 2 | 1), longer ones primitive 16 with a 4-byte length', () => {
    expect(value('hi')).toEqual([0x09, 0x68, 0x69]);
    expect(value('')).toEqual([0x01]);
    expect(value('é')).toEqual([0x09, 0xc3, 0xa9]); // length in bytes, not characters
    const s63 = 'x'.repeat(63);
    expect(value(s63)).toEqual([(63 << 2) | 1, ...Buffer.from(s63)]);
    const s64 = 'x'.repeat(64);
    expect(value(s64)).toEqual([0x40, 64, 0, 0, 0, ...Buffer.from(s64)]);
  });
});

describe('encodeVariant objects and arrays', () => {
  it('an object: sorted dictionary in the metadata, field ids and offsets in key order', () => {
    const v = new Map<string, VariantValue>([['b', 1n], ['a', true]]);
    // header 0b11_0001 → 0x11 (1-byte offsets), 2 strings, offsets [0, 1, 2], bytes "ab"
    expect(metadata(v)).toEqual([0x11, 0x02, 0x00, 0x01, 0x02, 0x61, 0x62]);
    // basic_type 2, header 0 (1-byte ids and offsets, not large); 2 fields; ids [a=0, b=1];
    // offsets [0, 1, 3]; values true, int8 1
    expect(value(v)).toEqual([0x02, 0x02, 0x00, 0x01, 0x00, 0x01, 0x03, 0x04, 0x0c, 0x01]);
  });

  it('keys are sorted by UTF-8 bytes and shared across nested objects', () => {
    const v = new Map<string, VariantValue>([
      ['z', new Map<string, VariantValue>([['a', null]])],
      ['a', new Map<string, VariantValue>([['z', null]])],
    ]);
    expect(metadata(v)).toEqual([0x11, 0x02, 0x00, 0x01, 0x02, 0x61, 0x7a]);
    const inner = (id: number) => [0x02, 0x01, id, 0x00, 0x01, 0x00];
    expect(value(v)).toEqual([0x02, 0x02, 0x00, 0x01, 0x00, 0x06, 0x0c, ...inner(1), ...inner(0)]);
  });

  it('an array: count, offsets, values; an empty object and array', () => {
    expect(value([1n, 'x', null])).toEqual([0x03, 0x03, 0x00, 0x02, 0x04, 0x05, 0x0c, 0x01, 0x05, 0x78, 0x00]);
    expect(value([])).toEqual([0x03, 0x00, 0x00]);
    expect(value(new Map())).toEqual([0x02, 0x00, 0x00]);
  });

  it('more than 255 elements set is_large (4-byte count); offsets past 255 take 2 bytes', () => {
    const v = value(Array.from({ length: 256 }, () => null));
    // array header: is_large (bit 2) | offset_size_minus_one 1 → 0b101, << 2 | 3 = 0x17
    expect(v.slice(0, 5)).toEqual([0x17, 0x00, 0x01, 0x00, 0x00]);
    expect(v.length).toBe(1 + 4 + 257 * 2 + 256);
    expect(v.slice(5 + 256 * 2, 5 + 257 * 2)).toEqual([0x00, 0x01]); // last offset 256
  });

  it('field ids widen with the dictionary size', () => {
    const keys = Array.from({ length: 300 }, (_, i) => `k${String(i).padStart(3, '0')}`);
    const v = new Map<string, VariantValue>(keys.map((k) => [k, null]));
    const enc = encodeVariant(v);
    // metadata: 300 strings and 1200 bytes need 2-byte offsets: header 0x11 | 1 << 6
    expect(enc.metadata[0]).toBe(0x51);
    // object header: is_large, 2-byte ids, 2-byte offsets (300 values of 1 byte): (1<<4 | 1<<2 | 1) << 2 | 2
    expect(enc.value[0]).toBe(((0x10 | 0x04 | 0x01) << 2) | 2);
  });
});

describe('encodeVariant typed primitives (values of recursive records)', () => {
  it('writes the schema\'s type, not the smallest that holds the value', () => {
    expect(value(new VariantTyped('int32', 1))).toEqual([0x14, 1, 0, 0, 0]); // int32 = 5 << 2, even for 1
    expect(value(new VariantTyped('int64', -1n))).toEqual([0x18, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff, 0xff]);
    expect(value(new VariantTyped('float', 1.5))).toEqual([0x38, 0, 0, 0xc0, 0x3f]); // float = 14 << 2
    expect(value(new VariantTyped('date', -1))).toEqual([0x2c, 0xff, 0xff, 0xff, 0xff]); // date = 11 << 2
    expect(value(new VariantTyped('timestamptz', 1n))).toEqual([0x30, 1, 0, 0, 0, 0, 0, 0, 0]); // 12 << 2
    expect(value(new VariantTyped('timestamp', 1n))).toEqual([0x34, 1, 0, 0, 0, 0, 0, 0, 0]); // 13 << 2
    expect(value(new VariantTyped('time', 1n))).toEqual([0x44, 1, 0, 0, 0, 0, 0, 0, 0]); // 17 << 2
    expect(value(new VariantTyped('timestamptz_ns', 1n))).toEqual([0x48, 1, 0, 0, 0, 0, 0, 0, 0]); // 18 << 2
    expect(value(new VariantTyped('timestamp_ns', 1n))).toEqual([0x4c, 1, 0, 0, 0, 0, 0, 0, 0]); // 19 << 2
    const id = Uint8Array.from({ length: 16 }, (_, i) => i);
    expect(value(new VariantTyped('uuid', id))).toEqual([0x50, ...id]); // uuid = 20 << 2, big-endian as given
    expect(() => value(new VariantTyped('int32', 2 ** 31))).toThrow(/does not fit 4 bytes/);
  });

  it('binary: 4-byte little-endian length, then the bytes', () => {
    expect(value(new Uint8Array([7, 8]))).toEqual([0x3c, 2, 0, 0, 0, 7, 8]); // binary = 15 << 2
  });

  it('refuses a lone UTF-16 surrogate in a string or a key (UTF-8 cannot hold it)', () => {
    expect(() => value('a\ud800')).toThrow(/lone UTF-16 surrogate/);
    expect(() => value(new Map([['\udc00', 1n]]))).toThrow(/lone UTF-16 surrogate/);
  });
});
