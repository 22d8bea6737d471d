/**
 * `npm run bench -- --kafka-records`: CPU per record of what happens to a fetched Kafka record
 * before floe decodes its value, with no broker: the record body decoded, kafkajs' consumer
 * `Batch` built over a fetch response's records, and `toSourceRecord`. Two decoders side by side
 * in one process, alternated over rounds: kafkajs' own record decoder (decimal strings, a `Long`
 * per step, a headers object and array per record) and floe's (src/source/header-order.ts).
 *
 * Records are small-workload sized (212-byte values, no key, no headers), 500 to a Kafka record
 * batch and 20,000 to a fetch response, as a drain of bench/small.ts's topic sees them.
 */
import { createRequire } from 'node:module';
import { installWireHeaders } from '../src/source/header-order.js';
import { loadAfresh } from '../src/source/module-cache.js';
import { toSourceRecord } from '../src/source/types.js';
import type { KafkaMessage } from 'kafkajs';

const require = createRequire(import.meta.url);
type Codec = new (buffer?: Buffer) => Record<string, (...a: unknown[]) => unknown> & { buffer: Buffer };
type RecordDecoder = (decoder: unknown, context: unknown) => KafkaMessage;
type BatchClass = new (topic: string, fetchedOffset: string, data: unknown) => { messages: KafkaMessage[] };

const PER_BATCH = 500;
const PER_FETCH = 20_000;
const RECORDS = 2_000_000;
const ROUNDS = 3;

/** One Kafka record batch's records, each length-prefixed as in the batch (kafkajs' own encoder). */
function batchBodies(): Buffer {
  const Encoder = require('kafkajs/src/protocol/encoder.js') as Codec;
  const Long = require('kafkajs/src/utils/long.js') as { fromValue(v: string): unknown };
  const value = Buffer.alloc(212, 7);
  const all = new Encoder();
  for (let i = 0; i < PER_BATCH; i++) {
    const r = new Encoder();
    r.writeInt8!(0);
    r.writeVarLong!(Long.fromValue(String(i)));
    r.writeVarInt!(i);
    r.writeVarIntBytes!(null);
    r.writeVarIntBytes!(value);
    r.writeVarInt!(0);
    all.writeVarIntBytes!(r.buffer);
  }
  return all.buffer;
}

export function runKafkaRecords(): void {
  installWireHeaders();
  const path = require.resolve('kafkajs/src/protocol/recordBatch/record/v0/decoder.js');
  const decoders: Record<string, RecordDecoder> = { kafkajs: loadAfresh<RecordDecoder>(path), floe: require(path) as RecordDecoder };
  const Decoder = require('kafkajs/src/protocol/decoder.js') as Codec;
  const Batch = require('kafkajs/src/consumer/batch.js') as BatchClass;
  const bodies = batchBodies();
  let kept = 0n;

  /** One fetch response's worth: decode, kafkajs' Batch, SourceRecords. */
  const fetch = (decode: RecordDecoder, base: number) => {
    const messages: KafkaMessage[] = [];
    for (let b = 0; b < PER_FETCH / PER_BATCH; b++) {
      const context = { firstOffset: String(base + b * PER_BATCH), firstTimestamp: '1733600000000', maxTimestamp: '1733600000999', magicByte: 2, isControlBatch: false, timestampType: 0 };
      const d = new Decoder(bodies);
      for (let i = 0; i < PER_BATCH; i++) messages.push(decode(new Decoder(d.readVarIntBytes!() as Buffer), context));
    }
    const batch = new Batch('t', String(base), { partition: 0, highWatermark: String(base + PER_FETCH), messages, abortedTransactions: [] });
    const records = batch.messages.map((m) => toSourceRecord('t', 0, m));
    kept += records[records.length - 1]!.offset;
  };

  console.log(`## Kafka records: body decode + kafkajs Batch + toSourceRecord, ${RECORDS.toLocaleString('en-US')} records of 212 B a round (bench/kafka-records.ts)`);
  for (const decode of Object.values(decoders)) for (let i = 0; i < 20; i++) fetch(decode, i * PER_FETCH); // warm-up
  const results: Record<string, number[]> = { kafkajs: [], floe: [] };
  for (let round = 0; round < ROUNDS; round++) {
    const order = round % 2 === 0 ? ['kafkajs', 'floe'] : ['floe', 'kafkajs'];
    for (const name of order) {
      const start = process.cpuUsage();
      for (let n = 0; n < RECORDS; n += PER_FETCH) fetch(decoders[name]!, 1_000_000 + n);
      const used = process.cpuUsage(start);
      results[name]!.push(((used.user + used.system) * 1000) / RECORDS);
    }
  }
  for (const [name, ns] of Object.entries(results)) {
    const sorted = [...ns].sort((a, b) => a - b);
    console.log(`${name.padEnd(8)} ns of CPU per record (all threads, GC included): median ${sorted[Math.floor(sorted.length / 2)]!.toFixed(0)}, rounds ${ns.map((n) => n.toFixed(0)).join(' / ')}`);
  }
  if (kept === 0n) console.log('(nothing kept)');
}
