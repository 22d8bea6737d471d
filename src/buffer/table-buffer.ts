/**
 * Rows waiting to be written to one table, grouped by partition, together with the exact Kafka
 * ranges they cover. The ranges are what make a commit exactly-once: a commit stores their end
 * offsets in the same snapshot as the rows (see commit/offsets.ts).
 *
 * The buffer is agnostic of Arrow and Parquet: it holds "sinks" (one per partition key) that a
 * factory creates, e.g. Arrow column builders, and only asks them for their size.
 */
import type { OffsetRange } from '../commit/offsets.js';

export interface RowSink<Row> {
  append(row: Row): void;
  /** Approximate bytes held, for flush triggers and the memory budget. */
  readonly byteSize: number;
  readonly rowCount: number;
}

export interface PartitionSlot<Row, Sink extends RowSink<Row>> {
  key: string;
  /** The partition tuple values, in partition-spec order. */
  tuple: unknown[];
  sink: Sink;
}

export interface DrainedBuffer<Row, Sink extends RowSink<Row>> {
  partitions: PartitionSlot<Row, Sink>[];
  ranges: OffsetRange[];
  records: number;
  /** Input bytes (Kafka record sizes) covered, for metrics. */
  inputBytes: number;
  /** Newest Kafka timestamp covered, for freshness. */
  newestTimestampMs: number | undefined;
  /** Oldest Kafka timestamp covered (or read time, for a record without one): how long the oldest record has waited for its commit. */
  oldestTimestampMs: number | undefined;
}

interface RangeState {
  topic: string;
  partition: number;
  base: bigint | undefined;
  next: bigint;
}

export class TableBuffer<Row, Sink extends RowSink<Row>> {
  private partitions = new Map<string, PartitionSlot<Row, Sink>>();
  private ranges = new Map<string, RangeState>();
  /**
   * The range looked up last: every record asks for its partition's range (hasRange, advance),
   * and a fetched batch's records share one partition, so the key string is built once per batch
   * rather than per record. Forgotten when `ranges` is replaced.
   */
  private lastRange: RangeState | undefined;
  private records = 0;
  /** Offsets passed over: records that landed in a sibling table (see pass). */
  private passes = 0;
  private inputBytes = 0;
  private newestTimestampMs: number | undefined;
  private oldestTimestampMs: number | undefined;
  private firstAppendAt: number | undefined;
  /** How long after its Kafka timestamp the buffer's first record was read (ms; 0 without one). */
  private firstReadDelay = 0;

  constructor(
    private readonly newSink: (tuple: unknown[]) => Sink,
    private readonly clock: () => number = Date.now,
  ) {}

  /**
   * Declares where a partition's next range starts: the offset the table held when this writer
   * began reading it (undefined when the table had none).
   */
  startRange(topic: string, partition: number, base: bigint | undefined, firstOffset: bigint): void {
    const key = `${topic}\u0000${partition}`;
    if (!this.ranges.has(key)) this.ranges.set(key, { topic, partition, base, next: firstOffset });
  }

  hasRange(topic: string, partition: number): boolean {
    return this.rangeOf(topic, partition) !== undefined;
  }

  private rangeOf(topic: string, partition: number): RangeState | undefined {
    const last = this.lastRange;
    if (last !== undefined && last.partition === partition && last.topic === topic) return last;
    const r = this.ranges.get(`${topic}\u0000${partition}`);
    if (r !== undefined) this.lastRange = r;
    return r;
  }

  /**
   * Records that offsets up to `offset` of a partition are covered, whether the record became a
   * row, went to the dead-letter topic, or was skipped as a control record.
   */
  advance(topic: string, partition: number, offset: bigint, timestampMs: number, sizeBytes: number): void {
    const r = this.rangeOf(topic, partition);
    if (!r) throw new Error(`no range started for ${topic}/${partition}`);
    // Compared before adding: each BigInt sum is an allocation, and this runs per record.
    if (offset >= r.next) r.next = offset + 1n;
    this.records++;
    this.inputBytes += sizeBytes;
    if (this.newestTimestampMs === undefined || timestampMs > this.newestTimestampMs) {
      this.newestTimestampMs = timestampMs;
    }
    // A record without a timestamp (Kafka's -1) has waited at least since it was read: counting it
    // from then keeps freshness growing when such records cannot be committed (a lower bound, like
    // records still in Kafka), where ignoring it would report 0.
    const waitedFrom = timestampMs >= 0 ? timestampMs : this.clock();
    if (this.oldestTimestampMs === undefined || waitedFrom < this.oldestTimestampMs) {
      this.oldestTimestampMs = waitedFrom;
    }
    if (this.firstAppendAt === undefined) {
      this.firstAppendAt = this.clock();
      this.firstReadDelay = timestampMs >= 0 ? this.firstAppendAt - timestampMs : 0;
    }
  }

