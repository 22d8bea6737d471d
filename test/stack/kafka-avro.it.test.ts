/**
 * Smoke: an Avro record goes through the real Schema Registry (Apicurio, Confluent API) and the
 * real Kafka broker with the client libraries floe uses, and comes back equal.
 */
import { randomUUID } from 'node:crypto';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { installRequestQueueFix } from '../../src/source/request-queue.js';

const stack = inject('stack');
const suffix = randomUUID().slice(0, 8);
const topic = `floe-smoke-${suffix}`;

// A plain kafkajs client, as a user's producer; without floe's fix its idle request queue makes
// Node 24 print a TimeoutNegativeWarning into the test output (src/source/request-queue.ts).
installRequestQueueFix();
const kafka = new Kafka({ clientId: 'floe-smoke', brokers: stack.kafkaBrokers, logLevel: logLevel.WARN });
const registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });

const schema = {
  type: 'record',
  name: 'Order',
  namespace: 'floe.smoke',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'customer', type: 'string' },
    { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 } },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

describe('Kafka + Schema Registry', () => {
  const admin = kafka.admin();

  afterAll(async () => {
    await admin.deleteTopics({ topics: [topic] }).catch(() => {});
    await admin.disconnect();
  });

  it('registers an Avro schema through the Confluent API, produces and consumes a record', async () => {
    await admin.connect();
    expect(await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true })).toBe(
      true,
    );

    const subject = `${topic}-value`;
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    expect(id).toBeGreaterThan(0);
    // Registering the same schema again is idempotent and keeps the id.
    expect((await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject })).id).toBe(id);
    expect(await registry.getLatestSchemaId(subject)).toBe(id);

    // 0x3039 = 12345 unscaled = 123.45 with scale 2.
    const record = { id: 42, customer: 'ada', amount: Buffer.from([0x30, 0x39]), note: null };
    const value = await registry.encode(id, record);
    // Confluent wire format: magic byte 0, then the 4-byte big-endian schema id.
    expect(value[0]).toBe(0);
    expect(value.readUInt32BE(1)).toBe(id);

    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    await producer.send({ topic, messages: [{ key: 'order-42', value }] });
    await producer.disconnect();

    const consumer = kafka.consumer({ groupId: `floe-smoke-${suffix}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const received = await new Promise<{ key: string; value: Buffer }>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve({ key: message.key?.toString() ?? '', value: message.value ?? Buffer.alloc(0) });
        },
      });
    });
    await consumer.disconnect();

    expect(received.key).toBe('order-42');
    const decoded = (await registry.decode(received.value)) as Record<string, unknown>;
    expect(decoded).toEqual(record);
  });

  it('answers the subject config with BACKWARD (the global rule is in place)', async () => {
    const res = await fetch(`${stack.schemaRegistryUrl}/config`);
    expect(res.ok).toBe(true);
    const rules = await fetch(`${stack.schemaRegistryUrl.replace(/\/apis\/ccompat\/v7$/, '')}/apis/registry/v3/admin/rules/COMPATIBILITY`);
    expect(((await rules.json()) as { config: string }).config).toBe('BACKWARD');
  });
});
