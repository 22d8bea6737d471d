/**
 * `floe dlq replay`: sends selected dead letters back to their source topic (or another one),
 * once their cause is fixed (the table evolved, the mapping or the producer was corrected).
 *
 * A replayed record is the original key, value and headers, on the original partition (when it
 * goes back to its source topic) with the original timestamp, plus:
 * - `floe.replay.of`: `topic/partition/offset` of the record that was dead-lettered — the
 *   writer's idempotence key: a table records the originals that landed in its snapshot summary
 *   (src/commit/replayed.ts), so replaying twice never writes a record twice, and on a silver
 *   table the change is ordered at its original position;
 * - `floe.replay.dlq`: `topic/partition/offset` of the dead letter it came from;
 * - `floe.replay.at`: when it was replayed (ISO 8601).
 * A letter replayed again after failing again keeps its first `floe.replay.of`.
 *
 * Letters whose value was cut to fit the dead-letter topic (`floe.truncated.*`) are never
 * replayed: their bytes are not the original's.
 */
import type { IHeaders, Kafka } from 'kafkajs';
import { formatCoordinates, REPLAY_OF_HEADER } from '../commit/replayed.js';
import { FloeError } from '../util/errors.js';
import { fetchWatermarks, withAdmin } from './admin.js';
import { DEAD_LETTER_HEADERS } from './dead-letter.js';
import { readRanges } from './reader.js';
import { lastHeader, type SourceRecord } from './types.js';

export const REPLAY_HEADERS = { of: REPLAY_OF_HEADER, dlq: 'floe.replay.dlq', at: 'floe.replay.at' } as const;

export interface ReplaySelection {
  /** Dead letters written at or after this time (ms, the dead letter's own timestamp). */
  sinceMs?: number;
  /** ... and before this time. */
  untilMs?: number;
  sourceTopic?: string;
  sourcePartition?: number;
  /** Inclusive range of original offsets. */
  fromOffset?: bigint;
  toOffset?: bigint;
  /** Error codes (`floe.error.code`), any of. */
  codes?: string[];
}

export interface DeadLetterInfo {
  deadLetter: string;
  source: string;
  code: string;
  message: string;
  deadLetteredAt: string;
}

export interface ReplayPlan {
  letters: Array<DeadLetterInfo & { record: SourceRecord; target: string; partition: number | undefined }>;
  /** Selected but not replayable, with the reason. */
  skipped: Array<DeadLetterInfo & { reason: string }>;
  /** Dead letters read (selected or not). */
  scanned: number;
}

const text = (r: SourceRecord, key: string): string | undefined => lastHeader(r.headers, key)?.toString('utf8');

function info(r: SourceRecord): DeadLetterInfo {
  return {
    deadLetter: `${r.topic}/${r.partition}/${r.offset}`,
    source: `${text(r, DEAD_LETTER_HEADERS.sourceTopic) ?? '?'}/${text(r, DEAD_LETTER_HEADERS.sourcePartition) ?? '?'}/${text(r, DEAD_LETTER_HEADERS.sourceOffset) ?? '?'}`,
    code: text(r, DEAD_LETTER_HEADERS.errorCode) ?? '',
    message: text(r, DEAD_LETTER_HEADERS.errorMessage) ?? '',
    deadLetteredAt: new Date(r.timestamp).toISOString(),
  };
}

export function selects(r: SourceRecord, s: ReplaySelection): boolean {
  if (s.sinceMs !== undefined && r.timestamp < s.sinceMs) return false;
  if (s.untilMs !== undefined && r.timestamp >= s.untilMs) return false;
  if (s.sourceTopic !== undefined && text(r, DEAD_LETTER_HEADERS.sourceTopic) !== s.sourceTopic) return false;
  if (s.sourcePartition !== undefined && text(r, DEAD_LETTER_HEADERS.sourcePartition) !== String(s.sourcePartition)) return false;
  if (s.fromOffset !== undefined || s.toOffset !== undefined) {
    const o = text(r, DEAD_LETTER_HEADERS.sourceOffset);
    if (o === undefined || !/^\d+$/.test(o)) return false;
    if (s.fromOffset !== undefined && BigInt(o) < s.fromOffset) return false;
    if (s.toOffset !== undefined && BigInt(o) > s.toOffset) return false;
  }
  if (s.codes && s.codes.length > 0 && !s.codes.includes(text(r, DEAD_LETTER_HEADERS.errorCode) ?? '')) return false;
  return true;
}

