/**
 * Re-evaluates `topicPattern` subscriptions while the daemon runs (issue #14 item 6).
 *
 * kafkajs resolves a subscription once, when the consumer starts, and cannot subscribe a running
 * consumer to more topics; and a subscribed topic that is deleted makes its fetches and rejoins
 * fail. So the daemon lists the topics every `kafka.topicRefreshMs` and, when the set it should
 * consume changed, replaces its consumer (see Daemon.resubscribe): the old member commits what it
 * buffered and leaves, the new one joins with the new topic list and reads every partition from
 * the offsets stored in the tables — the same path as any rebalance, so exactly-once holds.
 */
import type { Logger } from '../util/log.js';

export interface TopicWatchOptions {
  intervalMs: number;
  /** The topics to consume now (listed topics plus those matching a pattern), sorted. */
  list(): Promise<string[]>;
  /** Called, one at a time, when the list differs from the one last applied. */
  apply(next: string[], change: { added: string[]; removed: string[] }): Promise<void>;
  log: Logger;
}

export class TopicWatch {
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> = Promise.resolve();
  private stopped = false;
  private queued = false;

  constructor(
    private current: string[],
    private readonly options: TopicWatchOptions,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.check(), this.options.intervalMs);
  }

  /** Lists the topics now (also used when the consumer fails: was a topic deleted?). Never throws. */
  check(): Promise<void> {
    this.running = this.running.then(async () => {
      this.queued = false;
      if (this.stopped) return;
      let next: string[];
      try {
        next = await this.options.list();
      } catch (err) {
        this.options.log.warn({ err: (err as Error).message }, 'listing topics failed; trying again at the next refresh');
        return;
      }
      const { added, removed } = diff(this.current, next);
      if (added.length === 0 && removed.length === 0) return;
      if (this.stopped) return;
      this.options.log.info({ added, removed, topics: next }, 'the topics to consume changed: re-subscribing');
      await this.options.apply(next, { added, removed });
      this.current = next;
    }).catch((err: unknown) => {
      // apply() reports its own fatal errors; the chain stays usable for the next check.
      this.options.log.debug({ err }, 'topic refresh failed');
    });
    return this.running;
  }

  /** A check unless one is already waiting to run (kafkajs restarts every 300 ms: no pile-up). */
  checkSoon(): void {
    if (this.queued) return;
    this.queued = true;
    void this.check();
  }

  /** The topics applied last. */
  get topics(): readonly string[] {
    return this.current;
  }

  /** No more checks; resolves once a re-subscription under way has finished. */
  async stop(): Promise<void> {
    this.stopped = true;
    clearInterval(this.timer);
    await this.running;
  }
}

export function diff(before: readonly string[], after: readonly string[]): { added: string[]; removed: string[] } {
  const b = new Set(before);
  const a = new Set(after);
  return { added: after.filter((t) => !b.has(t)), removed: before.filter((t) => !a.has(t)) };
}
