/**
 * Dead letters: records that cannot be decoded or mapped go to a dead-letter topic with their
 * original key, value and headers plus `floe.*` headers naming the error and the source position.
 * No record is ever dropped silently.
 *
 * Durability contract with the orchestrator: `add()` only queues; `flush()` resolves once every
 * letter added before it is acknowledged by all in-sync replicas (idempotent producer, acks -1).
 * The orchestrator awaits `flush()` before it commits table offsets that cover those records, so
 * a committed offset never skips a record that is neither in the table nor in the dead-letter
 * topic. A crash between flush and table commit re-reads the records and dead-letters them
 * again: the dead-letter topic is at-least-once; (floe.source.topic, partition, offset)
 * identifies duplicates.
 *
 * Sends are chunked: at most SEND_MAX_LETTERS letters and about SEND_MAX_BYTES per produce
 * request, well under the broker's default `message.max.bytes` (~1 MiB). One request for a whole
 * burst (thousands of letters after a bad deploy) exceeded it, the broker rejected every attempt
 * and the commits that wait for flush() failed forever. A single letter larger than
 * LETTER_MAX_BYTES is cut to fit (its value first), with `floe.truncated.*` headers giving the
 * original sizes; the source position headers still point at the complete record.
 */
import type { Kafka, Message, Producer } from 'kafkajs';
import { describeError, FloeError, isFloeError } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { compressionType, type CompressionName } from './codecs.js';
import { ensureTopic, type EnsureTopicOptions } from './admin.js';
import type { SourceRecord } from './types.js';

export const DEAD_LETTER_HEADERS = {
  errorCode: 'floe.error.code',
  errorMessage: 'floe.error.message',
  errorStage: 'floe.error.stage',
  sourceTopic: 'floe.source.topic',
  sourcePartition: 'floe.source.partition',
  sourceOffset: 'floe.source.offset',
  sourceTimestamp: 'floe.source.timestamp',
  /** Original value length in bytes, present when the letter's value was cut to fit. */
  truncatedValue: 'floe.truncated.value',
  /** Original key length in bytes, present when the key was dropped to fit. */
  truncatedKey: 'floe.truncated.key',
  /** Number of original headers dropped to fit (present only then). */
  truncatedHeaders: 'floe.truncated.headers',
} as const;

/** Bounds of one produce request; the broker's default limit is ~1 MiB (message.max.bytes). */
export const SEND_MAX_LETTERS = 500;
export const SEND_MAX_BYTES = 512 * 1024;
/** A letter estimated above this is truncated (see letterBytes); it is then sent on its own. */
export const LETTER_MAX_BYTES = 900 * 1024;
/** Rough per-record and per-header framing overhead in a record batch (varints, attributes). */
const RECORD_OVERHEAD = 64;
const HEADER_OVERHEAD = 8;

/** Kafka headers have no size limit of their own, but a record does: keep messages readable. */
const MAX_MESSAGE_CHARS = 2000;

export type DeadLetterStage = 'decode' | 'map' | 'write' | (string & {});

export interface DeadLetter {
  record: SourceRecord;
  /** A FloeError (its code is used) or anything thrown. */
  error: unknown;
  stage: DeadLetterStage;
}

export interface DeadLetterSinkOptions {
  kafka: Kafka;
  /** The dead-letter topic, or one per source topic. */
  topic: string | ((record: SourceRecord) => string);
  /** Create missing dead-letter topics on first use (default true). */
  ensureTopic?: boolean | EnsureTopicOptions;
  compression?: CompressionName;
  /** flush() gives up (retryably) after this long; sends go on in the background. Default 60 s. */
  flushTimeoutMs?: number;
  logger?: Logger;
}

interface Pending {
  topic: string;
  message: Message;
  bytes: number;
}

export class DeadLetterSink {
  private readonly producer: Producer;
  private readonly log: Logger;
  private readonly ensured = new Set<string>();
  private queue: Pending[] = [];
  /** Letters whose send failed: retried by the next flush(). */
  private failed: Pending[] = [];
  private lastError: unknown;
  private sending: Promise<void> | undefined;
  private connected = false;
  private starting: Promise<void> | undefined;
  private sentCount = 0;
  private sendingCount = 0;

