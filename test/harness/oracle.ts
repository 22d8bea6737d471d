/**
 * Typed client for the query oracle (scripts/stack/oracle.py): one long-lived SparkSession and a
 * PyIceberg catalog that read floe's tables independently of floe's own code.
 *
 * Values come back JSON-encoded losslessly (see the docstring of oracle.py): longs and decimals as
 * strings, bytes as {"$bytes": base64}, timestamps as ISO strings with microseconds ("…Z" when the
 * type has a zone), dates as "YYYY-MM-DD", maps as [key, value] pairs, structs as objects.
 */
import type { StackEndpoints } from './endpoints.js';
import { waitFor } from './daemon.js';

export type OracleValue =
  | null
  | boolean
  | number
  | string
  | { $bytes: string }
  | OracleValue[]
  | { [field: string]: OracleValue };

export interface OracleColumn {
  name: string;
  /** Spark's simpleString() ("bigint", "decimal(10,2)") or Arrow's type string ("int64"). */
  type: string;
}

export interface OracleResult {
  columns: OracleColumn[];
  rows: OracleValue[][];
}

export interface ScanOptions {
  /** Time travel; pass a string for ids beyond 2^53 (they usually are). */
  snapshotId?: string | bigint | number;
  /** PyIceberg's expression syntax, e.g. "id > 5 and name = 'x'". */
  rowFilter?: string;
  selectedFields?: string[];
  limit?: number;
}

/** What /pyiceberg/table returns. Snapshot ids are strings (they exceed 2^53). */
export interface OracleTableInfo {
  identifier: string[];
  location: string;
  metadata_location: string;
  format_version: number;
  schema: { 'schema-id': number; type: 'struct'; fields: unknown[]; 'identifier-field-ids'?: number[] };
  current_snapshot: ({ 'snapshot-id': string; 'parent-snapshot-id'?: string } & Record<string, unknown>) | null;
  snapshots: Record<string, unknown>[];
  partition_spec: { 'spec-id': number; fields: unknown[] };
  sort_order: Record<string, unknown>;
  properties: Record<string, string>;
  /** The full table metadata as PyIceberg read it. */
  metadata: Record<string, unknown>;
}

/** One DataSourceV2 scan of an executed Spark query and its SQL metrics (by metric name). */
export interface OracleScan {
  node: string;
  /** Iceberg's: resultDataFiles, skippedDataFiles, scannedDataManifests, skippedDataManifests, ... */
  metrics: Record<string, number>;
}

export interface OracleScanResult extends OracleResult {
  scans: OracleScan[];
}

/** A file PyIceberg's planner kept (after pruning by partition summaries and column bounds). */
export interface OraclePlannedFile {
  file_path: string;
  record_count: number;
  delete_files: number;
}

export class OracleError extends Error {
  constructor(
    message: string,
    readonly status: number,
    readonly type: string | undefined,
    /** The Python traceback (with the Java stack trace for Spark errors). */
    readonly traceback: string | undefined,
  ) {
    super(message);
    this.name = 'OracleError';
  }
}

export class OracleClient {
  constructor(readonly baseUrl: string) {}

  private async post<T>(path: string, body: unknown): Promise<T> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v)),
    });
    const text = await res.text();
    let payload: unknown;
    try {
      payload = JSON.parse(text);
    } catch {
      throw new OracleError(`oracle ${path}: HTTP ${res.status}: ${text.slice(0, 500)}`, res.status, undefined, undefined);
    }
    if (!res.ok) {
      const p = payload as { error?: string; type?: string; traceback?: string };
      throw new OracleError(`oracle ${path}: ${p.type ?? 'error'}: ${p.error ?? text}`, res.status, p.type, p.traceback);
    }
    return payload as T;
  }

  async health(): Promise<{ status: string; spark?: string; pyiceberg?: string; pyarrow?: string }> {
    const res = await fetch(`${this.baseUrl}/health`);
    return (await res.json()) as { status: string; spark?: string; pyiceberg?: string };
  }

  /** Runs Spark SQL; the Iceberg catalog is called `floe` (and is Spark's default catalog). */
  sparkSql(sql: string): Promise<OracleResult> {
    return this.post('/spark/sql', { sql });
  }

  /** Runs a Spark query and also returns the metrics of its scans (files kept and skipped). */
  sparkScan(sql: string): Promise<OracleScanResult> {
    return this.post('/spark/scan', { sql });
  }

  /** The data files PyIceberg would read for a filter: its planner's pruning, independent of Spark. */
  async pyicebergPlan(table: string, opts: Pick<ScanOptions, 'rowFilter' | 'snapshotId'> = {}): Promise<OraclePlannedFile[]> {
    const res = await this.post<{ files: OraclePlannedFile[] }>('/pyiceberg/plan', {
      table,
      snapshot_id: opts.snapshotId === undefined ? undefined : String(opts.snapshotId),
      row_filter: opts.rowFilter,
    });
    return res.files;
  }

  /** Reads a table ("namespace.name") with PyIceberg; columns carry Arrow types. */
  pyicebergScan(table: string, opts: ScanOptions = {}): Promise<OracleResult> {
    return this.post('/pyiceberg/scan', {
      table,
      snapshot_id: opts.snapshotId === undefined ? undefined : String(opts.snapshotId),
      row_filter: opts.rowFilter,
      selected_fields: opts.selectedFields,
      limit: opts.limit,
    });
  }

  /** Schema, current snapshot, partition spec and full metadata as PyIceberg sees them. */
  pyicebergTable(table: string): Promise<OracleTableInfo> {
    return this.post('/pyiceberg/table', { table });
  }
}

export function oracleFor(stack: Pick<StackEndpoints, 'oracleUrl'>): OracleClient {
  return new OracleClient(stack.oracleUrl);
}

/** Rows as objects keyed by column name: handy for `toEqual` against expected records. */
export function rowObjects(result: OracleResult): Record<string, OracleValue>[] {
  return result.rows.map((row) => Object.fromEntries(result.columns.map((col, i) => [col.name, row[i] ?? null])));
}

/**
 * Spark's answer to `sql` once it has at least `n` rows (the daemon committed them); fails at once
 * with the end of the daemon's log if the daemon exits meanwhile.
 */
export function sparkRowsWhenCommitted(
  oracle: OracleClient,
  daemon: { readonly running: boolean; log(): string },
  sql: string,
  n: number,
  timeoutMs = 180_000,
): Promise<OracleResult> {
  return waitFor(`${n} rows of: ${sql}`, async () => {
    if (!daemon.running) throw new Error(daemon.log().slice(-3000));
    const q = await oracle.sparkSql(sql).catch(() => undefined);
    return q && q.rows.length >= n ? q : undefined;
  }, timeoutMs, 2000);
}
