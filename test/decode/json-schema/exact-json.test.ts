/**
 * parseExact keeps the digits of numbers JSON.parse would round (more than 15 significant digits)
 * as JsonNumber text, and parses everything else as JSON.parse does; jsonText writes them back.
 */
import { describe, expect, it } from 'vitest';
import { JsonNumber, jsonText, parseExact } from '../../../src/decode/json-schema/exact-json.js';

describe('parseExact', () => {
  it('returns numbers of more than 15 significant digits as their text, anywhere in the document', () => {
    const text = '{"a": 9223372036854775807, "b": [1, -12345678901234567.5, {"c": 0.0000000000000000012345678901234567}], "d": 123456789012345, "e": 1e400}';
    expect(parseExact(text)).toEqual({
      a: new JsonNumber('9223372036854775807'),
      b: [1, new JsonNumber('-12345678901234567.5'), { c: new JsonNumber('0.0000000000000000012345678901234567') }],
      d: 123456789012345, // 15 digits: a double holds it exactly
      e: Infinity, // few digits: as JSON.parse reads it
    });
  });

  it('reads strings, literals, duplicate keys and __proto__ as JSON.parse does', () => {
    const text = '{"s": "q\\"\\u00e9\\ud800", "t": true, "n": null, "x": 1, "x": 12345678901234567, "__proto__": {"p": 1}, "long": 10000000000000000}';
    const v = parseExact(text) as Record<string, unknown>;
    const native = JSON.parse(text) as Record<string, unknown>;
    expect(Object.keys(v)).toEqual(Object.keys(native));
    expect(v.s).toBe(native.s);
    expect([v.t, v.n]).toEqual([true, null]);
    expect(v.x).toEqual(new JsonNumber('12345678901234567')); // the last of a repeated key, as JSON.parse
    expect(Object.getPrototypeOf(v)).toBe(Object.prototype);
    expect(v.__proto__).toEqual({ p: 1 }); // an own property, as JSON.parse makes it
    expect(v.long).toEqual(new JsonNumber('10000000000000000'));
  });

  it('throws SyntaxError on invalid JSON, like JSON.parse', () => {
    for (const bad of ['{"a": 12345678901234567', '[1,]', '01234567890123456789']) expect(() => parseExact(bad), bad).toThrow(SyntaxError);
  });

  it('jsonText writes JsonNumbers back digit for digit', () => {
    const text = '{"a":9223372036854775807,"b":[1.5,"x",null,false]}';
    expect(jsonText(parseExact(text))).toBe(text);
  });
});
