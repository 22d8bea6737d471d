import { describe, expect, it } from 'vitest';
import { MAX_DEPTH, jsonNumber, parseJsonVariant, parsedJsonVariant } from '../../src/decode/json-variant.js';
import { JsonNumber } from '../../src/decode/json-schema/exact-json.js';
import { VariantDecimal } from '../../src/iceberg/spec/variant.js';

const dec = (unscaled: bigint, scale: number) => new VariantDecimal(unscaled, scale);

describe('jsonNumber keeps JSON numbers exact', () => {
  it('integers are int64 when they fit, decimal(…,0) up to 38 digits, refused beyond', () => {
    expect(jsonNumber('0')).toBe(0n);
    expect(jsonNumber('-0')).toBe(0n);
    expect(jsonNumber('9223372036854775807')).toBe(9223372036854775807n);
    expect(jsonNumber('-9223372036854775808')).toBe(-9223372036854775808n);
    expect(jsonNumber('9223372036854775808')).toEqual(dec(9223372036854775808n, 0));
    expect(jsonNumber('9'.repeat(38))).toEqual(dec(10n ** 38n - 1n, 0));
    expect(() => jsonNumber('1' + '0'.repeat(38))).toThrow(/more than 38 digits/);
  });

  it('fractions and exponents are decimals when exact in 38 digits and scale ≤ 38, else doubles', () => {
    expect(jsonNumber('1.50')).toEqual(dec(150n, 2));
    expect(jsonNumber('-0.001')).toEqual(dec(-1n, 3));
    expect(jsonNumber('2.5e3')).toEqual(dec(2500n, 0));
    expect(jsonNumber('6.02E23')).toEqual(dec(602000000000000000000000n, 0));
    expect(jsonNumber('1e-38')).toEqual(dec(1n, 38));
    expect(jsonNumber('1.0e-38')).toEqual(dec(1n, 38)); // trailing zero dropped to fit the scale
    expect(jsonNumber('0.1234567890123456789012345678901234567')).toEqual(dec(1234567890123456789012345678901234567n, 37));
    expect(jsonNumber('1e300')).toBe(1e300);
    expect(jsonNumber('1e-50')).toBe(1e-50);
    expect(jsonNumber('1.00000000000000000000000000000000000001')).toBe(1); // 39 digits: a double
    expect(() => jsonNumber('1e400')).toThrow(/overflows a double/);
  });
});

describe('parseJsonVariant', () => {
  it('reads objects, arrays, strings with escapes and literals', () => {
    const v = parseJsonVariant(' {"a": [1, 2.5, "x\\u00e9\\ud83d\\ude00\\n", true, false, null], "b": {}} ');
    expect(v).toEqual(new Map<string, unknown>([
      ['a', [1n, dec(25n, 1), 'xé😀\n', true, false, null]],
      ['b', new Map()],
    ]));
    expect(parseJsonVariant('"plain 😀 text"')).toBe('plain 😀 text');
    expect(parseJsonVariant('42')).toBe(42n);
  });

  it('refuses invalid JSON with the position', () => {
    for (const bad of ['', '{', '[1,]', '{"a" 1}', '01', '1.', 'tru', '"a', '{"a":1}x', '"\\x"', '"\u0001"', 'NaN']) {
      expect(() => parseJsonVariant(bad), bad).toThrow(/not valid JSON/);
    }
  });

  it('refuses what a variant cannot hold: duplicate keys, lone surrogates, excessive nesting', () => {
    expect(() => parseJsonVariant('{"a":1,"a":2}')).toThrow(/duplicate key "a"/);
    expect(() => parseJsonVariant('"\\ud800"')).toThrow(/lone UTF-16 surrogate/);
    expect(() => parseJsonVariant('['.repeat(MAX_DEPTH + 2) + ']'.repeat(MAX_DEPTH + 2))).toThrow(/nested deeper/);
    expect(parseJsonVariant('['.repeat(MAX_DEPTH) + ']'.repeat(MAX_DEPTH))).toBeInstanceOf(Array);
  });
});

describe('parsedJsonVariant (JSON already parsed by exact-json.ts)', () => {
  it('reads numbers by the same rules from their text, JsonNumbers exactly', () => {
    expect(parsedJsonVariant({ a: 1, b: 1.5, c: new JsonNumber('12345678901234567890'), d: [1e300, null, 'x'], e: {} })).toEqual(new Map<string, unknown>([
      ['a', 1n], ['b', dec(15n, 1)], ['c', dec(12345678901234567890n, 0)], ['d', [1e300, null, 'x']], ['e', new Map()],
    ]));
    let deep: unknown = 1;
    for (let i = 0; i <= MAX_DEPTH; i++) deep = [deep];
    expect(() => parsedJsonVariant(deep)).toThrow(/nested deeper/);
  });
});
