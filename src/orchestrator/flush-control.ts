/**
 * When the daemon's table writers commit: the triggers checked as records arrive and on every
 * tick (interval, maxRecords, maxBytes), the memory budget across all writers, and the
 * backpressure that keeps reading at most one buffer ahead of committing.
 *
 * Kept apart from the daemon's lifecycle and partition handling so that these rules can be tested
 * without a consumer group, and so that the record loop calls a few small methods.
 */
import type { SourceBatch } from '../source/types.js';
import type { RecordContext } from './records.js';
import type { FlushReason } from './cadence.js';

/** What flush control needs of a table writer (TableWriter implements it). */
export interface FlushableWriter {
  readonly isFlushing: boolean;
  readonly bufferedRecords: number;
  readonly bufferedBytes: number;
  /** Which trigger says to commit now, if any; `nextCheckInMs`: the longest time until the next check. */
  due(nextCheckInMs?: number): FlushReason | undefined;
  /** Why no further record may be added before a commit (maxRecords / maxBytes), if so. */
  full(): FlushReason | undefined;
  /** Milliseconds until a commit may start (a failed commit backs off); undefined: no table yet. */
  flushableInMs(): number | undefined;
  flush(reason: string): Promise<unknown>;
  settled(): Promise<void>;
}

export interface FlushControlOptions<W extends FlushableWriter> {
  /** Every writer of the daemon, for the memory budget. */
  writers: () => W[];
  budgetBytes: number;
  /** A commit failed with an error the writer could not handle: the daemon stops. */
  onFailure: (err: unknown) => void;
  /** A commit finished (or failed): the source may resume a fetch paused by the memory budget. */
  onMemoryReleased: () => void;
  sleep?: (ms: number) => Promise<void>;
  /**
   * The longest time until the writers are checked again (the daemon's next tick), so that an
   * interval trigger due before then fires now rather than up to a tick late. Default 0.
   */
  nextCheckInMs?: () => number;
}

const realSleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class FlushControl<W extends FlushableWriter> {
  /** Bytes buffered across all writers, as of the last recount. */
  usedBytes = 0;
  private readonly sleep: (ms: number) => Promise<void>;

  constructor(private readonly options: FlushControlOptions<W>) {
    this.sleep = options.sleep ?? realSleep;
  }

  /** Re-adds what every writer buffers; true when that is at or over the memory budget. */
  recount(): boolean {
    this.usedBytes = this.options.writers().reduce((n, w) => n + w.bufferedBytes, 0);
    return this.usedBytes >= this.options.budgetBytes;
  }

  /** Starts a commit of `w` if a trigger says so; `force` (over the memory budget) commits any non-empty buffer. */
  maybeFlush(w: W, force = false): void {
    const reason = force && !w.isFlushing && w.bufferedRecords > 0 ? 'memory' : w.due(this.options.nextCheckInMs?.() ?? 0);
    if (reason) this.startFlush(w, reason);
  }

  /** Starts a commit of what `w` buffers now (drained at once); fatal errors stop the daemon. */
  startFlush(w: W, reason: string): void {
    void w
      .flush(reason)
      .catch((err: unknown) => this.options.onFailure(err))
      .finally(() => {
        this.recount();
        this.options.onMemoryReleased();
      });
  }

  /**
   * Before a record is added to `w`: a buffer holding maxRecords (maxBytes) is committed first,
   * after the commit in progress, if any. So no commit holds more than the bounds, and reading
   * runs at most one buffer ahead of committing — a backlog is drained in bounded commits instead
   * of one buffer that grows for as long as each commit takes. False: the batch was abandoned.
   */
  async makeRoom(w: W, ctx: Pick<RecordContext, 'current'>, batch: Pick<SourceBatch, 'keepAlive'>): Promise<boolean> {
    // The batch is held while a commit runs: heartbeat meanwhile (kafkajs does so only between batches).
    const keepAlive = batch.keepAlive ?? ((work: () => Promise<void>) => work());
    for (let reason = w.full(); reason !== undefined; reason = w.full()) {
      if (w.isFlushing) await keepAlive(() => w.settled());
      else {
        const wait = w.flushableInMs();
        if (wait === undefined) return true; // no table yet: nothing can be committed, see TableWriter.flush()
        if (wait > 0) await keepAlive(() => this.sleep(Math.min(wait, 1000)));
        else this.startFlush(w, reason);
      }
      if (!ctx.current()) return false;
    }
    return true;
  }
}
