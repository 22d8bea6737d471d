/**
 * The running daemon's own status, for the status page (`/`) and `/status.json`: per table the
 * same `table`, `lagRecords`, `lagSeconds` and `lastCommitMs` as `floe status --json`, but from
 * what the daemon holds in memory (the 5 s lag poll, its buffers, its commits) instead of reading
 * manifests on every request; plus freshness over the last hour and recent commits and errors.
 * Everything here is bounded (see ops/status-history.ts) and holds no configuration: nothing a
 * reader of the page could not already see in the metrics, except redacted error messages.
 */
import type { Route } from '../ops/server.js';
import { STATUS_PAGE_HEADERS, STATUS_PAGE_HTML } from '../ops/status-page.js';
import { StatusHistory, type CommitEntry, type ErrorEntry } from '../ops/status-history.js';
import type { TpKey } from '../source/types.js';
import { isFloeError } from '../util/errors.js';
import { version } from '../util/version.js';
import { freshnessSeconds } from './freshness.js';
import type { CommitInfo } from './ports.js';

export interface LiveTableStatus {
  table: string;
  topics: string[];
  /**
   * Records not in the table yet that the daemon knows of: unread in Kafka (its last lag poll)
   * plus read and buffered. A commit in flight is not counted.
   */
  lagRecords: number;
  /** Of those, buffered in the daemon. */
  bufferedRecords: number;
  /** Age of the oldest record not committed, in seconds (the freshness gauge); 0 when caught up. */
  lagSeconds: number;
  /** When this daemon last committed the table (ms); undefined before its first commit. */
  lastCommitMs: number | undefined;
  /** [time ms, freshness s] over the last hour, oldest first. */
  freshness: Array<[number, number]>;
  /** For a table a `{record}` template named, and for the template's own row: `namespace.template`. */
  template?: string;
  /** false on a template's own row: it has no table yet (none made since this daemon started, none found). */
  exists?: false;
}

export interface LiveStatus {
  generatedAtMs: number;
  version: string;
  groupId: string;
  ready: boolean;
  /** The chart's time span (ms). */
  windowMs: number;
  tables: LiveTableStatus[];
  commits: CommitEntry[];
  errors: ErrorEntry[];
}

/** What the board reads from a table writer. */
export interface WriterView {
  fullName: string;
  oldestPendingMs: number | undefined;
  bufferedRecords: number;
  coversKey(key: TpKey): boolean;
}

/** A `{record}` template of a topic as the daemon routes it: the tables made so far. */
export interface TemplateView {
  /** `namespace.template`. */
  label: string;
  members: string[];
  coversKey(key: TpKey): boolean;
}

export interface StatusSnapshotInput {
  groupId: string;
  ready: boolean;
  writers: WriterView[];
  /** The `{record}` templates of the assigned topics (their tables are among `writers`). */
  templates?: TemplateView[];
  /** Partitions with records in Kafka no batch has brought yet, since when (ms). */
  waiting: ReadonlyMap<TpKey, number>;
  now: number;
}

/** What the daemon tells the status page as it runs; read back by `snapshot()`. */
export class StatusBoard {
  readonly history: StatusHistory;
  /** Latest lag per partition (records), from the daemon's lag poll. */
  private readonly lag = new Map<TpKey, bigint>();
  private readonly lastCommitAt = new Map<string, number>();

  constructor(history = new StatusHistory()) {
    this.history = history;
  }

  lagPolled(key: TpKey, lag: bigint): void {
    this.lag.set(key, lag);
  }

  /** A partition given away: its lag is another daemon's to show. */
  revoked(key: TpKey): void {
    this.lag.delete(key);
  }

  committed(table: string, info: CommitInfo, at: number): void {
    this.lastCommitAt.set(table, at);
    this.history.commit({ at, table, ...info });
  }

  error(err: unknown, at: number, table?: string): void {
    const message = err instanceof Error ? err.message : String(err);
    this.history.error({ at, ...(table === undefined ? {} : { table }), ...(isFloeError(err) ? { code: err.code } : {}), message });
  }

  freshness(table: string, at: number, seconds: number): void {
    this.history.sample(table, at, seconds);
  }

  snapshot(input: StatusSnapshotInput): LiveStatus {
    const templateOf = new Map<string, string>();
    for (const t of input.templates ?? []) for (const m of t.members) templateOf.set(m, t.label);
    // A template with no table yet for some assigned topic is a row of its own, so its lag shows.
    const empty = new Map<string, TemplateView[]>();
    for (const t of input.templates ?? []) if (t.members.length === 0) empty.set(t.label, [...(empty.get(t.label) ?? []), t]);
    const views: Array<WriterView & { template?: string; exists?: false }> = [
      ...input.writers.map((w) => {
        const template = templateOf.get(w.fullName);
        return template === undefined ? w : { fullName: w.fullName, oldestPendingMs: w.oldestPendingMs, bufferedRecords: w.bufferedRecords, coversKey: (k: TpKey) => w.coversKey(k), template };
      }),
      ...[...empty].filter(([label]) => !input.writers.some((w) => w.fullName === label)).map(([label, ts]) => ({
        fullName: label,
        oldestPendingMs: undefined,
        bufferedRecords: 0,
        coversKey: (k: TpKey) => ts.some((t) => t.coversKey(k)),
        template: label,
        exists: false as const,
      })),
    ];
    const tables = views.flatMap((w): LiveTableStatus[] => {
      const keys = [...this.lag.keys()].filter((k) => w.coversKey(k));
      // A template of partitions given away: nothing of it is this daemon's to show.
      if (w.exists === false && keys.length === 0) return [];
      const topics = [...new Set(keys.map((k) => k.slice(0, k.lastIndexOf(':'))))].sort();
      const unread = keys.reduce((n, k) => n + Number(this.lag.get(k) ?? 0n), 0);
      const waitingSince = [...input.waiting].filter(([k]) => w.coversKey(k)).map(([, since]) => since);
      return [{
        table: w.fullName,
        topics,
        lagRecords: unread + w.bufferedRecords,
        bufferedRecords: w.bufferedRecords,
        lagSeconds: Math.round(freshnessSeconds(input.now, w.oldestPendingMs, waitingSince) * 1000) / 1000,
        lastCommitMs: this.lastCommitAt.get(w.fullName),
        freshness: this.history.freshness(w.fullName, input.now),
        ...(w.template === undefined ? {} : { template: w.template }),
        ...(w.exists === false ? { exists: false as const } : {}),
      }];
    });
    tables.sort((a, b) => a.table.localeCompare(b.table));
    return {
      generatedAtMs: input.now,
      version: version(),
      groupId: input.groupId,
      ready: input.ready,
      windowMs: this.history.windowMs,
      tables,
      commits: this.history.commits(),
      errors: this.history.errors(),
    };
  }
}

/** The ops server's extra routes: the page (static, with a CSP that admits only its own script) and its JSON. */
export function statusRoutes(collect: () => LiveStatus | Promise<LiveStatus>): Record<string, () => Route | Promise<Route>> {
  return {
    '/': () => ({ type: 'text/html; charset=utf-8', body: STATUS_PAGE_HTML, headers: STATUS_PAGE_HEADERS }),
    '/status.json': async () => ({
      type: 'application/json; charset=utf-8',
      body: `${JSON.stringify(await collect())}\n`,
      headers: { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' },
    }),
  };
}
