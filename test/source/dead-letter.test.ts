import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/util/errors.js';
import { DEAD_LETTER_HEADERS, toDeadLetterMessage } from '../../src/source/dead-letter.js';
import type { SourceRecord } from '../../src/source/types.js';

const record: SourceRecord = {
  topic: 'orders',
  partition: 2,
  offset: 9_007_199_254_740_993n, // beyond 2^53: must not pass through a JS number
  timestamp: 1_700_000_000_123,
  key: Buffer.from('k'),
  value: Buffer.from([1, 2, 3]),
  headers: { a: Buffer.from('1'), b: [Buffer.from('x'), Buffer.from('y')] },
  sizeBytes: 7,
};

describe('toDeadLetterMessage', () => {
  it('keeps key, value and headers and adds the floe.* headers', () => {
    const m = toDeadLetterMessage({ record, error: new FloeError('MAP_TYPE', 'field x is not a long'), stage: 'map' });
    expect(m.key).toBe(record.key);
    expect(m.value).toBe(record.value);
    const h = m.headers as Record<string, Buffer | Buffer[]>;
    expect(h.a).toEqual(Buffer.from('1'));
    expect(h.b).toEqual([Buffer.from('x'), Buffer.from('y')]);
    const text = (name: string) => String(h[name]);
    expect(text(DEAD_LETTER_HEADERS.errorCode)).toBe('MAP_TYPE');
    expect(text(DEAD_LETTER_HEADERS.errorMessage)).toBe('MAP_TYPE: field x is not a long');
    expect(text(DEAD_LETTER_HEADERS.errorStage)).toBe('map');
    expect(text(DEAD_LETTER_HEADERS.sourceTopic)).toBe('orders');
    expect(text(DEAD_LETTER_HEADERS.sourcePartition)).toBe('2');
    expect(text(DEAD_LETTER_HEADERS.sourceOffset)).toBe('9007199254740993');
    expect(text(DEAD_LETTER_HEADERS.sourceTimestamp)).toBe('1700000000123');
    expect(record.headers).not.toHaveProperty(DEAD_LETTER_HEADERS.errorCode); // the original is untouched
  });

  it('names non-floe errors UNEXPECTED and truncates long messages', () => {
    const m = toDeadLetterMessage({ record, error: new Error('y'.repeat(10_000)), stage: 'decode' });
    const h = m.headers as Record<string, Buffer>;
    expect(String(h['floe.error.code'])).toBe('UNEXPECTED');
    expect(String(h['floe.error.message']).length).toBeLessThan(2100);
  });
});
