/**
 * What `--vs-connect` measures of one sink process (floe or a Kafka Connect JVM), the same way for
 * both: rows committed to its Iceberg table as the REST catalog reports them (the current
 * snapshot's `total-records`), its CPU (utime + stime of all threads, /proc/<pid>/stat) and its
 * peak RSS (VmHWM). Nothing here knows which sink it measures, so neither gets a private signal.
 */
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import type { AvroProducer } from '../test/harness/daemon.js';
import { sleep } from '../test/harness/daemon.js';
import { cpuSeconds, peakRssMiB } from './proc.js';

export interface SinkProcess {
  readonly pid: number;
  readonly running: boolean;
  log(): string;
}

/** Rows in the current snapshot of `namespace.table`, or 0 before the table or a snapshot exists. */
export function tableRows(catalog: RestCatalogClient, namespace: string, name: string): () => Promise<number> {
  return async () => {
    try {
      const { metadata } = await catalog.loadTable({ namespace: [namespace], name }, { snapshots: 'refs' });
      const current = metadata['current-snapshot-id'];
      const snap = (metadata.snapshots ?? []).find((s) => s['snapshot-id'] === current);
      return Number(snap?.summary?.['total-records'] ?? 0);
    } catch {
      return 0;
    }
  };
}

export interface CatchUp {
  /** Rows the sink had to commit (the topic's records when it started). */
  target: number;
  /** Sink start → the commit that covers the target. */
  wallSeconds: number;
  /** CPU of the whole run: start-up, catch-up and all. */
  cpuSeconds: number;
  /** The first commit that had rows: from there to the last one is the sustained window. */
  first: { rows: number; wallSeconds: number; cpuSeconds: number };
  /**
   * Rows committed and CPU spent between the first reads at or past 10 % and 90 % of the target:
   * the rate of a sink that is running, without its start-up (a JVM's is ~20 CPU s) and without
   * the wait for its last commit. Undefined when one commit crossed both marks.
   */
  middle?: { rows: number; cpuSeconds: number };
  commits: number;
}

/** The marks of CatchUp.middle, as shares of the target. */
const MIDDLE_FROM = 0.1;
const MIDDLE_TO = 0.9;

/**
 * Polls every 100 ms until the table holds `target` rows; `startedAt` is when the process was
 * spawned (its CPU counts from there).
 */
export async function measureCatchUp(
  sink: SinkProcess,
  rows: () => Promise<number>,
  target: number,
  startedAt: number,
  timeoutMs: number,
  progress: (line: string) => void,
): Promise<CatchUp> {
  let first: { at: number; cpu: number; rows: number } | undefined;
  let from: { cpu: number; rows: number } | undefined;
  let to: { cpu: number; rows: number } | undefined;
  let done = 0;
  let commits = 0;
  let lastReport = Date.now();
  while (done < target) {
    if (!sink.running) throw new Error(`sink exited before committing ${target} rows (${done}):\n${sink.log().slice(-4000)}`);
    if (Date.now() - startedAt > timeoutMs) throw new Error(`timed out at ${done}/${target} rows:\n${sink.log().slice(-4000)}`);
    await sleep(100);
    const now = await rows();
    if (now !== done) commits++;
    done = now;
    if (!first && done > 0) first = { at: Date.now(), cpu: cpuSeconds(sink.pid), rows: done };
    if (!from && done >= MIDDLE_FROM * target) from = { cpu: cpuSeconds(sink.pid), rows: done };
    if (!to && done >= MIDDLE_TO * target) to = { cpu: cpuSeconds(sink.pid), rows: done };
    if (Date.now() - lastReport > 15_000) {
      progress(`  … ${done.toLocaleString('en-US')}/${target.toLocaleString('en-US')} rows, ${cpuSeconds(sink.pid).toFixed(1)} CPU s`);
      lastReport = Date.now();
    }
  }
  const end = { at: Date.now(), cpu: cpuSeconds(sink.pid) };
  return {
    target,
    wallSeconds: (end.at - startedAt) / 1000,
    cpuSeconds: end.cpu,
    first: { rows: first!.rows, wallSeconds: (end.at - first!.at) / 1000, cpuSeconds: end.cpu - first!.cpu },
    ...(from && to && to.rows > from.rows ? { middle: { rows: to.rows - from.rows, cpuSeconds: to.cpu - from.cpu } } : {}),
    commits,
  };
}

export interface Freshness {
  seen: number;
  neverVisible: number;
  p50: number;
  p99: number;
  max: number;
  /** How often the catalog was read: the figures include up to one such interval plus a read. */
  pollMs: number;
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

/**
 * Produce → queryable while trickling: `rate` records/s for `seconds`, in 100 ms ticks spread over
 * the partitions. The table already holds `base` rows; the k-th trickled record counts as
 * queryable once the table holds more than base + k rows. (Each commit covers a prefix of every
 * partition, so this attributes visibility by produce order; the error is at most one tick.)
 * Latency = that moment − the moment just before its produce call. "That moment" is when a read of
 * the catalog that shows the rows returns, so the figure includes up to one poll interval plus one
 * read: `pollMs` (FLOE_BENCH_POLL_MS, 20 ms by default, as `--e2e` polls) keeps that small — at
 * 100 ms this bench added ~0.05–0.15 s to every sink's figures.
 */
export async function measureFreshness(
  sink: SinkProcess,
  rows: () => Promise<number>,
  producer: AvroProducer,
  topic: string,
  partitions: number,
  frames: Buffer[],
  base: number,
  rate: number,
  seconds: number,
  pollMs = 20,
): Promise<Freshness> {
  const sentAt: number[] = [];
  let producing = true;
  const producerLoop = (async () => {
    const tick = 100;
    const perTick = Math.max(1, Math.round((rate * tick) / 1000));
    const stopAt = Date.now() + seconds * 1000;
    let seq = 0;
    while (Date.now() < stopAt && seq + perTick <= frames.length) {
      const next = Date.now() + tick;
      const at = Date.now();
      const batch = frames.slice(seq, seq + perTick).map((value, k) => ({ value, partition: (base + seq + k) % partitions }));
      await producer.send(topic, batch);
      for (let k = 0; k < batch.length; k++) sentAt.push(at);
      seq += batch.length;
      await sleep(Math.max(0, next - Date.now()));
    }
  })().finally(() => {
    producing = false;
  });
  const latencies: number[] = [];
  const deadline = Date.now() + (seconds + 120) * 1000;
  while ((producing || latencies.length < sentAt.length) && Date.now() < deadline) {
    if (!sink.running) throw new Error(`sink exited while trickling:\n${sink.log().slice(-4000)}`);
    const visible = (await rows()) - base;
    const now = Date.now();
    while (latencies.length < Math.min(visible, sentAt.length)) latencies.push(now - sentAt[latencies.length]!);
    await sleep(pollMs);
  }
  await producerLoop;
  const sorted = [...latencies].sort((a, b) => a - b);
  return {
    seen: latencies.length,
    neverVisible: sentAt.length - latencies.length,
    p50: percentile(sorted, 50) / 1000,
    p99: percentile(sorted, 99) / 1000,
    max: (sorted.at(-1) ?? NaN) / 1000,
    pollMs,
  };
}

export { peakRssMiB };
