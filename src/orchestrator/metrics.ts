/**
 * The daemon's Prometheus series. docs/operations.md has the catalogue with their meaning, and
 * `ops/prometheus/floe-alerts.yml` / `ops/grafana/floe-dashboard.json` query them: a test checks
 * that those only name series declared here, so a rename here fails it.
 */
import {
  FILE_SIZE_BUCKETS_BYTES,
  LATENCY_BUCKETS_SECONDS,
  MAINTENANCE_BUCKETS_SECONDS,
  MetricsRegistry,
  type Counter,
  type Gauge,
  type Histogram,
} from '../ops/metrics.js';
import type { MaintenanceEvent } from '../maintain/schedule.js';

export interface DaemonMetrics {
  registry: MetricsRegistry;
  buildInfo: Gauge;
  recordsIn: Counter;
  bytesIn: Counter;
  recordsOut: Counter;
  deadLetters: Counter;
  commits: Counter;
  commitsFailed: Counter;
  commitsLate: Counter;
  commitSeconds: Histogram;
  filesWritten: Counter;
  fileBytes: Histogram;
  freshness: Gauge;
  lastCommit: Gauge;
  lastCommitAge: Gauge;
  lag: Gauge;
  tableDataFiles: Gauge;
  tableDeleteFiles: Gauge;
  tableBytes: Gauge;
  bufferedBytes: Gauge;
  backpressured: Gauge;
  schemaChanges: Counter;
  rebalances: Counter;
  maintenanceRuns: Counter;
  maintenanceSeconds: Histogram;
  compactionFilesIn: Counter;
  compactionFilesOut: Counter;
  compactionDeleteFilesRemoved: Counter;
  compactionBytesRead: Counter;
  compactionBytesWritten: Counter;
  expiredSnapshots: Counter;
  expiredFiles: Counter;
  orphanFiles: Counter;
}

export interface BuildInfo {
  version: string;
  /** A revision label supplied at packaging time (FLOE_BUILD_REVISION), else "unknown". */
  revision: string;
}

/**
 * `defaults` adds prom-client's process_* and nodejs_* collectors: the daemon wants them, unit
 * tests that build many registries do not (each collector samples on every scrape).
 */
export function daemonMetrics(options: { registry?: MetricsRegistry; defaults?: boolean; build?: BuildInfo } = {}): DaemonMetrics {
  const registry = options.registry ?? new MetricsRegistry();
  if (options.defaults) registry.collectDefaults();
  const T = ['table'];
  const m: DaemonMetrics = {
    registry,
    buildInfo: registry.gauge('floe_build_info', 'Always 1; labels name the floe version, its revision and the Node.js version', ['version', 'revision', 'nodejs_version']),
    recordsIn: registry.counter('floe_records_in_total', 'Kafka records received, by topic', ['topic']),
    bytesIn: registry.counter('floe_bytes_in_total', 'Uncompressed bytes of Kafka records received (key, value, headers), by topic', ['topic']),
    recordsOut: registry.counter('floe_records_out_total', 'Rows committed to Iceberg, by table', T),
    deadLetters: registry.counter('floe_dead_letters_total', 'Records sent to the dead-letter topic, by table and error code', ['table', 'code']),
    commits: registry.counter('floe_commits_total', 'Successful table commits, by table', T),
    commitsFailed: registry.counter('floe_commits_failed_total', 'Commits refused or failed (their records are read again), by table and reason', ['table', 'reason']),
    commitsLate: registry.counter(
      'floe_commit_late_total',
      'Commits whose oldest record waited longer than commit.intervalMs plus max(intervalMs, 5 s) between being read and committed: the daemon cannot keep up, by table',
      T,
    ),
    commitSeconds: registry.histogram('floe_commit_duration_seconds', 'Flush-to-commit latency: Parquet write, upload and catalog commit, by table', LATENCY_BUCKETS_SECONDS, T),
    filesWritten: registry.counter('floe_files_written_total', 'Parquet data files committed, by table', T),
    fileBytes: registry.histogram('floe_file_size_bytes', 'Sizes of the Parquet data files committed, by table', FILE_SIZE_BUCKETS_BYTES, T),
    freshness: registry.gauge(
      'floe_table_freshness_seconds',
      'Age of the oldest record of the table not yet committed (0 when caught up), by table',
      T,
    ),
    lastCommit: registry.gauge('floe_table_last_commit_timestamp_seconds', 'Unix time of the last commit this daemon landed, by table', T),
    lastCommitAge: registry.gauge(
      'floe_table_last_commit_age_seconds',
      'Seconds since this daemon last committed the table (since it started writing it, before its first commit), by table',
      T,
    ),
    lag: registry.gauge('floe_consumer_lag_records', 'High watermark minus the next offset to read, by topic and partition', ['topic', 'partition']),
    tableDataFiles: registry.gauge('floe_table_data_files', 'Data files in the table after the last commit or maintenance pass, by table', T),
    tableDeleteFiles: registry.gauge('floe_table_delete_files', 'Delete files in the table after the last commit or maintenance pass, by table', T),
    tableBytes: registry.gauge('floe_table_files_size_bytes', 'Total size of the data and delete files in the table, by table', T),
    bufferedBytes: registry.gauge('floe_buffered_bytes', 'Bytes buffered in memory, waiting to be committed'),
    backpressured: registry.gauge('floe_backpressure', '1 while fetching is paused because the memory budget is reached'),
    schemaChanges: registry.counter('floe_schema_changes_total', 'Table schema changes committed, by table', T),
    rebalances: registry.counter('floe_rebalances_total', 'Partition assignments received'),
    maintenanceRuns: registry.counter('floe_maintenance_runs_total', 'Maintenance passes, by table, task (compact, expire, orphans) and outcome (ok, failed)', ['table', 'task', 'outcome']),
    maintenanceSeconds: registry.histogram('floe_maintenance_duration_seconds', 'Duration of maintenance passes, by table and task', MAINTENANCE_BUCKETS_SECONDS, ['table', 'task']),
    compactionFilesIn: registry.counter('floe_compaction_data_files_rewritten_total', 'Data files compaction replaced, by table', T),
    compactionFilesOut: registry.counter('floe_compaction_data_files_written_total', 'Data files compaction wrote, by table', T),
    compactionDeleteFilesRemoved: registry.counter('floe_compaction_delete_files_removed_total', 'Delete files compaction made unnecessary, by table', T),
    compactionBytesRead: registry.counter('floe_compaction_read_bytes_total', 'Bytes of data files compaction read, by table', T),
    compactionBytesWritten: registry.counter('floe_compaction_written_bytes_total', 'Bytes of data files compaction wrote, by table', T),
    expiredSnapshots: registry.counter('floe_expired_snapshots_total', 'Snapshots expired, by table', T),
    expiredFiles: registry.counter('floe_expired_files_deleted_total', 'Files deleted because only expired snapshots referenced them, by table', T),
    orphanFiles: registry.counter('floe_orphan_files_deleted_total', 'Unreferenced files deleted by orphan cleanup, by table', T),
  };
  const build = options.build ?? { version: 'unknown', revision: 'unknown' };
  m.buildInfo.set({ version: build.version, revision: build.revision, nodejs_version: process.versions.node }, 1);
  return m;
}

