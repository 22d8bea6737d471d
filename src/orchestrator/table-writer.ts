/**
 * One Iceberg table as the daemon writes it: the buffer of rows per table partition with the Kafka
 * ranges they cover, and when and how it commits. The parts live beside it: the table's schema,
 * the plan per writer schema and every schema change in schema-planner.ts (creating the table in
 * table-create.ts), exactly-once offsets in commit/offset-committer.ts (a range the table's
 * offsets no longer continue aborts the commit; the buffer is dropped and read again), files and
 * snapshots in data-sink.ts, the commit triggers in cadence.ts.
 *
 * Concurrency model (single-threaded JS, no locks): the daemon appends while a flush uploads and
 * commits; flushes of one table run one at a time. Everything that resets state (discarding after
 * a failed commit) is synchronous and tells the daemon to re-seek, which bumps a per-partition
 * generation so that a batch the daemon was in the middle of is abandoned, never half-applied.
 */
import type * as arrow from 'apache-arrow';
import { createColumn, RecordBatchBuilder, type RecordBatchBuilderOptions, type Row } from '../arrow/builder.js';
import { TableBuffer } from '../buffer/table-buffer.js';
import { OffsetCommitter, StaleRangesError } from '../commit/offset-committer.js';
import { committedOffsets, type OffsetRange } from '../commit/offsets.js';
import type { TableMapping } from '../config/index.js';
import type { WriterSchema } from '../decode/index.js';
import type { TableIdentifier } from '../iceberg/catalog/types.js';
import { tpKey, type SourceRecord, type TopicPartition, type TpKey } from '../source/types.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { metadataRow, replayOf } from './bronze.js';
import { KafkaMetadataColumn } from './metadata-column.js';
import { boundsWithinBudget, CommitCadence, type FlushReason } from './cadence.js';
import { commitRows } from './data-sink.js';
import { isFatal } from './errors.js';
import { commitMetrics, type DaemonMetrics } from './metrics.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { tupleKeyed } from './partition-tuple.js';
import type { DataFileSink, DeadLetterQueue, TableStore, WriterEvents } from './ports.js';
import { SchemaPlanner, type WriterPlan } from './schema-planner.js';
import { isNewer, KAFKA_KEY_COLUMN, kafkaKeyText, keyColumns, keyIdentity, keyInColumnTypes, keyRowOf, SilverChanges, type KeyedChange } from './silver.js';
import { formatCoordinates } from '../commit/replayed.js';
import type { LoadedTable } from '../iceberg/catalog/types.js';
import type { DirectReader } from '../schema/index.js';
import { DirectRows } from './direct-rows.js';

export type { WriterPlan } from './schema-planner.js';

export interface WriterDeps {
  store: TableStore;
  files: DataFileSink;
  deadLetters: DeadLetterQueue;
  events: WriterEvents;
  metrics: DaemonMetrics;
  log: Logger;
  now?: () => number;
  /** memory.budgetBytes: caps what one commit holds (boundsWithinBudget). */
  memoryBudgetBytes?: number;
}

export class TableWriter {
  readonly fullName: string;
  /** The table, its working schema and spec, and the plan per writer schema. */
  private readonly planner: SchemaPlanner;
  /** Offsets, ranges and replayed dead letters: the exactly-once half of every commit. */
  private readonly offsets = new OffsetCommitter();
  private readonly buffer: TableBuffer<Row, RecordBatchBuilder>;
  /** Places rows of direct readers in the buffer's partitions (bronze). */
  private readonly direct: DirectRows;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private retryAfter = 0;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Oldest Kafka timestamp of the records being committed right now (ms), for freshness. */
  private inFlightOldestMs: number | undefined;
  /** Silver only: the key columns and every key touched since the last commit. */
  readonly keyColumns: string[] | undefined;
  private readonly changes: SilverChanges | undefined;
  private readonly cadence: CommitCadence;

  constructor(
    readonly id: TableIdentifier,
    readonly mapping: TableMapping,
    private readonly deps: WriterDeps,
  ) {
    this.fullName = [...id.namespace, id.name].join('.');
    this.log = deps.log.child({ table: this.fullName });
    this.now = deps.now ?? Date.now;
    this.buffer = new TableBuffer((tuple) => this.newBuilder(tuple), this.now);
    this.cadence = new CommitCadence(boundsWithinBudget(mapping.commit, deps.memoryBudgetBytes), this.fullName, deps.metrics, this.log, this.now);
    if (mapping.mode === 'silver') {
      this.keyColumns = keyColumns(mapping);
      this.changes = new SilverChanges(this.keyColumns);
    }
    const buffer = this.buffer;
    this.planner = new SchemaPlanner(id, this.fullName, mapping, this.keyColumns, { store: deps.store, metrics: deps.metrics, log: this.log }, {
      flush: (reason) => this.flush(reason),
      get bufferEmpty() {
        return buffer.isEmpty;
      },
      adopted: (metadata) => this.offsets.adopt(metadata),
    });
    this.direct = new DirectRows(this.buffer, this.planner, this.column, () => this.sinkOptions());
  }

