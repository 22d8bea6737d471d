/**
 * floe's record batch decoder against kafkajs' own on batches kafkajs' producer encoding writes
 * (plain and gzip, transactional, control, several in one fetch, a truncated last one), and its
 * refusals of batches whose counts and lengths do not fit their bytes.
 */
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { installWireHeaders } from '../../src/source/header-order.js';
import { loadAfresh } from '../../src/source/module-cache.js';
import { installRecordBatchDecoder, recordBatchDecoder, type BatchDecoder, type BatchDecoderParts } from '../../src/source/record-batch.js';
import { FloeError } from '../../src/util/errors.js';

const require = createRequire(import.meta.url);
const BATCH = require.resolve('kafkajs/src/protocol/recordBatch/v0/decoder.js');
const Decoder = require('kafkajs/src/protocol/decoder.js') as new (b: Buffer) => BatchDecoder;
const Encoder = require('kafkajs/src/protocol/encoder.js') as new () => { buffer: Buffer; writeInt8(v: number): unknown; writeVarLong(v: unknown): unknown; writeVarInt(v: number): unknown; writeVarIntBytes(v: Buffer | null): unknown; writeBytes(v: Buffer): unknown };
const Record = require('kafkajs/src/protocol/recordBatch/record/v0/index.js') as (r: object) => { buffer: Buffer };
const { RecordBatch } = require('kafkajs/src/protocol/recordBatch/v0/index.js') as { RecordBatch: (b: object) => Promise<{ buffer: Buffer }> };
const { Types } = require('kafkajs/src/protocol/message/compression/index.js') as { Types: Record<string, number> };
const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: string | number): unknown };

type Decode = (d: BatchDecoder) => Promise<{ records: Array<Record<string, unknown>> } & Record<string, unknown>>;

/** kafkajs' own batch decoder, loaded afresh beside whatever the cache holds. */
function kafkajsDecoder(): Decode {
  installWireHeaders();
  return loadAfresh(BATCH);
}

function floeDecoder(overrides: Partial<BatchDecoderParts> = {}): Decode {
  installWireHeaders();
  const { KafkaJSPartialMessageError } = require('kafkajs/src/errors.js') as { KafkaJSPartialMessageError: new (m: string) => Error };
  const { lookupCodecByAttributes } = require('kafkajs/src/protocol/message/compression/index.js') as { lookupCodecByAttributes: BatchDecoderParts['codecOf'] };
  const decodeRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as BatchDecoderParts['decodeRecord'];
  return recordBatchDecoder({
    newDecoder: (b) => new Decoder(b),
    partial: (m) => new KafkaJSPartialMessageError(m),
    codecOf: lookupCodecByAttributes,
    decodeRecord,
    ...overrides,
  }) as Decode;
}

function records(n: number, start = 0) {
  return Array.from({ length: n }, (_, i) =>
    Record({
      offsetDelta: i,
      timestampDelta: Long.fromValue(i * 3),
      key: i % 3 === 0 ? null : Buffer.from(`key-${start + i}`),
      value: i % 5 === 4 ? null : Buffer.from(`value-${start + i}-${'x'.repeat(i % 40)}`),
      headers: i % 2 ? { a: Buffer.from(String(i)), b: [Buffer.from('1'), Buffer.from('2')] } : {},
    }),
  );
}

async function batch(opts: { n: number; firstOffset?: string; compression?: number; transactional?: boolean }): Promise<Buffer> {
  const b = await RecordBatch({
    compression: opts.compression ?? Types.None,
    firstOffset: Long.fromValue(opts.firstOffset ?? '1000'),
    firstTimestamp: 1_700_000_000_000,
    maxTimestamp: 1_700_000_000_000 + 3 * opts.n,
    lastOffsetDelta: opts.n - 1,
    transactional: opts.transactional ?? false,
    producerId: Long.fromValue(opts.transactional ? 42 : -1),
    records: records(opts.n),
  });
  return b.buffer;
}

/** What a decoded record holds, with its key, value and header bytes as text. */
const plain = (r: Record<string, unknown>) => JSON.parse(JSON.stringify({ ...r, batchContext: undefined }, (_, v: unknown) => v));

async function decodeAll(decode: Decode, bytes: Buffer) {
  const d = new Decoder(bytes);
  const out = [];
  while (d.offset < bytes.length) out.push(await decode(d));
  return { out, offset: d.offset };
}

