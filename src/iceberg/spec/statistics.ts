/**
 * Table statistics files (spec: "Table Statistics", "Partition Statistics"): the Puffin files an
 * engine writes with NDV sketches per column (Trino 483 with every INSERT), and partition
 * statistics files. floe never writes them; its catalog
 * keeps what a client sets, one file per snapshot as Java's TableMetadata.Builder does, and
 * checks the shape first: a malformed entry in metadata makes every Java reader fail to load the
 * table.
 */
import { FloeError } from '../../util/errors.js';
import { isId } from './metadata.js';
import type { TableMetadata } from './types.js';

type Id = number | bigint;

export interface BlobMetadata {
  type: string;
  'snapshot-id': Id;
  'sequence-number': Id;
  fields: number[];
  properties?: Record<string, string>;
}

export interface StatisticsFile {
  'snapshot-id': Id;
  'statistics-path': string;
  'file-size-in-bytes': Id;
  'file-footer-size-in-bytes': Id;
  'key-metadata'?: string;
  'blob-metadata': BlobMetadata[];
}

export interface PartitionStatisticsFile {
  'snapshot-id': Id;
  'statistics-path': string;
  'file-size-in-bytes': Id;
}

/** Blobs one statistics file may describe (Trino writes one per column; a table has at most thousands). */
const MAX_BLOBS = 10_000;

function invalid(message: string): FloeError {
  return new FloeError('ICEBERG_INVALID_UPDATE', message);
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function id(v: unknown, what: string): Id {
  if (isId(v)) return v;
  throw invalid(`${what} must be a long`);
}

function size(v: unknown, what: string): Id {
  const n = id(v, what);
  if (n < 0) throw invalid(`${what} must not be negative`);
  return n;
}

function text(v: unknown, what: string): string {
  if (typeof v !== 'string' || v.length === 0) throw invalid(`${what} must be a non-empty string`);
  return v;
}

function blob(v: unknown, i: number): BlobMetadata {
  const what = `blob-metadata[${i}]`;
  if (!isObject(v)) throw invalid(`${what} must be an object`);
  const fields = v.fields;
  if (!Array.isArray(fields) || !fields.every((f) => typeof f === 'number' && Number.isInteger(f))) {
    throw invalid(`${what}.fields must be a list of field ids`);
  }
  const out: BlobMetadata = {
    type: text(v.type, `${what}.type`),
    'snapshot-id': id(v['snapshot-id'], `${what}.snapshot-id`),
    'sequence-number': id(v['sequence-number'], `${what}.sequence-number`),
    fields: [...(fields as number[])],
  };
  if (v.properties !== undefined) {
    const p = v.properties;
    if (!isObject(p) || !Object.values(p).every((x) => typeof x === 'string')) throw invalid(`${what}.properties must map strings to strings`);
    out.properties = { ...(p as Record<string, string>) };
  }
  return out;
}

/** A set-statistics update's `statistics`, shape-checked and copied (unknown keys dropped). */
export function statisticsFile(v: unknown): StatisticsFile {
  if (!isObject(v)) throw invalid('set-statistics needs a statistics object');
  const blobs = v['blob-metadata'];
  if (!Array.isArray(blobs)) throw invalid('statistics.blob-metadata must be a list');
  if (blobs.length > MAX_BLOBS) throw invalid(`statistics.blob-metadata may hold at most ${MAX_BLOBS} blobs`);
  const out: StatisticsFile = {
    'snapshot-id': id(v['snapshot-id'], 'statistics.snapshot-id'),
    'statistics-path': text(v['statistics-path'], 'statistics.statistics-path'),
    'file-size-in-bytes': size(v['file-size-in-bytes'], 'statistics.file-size-in-bytes'),
    'file-footer-size-in-bytes': size(v['file-footer-size-in-bytes'], 'statistics.file-footer-size-in-bytes'),
    'blob-metadata': blobs.map(blob),
  };
  if (v['key-metadata'] !== undefined) out['key-metadata'] = text(v['key-metadata'], 'statistics.key-metadata');
  return out;
}

/** A set-partition-statistics update's `partition-statistics`, shape-checked and copied. */
export function partitionStatisticsFile(v: unknown): PartitionStatisticsFile {
  if (!isObject(v)) throw invalid('set-partition-statistics needs a partition-statistics object');
  return {
    'snapshot-id': id(v['snapshot-id'], 'partition-statistics.snapshot-id'),
    'statistics-path': text(v['statistics-path'], 'partition-statistics.statistics-path'),
    'file-size-in-bytes': size(v['file-size-in-bytes'], 'partition-statistics.file-size-in-bytes'),
  };
}

type Key = 'statistics' | 'partition-statistics';

/** Sets the file of its snapshot, replacing one set before (Java keeps one per snapshot). */
export function setStatistics(md: TableMetadata, key: Key, file: StatisticsFile | PartitionStatisticsFile): void {
  const list = (md[key] as Array<{ 'snapshot-id': Id }> | undefined) ?? [];
  md[key] = [...list.filter((f) => String(f['snapshot-id']) !== String(file['snapshot-id'])), file];
}

/** Removes the file of a snapshot; none there is no error (as in Java). */
export function removeStatistics(md: TableMetadata, key: Key, snapshotId: unknown): void {
  const sid = id(snapshotId, `remove-${key} snapshot-id`);
  const list = md[key] as Array<{ 'snapshot-id': Id }> | undefined;
  if (list) md[key] = list.filter((f) => String(f['snapshot-id']) !== String(sid));
}

/** Every statistics-path the metadata names. */
export function statisticsPaths(md: TableMetadata): string[] {
  const out: string[] = [];
  for (const key of ['statistics', 'partition-statistics'] as const) {
    const list = md[key];
    if (!Array.isArray(list)) continue;
    for (const f of list as Array<{ 'statistics-path'?: unknown }>) if (typeof f['statistics-path'] === 'string') out.push(f['statistics-path']);
  }
  return out;
}
