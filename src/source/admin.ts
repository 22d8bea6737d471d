/**
 * Small Kafka admin helpers: topic existence (for the dead-letter topic), watermarks (for lag and
 * for "start from earliest/latest" when a table has no offset for a partition), regex listing.
 */
import type { Admin, Kafka } from 'kafkajs';
import { FloeError } from '../util/errors.js';
import { tpKey, type TopicPartition } from './types.js';

/** Kafka protocol error codes. */
const TOPIC_ALREADY_EXISTS = 36;
const UNKNOWN_TOPIC_OR_PARTITION = 3;

/** How long a topic just created may take to show in metadata before it counts as not created. */
const APPEAR_ATTEMPTS = 25;
const APPEAR_DELAY_MS = 200;

export interface PartitionWatermarks {
  topic: string;
  partition: number;
  /** Log start offset: the first offset still readable. */
  low: bigint;
  /** High watermark: the offset the next produced record gets. */
  high: bigint;
}

export interface EnsureTopicOptions {
  numPartitions?: number;
  /** -1 lets the broker use default.replication.factor. */
  replicationFactor?: number;
  configEntries?: Record<string, string>;
}

/** Runs `fn` with a connected admin client and always disconnects it. */
export async function withAdmin<T>(kafka: Kafka, fn: (admin: Admin) => Promise<T>): Promise<T> {
  const admin = kafka.admin();
  try {
    await admin.connect();
  } catch (err) {
    throw new FloeError('KAFKA_CONNECT', `cannot connect the Kafka admin client: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
    });
  }
  try {
    return await fn(admin);
  } finally {
    await admin.disconnect().catch(() => undefined);
  }
}

/**
 * Creates the topic when it does not exist. Returns true if this call created it. An existing
 * topic is left as it is (its partition count and configs are the operator's business).
 */
export async function ensureTopic(admin: Admin, topic: string, options: EnsureTopicOptions = {}): Promise<boolean> {
  const existing = await admin.listTopics();
  if (existing.includes(topic)) return false;
  try {
    const created = await admin.createTopics({
      waitForLeaders: true,
      topics: [
        {
          topic,
          numPartitions: options.numPartitions ?? 1,
          replicationFactor: options.replicationFactor ?? -1,
          configEntries: Object.entries(options.configEntries ?? {}).map(([name, value]) => ({ name, value })),
        },
      ],
    });
    return created;
  } catch (err) {
    // Another daemon may create it between our list and create: that is success too.
    if (isTopicExists(err)) return false;
    // A KRaft broker (Kafka 4) can answer the metadata request kafkajs sends after a successful
    // create (waitForLeaders) with UNKNOWN_TOPIC_OR_PARTITION while the topic propagates, and
    // kafkajs retries only LEADER_NOT_AVAILABLE: wait for the topic to show instead of failing.
    if (hasCode(err, UNKNOWN_TOPIC_OR_PARTITION, 'UNKNOWN_TOPIC_OR_PARTITION') && (await appears(admin, topic))) return true;
    throw new FloeError('KAFKA_TOPIC_CREATE', `cannot create topic ${topic}: ${(err as Error).message}`, {
      cause: err,
      retryable: true,
      details: { topic },
    });
  }
}

function isTopicExists(err: unknown): boolean {
  return hasCode(err, TOPIC_ALREADY_EXISTS, 'TOPIC_ALREADY_EXISTS');
}

/** A kafkajs error (or one of its per-topic errors) of this protocol error. */
function hasCode(err: unknown, code: number, type: string): boolean {
  const e = err as { type?: string; code?: number; errors?: Array<{ type?: string; code?: number }> };
  const one = (x: { type?: string; code?: number } | undefined) => x?.type === type || x?.code === code;
  return one(e) || (Array.isArray(e.errors) && e.errors.some(one));
}

/** True once the topic's metadata shows every partition with a leader, within a few seconds. */
async function appears(admin: Admin, topic: string): Promise<boolean> {
  for (let i = 0; i < APPEAR_ATTEMPTS; i++) {
    try {
      const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
      const partitions = topics.find((t) => t.name === topic)?.partitions ?? [];
      if (partitions.length > 0 && partitions.every((p) => p.leader >= 0)) return true;
    } catch {
      // still propagating
    }
    await new Promise((r) => setTimeout(r, APPEAR_DELAY_MS));
  }
  return false;
}

/** Low and high watermarks of every partition of the given topics. */
export async function fetchWatermarks(admin: Admin, topics: string[]): Promise<PartitionWatermarks[]> {
  const result: PartitionWatermarks[] = [];
  for (const topic of topics) {
    const offsets = await admin.fetchTopicOffsets(topic);
    for (const o of offsets) {
      result.push({ topic, partition: o.partition, low: BigInt(o.low), high: BigInt(o.high) });
    }
  }
  return result.sort((a, b) => (a.topic === b.topic ? a.partition - b.partition : a.topic < b.topic ? -1 : 1));
}

/** The same as a map keyed by `tpKey`, for lookups by partition. */
export async function fetchWatermarkMap(admin: Admin, partitions: TopicPartition[]): Promise<Map<string, PartitionWatermarks>> {
  const topics = [...new Set(partitions.map((p) => p.topic))];
  const all = await fetchWatermarks(admin, topics);
  const wanted = new Set(partitions.map(tpKey));
  return new Map(all.filter((w) => wanted.has(tpKey(w))).map((w) => [tpKey(w), w]));
}

/**
 * Topics matching a pattern, without Kafka's internal topics (`__consumer_offsets`...),
 * sorted. A string pattern must match the whole name, as Kafka's Java regex subscription does.
 */
export async function listTopicsMatching(admin: Admin, pattern: RegExp | string): Promise<string[]> {
  const re = typeof pattern === 'string' ? new RegExp(`^(?:${pattern})$`) : pattern;
  const topics = await admin.listTopics();
  return topics.filter((t) => !t.startsWith('__') && matches(re, t)).sort();
}

function matches(re: RegExp, topic: string): boolean {
  re.lastIndex = 0; // a /g or /y regex keeps state between test() calls
  return re.test(topic);
}
