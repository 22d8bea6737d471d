import { describe, expect, it } from 'vitest';
import { parseJson, sameId, stringifyJson } from '../../../src/iceberg/spec/json.js';

describe('64-bit exact JSON', () => {
  it('keeps snapshot ids beyond 2^53 exact and round-trips them', () => {
    const text = '{"snapshot-id":6432188712345678901,"n":-9007199254740993,"small":42,"f":1.5e+300,"s":"12345678901234567890"}';
    const v = parseJson(text) as Record<string, unknown>;
    expect(v['snapshot-id']).toBe(6432188712345678901n);
    expect(v.n).toBe(-9007199254740993n);
    expect(v.small).toBe(42);
    expect(v.f).toBe(1.5e300);
    expect(v.s).toBe('12345678901234567890');
    expect(stringifyJson(v)).toBe(text);
  });

  it('ignores digits inside strings, including escaped quotes', () => {
    const v = parseJson('{"a":"x\\"12345678901234567890","b":[9007199254740991,9007199254740992]}') as { a: string; b: unknown[] };
    expect(v.a).toBe('x"12345678901234567890');
    expect(v.b).toEqual([9007199254740991, 9007199254740992n]);
  });

  it('compares ids across number and bigint', () => {
    expect(sameId(5, 5n)).toBe(true);
    expect(sameId(6432188712345678901n, 6432188712345678901n)).toBe(true);
    expect(sameId(null, 0)).toBe(false);
  });
});
