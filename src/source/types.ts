/** The Kafka-side vocabulary the rest of floe sees. Nothing here knows about Iceberg. */
import type { KafkaMessage } from 'kafkajs';
import { wireHeaders } from './header-order.js';

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

/** One Kafka record header. Kafka allows a null value and repeated keys. */
export interface SourceHeader {
  key: string;
  value: Buffer | null;
}

/** Headers as the producer sent them: an ordered list, keys may repeat, values may be null. */
export type SourceHeaders = SourceHeader[];

/** The values of every header named `key`, in record order. */
export function headerValues(headers: SourceHeaders, key: string): Array<Buffer | null> {
  return headers.filter((h) => h.key === key).map((h) => h.value);
}

/** The last value of the header named `key` (undefined when absent; null for a null value). */
export function lastHeader(headers: SourceHeaders, key: string): Buffer | null | undefined {
  for (let i = headers.length - 1; i >= 0; i--) if (headers[i]!.key === key) return headers[i]!.value;
  return undefined;
}

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
  records: RecordList;
  /**
   * The offset to resume from once this batch is stored: one past the last offset the batch covers.
   * This can be beyond the last record's offset + 1 when the batch ended in transaction control
   * records, so commit this (not lastRecord.offset + 1) as the partition's next offset.
   */
  nextOffset: bigint;
  /** The partition's high watermark when the batch was fetched. */
  highWatermark: bigint;
  /**
   * Runs `work` while heartbeating to the group coordinator. kafkajs heartbeats only between
   * batches: a hook that knowingly waits long (for a table commit) wraps the wait in this, or the
   * member is expelled after the session timeout. A hook that merely stalls is expelled, as it should be.
   */
  keepAlive?<T>(work: () => Promise<T>): Promise<T>;
}

/**
 * A batch's records. An array is one; the consumer gives a FetchedRecords, whose records are made
 * as they are read (see there). `at(i)` may make a new record on each call: read each once.
 */
export interface RecordList extends Iterable<SourceRecord> {
  readonly length: number;
  at(index: number): SourceRecord | undefined;
}

/**
 * A fetched batch's records, each made from its kafkajs message when read. Made all at once, a
 * response's records (tens of thousands of small ones) lived together until the last was handled,
 * and V8 kept a larger young generation for them: made one at a time, a 2,000,000-small-record
 * drain peaked ~28 MiB lower at the same CPU (docs/benchmarks.md, "Allocations per record").
 */
export class FetchedRecords implements RecordList {
  constructor(
    private readonly topic: string,
    private readonly partition: number,
    private readonly messages: readonly KafkaMessage[],
  ) {}

  get length(): number {
    return this.messages.length;
  }

  at(index: number): SourceRecord | undefined {
    const m = this.messages[index];
    return m === undefined ? undefined : toSourceRecord(this.topic, this.partition, m);
  }

  *[Symbol.iterator](): Iterator<SourceRecord> {
    for (let i = 0; i < this.messages.length; i++) yield this.at(i)!;
  }
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

/**
 * kafkajs' message → SourceRecord: bigint offsets, headers in wire order (header-order.ts), and
 * the record's size. Total over anything the broker can send: null keys, values and header
 * values, and a missing or unparsable timestamp (-1, Kafka's "no timestamp") never throw here —
 * a throw in the fetch path would crash the consumer on the same record at every restart.
 */
export function toSourceRecord(topic: string, partition: number, m: KafkaMessage): SourceRecord {
  const headers = sourceHeaders(m.headers);
  let sizeBytes = byteLength(m.key) + byteLength(m.value);
  for (let i = 0; i < headers.length; i++) sizeBytes += Buffer.byteLength(headers[i]!.key) + byteLength(headers[i]!.value);
  // header-order.ts decodes offsets and timestamps as exact numbers; kafkajs' own decoder (its
  // fallback) as decimal strings. BigInt and Number take either.
  const timestamp = Number(m.timestamp);
  return {
    topic,
    partition,
    offset: BigInt(m.offset as string | number),
    timestamp: Number.isFinite(timestamp) ? timestamp : -1,
    key: asBufferOrNull(m.key),
    value: asBufferOrNull(m.value),
    headers,
    sizeBytes,
  };
}

/** The wire-order list when kafkajs' decoding kept it, else kafkajs' folded object unfolded. */
export function sourceHeaders(raw: KafkaMessage['headers'] | null | undefined): SourceHeader[] {
  const wire = wireHeaders(raw);
  if (wire) return wire.map((h) => ({ key: h.key, value: asBufferOrNull(h.value) }));
  let out: SourceHeader[] | undefined;
  for (const key in raw ?? {}) {
    if (!Object.hasOwn(raw!, key)) continue;
    const value = raw![key];
    if (value === undefined) continue;
    for (const v of Array.isArray(value) ? value : [value]) (out ??= []).push({ key, value: asBufferOrNull(v) });
  }
  // Most records have no header: one shared, frozen empty list instead of an array per record.
  return out ?? NO_HEADERS;
}

const NO_HEADERS: SourceHeader[] = Object.freeze([]) as unknown as SourceHeader[];

function asBufferOrNull(v: Buffer | string | null | undefined): Buffer | null {
  if (v === null || v === undefined) return null;
  return typeof v === 'string' ? Buffer.from(v) : v;
}

const byteLength = (v: Buffer | string | null | undefined): number => (v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length);