describe('record batches decoded in place', () => {
  it('gives what kafkajs gives, field for field, for plain, gzip, transactional and several batches', async () => {
    const fetched = Buffer.concat([
      await batch({ n: 1 }),
      await batch({ n: 57, firstOffset: '2000' }),
      await batch({ n: 33, firstOffset: '3000', compression: Types.GZIP }),
      await batch({ n: 5, firstOffset: '9007199254740993', transactional: true }),
    ]);
    const a = await decodeAll(kafkajsDecoder(), fetched);
    const b = await decodeAll(floeDecoder(), fetched);
    expect(b.offset).toBe(a.offset);
    expect(b.out.length).toBe(4);
    for (const [i, got] of b.out.entries()) {
      const want = a.out[i]!;
      expect({ ...got, records: undefined }).toEqual({ ...want, records: undefined });
      expect(got.records.map(plain)).toEqual(want.records.map(plain));
      expect(got.records[0]!.batchContext).toEqual(want.records[0]!.batchContext);
    }
    expect(b.out.map((x) => x.records.length)).toEqual([1, 57, 33, 5]);
    expect(b.out[3]).toMatchObject({ inTransaction: true, producerId: '42', firstOffset: '9007199254740993' });
  });

  it('throws kafkajs’ partial-message error on a truncated last batch, which its fetch path stops at', async () => {
    const whole = await batch({ n: 10 });
    const err = await floeDecoder()(new Decoder(whole.subarray(0, whole.length - 5))).catch((e: unknown) => e);
    expect((err as Error).name).toBe('KafkaJSPartialMessageError');
  });

  it('refuses counts and lengths that do not fit the batch, before allocating for them', async () => {
    // A batch of one record whose count and record length are then rewritten.
    const one = await batch({ n: 1 });
    const recordsAt = 8 + 4 + 4 + 1 + 4 + 2 + 4 + 8 + 8 + 8 + 2 + 4; // the batch header, then the count
    const withCount = (count: number) => {
      const b = Buffer.from(one);
      b.writeInt32BE(count, recordsAt);
      return b;
    };
    const refusal = async (bytes: Buffer, parts?: Partial<BatchDecoderParts>) => {
      const err = await floeDecoder(parts)(new Decoder(bytes)).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(FloeError);
      expect((err as FloeError).code).toBe('KAFKA_RECORD_BATCH');
      return (err as Error).message;
    };
    expect(await refusal(withCount(2 ** 31 - 1))).toMatch(/claims 2147483647 records/);
    expect(await refusal(withCount(-2))).toMatch(/claims -2 records/);
    expect((await floeDecoder()(new Decoder(withCount(-1)))).records).toEqual([]);
    // The record's length prefix (a zigzag varint right after the count): longer than what remains.
    const long = Buffer.from(one);
    long[recordsAt + 4] = 0x7e; // 63
    expect(await refusal(long)).toMatch(/record 0 of a batch claims 63 bytes/);
    const negative = Buffer.from(one);
    negative[recordsAt + 4] = 0x01; // -1
    expect(await refusal(negative)).toMatch(/claims -1 bytes/);
    // A record decoder reading past the record's length (its fields disagree with it).
    const two = await batch({ n: 2 });
    expect(await refusal(two, { decodeRecord: (d) => ((d.offset = d.buffer.length), {}) })).toMatch(/record 0 of a batch runs \d+ bytes past its length/);
  });

  it('decodes each record from the batch itself: no Buffer or decoder per record', async () => {
    const seen = new Set<Buffer>();
    const kafkajsRecord = require('kafkajs/src/protocol/recordBatch/record/v0/decoder.js') as BatchDecoderParts['decodeRecord'];
    const bytes = await batch({ n: 20 });
    const got = await floeDecoder({
      decodeRecord: (d, ctx) => {
        seen.add(d.buffer);
        return kafkajsRecord(d, ctx);
      },
    })(new Decoder(bytes));
    expect(got.records).toHaveLength(20);
    expect(seen.size).toBe(1);
  });

  it('installs in place of kafkajs’ decoder, and kafkajs’ fetch path decodes through it', async () => {
    installWireHeaders();
    installRecordBatchDecoder();
    const installed = require(BATCH) as Decode & Record<symbol, unknown>;
    expect(installed[Symbol.for('floe.source.recordBatch')]).toBe(true);
    const decodeMessages = require('kafkajs/src/protocol/requests/fetch/v4/decodeMessages.js') as (d: BatchDecoder) => Promise<Array<Record<string, unknown>>>;
    const body = Buffer.concat([await batch({ n: 3 }), await batch({ n: 4, firstOffset: '1003' })]);
    const framed = new Encoder();
    framed.writeBytes(body);
    const messages = await decodeMessages(new Decoder(framed.buffer));
    expect(messages.map((m) => m.offset)).toEqual([1000, 1001, 1002, 1003, 1004, 1005, 1006]);
    expect(() => installRecordBatchDecoder()).not.toThrow();
  });
});
