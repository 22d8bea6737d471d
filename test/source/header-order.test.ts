/**
 * Headers in wire order: kafkajs' own record decoder (wrapped by header-order.ts) decodes bytes
 * laid out as the Kafka protocol defines a record, and toSourceRecord returns the headers as sent.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { decodeRecordNumbers, installWireHeaders } from '../../src/source/header-order.js';
import { loadAfresh } from '../../src/source/module-cache.js';
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

describe('record offsets and timestamps without Long (the values kafkajs decodes, as numbers)', () => {
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
  /** kafkajs' own record decoder, loaded afresh beside the wrapped one. */
  function original(): (d: unknown, ctx: unknown) => KafkaMessage {
    installWireHeaders();
    return loadAfresh(path);
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
            // The same fields and values; the fast path's offset and timestamp are numbers where
            // kafkajs prints decimal strings (a log-append time stays the batch's string).
            const plain = (m: KafkaMessage) => ({ ...m, offset: String(m.offset), timestamp: String(m.timestamp), headers: { ...m.headers }, batchContext: undefined });
            expect(plain(b)).toEqual(plain(a));
            if (typeof b.offset === 'number') expect(Number.isSafeInteger(b.offset)).toBe(true);
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
    expect(run(7n, {}).r).toMatchObject({ offset: 105, timestamp: 1700000000007 });
    expect(run(2n ** 48n, {})).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstOffset: '9007199254740993' })).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstTimestamp: '9007199254740991' })).toEqual({ r: undefined, offset: 0 });
    expect(run(1n, { firstTimestamp: '9007199254740991', timestampType: 1, maxTimestamp: '5' }).r).toMatchObject({ timestamp: '5' });
  });

  it('a record without headers shares one frozen empty object; with headers it gets its own', () => {
    const Decoder = require('kafkajs/src/protocol/decoder.js') as Codec;
    const header = require('kafkajs/src/protocol/recordBatch/header/v0/decoder.js') as (d: unknown) => unknown;
    const ctx = { firstOffset: '100', firstTimestamp: '1700000000000', magicByte: 2 };
    const one = (headers: Array<[string, Buffer | null]>) => {
      const bytes = body(1n, 1, null, Buffer.from('v'), headers);
      const d = new Decoder(bytes) as unknown as { offset: number };
      const r = decodeRecordNumbers(d as never, { ...ctx }, header as never) as KafkaMessage;
      expect(d.offset).toBe(bytes.length);
      return r;
    };
    const [a, b] = [one([]), one([])];
    expect(a.headers).toBe(b.headers);
    expect(Object.isFrozen(a.headers)).toBe(true);
    expect(Object.keys(a.headers!)).toEqual([]);
    expect(toSourceRecord('t', 0, a).headers).toEqual([]);
    const c = one([['h', Buffer.from('1')]]);
    expect(c.headers).not.toBe(a.headers);
    expect(c.headers).toEqual({ h: Buffer.from('1') });
  });

  it("kafkajs' consumer takes the numeric offsets: its batch filter, first and last offset, offset lag", () => {
    const Batch = require('kafkajs/src/consumer/batch.js') as new (topic: string, fetchedOffset: string, data: unknown) => {
      messages: KafkaMessage[];
      firstOffset(): string | number | null;
      lastOffset(): string | number;
      offsetLag(): string;
    };
    const messages = [98, 99, 100, 101, 102].map((offset) => ({ offset, timestamp: 1700000000000 + offset, key: null, value: Buffer.from('v'), headers: {}, isControlRecord: false, batchContext: {} }));
    const batch = new Batch('t', '100', { partition: 0, highWatermark: '110', messages, abortedTransactions: [] });
    // Records before the fetched offset (a compressed batch starts earlier) are left out, as with strings.
    expect(batch.messages.map((m) => m.offset)).toEqual([100, 101, 102]);
    expect(BigInt(batch.firstOffset()!)).toBe(100n);
    expect(BigInt(batch.lastOffset())).toBe(102n);
    expect(batch.offsetLag()).toBe('7');
  });
});
