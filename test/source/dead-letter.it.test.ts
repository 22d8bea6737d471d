/** DeadLetterSink against the real broker: letters carry the original record and the floe.* headers. */
import { createHash } from 'node:crypto';
import type { Producer } from 'kafkajs';
import { expect, it } from 'vitest';
import { FloeError } from '../../src/util/errors.js';
import { KafkaSource } from '../../src/source/consumer.js';
import { DeadLetterSink } from '../../src/source/dead-letter.js';
import { headerValues, lastHeader, tpKey, type SourceRecord } from '../../src/source/types.js';
import { useKafka, uniqueName, waitFor } from './kafka-test-env.js';

const env = useKafka();

const original = (offset: number): SourceRecord => ({
  topic: 'orders',
  partition: 3,
  offset: BigInt(offset),
  timestamp: 1_700_000_000_000 + offset,
  key: Buffer.from(`key-${offset}`),
  value: Buffer.from([0x00, 0x00, 0x00, 0x00, 0x2a, offset]), // bytes as they came, undecodable
  headers: [
    { key: 'trace', value: Buffer.from(`t${offset}`) },
    { key: 'multi', value: Buffer.from('x') },
    { key: 'nothing', value: null },
    { key: 'multi', value: Buffer.from('y') },
  ],
  sizeBytes: 20,
});

it('letters added while the producer still connects are written once', async () => {
  // The daemon starts the sink in the background and dead-letters meanwhile. A send that began
  // before kafkajs' idempotent producer had its id used to be retried after the broker stored it.
  for (let round = 0; round < 3; round++) {
    const dlq = uniqueName('floe-dlq-early');
    const admin = env.kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic: dlq, numPartitions: 1 }], waitForLeaders: true });
    // The topic exists (as on any restart), so the first send starts at once.
    const sink = new DeadLetterSink({ kafka: env.kafka, topic: dlq, ensureTopic: false });
    // kafkajs reports 'connect' once the cluster is connected, before the producer id is fetched:
    // the window in which a send used to go out unlocked.
    const producer = (sink as unknown as { producer: Producer }).producer;
    producer.on(producer.events.CONNECT, () => sink.add({ record: original(2), error: new FloeError('DECODE_UNKNOWN_SCHEMA', 'early'), stage: 'decode' }));
    sink.add({ record: original(1), error: new FloeError('DECODE_UNKNOWN_SCHEMA', 'early'), stage: 'decode' });
    await sink.start();
    await sink.flush();
    expect(sink.sent).toBe(2);
    await sink.stop();
    try {
      const ends = await admin.fetchTopicOffsets(dlq);
      expect(ends.reduce((n, p) => n + Number(p.high) - Number(p.low), 0)).toBe(2);
    } finally {
      await admin.disconnect();
    }
  }
});

it('writes letters durably, creating the topic, with original bytes and error headers', async () => {
  const dlq = uniqueName('floe-dlq');
  const sink = new DeadLetterSink({ kafka: env.kafka, topic: dlq, compression: 'zstd' });
  await sink.start();
  for (let i = 0; i < 5; i++) {
    sink.add({ record: original(i), error: new FloeError('DECODE_UNKNOWN_SCHEMA', `schema id ${i} not found`), stage: 'decode' });
  }
  sink.add({ record: { ...original(9), key: null, value: null, headers: [] }, error: new TypeError('boom'), stage: 'map' });
  expect(sink.pending).toBeGreaterThan(0);
  await sink.flush();
  expect(sink.pending).toBe(0);
  expect(sink.sent).toBe(6);
  await sink.stop();

  const received: SourceRecord[] = [];
  const source = new KafkaSource({
    kafka: env.kafka,
    groupId: uniqueName('g'),
    topics: [dlq],
    consumer: { maxWaitTimeInMs: 100 },
    hooks: {
      onAssigned: async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])),
      onRevoked: async () => {},
      onRecords: async (b) => {
        received.push(...b.records);
      },
    },
  });
  await source.start();
  try {
    await waitFor('dead letters', () => received.length === 6);
  } finally {
    await source.stop();
  }
  const h = (r: SourceRecord, name: string) => lastHeader(r.headers, name)?.toString();
  for (let i = 0; i < 5; i++) {
    const r = received[i]!;
    expect(r.key).toEqual(original(i).key);
    expect(r.value).toEqual(original(i).value);
    expect(h(r, 'trace')).toBe(`t${i}`);
    expect(headerValues(r.headers, 'multi').map(String)).toEqual(['x', 'y']);
    expect(headerValues(r.headers, 'nothing')).toEqual([Buffer.alloc(0)]); // kafkajs cannot send null header values
    expect(h(r, 'floe.error.code')).toBe('DECODE_UNKNOWN_SCHEMA');
    expect(h(r, 'floe.error.message')).toBe(`DECODE_UNKNOWN_SCHEMA: schema id ${i} not found`);
    expect(h(r, 'floe.error.stage')).toBe('decode');
    expect(h(r, 'floe.source.topic')).toBe('orders');
    expect(h(r, 'floe.source.partition')).toBe('3');
    expect(h(r, 'floe.source.offset')).toBe(String(i));
    expect(h(r, 'floe.source.timestamp')).toBe(String(1_700_000_000_000 + i));
  }
  const last = received[5]!;
  expect(last.key).toBeNull();
  expect(last.value).toBeNull();
  expect(h(last, 'floe.error.code')).toBe('UNEXPECTED');
  expect(h(last, 'floe.error.message')).toBe('boom');
  expect(h(last, 'floe.error.stage')).toBe('map');
});

