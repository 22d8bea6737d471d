/**
 * Maintenance inside the daemon: every table the daemon writes gets compaction, snapshot expiry
 * and orphan cleanup on their configured intervals. Tasks of one table run one at a time (they
 * would only conflict with each other); ingest commits never wait for them — a commit that races
 * a compaction makes the compaction's replace retry on the fresh table, and a failed pass is only
 * logged and tried again at the next interval.
 */
import type { TableIdentifier } from '../iceberg/catalog/index.js';
import type { Logger } from '../util/log.js';
import { runTask, type Task, type TaskContext, type TableSettings } from './index.js';

interface Tracked {
  id: TableIdentifier;
  settings: TableSettings;
  timers: NodeJS.Timeout[];
  running: Promise<void> | undefined;
}

export class MaintenanceScheduler {
  private readonly tables = new Map<string, Tracked>();
  private stopped = false;

  constructor(
    private readonly ctx: TaskContext,
    private readonly log: Logger,
  ) {}

  /** Starts the schedules of a table (idempotent; `settings` is only called the first time). */
  track(id: TableIdentifier, settingsOf: () => TableSettings): void {
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
      .then((report) => this.log.info({ table: name, task, ms: Date.now() - started, report: summarize(report) }, 'maintenance pass done'))
      .catch((err: unknown) => this.log.warn({ table: name, task, err }, 'maintenance pass failed; retrying at the next interval'))
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

function summarize(report: Awaited<ReturnType<typeof runTask>>): Record<string, unknown> {
  if (report.task === 'compact') {
    const r = report.result;
    return { dataFilesRemoved: r.dataFilesRemoved, dataFilesAdded: r.dataFilesAdded, deleteFilesRemoved: r.deleteFilesRemoved, bytesRead: r.bytesRead };
  }
  if (report.task === 'expire') return { expired: report.expiredSnapshotIds.length, files: report.files.length };
  return { files: report.files.length };
}
