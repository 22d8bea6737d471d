/**
 * What the status page shows that no gauge keeps: freshness over the last hour, the recent commits
 * and the recent errors. In memory and bounded, because a daemon runs for months: per table a ring
 * of at most `windowMs / sampleEveryMs` freshness samples (360 by default, the worst of each 10 s
 * so a spike between two samples is not lost), and the last `keep` commits and errors, each error
 * message redacted and cut to `MAX_MESSAGE` characters (it may come from the network).
 */
import { redactSecrets } from '../util/redact.js';

export interface CommitEntry {
  at: number;
  table: string;
  reason: string;
  records: number;
  rows: number;
  files: number;
  ms: number;
}

export interface ErrorEntry {
  at: number;
  table?: string;
  code?: string;
  message: string;
}

export interface HistoryOptions {
  windowMs?: number;
  sampleEveryMs?: number;
  keep?: number;
}

/** Longer error messages are cut: one broker's error text must not grow the page without bound. */
export const MAX_MESSAGE = 500;

/** A fixed-capacity ring: pushing onto a full ring overwrites the oldest entry. */
export class Ring<T> {
  private readonly items: T[] = [];
  private next = 0;

  constructor(readonly capacity: number) {
    if (!(capacity >= 1)) throw new RangeError(`ring capacity must be at least 1, got ${capacity}`);
  }

  get size(): number {
    return this.items.length;
  }

  push(item: T): void {
    if (this.items.length < this.capacity) this.items.push(item);
    else this.items[this.next] = item;
    this.next = (this.next + 1) % this.capacity;
  }

  /** The newest entry, if any. */
  last(): T | undefined {
    return this.items.length === 0 ? undefined : this.items[(this.next - 1 + this.capacity) % this.capacity];
  }

  /** Oldest first. */
  toArray(): T[] {
    return this.items.length < this.capacity ? [...this.items] : [...this.items.slice(this.next), ...this.items.slice(0, this.next)];
  }
}

export class StatusHistory {
  readonly windowMs: number;
  readonly sampleEveryMs: number;
  /** Per table: [time ms, freshness s] samples, each the worst freshness seen in its interval. */
  private readonly samples = new Map<string, Ring<[number, number]>>();
  private readonly commitLog: Ring<CommitEntry>;
  private readonly errorLog: Ring<ErrorEntry>;

  constructor(options: HistoryOptions = {}) {
    this.windowMs = options.windowMs ?? 3_600_000;
    this.sampleEveryMs = options.sampleEveryMs ?? 10_000;
    const keep = options.keep ?? 50;
    this.commitLog = new Ring(keep);
    this.errorLog = new Ring(keep);
  }

  /**
   * Records freshness: a new sample once `sampleEveryMs` has passed since the table's last one,
   * otherwise the last sample keeps the worst value of its interval (the daemon ticks every 200 ms).
   */
  sample(table: string, nowMs: number, freshnessSeconds: number): void {
    let ring = this.samples.get(table);
    if (!ring) {
      ring = new Ring(Math.ceil(this.windowMs / this.sampleEveryMs) + 1);
      this.samples.set(table, ring);
    }
    const value = Math.round(freshnessSeconds * 1000) / 1000;
    const last = ring.last();
    if (last !== undefined && nowMs - last[0] < this.sampleEveryMs) last[1] = Math.max(last[1], value);
    else ring.push([nowMs, value]);
  }

  /** The table's samples of the last `windowMs` before `nowMs`, oldest first (copies). */
  freshness(table: string, nowMs: number): Array<[number, number]> {
    const ring = this.samples.get(table);
    if (!ring) return [];
    return ring.toArray().filter(([at]) => nowMs - at <= this.windowMs).map(([at, v]): [number, number] => [at, v]);
  }

  /** Forgets a table the daemon no longer writes. */
  forget(table: string): void {
    this.samples.delete(table);
  }

  commit(entry: CommitEntry): void {
    this.commitLog.push({ ...entry });
  }

  /** Messages are shown to anyone who can reach the ops port: redacted like the logs, and cut. */
  error(entry: ErrorEntry): void {
    let message = redactSecrets(entry.message);
    if (message.length > MAX_MESSAGE) message = `${message.slice(0, MAX_MESSAGE - 1)}…`;
    this.errorLog.push({ ...entry, message });
  }

  /** Newest first. */
  commits(): CommitEntry[] {
    return this.commitLog.toArray().reverse();
  }

  /** Newest first. */
  errors(): ErrorEntry[] {
    return this.errorLog.toArray().reverse();
  }
}
