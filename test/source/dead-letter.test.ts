import { describe, expect, it } from 'vitest';
import { FloeError } from '../../src/util/errors.js';
import { chunkLength, DEAD_LETTER_HEADERS, fitLetter, LETTER_MAX_BYTES, letterBytes, SEND_MAX_BYTES, SEND_MAX_LETTERS, toDeadLetterMessage } from '../../src/source/dead-letter.js';
import type { SourceRecord } from '../../src/source/types.js';

const record: SourceRecord = {
  topic: 'orders',
  partition: 2,
  offset: 9_007_199_254_740_993n, // beyond 2^53: must not pass through a JS number
  timestamp: 1_700_000_000_123,
  key: Buffer.from('k'),
  value: Buffer.from([1, 2, 3]),
  headers: [
    { key: 'a', value: Buffer.from('1') },
    { key: 'b', value: Buffer.from('x') },
    { key: 'n', value: null },
    { key: 'b', value: Buffer.from('y') },
  ],
  sizeBytes: 7,
};

describe('toDeadLetterMessage', () => {
  it('keeps key, value and headers and adds the floe.* headers', () => {
    const m = toDeadLetterMessage({ record, error: new FloeError('ROW_TYPE_MISMATCH', 'field x is not a long'), stage: 'map' });
    // copies: the record's bytes are views into a fetch response that is reused once its batch is handled
    expect(m.key).toEqual(record.key);
    expect(m.value).toEqual(record.value);
    const own: SourceRecord = { ...record, key: Buffer.from('k'), value: Buffer.from([1, 2, 3]), headers: [{ key: 'a', value: Buffer.from('1') }] };
    const copied = toDeadLetterMessage({ record: own, error: new Error('x'), stage: 'map' });
    own.key!.fill(0);
    own.value!.fill(0);
    own.headers[0]!.value!.fill(0);
    expect(copied.key).toEqual(Buffer.from('k'));
    expect(copied.value).toEqual(Buffer.from([1, 2, 3]));
    expect((copied.headers as Record<string, Buffer>).a).toEqual(Buffer.from('1'));
    const h = m.headers as Record<string, Buffer | Buffer[]>;
    expect(h.a).toEqual(Buffer.from('1'));
    expect(h.b).toEqual([Buffer.from('x'), Buffer.from('y')]);
    expect(h.n).toEqual(Buffer.alloc(0)); // kafkajs cannot send a null header value
    const text = (name: string) => String(h[name]);
    expect(text(DEAD_LETTER_HEADERS.errorCode)).toBe('ROW_TYPE_MISMATCH');
    expect(text(DEAD_LETTER_HEADERS.errorMessage)).toBe('ROW_TYPE_MISMATCH: field x is not a long');
    expect(text(DEAD_LETTER_HEADERS.errorStage)).toBe('map');
    expect(text(DEAD_LETTER_HEADERS.sourceTopic)).toBe('orders');
    expect(text(DEAD_LETTER_HEADERS.sourcePartition)).toBe('2');
    expect(text(DEAD_LETTER_HEADERS.sourceOffset)).toBe('9007199254740993');
    expect(text(DEAD_LETTER_HEADERS.sourceTimestamp)).toBe('1700000000123');
    expect(record.headers.map((x) => x.key)).toEqual(['a', 'b', 'n', 'b']); // the original is untouched
  });

  it('names non-floe errors UNEXPECTED and truncates long messages', () => {
    const m = toDeadLetterMessage({ record, error: new Error('y'.repeat(10_000)), stage: 'decode' });
    const h = m.headers as Record<string, Buffer>;
    expect(String(h['floe.error.code'])).toBe('UNEXPECTED');
    expect(String(h['floe.error.message']).length).toBeLessThan(2100);
  });
});

describe('chunking of dead-letter sends', () => {
  it('bounds a send by count and bytes, keeps order and always takes at least one', () => {
    const small = Array.from({ length: 1_200 }, () => ({ bytes: 100 }));
    expect(chunkLength(small)).toBe(SEND_MAX_LETTERS);
    const kib = Array.from({ length: 5_000 }, () => ({ bytes: 1_100 }));
    const n = chunkLength(kib);
    expect(n * 1_100).toBeLessThanOrEqual(SEND_MAX_BYTES);
    expect((n + 1) * 1_100).toBeGreaterThan(SEND_MAX_BYTES);
    expect(chunkLength([{ bytes: LETTER_MAX_BYTES }, { bytes: 10 }])).toBe(1);
    expect(chunkLength([{ bytes: 10 }, { bytes: LETTER_MAX_BYTES }])).toBe(1);
    expect(chunkLength([])).toBe(0);
  });

  it('cuts an oversized letter to fit, saying so in headers, and leaves others alone', () => {
    const normal = toDeadLetterMessage({ record, error: new Error('x'), stage: 'map' });
    expect(fitLetter(normal)).toBe(normal);
    const big = Buffer.alloc(3 * 1024 * 1024, 1);
    const m = fitLetter(toDeadLetterMessage({ record: { ...record, value: big }, error: new Error('x'), stage: 'map' }));
    expect(letterBytes(m)).toBeLessThanOrEqual(LETTER_MAX_BYTES);
    const h = m.headers as Record<string, Buffer>;
    expect(String(h['floe.truncated.value'])).toBe(String(big.length));
    expect(h.a).toEqual(Buffer.from('1'));
    expect(m.key).toEqual(record.key);
    expect((m.value as Buffer).length).toBeGreaterThan(LETTER_MAX_BYTES - 1024);

    const hugeHeader = { ...record, headers: [{ key: 'blob', value: Buffer.alloc(LETTER_MAX_BYTES + 10) }] };
    const m2 = fitLetter(toDeadLetterMessage({ record: hugeHeader, error: new Error('x'), stage: 'map' }));
    expect(letterBytes(m2)).toBeLessThanOrEqual(LETTER_MAX_BYTES);
    const h2 = m2.headers as Record<string, Buffer>;
    expect(h2.blob).toBeUndefined();
    expect(String(h2['floe.truncated.headers'])).toBe('1');
    expect(String(h2['floe.source.offset'])).toBe('9007199254740993');
  });
});
