/**
 * Headers in wire order: kafkajs' own record decoder (wrapped by header-order.ts) decodes bytes
 * laid out as the Kafka protocol defines a record, and toSourceRecord returns the headers as sent.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { installWireHeaders } from '../../src/source/header-order.js';
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
