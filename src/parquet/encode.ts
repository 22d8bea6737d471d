/**
 * The CPU-bound half of writing one partition's rows: sort by the table's order, roll into files
 * near the target size, encode Parquet and compute each file's Iceberg metrics. No I/O, no state:
 * the same function runs inline on the daemon's thread or in a worker (encode-pool.ts), and its
 * result only depends on its input, so a worker that dies loses nothing the caller cannot redo.
 */
import type * as arrow from 'apache-arrow';
import type { Schema, SortOrder } from '../iceberg/spec/types.js';
import type { WrittenDataFile } from './data-file.js';
import { RollingDataFileWriter, type RollingWriterOptions } from './rolling.js';
import { applicableOrder, sortTable } from './sort.js';

export interface EncodeOptions extends RollingWriterOptions {
  /** The table's sort order (already checked by applicableOrder); absent: rows keep their order. */
  sortOrder?: SortOrder;
}

/** Encodes `table` (built for `schema`) into Parquet files; nothing is uploaded. */
export function encodeDataFiles(table: arrow.Table, schema: Schema, opts: EncodeOptions): WrittenDataFile[] {
  const sorted = sortTable(table, schema, applicableOrder(opts.sortOrder, schema));
  const writer = new RollingDataFileWriter(schema, opts);
  return [...writer.write(sorted), ...writer.flush()];
}

/** Where encodeDataFiles runs: inline by default, or a worker pool (EncodePool.encode). */
export type DataFileEncoder = (table: arrow.Table, schema: Schema, opts: EncodeOptions) => Promise<WrittenDataFile[]>;

export const encodeInline: DataFileEncoder = async (table, schema, opts) => encodeDataFiles(table, schema, opts);
