/**
 * One Kafka record through decode → route → project → buffer, for every table it feeds. A record
 * that cannot land goes to the dead-letter topic (or halts the daemon, per policy) and still
 * advances the table's range, so the committed offset never skips a record silently.
 */
import type { TableMapping } from '../config/index.js';
import { KeyDecoder, ValueDecoder, type Decoded, type SchemaSource } from '../decode/index.js';
import type { SourceRecord } from '../source/types.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { isFatal, type TableWriter } from './table-writer.js';

export interface RecordContext {
  /** False once the batch must be abandoned (its partition was re-seeked, or the daemon stops). */
  current(): boolean;
  /** Retries `fn` on non-fatal errors with backoff while current(); rethrows fatal ones. */
  retrying<T>(what: string, fn: () => Promise<T>): Promise<T | undefined>;
}

export class RecordHandler {
  private readonly values: ValueDecoder;
  private readonly keys = new Map<string, KeyDecoder>();

  constructor(
    private readonly schemas: SchemaSource,
    private readonly log: Logger,
  ) {
    this.values = new ValueDecoder(schemas);
  }

  /** Returns false when the batch was abandoned part-way (nothing of this record was applied). */
  async handle(record: SourceRecord, targets: TableWriter[], ctx: RecordContext): Promise<boolean> {
    if (record.value === null) {
      const err = new FloeError('BRONZE_NULL_VALUE', 'record has no value (a tombstone); bronze tables hold values');
      for (const t of targets) this.reject(t, record, err, 'decode');
      return true;
    }
    let decoded: Decoded | undefined;
    try {
      decoded = this.values.decodeCached(record.value);
    } catch (err) {
      for (const t of targets) this.reject(t, record, err, 'decode');
      return true;
    }
    if (!decoded) {
      try {
        // REGISTRY_UNAVAILABLE is retryable: wait for the registry, never dead-letter for it.
        decoded = await ctx.retrying('schema registry', () => this.values.decode(record.value!));
      } catch (err) {
        for (const t of targets) this.reject(t, record, err, 'decode');
        return ctx.current();
      }
      if (!decoded || !ctx.current()) return false;
    }
    for (const t of targets) {
      let plan = t.plan(decoded.writer);
      if (!plan) {
        const writer = decoded.writer;
        plan = await ctx.retrying(`schema of ${t.fullName}`, () => t.preparePlan(writer));
        if (!plan || !ctx.current()) return false;
      }
      if (plan.action === 'dead-letter') {
        this.reject(t, record, plan.error, 'map');
        continue;
      }
      if (!(await this.keyValid(t, record, ctx))) continue;
      if (!ctx.current()) return false;
      let row;
      try {
        row = plan.project(decoded.value);
        t.append(record, row);
      } catch (err) {
        if (isFatal(err)) throw err;
        this.reject(t, record, err, 'map');
      }
    }
    return true;
  }

  /** Keys are stored as raw bytes; a configured Avro or string key format is still validated. */
  private async keyValid(t: TableWriter, record: SourceRecord, ctx: RecordContext): Promise<boolean> {
    const format = t.mapping.key?.format;
    if (format === undefined || format === 'bytes') return true;
    let decoder = this.keys.get(format);
    if (!decoder) this.keys.set(format, (decoder = new KeyDecoder(format, this.schemas)));
    try {
      await ctx.retrying('key schema', () => decoder.decode(record.key));
      return true;
    } catch (err) {
      this.reject(t, record, err, 'decode');
      return false;
    }
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
    details: { fatal: true },
  });
}
