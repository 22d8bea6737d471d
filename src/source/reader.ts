/**
 * Reads given offset ranges of partitions once, for the tools that look at Kafka without being
 * the daemon: `floe status` (the timestamp of the oldest record a table has not committed) and
 * `floe dlq replay` (the dead letters). A throw-away consumer group (kafkajs has no manual
 * assignment) joins, seeks every partition to its start, reads to the range's end and leaves;
 * the group is deleted afterwards so the tools leave nothing behind in `kafka-consumer-groups`.
 */
import { randomUUID } from 'node:crypto';
import type { Kafka } from 'kafkajs';
import { FloeError } from '../util/errors.js';
import { toSourceRecord, tpKey, type SourceRecord, type TpKey } from './types.js';

export interface ReadRange {
  topic: string;
  partition: number;
  /** First offset to read. */
  from: bigint;
  /** Stop before this offset (normally the high watermark). */
  to: bigint;
  /** Stop after this many records of the partition. */
  limit?: number;
}

export interface ReadOptions {
  /** Give up (with the records read so far reported as incomplete) after this long. Default 60 s. */
  timeoutMs?: number;
  /** Prefix of the throw-away group id. */
  groupPrefix?: string;
}

/**
 * Calls `onRecord` for every record in the ranges, partition by partition in offset order.
 * Resolves with the partitions that did not reach their end in time (normally none).
 */
export async function readRanges(kafka: Kafka, ranges: ReadRange[], onRecord: (record: SourceRecord) => void | Promise<void>, options: ReadOptions = {}): Promise<TpKey[]> {
  const open = new Map<TpKey, ReadRange & { seen: number }>();
  for (const r of ranges) if (r.from < r.to && (r.limit ?? 1) > 0) open.set(tpKey(r), { ...r, seen: 0 });
  if (open.size === 0) return [];
  const groupId = `${options.groupPrefix ?? 'floe-tool'}-${randomUUID()}`;
  const consumer = kafka.consumer({ groupId, sessionTimeout: 10_000, heartbeatInterval: 1000, maxWaitTimeInMs: 250, allowAutoTopicCreation: false });
  let finish: () => void = () => undefined;
  const finished = new Promise<void>((resolve) => (finish = resolve));
  let failure: unknown;
  try {
    await consumer.connect();
    await consumer.subscribe({ topics: [...new Set(ranges.map((r) => r.topic))], fromBeginning: true });
    await consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      eachBatch: async ({ batch }) => {
        const r = open.get(tpKey({ topic: batch.topic, partition: batch.partition }));
        if (!r) return;
        for (const m of batch.messages) {
          const offset = BigInt(m.offset);
          if (offset < r.from) continue;
          if (offset >= r.to || (r.limit !== undefined && r.seen >= r.limit)) break;
          r.seen++;
          try {
            await onRecord(toSourceRecord(batch.topic, batch.partition, m));
          } catch (err) {
            failure ??= err;
            finish();
            return;
          }
        }
        // The range is done once the last offset read reaches its end or the limit is met;
        // offsets may have gaps (compaction, transaction markers), so compare with the batch end.
        const last = BigInt(batch.lastOffset());
        if (last + 1n >= r.to || (r.limit !== undefined && r.seen >= r.limit)) open.delete(tpKey(r));
        if (open.size === 0) finish();
      },
    });
    consumer.on(consumer.events.GROUP_JOIN, () => {
      for (const r of open.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
    });
    for (const r of open.values()) consumer.seek({ topic: r.topic, partition: r.partition, offset: r.from.toString() });
    const timeoutMs = options.timeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([finished, new Promise<void>((resolve) => (timer = setTimeout(resolve, timeoutMs)))]);
    clearTimeout(timer);
  } catch (err) {
    throw new FloeError('KAFKA_CONNECT', `cannot read ${ranges.map(tpKey).join(', ')}: ${(err as Error).message}`, { cause: err, retryable: true });
  } finally {
    await consumer.disconnect().catch(() => undefined);
    const admin = kafka.admin();
    await admin
      .connect()
      .then(() => admin.deleteGroups([groupId]))
      .catch(() => undefined)
      .finally(() => admin.disconnect().catch(() => undefined));
  }
  if (failure !== undefined) throw failure;
  return [...open.keys()];
}