  get silver(): boolean {
    return this.changes !== undefined;
  }

  private get column(): string {
    return this.mapping.bronze.kafkaMetadataColumn;
  }

  /** The builder the last unpartitioned batch went into: the next one is sized like it. */
  private lastBuilder: RecordBatchBuilder | undefined;

  /**
   * A fresh builder per batch (a flush takes its builders away). An unpartitioned table's is
   * sized like the previous batch's, so its columns grow once instead of doubling from 1,024 rows;
   * a partition of a partitioned table may be any size, so its builder starts small.
   */
  private newBuilder(tuple: unknown[]): RecordBatchBuilder {
    const schema = this.planner.schema!;
    const b = new RecordBatchBuilder(schema, this.sinkOptions());
    if (tuple.length > 0) return b;
    const last = this.lastBuilder;
    if (last && last.schema === schema) b.presize(last.sizeHints());
    this.lastBuilder = b;
    return b;
  }

  /**
   * Bronze buffers fill the metadata column straight from each Kafka record (metadata-column.ts),
   * so a bronze row carries the SourceRecord there instead of a MetadataRow; silver keeps the
   * MetadataRow (its changes outlive the record and are merged per key).
   */
  private sinkOptions(): RecordBatchBuilderOptions {
    if (this.changes) return {};
    return {
      columns: {
        [this.column]: (f, arrowType, cap) =>
          typeof f.type === 'object' && f.type.type === 'struct'
            ? new KafkaMetadataColumn(arrowType as arrow.Struct, f.type, !f.required, f.name, cap)
            : createColumn(f.type, arrowType, !f.required, f.name, cap),
      },
    };
  }

  // ---- assignment -------------------------------------------------------------------------

  /**
   * Reads the table's offsets for newly assigned partitions (the table is the source of truth).
   * Returns the next offset per partition; undefined when the table has none (read from earliest).
   */
  async assign(tps: TopicPartition[]): Promise<Map<TpKey, bigint | undefined>> {
    await this.planner.open();
    return this.offsets.assign(tps);
  }

  /**
   * Sets where partitions without table offsets start (the mapping's startFrom, resolved by the
   * source). Partitions the table holds offsets for keep them: the setting only applies to new ones.
   */
  startAt(starts: Map<TpKey, bigint>): void {
    this.offsets.startAt(starts);
  }

  /** Forgets partitions given away; their buffered rows must have been committed or discarded. */
  revoke(tps: TopicPartition[]): void {
    this.offsets.revoke(tps);
  }

  covers(tp: TopicPartition): boolean {
    return this.offsets.covers(tpKey(tp));
  }

  coversKey(key: TpKey): boolean {
    return this.offsets.covers(key);
  }

  /** The next offset the table needs from a partition (undefined: anything). */
  position(tp: TopicPartition): bigint | undefined {
    return this.offsets.position(tp.topic, tp.partition);
  }

  /** False for records this table already holds or buffered (a partition read again for another table). */
  wants(record: SourceRecord): boolean {
    return this.offsets.wants(record.topic, record.partition, record.offset);
  }

  // ---- schema (schema-planner.ts) ----------------------------------------------------------

  /** The plan for records of a writer schema, once prepared. */
  plan(writer: WriterSchema): WriterPlan | undefined {
    return this.planner.plan(writer);
  }

  /** The plan for records of a writer schema: creates or evolves the table first when needed. */
  preparePlan(writer: WriterSchema): Promise<WriterPlan> {
    return this.planner.preparePlan(writer);
  }

  /** Bronze: readies the table for tombstone rows (see SchemaPlanner.prepareTombstone). */
  prepareTombstone(): Promise<FloeError | undefined> {
    return this.planner.prepareTombstone();
  }

  // ---- records ----------------------------------------------------------------------------