/** Reads the whole dead-letter topic (up to its current end) and selects what to replay. */
export async function planReplay(kafka: Kafka, deadLetterTopic: string, selection: ReplaySelection, toTopic?: string): Promise<ReplayPlan> {
  const topics = await withAdmin(kafka, (a) => a.listTopics());
  if (!topics.includes(deadLetterTopic)) throw new FloeError('USAGE', `dead-letter topic "${deadLetterTopic}" does not exist`);
  const marks = await withAdmin(kafka, (a) => fetchWatermarks(a, [deadLetterTopic]));
  const plan: ReplayPlan = { letters: [], skipped: [], scanned: 0 };
  const unfinished = await readRanges(
    kafka,
    marks.map((w) => ({ topic: w.topic, partition: w.partition, from: w.low, to: w.high })),
    (r) => {
      plan.scanned++;
      if (!selects(r, selection)) return;
      const i = info(r);
      const sourceTopic = text(r, DEAD_LETTER_HEADERS.sourceTopic);
      const partition = Number(text(r, DEAD_LETTER_HEADERS.sourcePartition));
      if (!sourceTopic || !Number.isInteger(partition) || !/^\d+$/.test(text(r, DEAD_LETTER_HEADERS.sourceOffset) ?? '')) {
        plan.skipped.push({ ...i, reason: 'not a floe dead letter (floe.source.* headers missing)' });
      } else if (r.headers.some((h) => h.key.startsWith('floe.truncated.'))) {
        plan.skipped.push({ ...i, reason: 'its value was cut to fit the dead-letter topic; the original bytes are gone' });
      } else {
        plan.letters.push({ ...i, record: r, target: toTopic ?? sourceTopic, partition: toTopic === undefined ? partition : undefined });
      }
    },
    { groupPrefix: 'floe-dlq-replay', timeoutMs: 120_000 },
  );
  if (unfinished.length > 0) throw new FloeError('KAFKA_CONNECT', `could not read ${unfinished.join(', ')} of ${deadLetterTopic} to its end in time`, { retryable: true });
  // Partition order, then offset order: replays of one source partition keep their order.
  plan.letters.sort((a, b) => a.record.partition - b.record.partition || (a.record.offset < b.record.offset ? -1 : 1));
  return plan;
}

/** The message a letter is replayed as (exported for tests). */
export function replayMessage(letter: ReplayPlan['letters'][number], nowMs: number): { key: Buffer | null; value: Buffer | null; headers: IHeaders; timestamp: string; partition?: number } {
  const r = letter.record;
  const headers: IHeaders = {};
  for (const { key, value } of r.headers) {
    if (Object.values(DEAD_LETTER_HEADERS).includes(key as never) || key === REPLAY_HEADERS.dlq || key === REPLAY_HEADERS.at) continue;
    const v = value ?? Buffer.alloc(0);
    const prev = headers[key];
    headers[key] = prev === undefined ? v : Array.isArray(prev) ? [...prev, v] : [prev as Buffer, v];
  }
  const original = { topic: text(r, DEAD_LETTER_HEADERS.sourceTopic)!, partition: Number(text(r, DEAD_LETTER_HEADERS.sourcePartition)), offset: BigInt(text(r, DEAD_LETTER_HEADERS.sourceOffset)!) };
  // A letter that was itself a replay keeps the first original: one idempotence key per event.
  headers[REPLAY_HEADERS.of] ??= Buffer.from(formatCoordinates(original));
  headers[REPLAY_HEADERS.dlq] = Buffer.from(letter.deadLetter);
  headers[REPLAY_HEADERS.at] = Buffer.from(new Date(nowMs).toISOString());
  const ts = Number(text(r, DEAD_LETTER_HEADERS.sourceTimestamp));
  return {
    key: r.key,
    value: r.value,
    headers,
    timestamp: String(Number.isFinite(ts) && ts >= 0 ? ts : nowMs),
    ...(letter.partition === undefined ? {} : { partition: letter.partition }),
  };
}

/** Sends the planned letters (idempotent producer, acks from all in-sync replicas), in chunks. */
export async function sendReplay(kafka: Kafka, plan: ReplayPlan, progress: (done: number, total: number) => void, nowMs = Date.now()): Promise<number> {
  const producer = kafka.producer({ idempotent: true, maxInFlightRequests: 1, allowAutoTopicCreation: false });
  await producer.connect();
  let done = 0;
  try {
    for (let i = 0; i < plan.letters.length; i += 200) {
      const chunk = plan.letters.slice(i, i + 200);
      const byTopic = new Map<string, ReturnType<typeof replayMessage>[]>();
      for (const l of chunk) byTopic.set(l.target, [...(byTopic.get(l.target) ?? []), replayMessage(l, nowMs)]);
      await producer.sendBatch({ acks: -1, topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })) });
      done += chunk.length;
      progress(done, plan.letters.length);
    }
  } finally {
    await producer.disconnect().catch(() => undefined);
  }
  return done;
}
