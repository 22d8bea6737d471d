/**
 * One Arrow table → one Parquet data file plus the metrics its manifest entry needs. The caller
 * adds path, partition tuple, spec id and content to make the full `DataFile`.
 */
import type * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/spec/types.js';
import { computeMetrics, type DataFileMetrics, type MetricsOptions } from './metrics.js';
import { writeParquetBytes, type ParquetWriteOptions } from './writer.js';

export type WriteDataFileOptions = ParquetWriteOptions & MetricsOptions;

export interface WrittenDataFile {
  bytes: Uint8Array;
  metrics: DataFileMetrics;
}

/** `table` must have been built for `schema` (RecordBatchBuilder): same fields, same order. */
export function writeDataFile(table: arrow.Table, schema: Schema, opts: WriteDataFileOptions = {}): WrittenDataFile {
  const bytes = writeParquetBytes(table, opts);
  return { bytes, metrics: computeMetrics(table, schema, bytes, opts) };
}
