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
} as const;

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
  private sentCount = 0;
  private sendingCount = 0;

  constructor(private readonly options: DeadLetterSinkOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'dead-letter' });
    // Idempotent: kafkajs' internal retries never write a letter twice. One request in flight
    // keeps kafkajs' sequence numbers simple and letters in order per partition.
    this.producer = options.kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  }

  async start(): Promise<void> {
    try {
      await this.producer.connect();
      this.connected = true;
    } catch (err) {
      throw new FloeError('KAFKA_CONNECT', `dead-letter producer cannot connect: ${(err as Error).message}`, { cause: err, retryable: true });
    }
  }

  /** Queues a letter. It is durable only after the next successful `flush()`. */
  add(letter: DeadLetter): void {
    const topic = typeof this.options.topic === 'string' ? this.options.topic : this.options.topic(letter.record);
    this.queue.push({ topic, message: toDeadLetterMessage(letter) });
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

  /** One sender loop: sends everything queued as one request, until the queue is empty. */
  private kick(): void {
    if (this.sending || this.queue.length === 0) return;
    this.sending = (async () => {
      while (this.queue.length > 0) {
        const batch = this.queue;
        this.queue = [];
        this.sendingCount = batch.length;
        try {
          await this.send(batch);
          this.sentCount += batch.length;
        } catch (err) {
          this.lastError = err;
          this.failed.push(...batch);
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

/** The dead-letter record: original key, value and headers plus the floe.* headers. */
export function toDeadLetterMessage({ record, error, stage }: DeadLetter): Message {
  const message = describeError(error);
  const headers: Record<string, Buffer | Buffer[]> = { ...record.headers };
  headers[DEAD_LETTER_HEADERS.errorCode] = Buffer.from(isFloeError(error) ? error.code : 'UNEXPECTED');
  headers[DEAD_LETTER_HEADERS.errorMessage] = Buffer.from(
    message.length > MAX_MESSAGE_CHARS ? `${message.slice(0, MAX_MESSAGE_CHARS)}…` : message,
  );
  headers[DEAD_LETTER_HEADERS.errorStage] = Buffer.from(stage);
  headers[DEAD_LETTER_HEADERS.sourceTopic] = Buffer.from(record.topic);
  headers[DEAD_LETTER_HEADERS.sourcePartition] = Buffer.from(String(record.partition));
  headers[DEAD_LETTER_HEADERS.sourceOffset] = Buffer.from(record.offset.toString());
  headers[DEAD_LETTER_HEADERS.sourceTimestamp] = Buffer.from(String(record.timestamp));
  return { key: record.key, value: record.value, headers };
}
