/**
 * Headers in wire order: kafkajs' own record decoder (wrapped by header-order.ts) decodes bytes
 * laid out as the Kafka protocol defines a record, and toSourceRecord returns the headers as sent.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { decodeRecordNumbers, EXACT_OFFSET, EXACT_TIMESTAMP, installWireHeaders } from '../../src/source/header-order.js';
import { toSourceRecord } from '../../src/source/types.js';

const require = createRequire(import.meta.url);
type Codec = { new (buffer?: Buffer): Record<string, (...a: unknown[]) => unknown> };

/** One v2 record body (after its length): attributes, deltas, key, value, headers. */
function recordBytes(key: Buffer | null, value: Buffer | null, headers: Array<[string, Buffer | null]>): Buffer {
  const Encoder = require('kafkajs/src/protocol/encoder.js') as Codec;
  const e = new Encoder() as Record<string, (...a: unknown[]) => unknown> & { buffer: Buffer };
  e.writeInt8!(0);
  e.writeVarLong!(5);
  e.writeVarInt!(3);
  e.writeVarIntBytes!(key);
  e.writeVarIntBytes!(value);
  e.writeVarInt!(headers.length);
  for (const [k, v] of headers) {
    e.writeVarIntString!(k);
    e.writeVarIntBytes!(v);
  }
  return e.buffer;
}

function decode(bytes: Buffer): KafkaMessage {
  installWireHeaders();
  const Decoder = require('kafkajs/src/protocol/decoder.js') as Codec;
  const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as (d: unknown, ctx: unknown) => KafkaMessage;
  return decodeRecord(new Decoder(bytes), { firstOffset: '100', firstTimestamp: '1700000000000', magicByte: 2 });
}

describe('headers in wire order', () => {
  it('keeps order across keys, repeated keys, null values, index-like keys and non-UTF-8 values', () => {
    const binary = Buffer.from([0xff, 0xfe, 0x00, 0xc3]);
    const sent: Array<[string, Buffer | null]> = [
      ['k', Buffer.from('first')],
      ['other', null],
      ['7', Buffer.from('seven')],
      ['k', Buffer.from('second')],
      ['bin', binary],
      ['k', null],
      ['', Buffer.alloc(0)],
    ];
    const m = decode(recordBytes(null, Buffer.from('v'), sent));
    // kafkajs' own folded view is untouched (other kafkajs users see what they always saw).
    expect(Object.keys(m.headers!)).toEqual(['7', 'k', 'other', 'bin', '']);
    const r = toSourceRecord('t', 0, m);
    expect(r.headers.map((h) => [h.key, h.value])).toEqual(sent);
    expect(r.offset).toBe(103n);
    expect(r.key).toBeNull();
    expect(r.sizeBytes).toBe(1 + sent.reduce((n, [k, v]) => n + k.length + (v?.length ?? 0), 0));
  });

  it('a record with only null values and null headers converts without throwing', () => {
    const r = toSourceRecord('t', 0, decode(recordBytes(null, null, [['only', null]])));
    expect(r).toMatchObject({ key: null, value: null, headers: [{ key: 'only', value: null }], sizeBytes: 4 });
  });

  it('without the wire list (another decoder), kafkajs folded headers are unfolded, nulls kept', () => {
    const m = { offset: '1', timestamp: '-1', key: null, value: null, attributes: 0, headers: { a: [Buffer.from('1'), null], b: null } } as unknown as KafkaMessage;
    const r = toSourceRecord('t', 0, m);
    expect(r.headers).toEqual([
      { key: 'a', value: Buffer.from('1') },
      { key: 'a', value: null },
      { key: 'b', value: null },
    ]);
    expect(r.timestamp).toBe(-1); // Kafka's "no timestamp"
  });
});

