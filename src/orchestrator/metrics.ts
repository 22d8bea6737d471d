/** The daemon's Prometheus series (docs/operations.md lists them with their meaning). */
import { FILE_SIZE_BUCKETS_BYTES, LATENCY_BUCKETS_SECONDS, MetricsRegistry, type Counter, type Gauge, type Histogram } from '../ops/metrics.js';

export interface DaemonMetrics {
  registry: MetricsRegistry;
  recordsIn: Counter;
  bytesIn: Counter;
  recordsOut: Counter;
  deadLetters: Counter;
  commits: Counter;
  commitsFailed: Counter;
  commitSeconds: Histogram;
  filesWritten: Counter;
  fileBytes: Histogram;
  freshness: Gauge;
  lag: Gauge;
  bufferedBytes: Gauge;
  backpressured: Gauge;
  schemaChanges: Counter;
  rebalances: Counter;
}

export function daemonMetrics(registry = new MetricsRegistry()): DaemonMetrics {
  return {
    registry,
    recordsIn: registry.counter('floe_records_in_total', 'Kafka records received, by topic'),
    bytesIn: registry.counter('floe_bytes_in_total', 'Uncompressed bytes of Kafka records received (key, value, headers), by topic'),
    recordsOut: registry.counter('floe_records_out_total', 'Rows committed to Iceberg, by table'),
    deadLetters: registry.counter('floe_dead_letters_total', 'Records sent to the dead-letter topic, by table and error code'),
    commits: registry.counter('floe_commits_total', 'Successful table commits, by table'),
    commitsFailed: registry.counter('floe_commits_failed_total', 'Commits refused or failed (their records are read again), by table and reason'),
    commitSeconds: registry.histogram('floe_commit_duration_seconds', 'Flush-to-commit latency: Parquet write, upload and catalog commit, by table', LATENCY_BUCKETS_SECONDS),
    filesWritten: registry.counter('floe_files_written_total', 'Parquet data files committed, by table'),
    fileBytes: registry.histogram('floe_file_size_bytes', 'Sizes of the Parquet data files committed, by table', FILE_SIZE_BUCKETS_BYTES),
    freshness: registry.gauge('floe_table_freshness_seconds', 'Now minus the newest committed record timestamp, by table'),
    lag: registry.gauge('floe_consumer_lag', 'High watermark minus next offset to read, by topic and partition'),
    bufferedBytes: registry.gauge('floe_buffered_bytes', 'Bytes buffered in memory, waiting to be committed'),
    backpressured: registry.gauge('floe_backpressure', '1 while fetching is paused because the memory budget is reached'),
    schemaChanges: registry.counter('floe_schema_changes_total', 'Table schema changes committed, by table'),
    rebalances: registry.counter('floe_rebalances_total', 'Partition assignments received'),
  };
}
