/**
 * Maintenance inside the daemon: every table the daemon writes gets compaction, snapshot expiry
 * and orphan cleanup on their configured intervals. Tasks of one table run one at a time (they
 * would only conflict with each other); ingest commits never wait for them — a commit that races
 * a compaction makes the compaction's replace retry on the fresh table, and a failed pass is only
 * logged and tried again at the next interval.
 */
import type { TableIdentifier } from '../iceberg/catalog/index.js';
import type { Logger } from '../util/log.js';
import { runTask, type Task, type TaskContext, type TaskReport, type MaintenanceSettings } from './index.js';

/** One finished pass, for the daemon's metrics. */
export interface MaintenanceEvent {
  table: string;
  task: Task;
  ok: boolean;
  durationMs: number;
  report?: TaskReport;
}

interface Tracked {
  id: TableIdentifier;
  settings: MaintenanceSettings;
  timers: NodeJS.Timeout[];
  running: Promise<void> | undefined;
}

export class MaintenanceScheduler {
  private readonly tables = new Map<string, Tracked>();
  private stopped = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly log: Logger,
    private readonly observe: (event: MaintenanceEvent) => void = () => undefined,
  ) {}

  /** Starts the schedules of a table (idempotent; `settings` is only called the first time). */
  track(id: TableIdentifier, settingsOf: () => MaintenanceSettings): void {
    const name = [...id.namespace, id.name].join('.');
    if (this.stopped || this.tables.has(name)) return;
    const settings = settingsOf();
    const t: Tracked = { id, settings, timers: [], running: undefined };
    this.tables.set(name, t);
    const m = settings.maintenance;
    const plan: Array<[Task, boolean, number]> = [
      ['compact', m.compaction.enabled, m.compaction.intervalMs],
      ['expire', m.expireSnapshots.enabled, m.expireSnapshots.intervalMs],
      ['orphans', m.orphanFiles.enabled, m.orphanFiles.intervalMs],
    ];
    for (const [task, enabled, interval] of plan) {
      if (!enabled) continue;
      const timer = setInterval(() => this.run(name, task), interval);
      timer.unref();
      t.timers.push(timer);
    }
  }

  private run(name: string, task: Task): void {
    const t = this.tables.get(name);
    if (!t || t.running || this.stopped) return;
    const started = Date.now();
    t.running = runTask(task, t.id, t.settings, this.ctx)
      .then((report) => {
        const durationMs = Date.now() - started;
        this.log.info({ table: name, task, durationMs, ...summarize(report), did: describe(report) }, 'maintenance pass done');
        this.observe({ table: name, task, ok: true, durationMs, report });
      })
      .catch((err: unknown) => {
        const durationMs = Date.now() - started;
        this.log.warn({ table: name, task, durationMs, err }, 'maintenance pass failed; retrying at the next interval');
        this.observe({ table: name, task, ok: false, durationMs });
      })
      .finally(() => {
        t.running = undefined;
      });
  }

  /** Stops scheduling and waits for passes in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    for (const t of this.tables.values()) for (const timer of t.timers) clearInterval(timer);
    await Promise.all([...this.tables.values()].map((t) => t.running));
  }
}

/** What a pass did, as log fields: files in and out, bytes, snapshots. */
export function summarize(report: TaskReport): Record<string, unknown> {
  if (report.task === 'compact') {
    const r = report.result;
    return {
      dataFilesIn: r.dataFilesRemoved,
      dataFilesOut: r.dataFilesAdded,
      deleteFilesRemoved: r.deleteFilesRemoved,
      deleteFilesAdded: r.deleteFilesAdded,
      bytesIn: r.bytesRead,
      bytesOut: r.bytesWritten,
      partitions: r.partitions,
    };
  }
  if (report.task === 'expire') return { snapshotsExpired: report.expiredSnapshotIds.length, filesDeleted: report.files.length };
  return { filesDeleted: report.files.length, bytesDeleted: report.bytes };
}

/** The log message: one line a person can read without the fields. */
export function describe(report: TaskReport): string {
  if (report.task === 'compact') {
    const r = report.result;
    if (r.dataFilesRemoved === 0) return 'compaction found nothing to do';
    return `compacted ${r.dataFilesRemoved} data files (${r.bytesRead} bytes) into ${r.dataFilesAdded} (${r.bytesWritten} bytes), ${r.deleteFilesRemoved} delete files removed`;
  }
  if (report.task === 'expire') return `expired ${report.expiredSnapshotIds.length} snapshots, deleted ${report.files.length} files`;
  return `deleted ${report.files.length} orphan files (${report.bytes} bytes)`;
}