describe('record offsets and timestamps without Long (the same strings as kafkajs)', () => {
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
  /** kafkajs' own record decoder, loaded afresh beside the wrapped one. */
  function original(): (d: unknown, ctx: unknown) => KafkaMessage {
    installWireHeaders();
    const cache = require.cache as Record<string, unknown>;
    const wrapped = cache[path];
    delete cache[path];
    try {
      return require(path) as (d: unknown, ctx: unknown) => KafkaMessage;
    } finally {
      cache[path] = wrapped;
    }
  }

  function body(tsDelta: bigint, offsetDelta: number, key: Buffer | null, value: Buffer | null, headers: Array<[string, Buffer | null]>): Buffer {
    const Encoder = require('kafkajs/src/protocol/encoder.js') as Codec;
    const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: string): unknown };
    const e = new Encoder() as Record<string, (...a: unknown[]) => unknown> & { buffer: Buffer };
    e.writeInt8!(0);
    e.writeVarLong!(Long.fromValue(String(tsDelta)));
    e.writeVarInt!(offsetDelta);
    e.writeVarIntBytes!(key);
    e.writeVarIntBytes!(value);
    e.writeVarInt!(headers.length);
    for (const [k, v] of headers) {
      e.writeVarIntString!(k);
      e.writeVarIntBytes!(v);
    }
    return e.buffer;
  }

  it('agrees with kafkajs on offsets, timestamps, control batches and folded headers, falling back beyond 2^53', () => {
    const Decoder = require('kafkajs/src/protocol/decoder.js') as Codec;
    const kafkajs = original();
    const floe = require(path) as (d: unknown, ctx: unknown) => KafkaMessage;
    const bases = ['0', '100', '9007199254740000', '9007199254740991', '9007199254740993', '9223372036854775000', '-1', '007'];
    const timestamps = ['1700000000000', '-1', '0', '9007199254740991', '253402300799999'];
    const deltas = [0n, 1n, -1n, 63n, 64n, 1234567n, -987654321n, 2n ** 47n, 2n ** 48n, 2n ** 55n, -(2n ** 60n)];
    const headerSets: Array<Array<[string, Buffer | null]>> = [[], [['a', Buffer.from('1')], ['b', null], ['a', Buffer.from('2')], ['a', null]]];
    let compared = 0;
    for (const firstOffset of bases) {
      for (const firstTimestamp of timestamps) {
        for (const [k, tsDelta] of deltas.entries()) {
          for (const ctxExtra of [{}, { timestampType: 1, maxTimestamp: '1700000009999' }, { timestampType: 1, maxTimestamp: '' }, { isControlBatch: true }]) {
            const bytes = body(tsDelta, [0, 1, 7, 100_000, 2 ** 31 - 1][k % 5]!, k % 2 ? null : Buffer.from('key'), k % 3 ? Buffer.from('value') : null, headerSets[k % 2]!);
            const ctx = { firstOffset, firstTimestamp, magicByte: 2, ...ctxExtra };
            const a = kafkajs(new Decoder(bytes), { ...ctx });
            const d = new Decoder(bytes) as unknown as { offset: number };
            const b = floe(d, { ...ctx });
            expect(d.offset).toBe(bytes.length);
            // String keys only: the fast path adds the exact numbers under symbols, checked below.
            const plain = (m: KafkaMessage) => ({ ...Object.fromEntries(Object.entries(m)), headers: { ...m.headers }, batchContext: undefined });
            expect(plain(b)).toEqual(plain(a));
            // The numbers toSourceRecord takes instead of parsing the strings are the strings' values.
            const exact = b as unknown as Record<symbol, number | undefined>;
            if (exact[EXACT_OFFSET] !== undefined) expect(String(exact[EXACT_OFFSET])).toBe(a.offset);
            const ts = exact[EXACT_TIMESTAMP];
            if (ts !== undefined && !Number.isNaN(ts)) expect(String(ts)).toBe(a.timestamp);
            const numbers = (m: KafkaMessage) => {
              const r = toSourceRecord('t', 0, m);
              return { offset: r.offset, timestamp: r.timestamp };
            };
            expect(numbers(b)).toEqual(numbers(a));
            compared++;
          }
        }
      }
    }
    expect(compared).toBe(bases.length * timestamps.length * deltas.length * 4);
  });

  it('takes the fast path for ordinary records and leaves the rest to kafkajs, decoder untouched', () => {
    const Decoder = require('kafkajs/src/protocol/decoder.js') as Codec;
    const header = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (d: unknown) => unknown;
    const run = (tsDelta: bigint, ctx: Record<string, unknown>) => {
      const d = new Decoder(body(tsDelta, 5, null, Buffer.from('v'), [])) as unknown as { offset: number };
      const r = decodeRecordNumbers(d as never, { firstOffset: '100', firstTimestamp: '1700000000000', magicByte: 2, ...ctx }, header as never);
      return { r, offset: d.offset };
    };
    expect(run(7n, {}).r).toMatchObject({ offset: '105', timestamp: '1700000000007' });
    expect(run(2n ** 48n, {})).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstOffset: '9007199254740993' })).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstTimestamp: '9007199254740991' })).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstTimestamp: '9007199254740991', timestampType: 1, maxTimestamp: '5' }).r).toMatchObject({ timestamp: '5' });
  });
});
