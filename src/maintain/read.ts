/**
 * Reading data and delete files back for compaction: Parquet → Arrow through parquet-wasm (the
 * same arrow-rs build that wrote them, a runtime dependency; hyparquet is only a dev dependency),
 * and the deletes in the shapes compaction applies them in.
 */
import * as arrow from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import type { FileIO } from '../iceberg/io/types.js';
import type { Schema } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';

export async function readArrow(io: FileIO, path: string): Promise<arrow.Table> {
  const bytes = await io.read(path);
  try {
    const wasm = readParquet(bytes);
    return arrow.tableFromIPC(wasm.intoIPCStream());
  } catch (cause) {
    throw new FloeError('PARQUET_READ_FAILED', `cannot read ${path}: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}

/** One value as a comparable string; int and long columns may surface as number or bigint. */
export function valueIdentity(v: unknown): string {
  if (v === null || v === undefined) return 'n';
  if (v instanceof Uint8Array) return `b${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'bigint' || typeof v === 'number') return `number:${String(v)}`;
  return `${typeof v}:${String(v)}`;
}

/** Column names of field ids (top level; equality ids of floe's tables are top-level columns). */
export function namesOf(schema: Schema, ids: readonly number[]): string[] | undefined {
  const names: string[] = [];
  for (const id of ids) {
    const f = schema.fields.find((x) => x.id === id);
    if (!f) return undefined;
    names.push(f.name);
  }
  return names;
}

/** The key of row `i` over `columns`, as applied by an equality delete. */
export function rowKey(table: arrow.Table, columns: readonly string[], i: number): string | undefined {
  const parts: string[] = [];
  for (const c of columns) {
    const col = table.getChild(c);
    if (!col) return undefined;
    parts.push(valueIdentity(col.get(i)));
  }
  return parts.join('\u0000');
}

/** Every key of an equality delete file. */
export async function readEqualityKeys(io: FileIO, path: string, columns: readonly string[]): Promise<Set<string>> {
  const t = await readArrow(io, path);
  const out = new Set<string>();
  for (let i = 0; i < t.numRows; i++) {
    const k = rowKey(t, columns, i);
    if (k === undefined) throw new FloeError('COMPACTION_UNSUPPORTED', `equality delete file ${path} lacks a key column of ${columns.join(', ')}`);
    out.add(k);
  }
  return out;
}

/** Positions deleted per data file path, from a position delete file. */
export async function readPositions(io: FileIO, path: string): Promise<Map<string, Set<number>>> {
  const t = await readArrow(io, path);
  const paths = t.getChild('file_path');
  const pos = t.getChild('pos');
  if (!paths || !pos) throw new FloeError('COMPACTION_UNSUPPORTED', `position delete file ${path} lacks file_path/pos`);
  const out = new Map<string, Set<number>>();
  for (let i = 0; i < t.numRows; i++) {
    const p = String(paths.get(i));
    let set = out.get(p);
    if (!set) out.set(p, (set = new Set()));
    set.add(Number(pos.get(i)));
  }
  return out;
}

/**
 * The rows of `table` not in `dead`, re-encoded so no slice keeps the whole input's buffers alive
 * (the rolling writer sizes files by the buffers under a batch).
 */
export function withoutRows(table: arrow.Table, dead: (i: number) => boolean): arrow.Table {
  const runs: arrow.Table[] = [];
  let start = -1;
  let removed = 0;
  for (let i = 0; i <= table.numRows; i++) {
    const live = i < table.numRows && !dead(i);
    if (!live && i < table.numRows) removed++;
    if (live && start < 0) start = i;
    if (!live && start >= 0) {
      runs.push(table.slice(start, i));
      start = -1;
    }
  }
  if (removed === 0) return table;
  if (runs.length === 0) return table.slice(0, 0);
  const batches = runs.flatMap((r) => r.batches);
  return arrow.tableFromIPC(arrow.tableToIPC(new arrow.Table(table.schema, batches), 'stream'));
}
