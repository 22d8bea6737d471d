/**
 * When a table commits: `commit.maxRecords`, `commit.maxBytes` and `commit.intervalMs` bound what
 * one commit holds and how long a record read waits for its commit — also while catching up on a
 * backlog, when a fetched batch alone can hold more than maxRecords and the next batch is read
 * while the previous buffer is still being committed.
 *
 * The bounds are checked per record (the daemon asks `full()` before appending and `due()` after),
 * never per fetched batch. The size of the Arrow builders costs a walk over the column tree, so it
 * is measured every few records only: a commit may exceed maxBytes by that many records.
 *
 * The interval trigger fires early by about one commit's duration (leadMs), so that a record is
 * queryable within intervalMs of being produced rather than a commit's duration after it; for a
 * live record (one read within a quarter of the interval of its Kafka timestamp) also by the time
 * it took to reach floe; and at the last check before it falls due rather than the first after.
 * All of it together is at most half the interval.
 *
 * A commit is *late* when its oldest record waited longer than intervalMs plus a grace of
 * max(intervalMs, 5 s) between being read and being committed: commits take longer than the
 * configured cadence allows, i.e. the machine (or the catalog, or storage) cannot keep up.
 */
import type { CommitConfig } from '../config/index.js';
import type { Logger } from '../util/log.js';
import type { DaemonMetrics } from './metrics.js';
import type { CommitInfo } from './ports.js';

/** Records between two measurements of the buffered bytes. */
export const BYTES_SAMPLE_RECORDS = 16;
const LATE_GRACE_MIN_MS = 5000;
const LATE_WARNING_EVERY_MS = 60_000;

export type FlushReason = 'records' | 'bytes' | 'interval';

/** Commits remembered for the interval trigger's lead (see CommitCadence.leadMs). */
const LEAD_COMMITS = 8;

/**
 * One commit's share of memory.budgetBytes: a commit holds at most budget / COMMIT_BUDGET_SHARE of
 * buffered data, whatever commit.maxBytes says. Draining a backlog, a commit of B buffered bytes
 * briefly needs several times B (the Arrow table, its IPC copy, parquet-wasm's copy, whose memory
 * never shrinks, and the Parquet output) while the next buffer fills: with the 256 MiB default a
 * 512 MiB budget peaked at 1,678 MiB RSS on a 10 M record backlog, at 1/16 (32 MiB) at 747 MiB;
 * 1/32 (16 MiB) takes another ~70 MiB off a drain's peak at the same CPU per record
 * (docs/benchmarks.md, "Bounded memory" and "Memory: half of Kafka Connect's").
 */
export const COMMIT_BUDGET_SHARE = 32;

/** The commit bounds a table gets under a memory budget: maxBytes at most budget / COMMIT_BUDGET_SHARE. */
export function boundsWithinBudget<B extends { maxBytes: number }>(bounds: B, budgetBytes: number | undefined): B {
  if (budgetBytes === undefined) return bounds;
  const share = Math.floor(budgetBytes / COMMIT_BUDGET_SHARE);
  return share < bounds.maxBytes ? { ...bounds, maxBytes: share } : bounds;
}

export class CommitCadence {
  private sizedBytes = 0;
  private sizedAtRecords = 0;
  /** When this daemon last committed the table (or started writing it, before its first commit). */
  private lastCommitAt: number;
  private lateSinceWarning = 0;
  private lastWarningAt = Number.NEGATIVE_INFINITY;
  /** How long the last few commits took, from drain to landing (ms). */
  private readonly durations: number[] = [];
  /** The longest of `durations` (0 when none): leadFor runs per record, a spread over them did not need to. */
  private longestMs = 0;

  constructor(
    private readonly bounds: CommitConfig,
    private readonly table: string,
    private readonly metrics: DaemonMetrics,
    private readonly log: Logger,
    private readonly now: () => number,
  ) {
    this.lastCommitAt = now();
    // Exported from the start (at 0), so that rate() and the alert see the first late commit.
    metrics.commitsLate.inc({ table }, 0);
  }

  /** How long past intervalMs a record may wait before its commit counts as late. */
  get lateAfterMs(): number {
    return this.bounds.intervalMs + Math.max(this.bounds.intervalMs, LATE_GRACE_MIN_MS);
  }

