/**
 * One Kafka record through decode → route → project → buffer, for every table it feeds. A record
 * that cannot land goes to the dead-letter topic (or halts the daemon, per policy) and still
 * advances the table's range, so the committed offset never skips a record silently.
 */
import type { TableMapping } from '../config/index.js';
import { HEADER_SIZE, KeyDecoder, recordDecoder, type Decoded, type RecordDecoder, type SchemaSource } from '../decode/index.js';
import type { SourceRecord } from '../source/types.js';
import { describeError, FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { debeziumChange, keyRowFromKafkaKey, keyRowOf } from './silver.js';
import { isFatal } from './errors.js';
import type { RecordTables } from './record-tables.js';
import type { TableWriter, WriterPlan } from './table-writer.js';

/** What one decoder serves: tables by name, and tables routed by record type. */
interface Targets {
  tables: TableWriter[];
  families: RecordTables[];
}

export interface RecordContext {
  /** False once the batch must be abandoned (its partition was re-seeked, or the daemon stops). */
  current(): boolean;
  /** Retries `fn` on non-fatal errors with backoff while current(); rethrows fatal ones. */
  retrying<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
}

export class RecordHandler {
  /** One decoder per configured value format: the format is the decoder's business, not ours. */
  private readonly values = new Map<string, RecordDecoder>();
  private readonly keys = new Map<string, KeyDecoder>();

  constructor(
    private readonly schemas: SchemaSource,
    private readonly log: Logger,
  ) {}

  /** The last mapping asked for and its decoder: asked per record, and a key string per record cost ~1 %. */
  private lastMapping: TableMapping | undefined;
  private lastDecoder: RecordDecoder | undefined;

  private decoderOf(mapping: TableMapping): RecordDecoder {
    if (mapping === this.lastMapping) return this.lastDecoder!;
    const d = this.decoderFor(mapping);
    this.lastMapping = mapping;
    this.lastDecoder = d;
    return d;
  }

  private decoderFor(mapping: TableMapping): RecordDecoder {
    const { format, json } = mapping.value;
    const key = `${format}/${json}`;
    let d = this.values.get(key);
    if (!d) this.values.set(key, (d = recordDecoder(format, this.schemas, json)));
    return d;
  }

  /**
   * Returns false when the batch was abandoned part-way (nothing more of this record is applied).
   * Each target table is handled on its own: an unexpected exception while landing the record in
   * one table makes it that table's dead letter (the exception is the reason) and the others go
   * on. Only fatal errors (and `errors.policy: halt`) propagate and stop the daemon. `families`
   * are the targets routed by record type that still need the record (record-tables.ts).
   */
  async handle(record: SourceRecord, all: TableWriter[], ctx: RecordContext, families: RecordTables[] = []): Promise<boolean> {
    return this.handleNow(record, all, ctx, families);
  }

  /**
   * handle() without a promise per record when nothing has to wait: a value whose writer schema
   * is cached, for bronze tables with a prepared plan and raw keys — every record of a steady
   * stream. The async path cost a promise and several microtask turns per record (handle,
   * handleWith, guarded, value, kafkaKey), about a tenth of the daemon's CPU on small records.
   * Anything else (a schema to fetch, a table to create or evolve, key decoding, silver, tables
   * routed by record type) takes the async path; the synchronous one bails out to it before it
   * changes anything, so a record is never half-applied.
   */
  handleNow(record: SourceRecord, all: TableWriter[], ctx: RecordContext, families: RecordTables[] = []): boolean | Promise<boolean> {
    // A replayed dead letter that already landed in a table (replayed twice, or re-read after a
    // crash) only advances that table's offsets.
    const tables = all.length === 1 ? (all[0]!.skipIfReplayed(record) ? [] : all) : all.filter((t) => !t.skipIfReplayed(record));
    if (tables.length === 0 && families.length === 0) return true;
    if (families.length === 0 && record.value !== null) {
      const done = this.valueNow(record, tables);
      if (done !== undefined) return done;
    }
    return this.handleTables(record, tables, ctx, families);
  }

  /** The synchronous path of handleNow, or undefined (nothing done) when it does not apply. */
  private valueNow(record: SourceRecord, tables: TableWriter[]): boolean | undefined {
    const first = tables[0]!;
    const format = first.mapping.value.format;
    for (const t of tables) {
      if (t.silver || t.mapping.key?.format !== undefined || t.mapping.value.format !== format) return undefined;
    }
    const values = this.decoderOf(first.mapping);
    if (tables.length === 1 && this.direct(first, values, record)) return true;
    let decoded: Decoded | undefined;
    try {
      decoded = values.decodeCached(record.value!);
    } catch (err) {
      for (const t of tables) this.reject(t, record, err, 'decode');
      return true;
    }
    if (!decoded) return undefined;
    // Every plan first: a table without one sends the record down the async path untouched.
    const plans: WriterPlan[] = [];
    for (const t of tables) {
      const plan = t.plan(decoded.writer);
      if (!plan) return undefined;
      plans.push(plan);
    }
    for (let i = 0; i < tables.length; i++) {
      const t = tables[i]!;
      // As guarded() around value(): an unexpected error is this table's dead letter, unless the row is in.
      try {
        this.bronzeValue(t, plans[i]!, record, decoded.value);
      } catch (err) {
        if (isFatal(err)) throw err;
        this.unexpected(t, record, err, 'map');
      }
    }
    return true;
  }

  /**
   * The record straight from its bytes into the table's columns (src/schema/direct.ts), for a
   * plan that has a direct reader; false when not taken (any refusal included: the general path
   * then decodes the record again and gives the reason).
   */
  private direct(t: TableWriter, values: RecordDecoder, record: SourceRecord): boolean {
    if (!values.avroWriterCached) return false;
    let writer;
    try {
      writer = values.avroWriterCached(record.value!);
    } catch {
      return false; // a bad header: the general path dead-letters it
    }
    const plan = writer && t.plan(writer);
    if (plan?.action !== 'write' || !plan.direct) return false;
    return t.appendDirect(record, plan.direct, record.value!, HEADER_SIZE);
  }

  /** value() for a bronze table whose plan is ready and whose key is the raw Kafka key. */
  private bronzeValue(t: TableWriter, plan: WriterPlan, record: SourceRecord, value: unknown): void {
    if (plan.action === 'dead-letter') {
      this.reject(t, record, plan.error, 'map');
      return;
    }
    try {
      t.append(record, plan.project(value), record.key);
    } catch (err) {
      if (isFatal(err)) throw err;
      this.reject(t, record, err, 'map');
    }
  }

  private async handleTables(record: SourceRecord, tables: TableWriter[], ctx: RecordContext, families: RecordTables[]): Promise<boolean> {
    // Mappings of one topic may read its values in different formats: decode once per format.
    const groups = new Map<RecordDecoder, Targets>();
    const group = (m: TableMapping): Targets => {
      const d = this.decoderOf(m);
      let g = groups.get(d);
      if (!g) groups.set(d, (g = { tables: [], families: [] }));
      return g;
    };
    for (const t of tables) group(t.mapping).tables.push(t);
    for (const f of families) group(f.mapping).families.push(f);
    for (const [d, g] of groups) if (!(await this.handleWith(d, record, g, ctx))) return false;
    return true;
  }

  private async handleWith(values: RecordDecoder, record: SourceRecord, targets: Targets, ctx: RecordContext): Promise<boolean> {
    if (record.value === null) {
      for (const t of targets.tables) {
        if (!(await this.guarded(t, record, 'map', () => this.nullValue(values, t, record, ctx)))) return false;
      }
      for (const f of targets.families) if (!(await this.familyNullValue(values, f, record, ctx))) return false;
      return true;
    }
    let decoded: Decoded | undefined;
    try {
      decoded = values.decodeCached(record.value);
    } catch (err) {
      this.rejectAll(targets, record, err);
      return true;
    }
    if (!decoded) {
      try {
        // REGISTRY_UNAVAILABLE is retryable: wait for the registry, never dead-letter for it.
        decoded = await ctx.retrying('schema registry', () => values.decode(record.value!));
      } catch (err) {
        this.rejectAll(targets, record, err);
        return ctx.current();
      }
      if (!decoded || !ctx.current()) return false;
    }
    const d = decoded;
    for (const t of targets.tables) {
      if (!(await this.guarded(t, record, 'map', () => this.value(t, record, d, ctx)))) return false;
    }
    for (const f of targets.families) if (!(await this.familyValue(f, record, d, ctx))) return false;
    return true;
  }

  private rejectAll(targets: Targets, record: SourceRecord, err: unknown): void {
    for (const t of targets.tables) this.reject(t, record, err, 'decode');
    for (const f of targets.families) this.rejectInFamily(f, record, err, 'decode');
  }

  /** A decoded value into the table of its record type (made on first sight); the others pass it. */
  private async familyValue(f: RecordTables, record: SourceRecord, decoded: Decoded, ctx: RecordContext): Promise<boolean> {
    const name = decoded.writer.record;
    if (name === '') {
      this.rejectInFamily(f, record, new FloeError('RECORD_TYPE_UNKNOWN', `tables[${f.mapping.index}] routes by record type ({record}) and this ${decoded.writer.format} schema names none (a JSON Schema needs a title)`), 'map');
      return true;
    }
    const t = await f.writerFor(name, ctx.retrying);
    if (!t || !ctx.current()) return false;
    if (t.wants(record) && !t.skipIfReplayed(record)) {
      if (!(await this.guarded(t, record, 'map', () => this.value(t, record, decoded, ctx, true)))) return false;
    }
    f.passOthers(record, t);
    return true;
  }

  /**
   * A record without a value names no record type. Silver: the key is deleted from every table of
   * the mapping (its latest state may be of any type). Bronze: a tombstone row belongs to no one
   * table, so it is a dead letter (RECORD_TYPE_UNKNOWN).
   */
  private async familyNullValue(values: RecordDecoder, f: RecordTables, record: SourceRecord, ctx: RecordContext): Promise<boolean> {
    if (f.mapping.mode !== 'silver') {
      this.rejectInFamily(f, record, new FloeError('RECORD_TYPE_UNKNOWN', `a tombstone names no record type, and tables[${f.mapping.index}] routes by record type ({record})`), 'map');
      return true;
    }
    for (const t of f.wanting(record)) {
      if (!(await this.guarded(t, record, 'map', () => this.nullValue(values, t, record, ctx, true)))) return false;
    }
    return true;
  }

  /**
   * Runs one table's share of a record. An exception that is neither fatal nor a halt becomes the
   * record's dead letter for this table, unless the table already took the record (then the
   * record is in the table and only logged).
   */
  private async guarded(t: TableWriter, record: SourceRecord, stage: 'decode' | 'map', work: () => Promise<boolean>): Promise<boolean> {
    try {
      return await work();
    } catch (err) {
      if (isFatal(err)) throw err;
      this.unexpected(t, record, err, stage);
      return true;
    }
  }

  private unexpected(t: TableWriter, record: SourceRecord, err: unknown, stage: 'decode' | 'map'): void {
    if (!t.wants(record)) {
      this.log.warn({ table: t.fullName, topic: record.topic, partition: record.partition, offset: String(record.offset), err }, 'error after the record was buffered; the record stays in the table');
      return;
    }
    const reason = isFloeError(err) ? err : new FloeError('RECORD_UNEXPECTED', `unexpected error while handling the record: ${describeError(err)}`, { cause: err });
    this.log.warn({ table: t.fullName, topic: record.topic, partition: record.partition, offset: String(record.offset), err }, 'unexpected error handling a record; it goes to the dead-letter topic');
    this.reject(t, record, reason, stage);
  }

  /** A record without a value: a bronze row of nulls, or a silver delete. */
  private async nullValue(values: RecordDecoder, t: TableWriter, record: SourceRecord, ctx: RecordContext, routed = false): Promise<boolean> {
    if (!t.silver) {
      // Bronze holds every event: a tombstone is a row with null value columns and its _kafka
      // metadata (key, headers, position). Keys are validated as for any record.
      const k = await this.kafkaKey(t, record, ctx);
      if (!ctx.current()) return false;
      if (!k.ok) return true;
      let refused = await ctx.retrying(`tombstone columns of ${t.fullName}`, () => t.prepareTombstone());
      if (!ctx.current()) return false;
      if (isFloeError(refused, 'BRONZE_TOMBSTONE_NO_TABLE')) {
        refused = await this.createFromLatest(values, t, record, ctx);
        if (!ctx.current()) return false;
        refused ??= await ctx.retrying(`tombstone columns of ${t.fullName}`, () => t.prepareTombstone());
        if (!ctx.current()) return false;
      }
      if (refused) this.reject(t, record, refused, 'map');
      else t.tombstone(record);
      return true;
    }
    // A tombstone deletes the key; the Kafka key is all there is to identify it.
    const k = await this.kafkaKey(t, record, ctx);
    if (!ctx.current()) return false;
    if (!k.ok) return true;
    const key = keyRowFromKafkaKey(t.keyColumns!, k.value, t.mapping.key?.format);
    if (!key) {
      this.reject(t, record, new FloeError('SILVER_NO_KEY', 'tombstone without a key that maps onto the key columns'), 'decode');
      return true;
    }
    if (routed && !(await t.seed(record))) return false;
    try {
      t.remove(record, key);
    } catch (err) {
      if (isFatal(err)) throw err;
      this.reject(t, record, err, 'decode');
    }
    return true;
  }

  /** A decoded value into one table: plan (evolving the table if needed), key, project, buffer. */
  private async value(t: TableWriter, record: SourceRecord, decoded: Decoded, ctx: RecordContext, routed = false): Promise<boolean> {
    let plan = t.plan(decoded.writer);
    if (!plan) {
      const writer = decoded.writer;
      plan = await ctx.retrying(`schema of ${t.fullName}`, () => t.preparePlan(writer));
      if (!plan || !ctx.current()) return false;
    }
    if (plan.action === 'dead-letter') {
      this.reject(t, record, plan.error, 'map');
      return true;
    }
    const k = await this.kafkaKey(t, record, ctx);
    if (!k.ok) return true;
    if (!ctx.current()) return false;
    // A table routed by record type shows an offset for the partition before it takes a record of it.
    if (routed && !(await t.seed(record))) return false;
    let row;
    try {
      if (t.silver && t.mapping.envelope === 'debezium') {
        const change = debeziumChange(decoded.value);
        if (change.kind === 'delete') {
          const key = keyRowOf(t.keyColumns!, plan.project(change.before)) ?? keyRowFromKafkaKey(t.keyColumns!, k.value, t.mapping.key?.format);
          if (!key) throw new FloeError('SILVER_NO_KEY', 'delete event whose before image and Kafka key carry no key');
          t.remove(record, key);
          return true;
        }
        row = plan.project(change.value);
      } else {
        row = plan.project(decoded.value);
      }
      t.append(record, row, k.value);
    } catch (err) {
      if (isFatal(err)) throw err;
      this.reject(t, record, err, 'map');
    }
    return true;
  }

  /**
   * A tombstone came before the bronze table exists, so no record has told us its columns: create
   * the table from the latest value schema registered for the topic (subject `<topic>-value`, the
   * Confluent default naming; a raw topic's fixed schema). Returns why not when there is none, or
   * it cannot be mapped.
   */
  private async createFromLatest(values: RecordDecoder, t: TableWriter, record: SourceRecord, ctx: RecordContext): Promise<FloeError | undefined> {
    const subject = `${record.topic}-value`;
    const found = await ctx.retrying(`latest schema of ${subject}`, async () => ({ writer: await values.latestWriter(record.topic) }));
    if (!found) return undefined; // abandoned (the caller checks ctx.current())
    const writer = found.writer;
    if (writer === undefined) {
      return new FloeError('BRONZE_TOMBSTONE_NO_TABLE', `a tombstone came before any record with a value: ${t.fullName} does not exist yet and subject ${subject} has no registered schema to create it from`);
    }
    const plan = t.plan(writer) ?? (await ctx.retrying(`schema of ${t.fullName}`, () => t.preparePlan(writer)));
    if (plan?.action === 'dead-letter') return plan.error;
    this.log.info({ table: t.fullName, subject, schemaId: writer.id }, 'bronze table created from the latest registered schema for a tombstone');
    return undefined;
  }

  /**
   * The decoded Kafka key. Bronze stores keys as raw bytes (a configured Avro or string format is
   * still validated); silver keys rows by it. ok false: the record was dead-lettered.
   */
  private async kafkaKey(t: TableWriter, record: SourceRecord, ctx: RecordContext): Promise<{ ok: boolean; value?: unknown }> {
    const format = t.mapping.key?.format;
    if (format === undefined) return { ok: true, value: record.key };
    let decoder = this.keys.get(format);
    if (!decoder) this.keys.set(format, (decoder = new KeyDecoder(format, this.schemas)));
    try {
      return { ok: true, value: await ctx.retrying('key schema', () => decoder.decode(record.key)) };
    } catch (err) {
      this.reject(t, record, err, 'decode');
      return { ok: false };
    }
  }

  private rejectInFamily(f: RecordTables, record: SourceRecord, err: unknown, stage: 'decode' | 'map'): void {
    if (isFatal(err)) throw err;
    if (f.mapping.errors.policy === 'halt') throw haltError(f.mapping, record, err);
    f.deadLetter(record, err, stage);
  }

  private reject(t: TableWriter, record: SourceRecord, err: unknown, stage: 'decode' | 'map'): void {
    if (isFatal(err)) throw err;
    if (t.mapping.errors.policy === 'halt') throw haltError(t.mapping, record, err);
    this.log.debug({ table: t.fullName, topic: record.topic, partition: record.partition, offset: String(record.offset), err: isFloeError(err) ? err.code : String(err) }, 'dead letter');
    t.deadLetter(record, err, stage);
  }
}

function haltError(mapping: TableMapping, record: SourceRecord, err: unknown): FloeError {
  const reason = isFloeError(err) ? `${err.code}: ${err.message}` : String(err);
  return new FloeError('RECORD_HALT', `${record.topic}/${record.partition}@${record.offset} cannot be written (${reason}) and tables[${mapping.index}].errors.policy is halt`, {
    cause: err,
  });
}