  constructor(private readonly options: DeadLetterSinkOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'dead-letter' });
    // Idempotent: kafkajs' internal retries never write a letter twice. One request in flight
    // keeps kafkajs' sequence numbers simple and letters in order per partition.
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  /**
   * Connects the producer. One attempt, shared by every caller: a daemon starts it in the background
   * and lets add() queue meanwhile, since flush() waits for it (and fails as it did).
   */
  start(): Promise<void> {
    this.starting ??= (async () => {
      try {
        await this.producer.connect();
        this.connected = true;
      } catch (err) {
        throw new FloeError('KAFKA_CONNECT', `dead-letter producer cannot connect: ${(err as Error).message}`, { cause: err, retryable: true });
      }
    })();
    return this.starting;
  }

  /** Queues a letter. It is durable only after the next successful `flush()`. */
  add(letter: DeadLetter): void {
    const topic = typeof this.options.topic === 'string' ? this.options.topic : this.options.topic(letter.record);
    const message = fitLetter(toDeadLetterMessage(letter));
    this.queue.push({ topic, message, bytes: letterBytes(message) });
    this.kick();
  }

  /** Letters queued, being sent or failed: not yet acknowledged. */
  get pending(): number {
    return this.queue.length + this.sendingCount + this.failed.length;
  }

  /** Letters acknowledged so far (for metrics). */
  get sent(): number {
    return this.sentCount;
  }

  /**
   * Resolves when every letter added so far is acknowledged by the brokers (acks -1). Rejects with
   * a retryable FloeError if some could not be written; they stay queued for the next flush().
   */
  async flush(): Promise<void> {
    if (this.starting) await this.starting;
    if (this.failed.length > 0) {
      this.queue.unshift(...this.failed);
      this.failed = [];
    }
    this.kick();
    const timeoutMs = this.options.flushTimeoutMs ?? 60_000;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<'timeout'>((resolve) => {
      timer = setTimeout(() => resolve('timeout'), timeoutMs);
    });
    try {
      while (this.sending) {
        if ((await Promise.race([this.sending.then(() => 'done' as const), timeout])) === 'timeout') {
          throw new FloeError('DLQ_FLUSH_TIMEOUT', `dead letters not acknowledged within ${timeoutMs} ms`, { retryable: true });
        }
      }
    } finally {
      clearTimeout(timer);
    }
    if (this.failed.length > 0) {
      const err = this.lastError;
      throw new FloeError('DLQ_WRITE', `${this.failed.length} dead letters could not be written: ${describeError(err)}`, {
        cause: err,
        retryable: !isFloeError(err) || err.retryable,
      });
    }
  }

  /** Flushes what is queued (best effort) and disconnects. */
  async stop(): Promise<void> {
    try {
      await this.flush();
    } catch (err) {
      this.log.error({ err, pending: this.pending }, 'dead letters not flushed at stop');
    }
    if (this.connected) await this.producer.disconnect().catch(() => undefined);
    this.connected = false;
  }

  /**
   * One sender loop: sends the queue in chunks (bounded by count and bytes, in queue order) until
   * it is empty. A failed chunk and everything after it go to `failed`, for the next flush().
   */
  private kick(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue.splice(0, chunkLength(this.queue));
        this.sendingCount = batch.length;
        try {
          await this.send(batch);
          this.sentCount += batch.length;
        } catch (err) {
          this.lastError = err;
          // The rest would most likely fail the same way: keep them (in order) for the next flush.
          this.failed.push(...batch, ...this.queue.splice(0));
          this.log.warn({ err, letters: batch.length }, 'dead-letter send failed');
        } finally {
          this.sendingCount = 0;
        }
      }
    })().finally(() => {
      this.sending = undefined;
    });
  }

  private async send(batch: Pending[]): Promise<void> {
    const byTopic = new Map<string, Message[]>();
    for (const { topic, message } of batch) {
      let list = byTopic.get(topic);
      if (!list) byTopic.set(topic, (list = []));
      list.push(message);
    }
    for (const topic of byTopic.keys()) await this.ensure(topic);
    // Never send before connect() is done: kafkajs' idempotent producer takes its broker lock only
    // once it has a producer id, so a send that starts before initProducerId ends fails to release
    // the lock after the broker stored the batch ("Cannot read properties of undefined (reading
    // 'release')"), and its retry writes the letters a second time.
    await this.start();
    await this.producer.sendBatch({
      acks: -1,
      compression: compressionType(this.options.compression ?? 'none'),
      topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
    });
  }

  private async ensure(topic: string): Promise<void> {
    const opt = this.options.ensureTopic ?? true;
    if (opt === false || this.ensured.has(topic)) return;
    const admin = this.options.kafka.admin();
    await admin.connect();
    try {
      if (await ensureTopic(admin, topic, opt === true ? {} : opt)) this.log.info({ topic }, 'dead-letter topic created');
    } finally {
      await admin.disconnect().catch(() => undefined);
    }
    this.ensured.add(topic);
  }
}

/** How many letters from the front of `queue` make the next send (at least one). */
export function chunkLength(queue: ReadonlyArray<{ bytes: number }>): number {
  let n = 0;
  let bytes = 0;
  while (n < queue.length && n < SEND_MAX_LETTERS) {
    const next = queue[n]!.bytes;
    if (n > 0 && bytes + next > SEND_MAX_BYTES) break;
    bytes += next;
    n++;
  }
  return n;
}

