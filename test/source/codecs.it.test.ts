/**
 * Every compression codec round-trips through the real broker: records produced by kafkajs with
 * floe's codecs (the broker validates, i.e. decompresses, each compressed batch on produce) and
 * records produced by Kafka's own Java client (its reference snappy-java, lz4-java and zstd-jni
 * compressors) are all read back by KafkaSource, byte for byte.
 */
import { spawnSync } from 'node:child_process';
import { describe, expect, it, vi } from 'vitest';
import kafkajs from 'kafkajs';
import type { Kafka } from 'kafkajs';
import { compressionType, lz4Codec, snappyCodec, zstdCodec, type CompressionName } from '../../src/source/codecs.js';
import { KafkaSource } from '../../src/source/consumer.js';
import type { SourceRecord } from '../../src/source/types.js';
import { CONSOLE_PRODUCER, createTopic, kafkaBrokers, kafkaLibsDir, useKafka, uniqueName, waitFor } from './kafka-test-env.js';

const JS_RECORDS = 300;
const JAVA_RECORDS = 50;
const libs = kafkaLibsDir();
const spies = { snappy: snappyCodec, lz4: lz4Codec, zstd: zstdCodec } as const;

const env = useKafka();

function javaProduce(topic: string, codec: CompressionName, lines: string[]): void {
  const result = spawnSync(
    'java',
    ['-cp', `${libs}/*`, CONSOLE_PRODUCER, '--bootstrap-server', kafkaBrokers().join(','),
      '--topic', topic, '--compression-codec', codec, '--property', 'parse.key=true', '--property', 'key.separator=|',
      // one request for everything: every line goes into one compressed batch
      '--producer-property', 'linger.ms=1000', '--producer-property', 'acks=all'],
    { input: lines.join('\n') + '\n', encoding: 'utf8', timeout: 120_000 },
  );
  if (result.status !== 0) throw new Error(`ConsoleProducer failed: ${result.stderr}`);
}

async function readAll(topic: string, expected: number): Promise<SourceRecord[]> {
  const records: SourceRecord[] = [];
  const source = new KafkaSource({
    kafka: env.kafka,
    groupId: uniqueName('floe-codec-test'),
    topics: [topic],
    consumer: { maxWaitTimeInMs: 200 },
    hooks: {
      onAssigned: async (tps) => new Map(tps.map((tp) => [`${tp.topic}:${tp.partition}`, undefined])),
      onRevoked: async () => {},
      onRecords: async (batch) => {
        records.push(...batch.records);
      },
    },
  });
  await source.start();
  try {
    await waitFor(`${expected} records from ${topic}`, () => records.length >= expected);
  } finally {
    await source.stop();
  }
  return records;
}

describe.each(['gzip', 'snappy', 'lz4', 'zstd'] as const)('%s', (codec) => {
  it('round-trips records produced by kafkajs and by the Java client', async () => {
    const topic = uniqueName(`floe-codec-${codec}`);
    await createTopic(env.admin, topic);
    const spy = codec === 'gzip' ? undefined : vi.spyOn(spies[codec], 'decompress');

    const producer = env.kafka.producer({ allowAutoTopicCreation: false });
    await producer.connect();
    const big = 'x'.repeat(70_000); // larger than one lz4 (64 KiB) and xerial (32 KiB) block
    await producer.send({
      topic,
      compression: compressionType(codec),
      messages: Array.from({ length: JS_RECORDS }, (_, i) => ({
        key: i % 10 === 0 ? null : `key-${i}`,
        value: i % 17 === 0 ? null : i === 5 ? big : `value-${i}-${'abc'.repeat(i % 40)}`,
        headers: { n: String(i), dup: ['a', 'b'] },
      })),
    });
    await producer.disconnect();

    const javaLines = libs ? Array.from({ length: JAVA_RECORDS }, (_, i) => `jk-${i}|java value ${i} ${'z'.repeat(i)}`) : [];
    if (libs) javaProduce(topic, codec, javaLines);

    const records = await readAll(topic, JS_RECORDS + javaLines.length);
    expect(records).toHaveLength(JS_RECORDS + javaLines.length);
    records.forEach((r, i) => expect(r.offset).toBe(BigInt(i)));
    for (let i = 0; i < JS_RECORDS; i++) {
      const r = records[i]!;
      expect(r.key?.toString() ?? null).toBe(i % 10 === 0 ? null : `key-${i}`);
      expect(r.value?.toString() ?? null).toBe(i % 17 === 0 ? null : i === 5 ? big : `value-${i}-${'abc'.repeat(i % 40)}`);
      expect(r.headers.map((h) => [h.key, h.value?.toString()])).toEqual([['n', String(i)], ['dup', 'a'], ['dup', 'b']]);
    }
    javaLines.forEach((line, i) => {
      const r = records[JS_RECORDS + i]!;
      const [k, v] = line.split('|');
      expect(r.key?.toString()).toBe(k);
      expect(r.value?.toString()).toBe(v);
    });
    // The records really travelled compressed with this codec (not silently uncompressed).
    if (spy) expect(spy).toHaveBeenCalled();
    spy?.mockRestore();
  });
});

it('the broker rejects an LZ4 frame without the block-independence flag (so it validates ours)', async () => {
  // lz4js' own frame writer chains blocks; Kafka's Java reader refuses such frames. This is why
  // codecs.ts writes frames itself, and it shows the broker decompresses what kafkajs sends.
  const lz4js = await import('lz4js');
  const topic = uniqueName('floe-codec-lz4-bad');
  await createTopic(env.admin, topic);
  const { CompressionCodecs, CompressionTypes } = kafkajs;
  const codecs = CompressionCodecs as unknown as Record<number, () => unknown>;
  const original = codecs[CompressionTypes.LZ4]!;
  codecs[CompressionTypes.LZ4] = () => ({
    compress: async (encoder: { buffer: Buffer }) => Buffer.from(lz4js.compress(encoder.buffer)),
    decompress: lz4Codec.decompress,
  });
  const producer = env.kafka.producer({ allowAutoTopicCreation: false, retry: { retries: 0 } });
  await producer.connect();
  try {
    const err = await producer
      .send({ topic, compression: CompressionTypes.LZ4, messages: [{ value: 'hello '.repeat(100) }] })
      .then(() => undefined, (e: unknown) => e as { message: string; cause?: { type?: string } });
    // Kafka answers UNKNOWN_SERVER_ERROR; its log says "Dependent block stream is unsupported".
    expect(err?.message).toMatch(/unexpected error/);
  } finally {
    codecs[CompressionTypes.LZ4] = original;
    await producer.disconnect();
  }
});
