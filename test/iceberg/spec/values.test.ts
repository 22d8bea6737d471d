import { describe, expect, it } from 'vitest';
import type { PrimitiveType, PrimitiveValue } from '../../../src/iceberg/spec/types.js';
import {
  compareBytes,
  compareStrings,
  compareValues,
  decimalFromBytes,
  decimalToMinBytes,
  deserializeValue,
  serializeValue,
  truncateLowerBound,
  truncateUpperBound,
  valuesKey,
} from '../../../src/iceberg/spec/values.js';

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const bytes = (...b: number[]) => Uint8Array.from(b);

describe('serializeValue: exact bytes per Appendix D', () => {
  const cases: [PrimitiveType, PrimitiveValue, string][] = [
    ['boolean', false, '00'],
    ['boolean', true, '01'],
    ['int', 1, '01000000'],
    ['int', -1, 'ffffffff'],
    ['int', 34, '22000000'],
    ['long', 34n, '2200000000000000'],
    ['long', -2n, 'feffffffffffffff'],
    ['long', 9223372036854775807n, 'ffffffffffffff7f'],
    ['float', 1.0, '0000803f'],
    ['float', -0.0, '00000080'],
    ['double', 1.0, '000000000000f03f'],
    ['date', 17486, '4e440000'],
    ['time', 81068000000n, '008307e012000000'],
    ['timestamp', 1n, '0100000000000000'],
    ['timestamptz', -1n, 'ffffffffffffffff'],
    ['timestamp_ns', 1000n, 'e803000000000000'],
    ['timestamptz_ns', 1n, '0100000000000000'],
    ['string', 'iceberg', '69636562657267'],
    ['string', 'é😀', 'c3a9f09f9880'],
    ['string', '', ''],
    ['uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 'f79c3e09677c4bbda4793f349cb785e7'],
    ['fixed[4]', bytes(0, 1, 2, 3), '00010203'],
    ['binary', bytes(0, 1, 2, 0xff), '000102ff'],
    ['binary', bytes(), ''],
    ['decimal(4,2)', 1420n, '058c'],
    ['decimal(9,2)', 0n, '00'],
    ['decimal(9,2)', 127n, '7f'],
    ['decimal(9,2)', 128n, '0080'],
    ['decimal(9,2)', -128n, '80'],
    ['decimal(9,2)', -129n, 'ff7f'],
    ['decimal(9,2)', -1n, 'ff'],
    ['decimal(9,2)', 255n, '00ff'],
    ['decimal(9,2)', 32768n, '008000'],
  ];
  for (const [type, value, expected] of cases) {
    it(`${type} ${String(value instanceof Uint8Array ? hex(value) : value)}`, () => {
      const out = serializeValue(type, value);
      expect(hex(out)).toBe(expected);
      const back = deserializeValue(type, out);
      if (type === 'float') expect(Object.is(back, value) || back === value).toBe(true);
      else expect(back).toEqual(value);
    });
  }

  it('accepts safe-integer numbers for long-valued types', () => {
    expect(hex(serializeValue('long', 34))).toBe('2200000000000000');
    expect(hex(serializeValue('timestamp', -1))).toBe('ffffffffffffffff');
  });

  it('round-trips 38-digit decimals', () => {
    const max = 10n ** 38n - 1n;
    for (const v of [max, -max, 1n << 100n, -(1n << 100n)]) {
      const b = serializeValue('decimal(38,0)', v);
      expect(b.length).toBeLessThanOrEqual(16);
      expect(deserializeValue('decimal(38,0)', b)).toBe(v);
    }
    expect(decimalFromBytes(decimalToMinBytes(-(2n ** 63n)))).toBe(-(2n ** 63n));
    expect(decimalToMinBytes(-(2n ** 63n)).length).toBe(8);
  });

  it('round-trips doubles including specials', () => {
    for (const v of [0, -0, Math.PI, -1e300, Infinity, -Infinity]) {
      expect(Object.is(deserializeValue('double', serializeValue('double', v)), v)).toBe(true);
    }
    expect(Number.isNaN(deserializeValue('double', serializeValue('double', NaN)))).toBe(true);
    expect(Number.isNaN(deserializeValue('float', serializeValue('float', NaN)))).toBe(true);
  });

  it('rejects values that do not fit the type', () => {
    expect(() => serializeValue('int', 2 ** 31)).toThrow();
    expect(() => serializeValue('int', 1.5)).toThrow();
    expect(() => serializeValue('long', 2 ** 60)).toThrow(); // unsafe number: precision already lost
    expect(() => serializeValue('long', 2n ** 63n)).toThrow();
    expect(() => serializeValue('fixed[4]', bytes(1, 2, 3))).toThrow();
    expect(() => serializeValue('decimal(4,2)', 10000n)).toThrow();
    expect(() => serializeValue('uuid', 'not-a-uuid')).toThrow();
    expect(() => serializeValue('string', 3)).toThrow();
    expect(() => serializeValue('boolean', 1)).toThrow();
  });

  it('rejects wrong byte lengths and invalid UTF-8 on read', () => {
    expect(() => deserializeValue('int', bytes(1, 2))).toThrow();
    expect(() => deserializeValue('time', bytes(1, 2, 3, 4))).toThrow();
    expect(() => deserializeValue('string', bytes(0xff))).toThrow();
    expect(() => deserializeValue('uuid', bytes(1))).toThrow();
  });

  it('reads bounds written before a type promotion', () => {
    expect(deserializeValue('long', serializeValue('int', -5))).toBe(-5n);
    expect(deserializeValue('double', serializeValue('float', 1.5))).toBe(1.5);
    expect(deserializeValue('timestamp', serializeValue('date', 1))).toBe(86_400_000_000n);
    expect(deserializeValue('timestamp_ns', serializeValue('date', -1))).toBe(-86_400_000_000_000n);
  });

  it('copies byte values so callers cannot alias manifest buffers', () => {
    const src = bytes(1, 2);
    const out = serializeValue('binary', src);
    src[0] = 9;
    expect(out[0]).toBe(1);
  });
});

describe('compareValues', () => {
  it('numbers, longs, decimals, booleans', () => {
    expect(compareValues('int', -1, 1)).toBe(-1);
    expect(compareValues('long', 5n, 5n)).toBe(0);
    expect(compareValues('timestamp', 2n, -2n)).toBe(1);
    expect(compareValues('decimal(9,2)', -100n, 1n)).toBe(-1);
    expect(compareValues('boolean', false, true)).toBe(-1);
    expect(compareValues('date', 3, 3)).toBe(0);
  });
  it('floats: -Inf < -1 < -0 < 0 < 1 < Inf < NaN', () => {
    const order = [-Infinity, -1, -0, 0, 1, Infinity, NaN];
    for (let i = 0; i < order.length; i++) {
      for (let j = 0; j < order.length; j++) {
        expect(compareValues('double', order[i]!, order[j]!)).toBe(Math.sign(i - j));
        expect(compareValues('float', order[i]!, order[j]!)).toBe(Math.sign(i - j));
      }
    }
  });
  it('strings compare by code point (= UTF-8 bytes), not UTF-16 units', () => {
    // U+FFFF vs U+10000: UTF-16 says '\uFFFF' > '\uD800\uDC00'; code points say the opposite.
    expect('\uffff' > '\u{10000}').toBe(true);
    expect(compareValues('string', '\uffff', '\u{10000}')).toBe(-1);
    expect(compareStrings('\ue000', '😀')).toBe(-1);
    expect(compareStrings('a', 'ab')).toBe(-1);
    expect(compareStrings('ab', 'a')).toBe(1);
    expect(compareStrings('', '')).toBe(0);
    expect(compareStrings('😀a', '😀b')).toBe(-1);
    const enc = new TextEncoder();
    const words = ['z', 'é', '😀', '\uffff', 'a', '', 'ab', '\u{10ffff}', '\ue000'];
    for (const a of words) for (const b of words) {
      expect(compareStrings(a, b)).toBe(compareBytes(enc.encode(a), enc.encode(b)));
    }
  });
  it('binary and fixed compare unsigned, shorter prefix first', () => {
    expect(compareValues('binary', bytes(0x7f), bytes(0x80))).toBe(-1);
    expect(compareValues('binary', bytes(0xff), bytes(0x00, 0x00))).toBe(1);
    expect(compareValues('binary', bytes(1), bytes(1, 0))).toBe(-1);
    expect(compareValues('fixed[2]', bytes(1, 2), bytes(1, 2))).toBe(0);
  });
  it('uuids compare as unsigned bytes', () => {
    expect(compareValues('uuid', '00000000-0000-0000-0000-000000000001', 'f0000000-0000-0000-0000-000000000000')).toBe(-1);
    expect(compareValues('uuid', '80000000-0000-0000-0000-000000000000', '7fffffff-ffff-ffff-ffff-ffffffffffff')).toBe(1);
  });
});

describe('truncateLowerBound / truncateUpperBound', () => {
  it('defaults to 16 and leaves short values alone', () => {
    const s = 'abcdefghijklmnopqrstuvwxyz';
    expect(truncateLowerBound('string', s)).toBe('abcdefghijklmnop');
    expect(truncateUpperBound('string', s)).toBe('abcdefghijklmnoq');
    expect(truncateLowerBound('string', 'short')).toBe('short');
    expect(truncateUpperBound('string', 'short')).toBe('short');
    expect(truncateUpperBound('string', 'a'.repeat(16))).toBe('a'.repeat(16));
  });
  it('counts code points, never splitting surrogate pairs', () => {
    expect(truncateLowerBound('string', '😀😀😀', 2)).toBe('😀😀');
    expect(truncateUpperBound('string', '😀😀😀', 2)).toBe('😀😁');
    expect(truncateUpperBound('string', 'a😀b', 2)).toBe('a😁');
    expect(truncateUpperBound('string', '😀😀', 2)).toBe('😀😀');
  });
  it('skips U+10FFFF and steps over the surrogate range', () => {
    expect(truncateUpperBound('string', 'a\u{10ffff}b', 2)).toBe('b');
    expect(truncateUpperBound('string', '\u{10ffff}\u{10ffff}x', 2)).toBeUndefined();
    expect(truncateUpperBound('string', '\ud7ffzz', 1)).toBe('\ue000');
    expect(truncateUpperBound('string', '\uffffzz', 1)).toBe('\u{10000}');
  });
  it('upper bound is above, lower bound below, every value with the prefix', () => {
    const enc = new TextEncoder();
    for (const s of ['héllo wörld 😀 and more', '\ud7ff\ud7ff\ud7ff', 'zz\u{10ffff}q', '\uffff\uffff\uffff']) {
      const lo = truncateLowerBound('string', s, 2) as string;
      const hi = truncateUpperBound('string', s, 2) as string;
      expect(compareBytes(enc.encode(lo), enc.encode(s))).toBeLessThanOrEqual(0);
      expect(compareBytes(enc.encode(hi), enc.encode(s))).toBe(1);
      expect(Array.from(hi).length).toBeLessThanOrEqual(2);
    }
  });
  it('replaces lone surrogates (which UTF-8 cannot carry) before truncating', () => {
    expect(truncateLowerBound('string', 'a\ud800bc', 2)).toBe('a\ufffd');
    expect(truncateUpperBound('string', 'a\ud800bc', 2)).toBe('a\ufffe');
  });
  it('binary: increments the last byte below 0xFF', () => {
    expect(truncateLowerBound('binary', bytes(1, 2, 3, 4), 2)).toEqual(bytes(1, 2));
    expect(truncateUpperBound('binary', bytes(1, 2, 3, 4), 2)).toEqual(bytes(1, 3));
    expect(truncateUpperBound('binary', bytes(1, 0xff, 3), 2)).toEqual(bytes(2));
    expect(truncateUpperBound('binary', bytes(0xff, 0xff, 3), 2)).toBeUndefined();
    expect(truncateUpperBound('binary', bytes(0xff, 0xff), 2)).toEqual(bytes(0xff, 0xff));
    expect(truncateUpperBound('binary', new Uint8Array(20).fill(7))).toEqual(Uint8Array.from([...new Array(15).fill(7), 8]));
  });
  it('leaves other types unchanged and rejects bad widths', () => {
    expect(truncateLowerBound('long', 5n)).toBe(5n);
    expect(truncateUpperBound('fixed[20]', new Uint8Array(20))).toEqual(new Uint8Array(20));
    expect(() => truncateLowerBound('string', 'x', 0)).toThrow();
  });
});

describe('valuesKey', () => {
  it('is empty for an unpartitioned table', () => {
    expect(valuesKey([])).toBe('');
  });

  it('tells apart values that print alike but differ in type or nullness', () => {
    const keys = [[null], ['null'], [1], ['1'], [new Uint8Array([0x31])], ['b31']].map(valuesKey);
    expect(new Set(keys).size).toBe(keys.length);
    // A long and an int of the same value are the same partition.
    expect(valuesKey([5n])).toBe(valuesKey([5]));
  });

  it('cannot be forged by a string value that spells another value’s encoding', () => {
    // Before lengths were part of the key, these two tuples of two string fields collided.
    expect(valuesKey(['a\u0000string:b', 'c'])).not.toBe(valuesKey(['a', 'b\u0000string:c']));
    expect(valuesKey(['a,string1:b', 'c'])).not.toBe(valuesKey(['a', 'b,string1:c']));
    expect(valuesKey(['x'])).toBe(valuesKey(['x']));
  });
});
