/**
 * Shared setup for the source integration tests: brokers from the harness (`inject('stack')`),
 * falling back to FLOE_KAFKA_BROKERS or the local stack's default port when run without it.
 */
import { randomUUID } from 'node:crypto';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, inject } from 'vitest';
import type { Admin, Kafka } from 'kafkajs';
import { createKafkaClient } from '../../src/source/client.js';
import { artifacts, loadConfig, VERSIONS } from '../../scripts/stack/config.js';
import { majorVersion } from '../../scripts/stack/kafka-broker.js';

export function kafkaBrokers(): string[] {
  let injected: string[] | undefined;
  try {
    injected = inject('stack')?.kafkaBrokers;
  } catch {
    injected = undefined;
  }
  return injected ?? (process.env.FLOE_KAFKA_BROKERS ?? '127.0.0.1:19092').split(',');
}

export function testKafka(): Kafka {
  return createKafkaClient({ brokers: kafkaBrokers(), clientId: 'floe-test' });
}

/**
 * A Kafka client and a connected admin for the tests of one file: created before they run, the
 * admin disconnected after. Read its fields inside tests (they are set in beforeAll).
 */
export function useKafka(): { kafka: Kafka; admin: Admin } {
  const env = {} as { kafka: Kafka; admin: Admin };
  beforeAll(async () => {
    env.kafka = testKafka();
    env.admin = env.kafka.admin();
    await env.admin.connect();
  });
  afterAll(async () => {
    await env.admin?.disconnect();
  });
  return env;
}

/** A fresh topic name per test, so reruns never see old data. */
export function uniqueName(prefix: string): string {
  return `${prefix}-${randomUUID().slice(0, 8)}`;
}

export async function createTopic(admin: Admin, topic: string, numPartitions = 1): Promise<void> {
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions, replicationFactor: 1 }] });
}

export async function waitFor(what: string, check: () => boolean | Promise<boolean>, timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** The jars of the stack's Kafka version (for producing with the Java client), if installed. */
export function kafkaLibsDir(): string | undefined {
  const dir = artifacts(loadConfig()).kafkaLibs;
  return existsSync(join(dir, `kafka_${VERSIONS.scala}-${VERSIONS.kafka}.jar`)) ? dir : undefined;
}

/** Kafka's console producer: in the core jar (`kafka.tools`) up to 3.x, in kafka-tools from 4.0. */
export const CONSOLE_PRODUCER = majorVersion(VERSIONS.kafka) >= 4 ? 'org.apache.kafka.tools.ConsoleProducer' : 'kafka.tools.ConsoleProducer';

/** Produces `perPartition` records `p<partition>-<i>` to each partition, in order. */
export async function produceNumbered(kafka: Kafka, topic: string, partitions: number, perPartition: number, from = 0): Promise<void> {
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  try {
    for (let p = 0; p < partitions; p++) {
      await producer.send({
        topic,
        messages: Array.from({ length: perPartition }, (_, i) => ({ partition: p, key: `k${from + i}`, value: `p${p}-${from + i}` })),
      });
    }
  } finally {
    await producer.disconnect();
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
