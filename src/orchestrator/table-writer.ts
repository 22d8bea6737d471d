/**
 * One Iceberg table as the daemon writes it: its schema (and evolution), the buffer of rows per
 * table partition with the Kafka ranges they cover, flushing to Parquet and committing.
 *
 * Exactly-once rests on commit/offsets.ts: every range remembers the table offset it continues
 * from (`base`), and the commit's summary properties are computed from the *fresh* metadata on
 * every attempt — a range that no longer continues the table's offset aborts the commit, the
 * buffer is dropped and the partitions are read again from the table's offset.
 *
 * Concurrency model (single-threaded JS, no locks): the daemon appends while a flush uploads and
 * commits; flushes of one table run one at a time. Everything that resets state (discarding after
 * a failed commit) is synchronous and tells the daemon to re-seek, which bumps a per-partition
 * generation so that a batch the daemon was in the middle of is abandoned, never half-applied.
 */
import { RecordBatchBuilder, type Row } from '../arrow/builder.js';
import { TableBuffer } from '../buffer/table-buffer.js';
import { REPLAYED_PROPERTY, REPLAY_OF_HEADER, ReplayedSet, parseCoordinates, replayedOriginals, type Coordinates } from '../commit/replayed.js';
import { advanceOffsets, committedOffsets, continuityConflicts, OffsetMap, OFFSETS_PROPERTY, type OffsetRange } from '../commit/offsets.js';
import type { TableMapping } from '../config/index.js';
import type { WriterSchema } from '../decode/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/types.js';
import { type DataFile, type PartitionSpec, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import { currentSchema, specById } from '../iceberg/table/state.js';
import { compileProjector, evolveSchema, type Incompatibility, type Projector } from '../schema/index.js';
import { lastHeader, tpKey, type SourceRecord, type TopicPartition, type TpKey } from '../source/types.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { metadataRow, migrateHeaders, optionalValueColumns, requiredValueColumns, tombstoneRow, withMetadataField, withoutColumn } from './bronze.js';
import { CommitCadence, type FlushReason } from './cadence.js';
import { isFatal, StaleRangesError } from './errors.js';
import { tableGauges, type DaemonMetrics } from './metrics.js';
import { tupleFunction, tupleKey, tupleKeyed } from './partition-tuple.js';
import type { DataFileSink, DeadLetterQueue, PartitionData, TableStore, WriterEvents } from './ports.js';
import { initialTable, mappingDefinition } from './table-create.js';
import { debeziumRowSchema, KAFKA_KEY_COLUMN, kafkaKeyText, keyColumns, keyRowOf, SilverChanges, writeChangeFiles, type KeyedChange } from './silver.js';

export interface WriterDeps {
  store: TableStore;
  files: DataFileSink;
  deadLetters: DeadLetterQueue;
  events: WriterEvents;
  metrics: DaemonMetrics;
  log: Logger;
  now?: () => number;
}

/** How records of one writer schema land in the table (for the table's current working schema). */
export type WriterPlan = { action: 'write'; project: Projector } | { action: 'dead-letter'; error: FloeError };

interface PartitionState {
  tp: TopicPartition;
  /** The table's offset as this writer expects it when its next range starts. */
  base: bigint | undefined;
  /** The next offset this table needs; records below it are already in the table (or buffered). */
  next: bigint | undefined;
}

export class TableWriter {
  readonly fullName: string;
  private table: LoadedTable | undefined;
  /** The schema rows are built for; changes only while the buffer is empty. */
  private schema: Schema | undefined;
  private spec: PartitionSpec | undefined;
  private plans = new Map<string, WriterPlan>();
  private committed = new OffsetMap();
  /** Dead letters replayed into the table (committed) and into the buffer (not yet). */
  private replayed = new ReplayedSet();
  private replayedPending = new ReplayedSet();
  private readonly parts = new Map<TpKey, PartitionState>();
  private readonly buffer: TableBuffer<Row, RecordBatchBuilder>;
  private flushing: Promise<void> | undefined;
  private failures = 0;
  private followed = false;
  private retryAfter = 0;
  private tupleOf: ((row: Row) => unknown[]) | undefined;
  private readonly log: Logger;
  private readonly now: () => number;
  /** Newest Kafka timestamp committed (ms). */
  newestCommittedMs: number | undefined;
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
    this.buffer = new TableBuffer((_tuple) => new RecordBatchBuilder(this.schema!), this.now);
    this.cadence = new CommitCadence(mapping.commit, this.fullName, deps.metrics, this.log, this.now);
    if (mapping.mode === 'silver') {
      this.keyColumns = keyColumns(mapping);
      this.changes = new SilverChanges(this.keyColumns);
    }
  }

  get silver(): boolean {
    return this.changes !== undefined;
  }

  /** The Avro record schema rows are projected from: the envelope's row record for Debezium. */
  private rowSchema(writer: WriterSchema): Record<string, unknown> {
    if (this.silver && this.mapping.envelope === 'debezium') return debeziumRowSchema(writer.text);
    return JSON.parse(writer.text) as Record<string, unknown>;
  }

  /** The table schema without the columns floe fills itself (Kafka metadata, Kafka key). */
  private valueColumns(schema: Schema): Schema {
    const s = withoutColumn(schema, this.column);
    return this.keyColumns?.[0] === KAFKA_KEY_COLUMN ? withoutColumn(s, KAFKA_KEY_COLUMN) : s;
  }

  private get column(): string {
    return this.mapping.bronze.kafkaMetadataColumn;
  }

  // ---- assignment -------------------------------------------------------------------------

  /**
   * Reads the table's offsets for newly assigned partitions (the table is the source of truth).
   * Returns the next offset per partition; undefined when the table has none (read from earliest).
   */
  async assign(tps: TopicPartition[]): Promise<Map<TpKey, bigint | undefined>> {
    const loaded = await this.deps.store.load(this.id);
    if (!loaded && !this.mapping.createTables) {
      throw new FloeError('CATALOG_NO_SUCH_TABLE', `table ${this.fullName} does not exist and tables[${this.mapping.index}].createTables is false`);
    }
    if (loaded) this.setTable(await this.follow(loaded));
    const out = new Map<TpKey, bigint | undefined>();
    for (const tp of tps) {
      const offset = this.committed.get(tp.topic, tp.partition);
      this.parts.set(tpKey(tp), { tp, base: offset, next: offset });
      out.set(tpKey(tp), offset);
    }
    return out;
  }

  /** Forgets partitions given away; their buffered rows must have been committed or discarded. */
  revoke(tps: TopicPartition[]): void {
    for (const tp of tps) this.parts.delete(tpKey(tp));
  }

  covers(tp: TopicPartition): boolean {
    return this.parts.has(tpKey(tp));
  }

  coversKey(key: TpKey): boolean {
    return this.parts.has(key);
  }

  /** The next offset the table needs from a partition (undefined: anything). */
  position(tp: TopicPartition): bigint | undefined {
    return this.parts.get(tpKey(tp))?.next;
  }

  /** False for records this table already holds or buffered (a partition read again for another table). */
  wants(record: SourceRecord): boolean {
    const p = this.parts.get(`${record.topic}:${record.partition}`);
    return p !== undefined && (p.next === undefined || record.offset >= p.next);
  }

  // ---- schema -----------------------------------------------------------------------------

  /** The plan for records of a writer schema: evolves the table first when needed. */
  plan(writer: WriterSchema): WriterPlan | undefined {
    return this.plans.get(writer.key);
  }

  async preparePlan(writer: WriterSchema): Promise<WriterPlan> {
    let augmented: Record<string, unknown>;
    let rowSchema: Record<string, unknown>;
    try {
      rowSchema = this.rowSchema(writer);
      augmented = withMetadataField(JSON.stringify(rowSchema), this.column);
      if (this.keyColumns?.[0] === KAFKA_KEY_COLUMN) {
        // The decoded Kafka key becomes a required column: the identifier of a keyed-by-Kafka-key table.
        augmented = { ...augmented, fields: [...(augmented.fields as unknown[]), { name: KAFKA_KEY_COLUMN, type: 'string', doc: 'Kafka key (written by floe)' }] };
      }
    } catch (err) {
      return this.remember(writer, { action: 'dead-letter', error: err as FloeError });
    }
    const policy = this.mapping.schemaEvolution.incompatible;
    if (!this.table) {
      const refused = await this.createTable(augmented);
      // A first writer that cannot be mapped (a record with no columns): no table is created.
      if (refused) return this.incompatible(writer, refused, policy === 'halt');
    }
    await this.migrateLegacyHeaders();
    const evolve = (schema: Schema, history: Schema[], lastColumnId: number) => {
      try {
        return evolveSchema(schema, augmented, { policy, history, lastColumnId, schemaId: Math.max(...history.map((s) => s['schema-id'])) + 1 });
      } catch (err) {
        if (isFloeError(err, 'SCHEMA_INCOMPATIBLE')) {
          throw new FloeError('SCHEMA_INCOMPATIBLE', `table ${this.fullName}, writer schema ${writer.id}: ${err.message} (schemaEvolution.incompatible is halt)`, { cause: err, fatal: true });
        }
        throw err;
      }
    };
    for (let attempt = 0; ; attempt++) {
      const meta = this.table!.metadata;
      const result = evolve(this.schema!, meta.schemas, meta['last-column-id']);
      if (result.action === 'dead-letter') return this.incompatible(writer, result.incompatible, false);
      if (result.action === 'none') {
        const history = meta.schemas.map((s) => this.valueColumns(s));
        const source = this.silver && this.mapping.envelope === 'debezium' ? rowSchema : writer.type;
        const project = compileProjector(source, this.valueColumns(this.schema!), { history, defaults: result.defaults });
        return this.remember(writer, { action: 'write', project });
      }
      this.log.info({ writerSchemaId: writer.id, changes: result.changes.map((c) => `${c.kind} ${c.path}`) }, 'table schema evolves');
      await this.commitSchema(attempt, (fresh) => {
        const r = evolve(currentSchema(fresh), fresh.schemas, fresh['last-column-id']);
        return r.action === 'apply' ? { schema: r.newSchema, lastColumnId: r.lastColumnId } : undefined;
      });
    }
  }

  private incompatible(writer: WriterSchema, list: Incompatibility[], halt: boolean): WriterPlan {
    const message = `writer schema ${writer.id} cannot be written to ${this.fullName}: ${list.map((i) => `${i.path}: ${i.reason}`).join('; ')}`;
    if (halt) throw new FloeError('SCHEMA_INCOMPATIBLE', `${message} (schemaEvolution.incompatible is halt)`, { fatal: true });
    return this.remember(writer, { action: 'dead-letter', error: new FloeError('SCHEMA_INCOMPATIBLE', message) });
  }

  /**
   * Commits what is buffered, then the schema `next` computes from the fresh metadata (undefined:
   * no change needed any more): no reader ever sees a data file with a column the schema lacks.
   */
  private async commitSchema(attempt: number, next: (fresh: TableMetadata) => { schema: Schema; lastColumnId: number } | undefined): Promise<void> {
    if (attempt >= 5) throw new FloeError('SCHEMA_EVOLUTION', `${this.fullName}: schema still changing after ${attempt} attempts`, { retryable: true });
    await this.flush('schema-change');
    const updated = await this.deps.store.updateSchema(this.id, (fresh) => {
      const n = next(fresh);
      return n && { ...n, baseSchemaId: fresh['current-schema-id'], baseLastColumnId: fresh['last-column-id'] };
    });
    this.deps.metrics.schemaChanges.inc({ table: this.fullName });
    this.setTable(updated);
  }

  /** A table from before headers were a list gets its one-time migration first (bronze.ts). */
  private async migrateLegacyHeaders(): Promise<void> {
    for (let attempt = 0; migrateHeaders(this.schema!, this.column, this.table!.metadata['last-column-id']); attempt++) {
      this.log.info({ column: `${this.column}.headers` }, 'headers become an ordered list; the old map column is kept as headers_map');
      await this.commitSchema(attempt, (fresh) => {
        const m = migrateHeaders(currentSchema(fresh), this.column, fresh['last-column-id']);
        return m && { schema: { ...m.schema, 'schema-id': Math.max(...fresh.schemas.map((x) => x['schema-id'])) + 1 }, lastColumnId: m.lastColumnId };
      });
    }
  }

  private remember(writer: WriterSchema, plan: WriterPlan): WriterPlan {
    this.plans.set(writer.key, plan);
    return plan;
  }

  /** Creates the table for its first writer schema; returns why not when that schema cannot be mapped. */
  private async createTable(augmented: Record<string, unknown>): Promise<Incompatibility[] | undefined> {
    const existing = await this.deps.store.load(this.id);
    if (existing) {
      this.setTable(existing);
      return undefined;
    }
    if (!this.mapping.createTables) {
      throw new FloeError('CATALOG_NO_SUCH_TABLE', `table ${this.fullName} does not exist and tables[${this.mapping.index}].createTables is false`);
    }
    const initial = initialTable(this.mapping, this.fullName, this.keyColumns, augmented);
    if ('incompatible' in initial) return initial.incompatible;
    const created = await this.deps.store.create(this.id, initial.schema, initial.definition);
    this.log.info({ schemaId: created.metadata['current-schema-id'] }, 'table created');
    this.setTable(created);
    return undefined;
  }

  /**
   * Once per writer, before its first rows: brings an existing table's definition (format version,
   * partitioning, sort order, properties) to what the mapping says, logging each change.
   */
  private async follow(loaded: LoadedTable): Promise<LoadedTable> {
    if (this.followed || !this.deps.store.follow || !this.buffer.isEmpty) return loaded;
    const { table, changes } = await this.deps.store.follow(this.id, mappingDefinition(this.mapping, this.fullName));
    this.followed = true;
    for (const c of changes) this.log.info({ change: c.what, from: c.from, to: c.to }, 'table definition changes to follow the mapping');
    return table;
  }

  /** Takes new table metadata; adopts its schema and spec only while nothing is buffered. */
  private setTable(table: LoadedTable): void {
    this.table = table;
    this.committed = committedOffsets(table.metadata);
    this.replayed = replayedOriginals(table.metadata);
    if (this.buffer.isEmpty || this.schema === undefined) {
      const schema = currentSchema(table.metadata);
      const spec = specById(table.metadata, table.metadata['default-spec-id']);
      if (schema['schema-id'] !== this.schema?.['schema-id'] || spec['spec-id'] !== this.spec?.['spec-id']) {
        this.schema = schema;
        this.spec = spec;
        this.plans = new Map();
        this.tupleOf = tupleFunction(schema, spec);
      }
    }
  }

  // ---- records ----------------------------------------------------------------------------

  /** Appends a projected value row plus the Kafka metadata; throws (row rolled back) on a bad row. */
  append(record: SourceRecord, valueRow: Row, kafkaKey?: unknown): void {
    if (this.changes) {
      if (this.keyColumns![0] === KAFKA_KEY_COLUMN) valueRow[KAFKA_KEY_COLUMN] = kafkaKeyText(kafkaKey);
      const key = keyRowOf(this.keyColumns!, valueRow);
      if (!key) throw new FloeError('SILVER_NO_KEY', `record has no key (key columns ${this.keyColumns!.join(', ')} must not be null)`);
      valueRow[this.column] = metadataRow(record);
      this.startRange(record);
      this.changes.put(key, valueRow, this.silverOrder(record));
      this.noteReplay(record);
      this.advance(record);
      return;
    }
    valueRow[this.column] = metadataRow(record);
    const tuple = this.tupleOf!(valueRow);
    this.startRange(record);
    this.buffer.append(tupleKey(tuple), tuple, valueRow);
    this.noteReplay(record);
    this.advance(record);
  }

  /** The original coordinates of a replayed dead letter (header floe.replay.of), if it is one. */
  private replayOf(record: SourceRecord): Coordinates | undefined {
    const h = lastHeader(record.headers, REPLAY_OF_HEADER);
    return h ? parseCoordinates(h.toString('utf8')) : undefined;
  }

  /** True (and the record's offset covered) when its original already landed here. */
  skipIfReplayed(record: SourceRecord): boolean {
    const of = this.replayOf(record);
    if (!of || !this.wants(record) || !(this.replayed.has(of) || this.replayedPending.has(of))) return false;
    this.startRange(record);
    this.advance(record);
    return true;
  }

  private noteReplay(record: SourceRecord): void {
    const of = this.replayOf(record);
    if (of) this.replayedPending.add(of);
  }

  /** Silver: where a change sits in its key's history — a replay at its original position. */
  private silverOrder(record: SourceRecord): { topic: string; partition: number; offset: bigint } {
    return this.replayOf(record) ?? record;
  }

  /** Silver: the record deletes the key (a tombstone or a Debezium delete). */
  remove(record: SourceRecord, key: Row): void {
    if (!this.changes) throw new FloeError('ORCHESTRATOR_STATE', `${this.fullName} is not a silver table`);
    this.startRange(record);
    this.changes.put(key, null, this.silverOrder(record));
    this.noteReplay(record);
    this.advance(record);
  }

  /**
   * Bronze: readies the table for tombstone rows. A table created with required top-level value
   * columns (before bronze made them optional) gets them made optional first, committed as a
   * schema change after the buffered rows. Returns an error when no tombstone row can be stored.
   */
  async prepareTombstone(): Promise<FloeError | undefined> {
    if (!this.table) {
      const loaded = await this.deps.store.load(this.id); // another instance may have created it
      if (loaded) this.setTable(loaded);
    }
    if (!this.schema) return new FloeError('BRONZE_TOMBSTONE_NO_TABLE', `a tombstone came before any record with a value: ${this.fullName} does not exist yet and its columns are unknown`);
    await this.migrateLegacyHeaders();
    for (let attempt = 0; requiredValueColumns(this.schema!, this.column).length > 0; attempt++) {
      this.log.info({ columns: requiredValueColumns(this.schema!, this.column) }, 'bronze value columns become optional for a tombstone');
      await this.commitSchema(attempt, (fresh) => {
        const current = currentSchema(fresh);
        if (requiredValueColumns(current, this.column).length === 0) return undefined;
        const schemaId = Math.max(...fresh.schemas.map((x) => x['schema-id'])) + 1;
        return { schema: { ...optionalValueColumns(current, this.column), 'schema-id': schemaId }, lastColumnId: fresh['last-column-id'] };
      });
    }
    return undefined;
  }

  /** Bronze: a tombstone is a row with every value column null and its Kafka metadata. */
  tombstone(record: SourceRecord): void {
    const required = this.schema ? requiredValueColumns(this.schema, this.column) : ['(no table)'];
    if (required.length > 0) throw new FloeError('BRONZE_TOMBSTONE_REQUIRED', `${this.fullName} has required value columns (${required.join(', ')}); call prepareTombstone() first`, { retryable: true });
    this.append(record, tombstoneRow(this.valueColumns(this.schema!)));
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
    const p = this.parts.get(`${record.topic}:${record.partition}`);
    if (!p) throw new FloeError('ORCHESTRATOR_STATE', `${this.fullName}: ${record.topic}/${record.partition} is not assigned`);
    this.buffer.startRange(record.topic, record.partition, p.base, record.offset);
  }

  private advance(record: SourceRecord): void {
    this.buffer.advance(record.topic, record.partition, record.offset, record.timestamp, record.sizeBytes);
    const p = this.parts.get(`${record.topic}:${record.partition}`)!;
    p.next = record.offset + 1n;
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

  get bufferedBytes(): number {
    return this.buffer.byteSize + (this.changes?.byteSize ?? 0);
  }

  get bufferedRecords(): number {
    return this.buffer.recordCount;
  }

  get isFlushing(): boolean {
    return this.flushing !== undefined;
  }

  /** Which trigger says to flush now, if any (checked per record, so cheap: bytes are sampled). */
  due(now = this.now()): FlushReason | undefined {
    if (this.buffer.isEmpty || this.flushing || now < this.retryAfter) return undefined;
    return this.cadence.due(this.buffer.recordCount, this.buffer.ageMs(now), () => this.bufferedBytes);
  }

  /**
   * Why the buffer must be committed before another record is added (it holds maxRecords or
   * maxBytes), if it must. The caller commits it, waiting for a commit in progress first, so no
   * commit holds more than the bounds, however large the fetched batches.
   */
  full(): FlushReason | undefined {
    return this.cadence.full(this.buffer.recordCount, () => this.bufferedBytes);
  }

  /**
   * ms until a full buffer can be committed (a failed commit's backoff); undefined when it cannot
   * be committed at all yet (only dead letters, no table to record their offsets in).
   */
  flushableInMs(now = this.now()): number | undefined {
    if (!this.table) return undefined;
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
    if (this.buffer.isEmpty || !this.table) return Promise.resolve();
    const run: Promise<void> = this.flushNow(reason).finally(() => {
      if (this.flushing === run) this.flushing = undefined;
    });
    this.flushing = run;
    return run;
  }

  /** Everything up to its first await runs synchronously: the buffer (and silver's changes) drained at once. */
  private async flushNow(reason: string): Promise<void> {
    const table = this.table!;
    const spec = this.spec!;
    const waitingSince = this.buffer.waitingSince;
    const drained = this.buffer.drain();
    const changes = this.changes?.drain();
    this.cadence.reset();
    // Rows buffered from now on continue from the ranges being committed.
    for (const r of drained.ranges) {
      const p = this.parts.get(`${r.topic}:${r.partition}`);
      if (p) p.base = r.next;
    }
    const started = this.now();
    const m = this.deps.metrics;
    let stored: OffsetMap | undefined;
    this.inFlightOldestMs = drained.oldestTimestampMs;
    const replayedNow = this.replayedPending;
    this.replayedPending = new ReplayedSet();
    let bronzeRows = 0;
    try {
      await this.deps.deadLetters.flush();
      const properties = (metadata: TableMetadata) => {
        const fresh = committedOffsets(metadata);
        const conflicts = continuityConflicts(fresh, drained.ranges);
        if (conflicts.length > 0) throw new StaleRangesError(conflicts, fresh);
        stored = advanceOffsets(fresh, drained.ranges);
        const replayed = replayedOriginals(metadata).merge(replayedNow);
        return { [OFFSETS_PROPERTY]: stored.toJson(), ...(replayed.isEmpty ? {} : { [REPLAYED_PROPERTY]: replayed.toJson() }) };
      };
      let files: DataFile[];
      let committed: LoadedTable;
      if (changes) {
        const delta = await this.writeChanges(table, spec, changes);
        files = delta.data;
        committed = await this.deps.store.rowDelta!(this.id, table, delta.data, delta.deletes, properties);
      } else {
        // Counted before writing: writing hands the builders' rows over and empties them.
        bronzeRows = drained.partitions.reduce((n, s) => n + s.sink.rowCount, 0);
        files = await this.deps.files.write(table, spec, drained.partitions, this.mapping.file);
        committed = await this.deps.store.append(this.id, table, files, properties);
      }
      this.setTable(committed);
      this.committed = stored!;
      this.failures = 0;
      m.commitSeconds.observe({ table: this.fullName }, (this.now() - started) / 1000);
      m.commits.inc({ table: this.fullName });
      const rows = changes ? files.reduce((n, f) => n + f.recordCount, 0) : bronzeRows;
      m.recordsOut.inc({ table: this.fullName }, rows);
      for (const f of files) {
        m.filesWritten.inc({ table: this.fullName });
        m.fileBytes.observe({ table: this.fullName }, f.fileSizeInBytes);
      }
      if (drained.newestTimestampMs !== undefined) this.newestCommittedMs = Math.max(this.newestCommittedMs ?? 0, drained.newestTimestampMs);
      tableGauges(m, this.fullName, committed.metadata, this.now());
      this.log.debug({ reason, records: drained.records, rows, files: files.length, ms: this.now() - started }, 'committed');
      this.cadence.committed(waitingSince, { reason, records: drained.records, commitMs: this.now() - started });
      this.deps.events.committed(this.fullName, drained.ranges.map((r) => ({ topic: r.topic, partition: r.partition, offset: r.next })));
    } catch (err) {
      if (isFatal(err)) throw err;
      await this.recover(err, drained.ranges);
    } finally {
      // Committed, or discarded to be read again (then they are waiting in Kafka: lag).
      this.inFlightOldestMs = undefined;
    }
  }

  /** Silver: the touched keys as one row delta's files (docs/silver.md). */
  private writeChanges(table: LoadedTable, spec: PartitionSpec, changes: KeyedChange[]): Promise<{ data: DataFile[]; deletes: DataFile[] }> {
    const write = (partitions: PartitionData[]) => this.deps.files.write(table, spec, partitions, this.mapping.file);
    return writeChangeFiles(changes, this.schema!, this.keyColumns!, (row) => tupleKeyed(this.tupleOf!(row)), write);
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
      fresh ??= this.committed;
    } else {
      this.log.info({ err: (err as Error).message }, 'buffered ranges are stale; re-reading from the table offsets');
    }
    // From here to the end synchronous: no record can be appended in between.
    this.committed = fresh;
    this.buffer.discard();
    this.changes?.drain();
    this.cadence.reset();
    this.replayedPending = new ReplayedSet();
    const reseek: Array<TopicPartition & { offset: bigint | undefined }> = [];
    for (const p of this.parts.values()) {
      const offset = fresh.get(p.tp.topic, p.tp.partition);
      p.base = offset;
      p.next = offset;
      reseek.push({ ...p.tp, offset });
    }
    this.deps.events.reseek(this.fullName, reseek);
  }

  /** Drops the buffer without committing (a fatal error, or a revocation that could not commit). */
  discard(): void {
    this.buffer.discard();
    this.changes?.drain();
    this.cadence.reset();
    this.replayedPending = new ReplayedSet();
    for (const p of this.parts.values()) {
      const offset = this.committed.get(p.tp.topic, p.tp.partition);
      p.base = offset;
      p.next = offset;
    }
  }
}