  /** Appends a projected value row plus the Kafka metadata; throws (row rolled back) on a bad row. */
  append(record: SourceRecord, valueRow: Row, kafkaKey?: unknown): void {
    let key: Row | undefined;
    if (this.changes) {
      if (this.keyColumns![0] === KAFKA_KEY_COLUMN) valueRow[KAFKA_KEY_COLUMN] = kafkaKeyText(kafkaKey);
      key = keyRowOf(this.keyColumns!, valueRow);
      if (!key) throw new FloeError('SILVER_NO_KEY', `record has no key (key columns ${this.keyColumns!.join(', ')} must not be null)`);
    }
    valueRow[this.column] = this.changes ? metadataRow(record) : record;
    const tuple = this.changes ? undefined : this.planner.tupleOf(valueRow);
    this.startRange(record);
    if (this.changes) this.changes.put(key!, valueRow, this.silverOrder(record), replayOf(record) !== undefined);
    else this.buffer.append(valuesKey(tuple!), tuple!, valueRow);
    this.noteReplay(record);
    this.advance(record);
  }

  /**
   * Bronze: appends a record through its writer's direct reader (src/schema/direct.ts), which reads
   * the value columns from the body at `offset` and takes the record for the metadata column.
   * False, nothing changed, when the reader declines the record: the caller takes the general
   * path, which gives the reason.
   */
  appendDirect(record: SourceRecord, read: DirectReader, body: Buffer, offset: number): boolean {
    if (!this.direct.place(record, read, body, offset)) return false;
    this.startRange(record);
    this.noteReplay(record);
    this.advance(record);
    return true;
  }

  /** True (and the record's offset covered) when its original already landed here. */
  skipIfReplayed(record: SourceRecord): boolean {
    const of = replayOf(record);
    if (!of || !this.wants(record) || !this.offsets.hasReplayed(of)) return false;
    this.startRange(record);
    this.advance(record);
    return true;
  }

  private noteReplay(record: SourceRecord): void {
    const of = replayOf(record);
    if (of) this.offsets.noteReplayed(of);
  }

  /** Silver: where a change sits in its key's history — a replay at its original position. */
  private silverOrder(record: SourceRecord): { topic: string; partition: number; offset: bigint } {
    return replayOf(record) ?? record;
  }

  /** Silver: the record deletes the key (a tombstone or a Debezium delete); throws SILVER_BAD_KEY, nothing buffered, when the key does not fit the key columns. */
  remove(record: SourceRecord, key: Row): void {
    if (!this.changes) throw new FloeError('ORCHESTRATOR_STATE', `${this.fullName} is not a silver table`);
    key = keyInColumnTypes(this.keyColumns!, key, this.planner.schema);
    this.startRange(record);
    this.changes.put(key, null, this.silverOrder(record), replayOf(record) !== undefined, metadataRow(record) as unknown as Row);
    this.noteReplay(record);
    this.advance(record);
  }

  /**
   * Silver: the changes minus replayed ones older than their key's committed state. A replay is
   * placed at its original position; SilverChanges orders it against changes buffered with it,
   * this against the state earlier commits left (its row's Kafka position, read from the table).
   * Its original stays recorded as replayed, so replaying it again is skipped too.
   */
  private async withoutSuperseded(table: LoadedTable, changes: KeyedChange[]): Promise<KeyedChange[]> {
    const replays = changes.filter((c) => c.replayOf);
    if (replays.length === 0 || !this.deps.files.livePositions) return changes;
    const idOf = (c: KeyedChange) => keyIdentity(this.keyColumns!, c.key);
    const live = await this.deps.files.livePositions(table, this.keyColumns!, this.column, new Set(replays.map(idOf)));
    return changes.filter((c) => {
      const committed = c.replayOf && live.get(idOf(c));
      if (!committed || !isNewer(committed, c.replayOf!)) return true;
      this.log.info({ replayOf: formatCoordinates(c.replayOf!), committed: formatCoordinates(committed) }, 'replayed change dropped: its key has a newer state');
      return false;
    });
  }

  // ---- tables routed by record type ({record} templates) ------------------------------------

  /**
   * A record of an assigned partition that landed in a sibling table (or nowhere): this table
   * holds nothing of it, so its offsets move past it. Without this a type that is rare, or no
   * longer written, would keep its partitions' restart position where its last record was.
   */
  pass(record: SourceRecord): void {
    if (!this.wants(record)) return;
    this.startRange(record);
    this.buffer.pass(record.topic, record.partition, record.offset + 1n);
    this.offsets.advanced(record.topic, record.partition, record.offset);
  }

