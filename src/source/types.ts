/** The Kafka-side vocabulary the rest of floe sees. Nothing here knows about Iceberg. */
import type { KafkaMessage } from 'kafkajs';

export interface TopicPartition {
  topic: string;
  partition: number;
}

/** A stable string key for maps and sets: `topic:partition` (topic names cannot contain ':'). */
export type TpKey = string;

export function tpKey(tp: TopicPartition): TpKey {
  return `${tp.topic}:${tp.partition}`;
}

export function parseTpKey(key: TpKey): TopicPartition {
  const i = key.lastIndexOf(':');
  return { topic: key.slice(0, i), partition: Number(key.slice(i + 1)) };
}

/** Headers as Kafka delivers them: a repeated header name becomes an array, in record order. */
export type SourceHeaders = Record<string, Buffer | Buffer[]>;

export interface SourceRecord {
  topic: string;
  partition: number;
  offset: bigint;
  /** Record timestamp in epoch milliseconds (create time or log-append time, per the topic). */
  timestamp: number;
  key: Buffer | null;
  value: Buffer | null;
  headers: SourceHeaders;
  /** Uncompressed size of key, value and headers: what the record costs in memory and in metrics. */
  sizeBytes: number;
}

export interface SourceBatch {
  topic: string;
  partition: number;
  /** Records in offset order; offsets can have gaps (compaction, transaction markers). */
  records: SourceRecord[];
  /**
   * The offset to resume from once this batch is stored: one past the last offset the batch covers.
   * This can be beyond the last record's offset + 1 when the batch ended in transaction control
   * records, so commit this (not lastRecord.offset + 1) as the partition's next offset.
   */
  nextOffset: bigint;
  /** The partition's high watermark when the batch was fetched. */
  highWatermark: bigint;
}

/** Partitions grouped per topic, the shape kafkajs' pause/resume take. */
export function groupByTopic(tps: Iterable<TopicPartition>): Array<{ topic: string; partitions: number[] }> {
  const byTopic = new Map<string, number[]>();
  for (const { topic, partition } of tps) {
    let list = byTopic.get(topic);
    if (!list) byTopic.set(topic, (list = []));
    if (!list.includes(partition)) list.push(partition);
  }
  return [...byTopic].map(([topic, partitions]) => ({ topic, partitions: partitions.sort((a, b) => a - b) }));
}

/** kafkajs' message → SourceRecord: bigint offsets, Buffer headers, and the record's size. */
export function toSourceRecord(topic: string, partition: number, m: KafkaMessage): SourceRecord {
  const headers: SourceRecord['headers'] = {};
  let sizeBytes = (m.key?.length ?? 0) + (m.value?.length ?? 0);
  for (const [name, raw] of Object.entries(m.headers ?? {})) {
    if (raw === undefined) continue;
    const value = Array.isArray(raw) ? raw.map(asBuffer) : asBuffer(raw);
    headers[name] = value;
    sizeBytes += name.length + (Array.isArray(value) ? value.reduce((n, b) => n + b.length, 0) : value.length);
  }
  return { topic, partition, offset: BigInt(m.offset), timestamp: Number(m.timestamp), key: m.key, value: m.value, headers, sizeBytes };
}

const asBuffer = (v: Buffer | string): Buffer => (typeof v === 'string' ? Buffer.from(v) : v);