/**
 * The table-level gauges after a commit or a maintenance pass, from the new snapshot's summary
 * totals (every writer that follows the spec's summary conventions keeps them up to date).
 */
export function tableGauges(m: DaemonMetrics, table: string, metadata: { 'current-snapshot-id'?: number | bigint | null; snapshots?: Array<{ 'snapshot-id': number | bigint; summary?: Record<string, string> }> }, nowMs: number, committed = true): void {
  if (committed) m.lastCommit.set({ table }, Math.floor(nowMs / 1000));
  const id = metadata['current-snapshot-id'];
  const summary = metadata.snapshots?.find((s) => String(s['snapshot-id']) === String(id))?.summary;
  const total = (key: string) => {
    const v = Number(summary?.[key]);
    return Number.isFinite(v) ? v : undefined;
  };
  const data = total('total-data-files');
  const deletes = total('total-delete-files');
  const bytes = total('total-files-size');
  if (data !== undefined) m.tableDataFiles.set({ table }, data);
  if (deletes !== undefined) m.tableDeleteFiles.set({ table }, deletes);
  if (bytes !== undefined) m.tableBytes.set({ table }, bytes);
}

/** Counts one commit a writer landed: its duration, rows and files, and the table gauges after it. */
export function commitMetrics(
  m: DaemonMetrics,
  table: string,
  c: { seconds: number; rows: number; files: Array<{ fileSizeInBytes: number | bigint }>; metadata: Parameters<typeof tableGauges>[2]; nowMs: number },
): void {
  m.commitSeconds.observe({ table }, c.seconds);
  m.commits.inc({ table });
  m.recordsOut.inc({ table }, c.rows);
  for (const f of c.files) {
    m.filesWritten.inc({ table });
    m.fileBytes.observe({ table }, Number(f.fileSizeInBytes));
  }
  tableGauges(m, table, c.metadata, c.nowMs);
}

/** Counts one finished maintenance pass (the scheduler's observer). */
export function maintenanceMetrics(m: DaemonMetrics, e: MaintenanceEvent): void {
  const table = { table: e.table };
  m.maintenanceRuns.inc({ table: e.table, task: e.task, outcome: e.ok ? 'ok' : 'failed' });
  m.maintenanceSeconds.observe({ table: e.table, task: e.task }, e.durationMs / 1000);
  const r = e.report;
  if (r?.task === 'compact') {
    m.compactionFilesIn.inc(table, r.result.dataFilesRemoved);
    m.compactionFilesOut.inc(table, r.result.dataFilesAdded);
    m.compactionDeleteFilesRemoved.inc(table, r.result.deleteFilesRemoved);
    m.compactionBytesRead.inc(table, r.result.bytesRead);
    m.compactionBytesWritten.inc(table, r.result.bytesWritten);
  } else if (r?.task === 'expire') {
    m.expiredSnapshots.inc(table, r.expiredSnapshotIds.length);
    m.expiredFiles.inc(table, r.files.length);
  } else if (r?.task === 'orphans') {
    m.orphanFiles.inc(table, r.files.length);
  }
}
