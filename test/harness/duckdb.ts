/**
 * DuckDB (scripts/stack/duckdb_sql.py, duckdb 1.5.5 with its iceberg/httpfs/avro extensions from
 * scripts/stack/requirements-duckdb.txt) as one more independent reader: the statements run in one
 * session attached to the stack's REST catalog as `floe`; values come back as text.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import type { StackEndpoints } from './endpoints.js';

export interface DuckResult {
  columns: string[];
  types: string[];
  rows: (string | null)[][];
}

export async function duckdbSql(stack: Pick<StackEndpoints, 'catalogUri' | 'warehouse' | 's3'>, ...sql: string[]): Promise<DuckResult[]> {
  const child = promisify(execFile)(process.env.FLOE_PYTHON || 'python3', ['scripts/stack/duckdb_sql.py'], { encoding: 'utf8', timeout: 120_000 });
  child.child.stdin!.end(JSON.stringify({ catalogUri: stack.catalogUri, warehouse: stack.warehouse, s3: stack.s3, sql }));
  return (JSON.parse((await child).stdout) as { results: DuckResult[] }).results;
}

/**
 * DuckDB's text of a BLOB inside its JSON (CAST(… AS JSON) of a variant holding binary), quoted:
 * printable ASCII as is, every other byte and the backslash as \xHH.
 */
export function duckBlob(bytes: Iterable<number>): string {
  return JSON.stringify([...bytes].map((b) => (b >= 0x20 && b <= 0x7e && b !== 0x5c ? String.fromCharCode(b) : `\\x${b.toString(16).toUpperCase().padStart(2, '0')}`)).join(''));
}
