import { describe, expect, it } from 'vitest';
import { FlushControl, type FlushableWriter } from '../../src/orchestrator/flush-control.js';
import type { FlushReason } from '../../src/orchestrator/cadence.js';

/** A writer whose buffer and commit are plain fields; a commit resolves when `finish()` is called. */
class FakeWriter implements FlushableWriter {
  bufferedRecords = 0;
  bufferedBytes = 0;
  limit = 10;
  dueReason: FlushReason | undefined;
  backoffMs: number | undefined = 0;
  flushes: string[] = [];
  failWith: unknown;
  private pending: { resolve: () => void; reject: (e: unknown) => void } | undefined;

  get isFlushing(): boolean {
    return this.pending !== undefined;
  }
  checkedWith: Array<number | undefined> = [];
  due(nextCheckInMs?: number): FlushReason | undefined {
    this.checkedWith.push(nextCheckInMs);
    return this.dueReason;
  }
  full(): FlushReason | undefined {
    return this.bufferedRecords >= this.limit ? 'records' : undefined;
  }
  flushableInMs(): number | undefined {
    return this.backoffMs;
  }
  flush(reason: string): Promise<void> {
    this.flushes.push(reason);
    return new Promise<void>((resolve, reject) => {
      this.pending = { resolve, reject };
    });
  }
  /** The commit in progress lands: the buffer is empty. */
  finish(): void {
    const p = this.pending;
    this.pending = undefined;
    this.bufferedRecords = 0;
    this.bufferedBytes = 0;
    if (this.failWith !== undefined) p?.reject(this.failWith);
    else p?.resolve();
  }
  async settled(): Promise<void> {
    while (this.pending) await new Promise((r) => setTimeout(r, 1));
  }
}

function control(writers: FakeWriter[], budgetBytes = 1000) {
  const events: string[] = [];
  const failures: unknown[] = [];
  const sleeps: number[] = [];
  const c = new FlushControl<FakeWriter>({
    writers: () => writers,
    budgetBytes,
    onFailure: (err) => failures.push(err),
    onMemoryReleased: () => events.push('released'),
    sleep: async (ms) => {
      sleeps.push(ms);
      for (const w of writers) w.backoffMs = 0; // the back-off has passed
    },
  });
  return { c, events, failures, sleeps };
}

const tick = () => new Promise((r) => setTimeout(r, 0));

describe('FlushControl', () => {
  it('commits a writer when a trigger is due, and any non-empty one when forced by the memory budget', () => {
    const a = new FakeWriter();
    const b = new FakeWriter();
    const { c } = control([a, b]);
    c.maybeFlush(a);
    expect(a.flushes).toEqual([]);
    a.dueReason = 'interval';
    c.maybeFlush(a);
    expect(a.flushes).toEqual(['interval']);
    c.maybeFlush(b, true);
    expect(b.flushes).toEqual([]); // nothing buffered: nothing to commit
    b.bufferedRecords = 3;
    c.maybeFlush(b, true);
    expect(b.flushes).toEqual(['memory']);
  });

  it('tells each writer how long until the next check, 0 when the daemon does not say', () => {
    const a = new FakeWriter();
    control([a]).c.maybeFlush(a);
    let next = 130;
    const c = new FlushControl<FakeWriter>({
      writers: () => [a],
      budgetBytes: 1000,
      onFailure: () => undefined,
      onMemoryReleased: () => undefined,
      nextCheckInMs: () => next,
    });
    c.maybeFlush(a);
    next = 40;
    c.maybeFlush(a);
    expect(a.checkedWith).toEqual([0, 130, 40]);
  });

  it('adds the bytes of every writer against the budget, and recounts when a commit ends', async () => {
    const a = new FakeWriter();
    const b = new FakeWriter();
    a.bufferedBytes = 600;
    b.bufferedBytes = 300;
    const { c, events } = control([a, b], 1000);
    expect(c.recount()).toBe(false);
    expect(c.usedBytes).toBe(900);
    b.bufferedBytes = 400;
    expect(c.recount()).toBe(true);
    c.startFlush(a, 'memory');
    a.finish();
    await tick();
    expect(c.usedBytes).toBe(400);
    expect(events).toEqual(['released']);
  });

  it('a failed commit stops the daemon and still releases memory', async () => {
    const a = new FakeWriter();
    const { c, events, failures } = control([a]);
    a.failWith = new Error('catalog said no');
    c.startFlush(a, 'interval');
    a.finish();
    await tick();
    expect(failures).toEqual([a.failWith]);
    expect(events).toEqual(['released']);
  });

  it('makes room in a full buffer: waits for the commit in progress, then commits the buffer before the next record', async () => {
    const a = new FakeWriter();
    a.bufferedRecords = 10;
    const { c } = control([a]);
    c.startFlush(a, 'interval'); // a commit already runs
    const held: string[] = [];
    const room = c.makeRoom(a, { current: () => true }, {
      keepAlive: async <T>(work: () => Promise<T>) => {
        held.push('heartbeat');
        return work();
      },
    });
    await tick();
    expect(a.flushes).toEqual(['interval']);
    a.bufferedRecords = 10; // records were added while it ran
    a.finish();
    a.bufferedRecords = 10;
    await tick();
    await tick();
    expect(a.flushes).toEqual(['interval', 'records']); // the full buffer is committed next
    a.finish();
    expect(await room).toBe(true);
    expect(held.length).toBeGreaterThan(0); // the batch heartbeat while it waited
  });

  it('waits out a failed commit\'s back-off, gives up when the batch is abandoned, and lets a record through when no table exists yet', async () => {
    const a = new FakeWriter();
    a.bufferedRecords = 10;
    a.backoffMs = 2500;
    const { c, sleeps } = control([a]);
    const room = c.makeRoom(a, { current: () => true }, {});
    await tick();
    expect(sleeps).toEqual([1000]); // slept at most a second at a time
    expect(a.flushes).toEqual(['records']);
    a.finish();
    expect(await room).toBe(true);

    a.bufferedRecords = 10;
    let current = true;
    const abandoned = c.makeRoom(a, { current: () => current }, {});
    current = false;
    a.finish();
    expect(await abandoned).toBe(false);

    const b = new FakeWriter();
    b.bufferedRecords = 10;
    b.backoffMs = undefined;
    expect(await c.makeRoom(b, { current: () => true }, {})).toBe(true);
    expect(b.flushes).toEqual([]);
  });
});