  /**
   * 'records' / 'bytes' when the buffer holds as much as one commit may: it must be committed
   * before another record is added. `measure` gives the exact buffered bytes (costly).
   */
  full(records: number, measure: () => number): FlushReason | undefined {
    if (records === 0) return undefined;
    if (records >= this.bounds.maxRecords) return 'records';
    if (records < this.sizedAtRecords || records - this.sizedAtRecords >= BYTES_SAMPLE_RECORDS || this.sizedAtRecords === 0) {
      this.sizedBytes = measure();
      this.sizedAtRecords = records;
    }
    return this.sizedBytes >= this.bounds.maxBytes ? 'bytes' : undefined;
  }

  /**
   * How much earlier than intervalMs the interval trigger fires: the longest of the last few
   * commits, at most half the interval. `commit.intervalMs` is how long a record waits from being
   * read until it is queryable; a commit started at intervalMs would land that much later (a
   * quarter of a second at 1 s on the local stack: p99 freshness 1.24 s, docs/benchmarks.md).
   */
  get leadMs(): number {
    return this.leadFor(0);
  }

  /**
   * The lead for a buffer whose first record was read `readDelayMs` after its Kafka timestamp.
   * Only a delay within a quarter of the interval counts: a larger one is a backlog or an
   * event-time timestamp (no produce to be fresh from), a negative one a producer's clock ahead.
   */
  leadFor(readDelayMs: number, nextCheckInMs = 0): number {
    const live = readDelayMs > 0 && readDelayMs <= this.bounds.intervalMs / 4 ? readDelayMs : 0;
    return Math.min(this.longestMs + live + Math.max(0, nextCheckInMs), this.bounds.intervalMs / 2);
  }

  /**
   * Why the buffer should be committed now, if it should. `nextCheckInMs`: how long until the
   * buffer is checked again at the latest (the daemon's next tick). The interval trigger fires at
   * this check when it would fall due before the next one: waiting for that check would make the
   * commit up to a tick late (p99 freshness 1.04-1.08 s at 1 s commits; 0.91-1.01 s this way, at
   * 3-11 % more snapshots on a quiet trickle: docs/benchmarks.md).
   */
  due(records: number, ageMs: number, measure: () => number, readDelayMs = 0, nextCheckInMs = 0): FlushReason | undefined {
    const early = this.leadFor(readDelayMs, nextCheckInMs);
    return this.full(records, measure) ?? (records > 0 && ageMs >= this.bounds.intervalMs - early ? 'interval' : undefined);
  }

  /** The buffer was drained or dropped: the next measurement starts afresh. */
  reset(): void {
    this.sizedBytes = 0;
    this.sizedAtRecords = 0;
  }

  /** Seconds since this daemon's last commit of the table (since it started writing it, before). */
  lastCommitAgeSeconds(now = this.now()): number {
    return Math.max(0, (now - this.lastCommitAt) / 1000);
  }

  /**
   * A commit landed (logged at debug with what it did). `waitingSinceMs`: when its oldest record
   * was read (buffered). Counts and (at most once a minute) logs commits that came later than the
   * configured cadence allows.
   */
  committed(waitingSinceMs: number | undefined, details: CommitInfo): void {
    const now = this.now();
    this.lastCommitAt = now;
    this.durations.push(details.ms);
    if (this.durations.length > LEAD_COMMITS) this.durations.shift();
    this.longestMs = Math.max(0, ...this.durations);
    this.log.debug(details, 'committed');
    if (waitingSinceMs === undefined) return;
    const waitedMs = now - waitingSinceMs;
    if (waitedMs <= this.lateAfterMs) return;
    this.metrics.commitsLate.inc({ table: this.table });
    this.lateSinceWarning++;
    if (now - this.lastWarningAt < LATE_WARNING_EVERY_MS) return;
    this.log.warn(
      { waitedMs, intervalMs: this.bounds.intervalMs, lateAfterMs: this.lateAfterMs, lateCommits: this.lateSinceWarning, ...details },
      'commits fall behind commit.intervalMs: records waited longer than the configured cadence allows (the machine, catalog or storage cannot keep up)',
    );
    this.lastWarningAt = now;
    this.lateSinceWarning = 0;
  }
}