it('flush() rejects, retryably, when letters cannot be written, and keeps them', async () => {
  const sink = new DeadLetterSink({ kafka: env.kafka, topic: uniqueName('floe-dlq-missing'), ensureTopic: false, flushTimeoutMs: 5_000 });
  await sink.start();
  sink.add({ record: original(1), error: new Error('x'), stage: 'decode' });
  const err = await sink.flush().then(() => undefined, (e: unknown) => e);
  expect(err).toBeInstanceOf(FloeError);
  expect((err as FloeError).retryable).toBe(true);
  expect(sink.pending).toBe(1);
  await sink.stop();
}, 120_000);

async function readAll(topic: string, count: number, timeoutMs = 60_000): Promise<SourceRecord[]> {
  const received: SourceRecord[] = [];
  const source = new KafkaSource({
    kafka: env.kafka,
    groupId: uniqueName('g'),
    topics: [topic],
    consumer: { maxWaitTimeInMs: 100 },
    hooks: {
      onAssigned: async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])),
      onRevoked: async () => {},
      onRecords: async (b) => {
        received.push(...b.records);
      },
    },
  });
  await source.start();
  try {
    await waitFor(`${count} dead letters`, () => received.length >= count, timeoutMs);
  } finally {
    await source.stop();
  }
  return received;
}

const checksum = (offsets: string[]): string => createHash('sha256').update([...offsets].sort().join(',')).digest('hex');

// A burst of letters larger than the broker's request limit (~1 MiB) used to go in one produce
// request, which the broker rejected on every flush: commits behind it failed forever.
it('a burst of 5,000 letters of ~1 KiB (≈5 MiB) flushed at once arrives complete', async () => {
  const dlq = uniqueName('floe-dlq-burst');
  const sink = new DeadLetterSink({ kafka: env.kafka, topic: dlq });
  await sink.start();
  const n = 5_000;
  const offsets: string[] = [];
  for (let i = 0; i < n; i++) {
    const value = Buffer.alloc(1024, i % 251);
    sink.add({ record: { ...original(0), offset: BigInt(1_000_000 + i), value, sizeBytes: 1024 }, error: new Error('bad'), stage: 'decode' });
    offsets.push(String(1_000_000 + i));
  }
  await sink.flush();
  expect(sink.pending).toBe(0);
  expect(sink.sent).toBe(n);
  await sink.stop();

  const received = await readAll(dlq, n);
  expect(received.length).toBe(n);
  const got = received.map((r) => lastHeader(r.headers, 'floe.source.offset')!.toString());
  expect(new Set(got).size).toBe(n);
  expect(checksum(got)).toBe(checksum(offsets));
  for (const r of received) expect(r.value!.length).toBe(1024);
}, 180_000);

it('a single letter larger than the request limit still goes, its value cut and the original size in a header', async () => {
  const dlq = uniqueName('floe-dlq-big');
  const sink = new DeadLetterSink({ kafka: env.kafka, topic: dlq });
  await sink.start();
  const big = Buffer.alloc(2 * 1024 * 1024, 7);
  sink.add({ record: { ...original(1), value: big, sizeBytes: big.length }, error: new Error('too big'), stage: 'map' });
  sink.add({ record: original(2), error: new Error('small'), stage: 'map' });
  await sink.flush();
  expect(sink.pending).toBe(0);
  await sink.stop();

  const received = await readAll(dlq, 2);
  const byOffset = new Map(received.map((r) => [lastHeader(r.headers, 'floe.source.offset')!.toString(), r]));
  const cut = byOffset.get('1')!;
  expect(lastHeader(cut.headers, 'floe.truncated.value')!.toString()).toBe(String(big.length));
  expect(cut.value!.length).toBeGreaterThan(0);
  expect(cut.value!.length).toBeLessThan(1024 * 1024);
  expect(cut.key).toEqual(original(1).key);
  const whole = byOffset.get('2')!;
  expect(whole.value).toEqual(original(2).value);
  expect(lastHeader(whole.headers, 'floe.truncated.value')).toBeUndefined();
}, 120_000);