const byteLength = (v: Buffer | string | null | undefined): number =>
  v === null || v === undefined ? 0 : typeof v === 'string' ? Buffer.byteLength(v) : v.length;

/** Estimated size of a letter in a produce request (uncompressed). */
export function letterBytes(message: Message): number {
  let bytes = RECORD_OVERHEAD + byteLength(message.key) + byteLength(message.value);
  for (const [name, value] of Object.entries(message.headers ?? {})) {
    const values = Array.isArray(value) ? value : [value];
    for (const v of values) bytes += HEADER_OVERHEAD + Buffer.byteLength(name) + byteLength(v as Buffer | string | undefined);
  }
  return bytes;
}

/**
 * A letter that fits LETTER_MAX_BYTES: unchanged if it does; else its value is cut (header
 * floe.truncated.value = original length) and, if that is not enough, the key and the original
 * (non-floe) headers are dropped too. The letter always goes: an oversized one would fail every
 * send, and every commit behind it.
 */
export function fitLetter(message: Message): Message {
  const size = letterBytes(message);
  if (size <= LETTER_MAX_BYTES) return message;
  const headers: Record<string, Buffer | string | (Buffer | string)[] | undefined> = { ...(message.headers ?? {}) };
  const valueLength = byteLength(message.value);
  const marker = 64; // room for the floe.truncated.* headers
  const room = LETTER_MAX_BYTES - marker - (size - valueLength);
  if (room >= 0) {
    const value = Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value ?? '');
    headers[DEAD_LETTER_HEADERS.truncatedValue] = Buffer.from(String(valueLength));
    return { ...message, value: value.subarray(0, room), headers };
  }
  // Key and headers alone are too large: keep only the floe.* headers (error and source position).
  const kept: typeof headers = {};
  let dropped = 0;
  for (const [name, value] of Object.entries(headers)) {
    if (name.startsWith('floe.')) kept[name] = value;
    else dropped++;
  }
  kept[DEAD_LETTER_HEADERS.truncatedValue] = Buffer.from(String(valueLength));
  if (message.key !== null && message.key !== undefined) kept[DEAD_LETTER_HEADERS.truncatedKey] = Buffer.from(String(byteLength(message.key)));
  if (dropped > 0) kept[DEAD_LETTER_HEADERS.truncatedHeaders] = Buffer.from(String(dropped));
  const rest = letterBytes({ key: null, value: null, headers: kept });
  const value = Buffer.isBuffer(message.value) ? message.value : Buffer.from(message.value ?? '');
  return { key: null, value: value.subarray(0, Math.max(0, LETTER_MAX_BYTES - rest)), headers: kept };
}

/**
 * The dead-letter record: original key, value and headers plus the floe.* headers. Copies of the
 * record's bytes: it waits to be sent past its batch, and the record's are views into a fetch
 * response whose memory is reused once the batch is handled (fetch-buffers.ts).
 */
export function toDeadLetterMessage({ record, error, stage }: DeadLetter): Message {
  const message = describeError(error);
  // kafkajs' producer takes headers as an object: a repeated key becomes an array (its values keep
  // their order; the interleaving with other keys does not survive). It cannot send a null header
  // value (its size computation throws on null), so a null value goes as an empty one; the
  // floe.source.* headers lead to the original record.
  const headers: Record<string, Buffer | Buffer[]> = {};
  for (const { key, value: v } of record.headers) {
    const value = v === null ? EMPTY : Buffer.from(v);
    const prev = headers[key];
    headers[key] = prev === undefined ? value : Array.isArray(prev) ? [...prev, value] : [prev, value];
  }
  headers[DEAD_LETTER_HEADERS.errorCode] = Buffer.from(isFloeError(error) ? error.code : 'UNEXPECTED');
  headers[DEAD_LETTER_HEADERS.errorMessage] = Buffer.from(
    message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
  );
  headers[DEAD_LETTER_HEADERS.errorStage] = Buffer.from(stage);
  headers[DEAD_LETTER_HEADERS.sourceTopic] = Buffer.from(record.topic);
  headers[DEAD_LETTER_HEADERS.sourcePartition] = Buffer.from(String(record.partition));
  headers[DEAD_LETTER_HEADERS.sourceOffset] = Buffer.from(record.offset.toString());
  headers[DEAD_LETTER_HEADERS.sourceTimestamp] = Buffer.from(String(record.timestamp));
  return { key: record.key === null ? null : Buffer.from(record.key), value: record.value === null ? null : Buffer.from(record.value), headers };
}

const EMPTY = Buffer.alloc(0);
