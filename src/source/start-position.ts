/**
 * Where a partition starts when nothing says where it left off (the table holds no offsets for it).
 *
 *   earliest      the low watermark: everything Kafka still retains (the default)
 *   latest        the high watermark when the partition is assigned: only records produced after
 *   {timestamp}   the first offset whose record timestamp is at or after it (Kafka's
 *                 offsets-for-times, ListOffsets by timestamp); the high watermark when no record
 *                 is that new yet
 *
 * A start position is used only until the table holds offsets for the partition: from the first
 * commit on, the table says where to resume and this setting is ignored.
 */
import type { Admin } from 'kafkajs';
import { FloeError } from '../util/errors.js';
import { fetchWatermarkMap } from './admin.js';
import { tpKey, type TopicPartition, type TpKey } from './types.js';

export type StartPosition = 'earliest' | 'latest' | { timestamp: number };

export function describeStartPosition(p: StartPosition): string {
  return typeof p === 'string' ? p : new Date(p.timestamp).toISOString();
}

/** The offset each partition starts at for `start`, asked of the brokers now. */
export async function resolveStartOffsets(admin: Admin, tps: TopicPartition[], start: StartPosition): Promise<Map<TpKey, bigint>> {
  const out = new Map<TpKey, bigint>();
  if (tps.length === 0) return out;
  if (typeof start === 'string') {
    const marks = await fetchWatermarkMap(admin, tps);
    for (const tp of tps) {
      const w = marks.get(tpKey(tp));
      if (!w) throw new FloeError('KAFKA_WATERMARKS', `no watermarks for ${tpKey(tp)}`, { retryable: true });
      out.set(tpKey(tp), start === 'latest' ? w.high : w.low);
    }
    return out;
  }
  for (const topic of new Set(tps.map((tp) => tp.topic))) {
    let offsets: Array<{ partition: number; offset: string }>;
    try {
      // kafkajs answers a partition with no record that new with its high watermark.
      offsets = await admin.fetchTopicOffsetsByTimestamp(topic, start.timestamp);
    } catch (err) {
      throw new FloeError('KAFKA_WATERMARKS', `offsets of ${topic} at ${describeStartPosition(start)}: ${(err as Error).message}`, {
        cause: err,
        retryable: true,
      });
    }
    const byPartition = new Map(offsets.map((o) => [o.partition, BigInt(o.offset)]));
    for (const tp of tps.filter((t) => t.topic === topic)) {
      const offset = byPartition.get(tp.partition);
      if (offset === undefined) throw new FloeError('KAFKA_WATERMARKS', `no offset at ${describeStartPosition(start)} for ${tpKey(tp)}`, { retryable: true });
      out.set(tpKey(tp), offset);
    }
  }
  return out;
}