  /**
   * Records that offsets below `next` of a partition are covered although none of them is this
   * table's: a table routed by record type passes over its siblings' records, so that its
   * committed offsets keep up with the partition instead of holding back every restart. Passes
   * are no records: no rows, no freshness, no commit interval; they only count toward maxRecords.
   */
  pass(topic: string, partition: number, next: bigint): void {
    const r = this.rangeOf(topic, partition);
    if (!r) throw new Error(`no range started for ${topic}/${partition}`);
    if (next > r.next) r.next = next;
    this.passes++;
  }

  /** Passes since the last drain. */
  get passCount(): number {
    return this.passes;
  }

  append(partitionKey: string, tuple: unknown[], row: Row): void {
    this.sinkFor(partitionKey, tuple).append(row);
  }

  /**
   * The sink of a partition, for callers that fill it without a row object; a sink they leave
   * empty must go through dropIfEmpty, or it would become an empty file.
   */
  sinkFor(partitionKey: string, tuple: unknown[]): Sink {
    let slot = this.partitions.get(partitionKey);
    if (!slot) {
      slot = { key: partitionKey, tuple, sink: this.newSink(tuple) };
      this.partitions.set(partitionKey, slot);
    }
    return slot.sink;
  }

  hasPartition(partitionKey: string): boolean {
    return this.partitions.has(partitionKey);
  }

  dropIfEmpty(partitionKey: string): void {
    if (this.partitions.get(partitionKey)?.sink.rowCount === 0) this.partitions.delete(partitionKey);
  }

  get byteSize(): number {
    let n = 0;
    for (const p of this.partitions.values()) n += p.sink.byteSize;
    return n;
  }

  get recordCount(): number {
    return this.records;
  }

  /** Kafka timestamp of the oldest record buffered (for one without a timestamp, when it was read); undefined when empty. */
  get oldestTimestamp(): number | undefined {
    return this.oldestTimestampMs;
  }

  /** Milliseconds since the oldest uncommitted record arrived; 0 when empty. */
  ageMs(now = this.clock()): number {
    return this.firstAppendAt === undefined ? 0 : now - this.firstAppendAt;
  }

  /**
   * How long the buffer's first record had existed (by its Kafka timestamp) when it was read: the
   * produce and fetch latency a live record brings along; any age for a backlog or an event-time
   * timestamp, negative when the producer's clock is ahead. 0 when empty or without a timestamp.
   */
  get readDelayMs(): number {
    return this.firstAppendAt === undefined ? 0 : this.firstReadDelay;
  }

  /** When the oldest uncommitted record arrived (the clock's ms); undefined when empty. */
  get waitingSince(): number | undefined {
    return this.firstAppendAt;
  }

  /** True when no record advanced any range: not even one that went to the dead-letter topic, or was passed. */
  get isEmpty(): boolean {
    return this.records === 0 && this.passes === 0;
  }

  /** Hands everything over for writing and starts afresh; ranges continue from their ends. */
  drain(): DrainedBuffer<Row, Sink> {
    const drained: DrainedBuffer<Row, Sink> = {
      partitions: [...this.partitions.values()],
      ranges: [...this.ranges.values()].map((r) => ({ ...r })),
      records: this.records,
      inputBytes: this.inputBytes,
      newestTimestampMs: this.newestTimestampMs,
      oldestTimestampMs: this.oldestTimestampMs,
    };
    this.partitions = new Map();
    this.ranges = new Map();
    this.lastRange = undefined;
    this.records = 0;
    this.passes = 0;
    this.inputBytes = 0;
    this.newestTimestampMs = undefined;
    this.oldestTimestampMs = undefined;
    this.firstAppendAt = undefined;
    this.firstReadDelay = 0;
    return drained;
  }

  /**
   * Drops everything. Rows of different Kafka partitions share sinks, so a stale range (see
   * continuityConflicts) costs re-reading the whole buffer — rare, and always correct.
   */
  discard(): void {
    this.drain();
  }
}