  /**
   * Before the first record of a partition lands in a record-routed table that holds no offset
   * for it: commits (empty, or with the passes and dead letters buffered) that the table has
   * everything of the partition below the record, and waits for that commit to land. A restart
   * reads a partition from the lowest offset its tables hold, and a table without one is ignored;
   * without this, a sibling committing past the record and a crash before this table's first
   * commit would lose it. Once per table and partition. False: the commit failed (the partition is
   * being re-read, the record's batch is abandoned).
   */
  async seed(record: SourceRecord): Promise<boolean> {
    await this.settled();
    if (this.offsets.stored.has(record.topic, record.partition)) return true;
    this.startRange(record);
    // Every record below this one that this session read was a sibling's: none was this table's
    // (it would have been seeded then), and the session started where the tables' offsets say.
    this.buffer.pass(record.topic, record.partition, record.offset);
    if (record.offset > 0n) this.offsets.advanced(record.topic, record.partition, record.offset - 1n);
    await this.flush('seed');
    return this.offsets.stored.has(record.topic, record.partition);
  }

  /** Bronze: a tombstone is a row with every value column null and its Kafka metadata. */
  tombstone(record: SourceRecord): void {
    this.append(record, this.planner.tombstoneRow());
  }

  /** Sends a record to the dead-letter topic; its offset still advances the range. */
  deadLetter(record: SourceRecord, error: unknown, stage: 'decode' | 'map' | 'write'): void {
    this.startRange(record);
    this.deps.deadLetters.add({ record, error, stage }, this.mapping.errors.deadLetterTopic);
    this.deps.metrics.deadLetters.inc({ table: this.fullName, code: isFloeError(error) ? error.code : 'UNEXPECTED' });
    this.advance(record);
  }

  private startRange(record: SourceRecord): void {
    if (this.buffer.hasRange(record.topic, record.partition)) return;
    this.buffer.startRange(record.topic, record.partition, this.offsets.base(record.topic, record.partition, this.fullName), record.offset);
  }

  private advance(record: SourceRecord): void {
    this.buffer.advance(record.topic, record.partition, record.offset, record.timestamp, record.sizeBytes);
    this.offsets.advanced(record.topic, record.partition, record.offset);
  }

  /**
   * Kafka timestamp of the oldest record read but not committed yet (buffered or being
   * committed), or undefined when every record read is committed: the freshness gauge.
   */
  get oldestPendingMs(): number | undefined {
    const a = this.buffer.oldestTimestamp;
    const b = this.inFlightOldestMs;
    return a === undefined ? b : b === undefined ? a : Math.min(a, b);
  }

  /** bufferedBytes as a function made once: the cadence asks for it on every record. */
  private readonly measureBytes = (): number => this.bufferedBytes;

  get bufferedBytes(): number {
    return this.buffer.byteSize + (this.changes?.byteSize ?? 0);
  }

  get bufferedRecords(): number {
    return this.buffer.recordCount;
  }

  get isFlushing(): boolean {
    return this.flushing !== undefined;
  }

  /**
   * Which trigger says to flush now, if any (checked per record, so cheap: bytes are sampled).
   * `nextCheckInMs`: the longest time until the next check (see CommitCadence.due).
   */
  due(nextCheckInMs = 0, now = this.now()): FlushReason | undefined {
    if (this.buffer.isEmpty || this.flushing || now < this.retryAfter) return undefined;
    const records = this.buffer.recordCount + this.buffer.passCount;
    return this.cadence.due(records, this.buffer.ageMs(now), this.measureBytes, this.buffer.readDelayMs, nextCheckInMs);
  }

  /**
   * Why the buffer must be committed before another record is added (it holds maxRecords or
   * maxBytes), if it must. The caller commits it, waiting for a commit in progress first, so no
   * commit holds more than the bounds, however large the fetched batches.
   */
  full(): FlushReason | undefined {
    return this.cadence.full(this.buffer.recordCount + this.buffer.passCount, this.measureBytes);
  }

  /**
   * ms until a full buffer can be committed (a failed commit's backoff); undefined when it cannot
   * be committed at all yet (only dead letters, no table to record their offsets in).
   */
  flushableInMs(now = this.now()): number | undefined {
    if (!this.planner.table) return undefined;
    return Math.max(0, this.retryAfter - now);
  }

  /** Seconds since this daemon last committed the table (the last-commit-age gauge). */
  lastCommitAgeSeconds(now = this.now()): number {
    return this.cadence.lastCommitAgeSeconds(now);
  }

  /** Waits for the flush in progress, if any. */
  async settled(): Promise<void> {
    while (this.flushing) await this.flushing.catch(() => undefined);
  }

  // ---- flush and commit -------------------------------------------------------------------

