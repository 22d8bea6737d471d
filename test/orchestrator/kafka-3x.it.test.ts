/**
 * Broker compatibility: the stack runs the current Kafka (4.x); this test starts a Kafka 3.9 broker
 * of its own (the last 3.x line, still widely run) and sends the core pipeline through it —
 * Avro records on two partitions into an Iceberg table read back by Spark, a bad record
 * dead-lettered, a SIGTERM commit and a restart that resumes from the table without duplicates.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { VERSIONS } from '../../scripts/stack/config.js';
import { startTestBroker, type TestBroker } from '../harness/brokers.js';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const baseStack = inject('stack');
const oracle = oracleFor(baseStack);
const schema = { type: 'record', name: 'Reading', fields: [{ name: 'id', type: 'long' }, { name: 'label', type: 'string' }] };

let broker: TestBroker;
let producer: AvroProducer;
beforeAll(async () => {
  broker = await startTestBroker({ version: VERSIONS.kafkaCompat, label: 'compat' });
  producer = new AvroProducer({ ...baseStack, kafkaBrokers: broker.brokers });
}, 180_000);
afterAll(async () => {
  await producer?.close();
  await broker?.stop();
});

describe(`Kafka ${VERSIONS.kafkaCompat} broker`, () => {
  it('consumes, commits, dead-letters and resumes exactly once', async () => {
    const stack = { ...baseStack, kafkaBrokers: broker.brokers };
    const s = uniqueSuffix();
    const topic = `floe-k3-${s}`;
    const ns = `k3_${s}`;
    await producer.createTopic(topic, 2);
    const id = await producer.register(`${topic}-value`, schema);
    const batch = (from: number, n: number) =>
      Array.from({ length: n }, (_, i) => ({ value: producer.encode(id, { id: from + i, label: `r${from + i}` }), partition: (from + i) % 2 }));
    await producer.send(topic, [...batch(0, 200), { value: Buffer.from('not avro'), partition: 0 }]);

    const dir = workDir('k3');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-k3-${s}`, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 'readings' }] });
    const table = `floe.${ns}.readings`;
    const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);

    let daemon = DaemonProcess.start(config, `${dir}/daemon-1.log`);
    try {
      await waitFor('200 rows', async () => ((await count().catch(() => 0)) >= 200 ? true : undefined), 180_000, 2000);
      await producer.send(topic, batch(200, 100));
      await sleep(1500);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    // A restart resumes at the table's offsets.
    await producer.send(topic, batch(300, 100));
    daemon = DaemonProcess.start(config, `${dir}/daemon-2.log`);
    try {
      await waitFor('400 rows', async () => ((await count()) >= 400 ? true : undefined), 180_000, 2000);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id), min(id), max(id) FROM ${table}`);
    expect(r.rows[0]!.map(String)).toEqual(['400', '400', '0', '399']);

    const letters: KafkaMessage[] = [];
    const consumer = producer.kafka.consumer({ groupId: `floe-k3-dlq-${s}` });
    await consumer.connect();
    await consumer.subscribe({ topics: [`${topic}.floe.dlq`], fromBeginning: true });
    await consumer.run({ eachMessage: async ({ message }) => void letters.push(message) });
    try {
      await waitFor('the dead letter', () => letters.length >= 1, 60_000);
    } finally {
      await consumer.disconnect();
    }
    expect(letters).toHaveLength(1);
    expect(letters[0]!.value!.toString()).toBe('not avro');
    expect(letters[0]!.headers!['floe.error.code']!.toString()).toBe('DECODE_BAD_MAGIC');
  }, 420_000);
});