  /**
   * Writes and commits everything buffered now (after the flush in progress, if any). Rejects
   * only with fatal errors. When no flush is in progress the buffer is drained synchronously,
   * before this returns: a record appended afterwards belongs to the next commit.
   */
  flush(reason: string): Promise<void> {
    if (this.flushing) return this.settled().then(() => this.flush(reason));
    // No record has created the table yet, so only records that could not land (dead letters) are
    // buffered, and their offsets can only be recorded in the table's snapshots. They stay pending
    // until the table exists (its first commit then covers them): committing into nothing failed,
    // re-read the partition and dead-lettered the same records again, forever.
    if (this.buffer.isEmpty || !this.planner.table) return Promise.resolve();
    const run: Promise<void> = this.flushNow(reason).finally(() => {
      if (this.flushing === run) this.flushing = undefined;
    });
    this.flushing = run;
    return run;
  }

  /** Everything up to its first await runs synchronously: the buffer (and silver's changes) drained at once. */
  private async flushNow(reason: string): Promise<void> {
    const table = this.planner.table!;
    const spec = this.planner.spec!;
    const waitingSince = this.buffer.waitingSince;
    const drained = this.buffer.drain();
    const drainedChanges = this.changes?.drain();
    this.cadence.reset();
    // Rows buffered from now on continue from the ranges being committed.
    const commit = this.offsets.begin(drained.ranges);
    const started = this.now();
    this.inFlightOldestMs = drained.oldestTimestampMs;
    try {
      await this.deps.deadLetters.flush();
      const changes = drainedChanges && (await this.withoutSuperseded(table, drainedChanges));
      const rowsOut = changes
        ? { kind: 'silver' as const, changes, schema: this.planner.schema!, keyColumns: this.keyColumns!, metadataColumn: this.column, partitionOf: (row: Row) => tupleKeyed(this.planner.tupleOf(row)) }
        : { kind: 'bronze' as const, partitions: drained.partitions };
      const { table: committed, files, rows } = await commitRows(this.deps, this.id, table, spec, this.mapping.file, rowsOut, (metadata) => commit.properties(metadata));
      this.planner.setTable(committed);
      this.offsets.landed(committed.metadata, commit.stored!);
      this.failures = 0;
      commitMetrics(this.deps.metrics, this.fullName, { seconds: (this.now() - started) / 1000, rows, files, metadata: committed.metadata, nowMs: this.now() });
      const info = { reason, records: drained.records, rows, files: files.length, ms: this.now() - started };
      this.cadence.committed(waitingSince, info);
      this.deps.events.committed(this.fullName, drained.ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next })), info);
    } catch (err) {
      if (isFatal(err)) throw err;
      await this.recover(err, drained.ranges);
    } finally {
      // Committed, or discarded to be read again (then they are waiting in Kafka: lag).
      this.inFlightOldestMs = undefined;
    }
  }

  /**
   * After a refused or failed commit: drop everything buffered (rows of all partitions share the
   * sinks) and read every partition again from the table's offsets.
   */
  private async recover(err: unknown, ranges: OffsetRange[]): Promise<void> {
    const stale = err instanceof StaleRangesError;
    this.deps.metrics.commitsFailed.inc({ table: this.fullName, reason: stale ? 'stale' : isFloeError(err) ? err.code : 'UNEXPECTED' });
    let fresh = stale ? err.fresh : undefined;
    if (!fresh) {
      this.failures++;
      this.retryAfter = this.now() + Math.min(30_000, 500 * 2 ** Math.min(this.failures, 6));
      this.log.warn({ err, ranges: ranges.length }, 'commit failed; re-reading the buffered records from the table offsets');
      try {
        const loaded = await this.deps.store.load(this.id);
        if (loaded) fresh = committedOffsets(loaded.metadata);
      } catch (reloadErr) {
        this.log.warn({ err: reloadErr }, 'reload after failed commit failed; using the last known offsets');
      }
      fresh ??= this.offsets.stored;
    } else {
      this.log.info({ err: (err as Error).message }, 'buffered ranges are stale; re-reading from the table offsets');
    }
    // From here to the end synchronous: no record can be appended in between.
    this.drop();
    this.deps.events.reseek(this.fullName, this.offsets.restart(fresh), stale ? undefined : err);
  }

  /** Drops the buffer without committing (a fatal error, or a revocation that could not commit). */
  discard(): void {
    this.drop();
    this.offsets.discard();
  }

  private drop(): void {
    this.buffer.discard();
    this.changes?.drain();
    this.cadence.reset();
  }
}
