/**
 * One Arrow table → one Parquet data file plus the metrics its manifest entry needs. The caller
 * adds path, partition tuple, spec id and content to make the full `DataFile`.
 */
import type * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/spec/types.js';
import { computeMetrics, type DataFileMetrics, type MetricsOptions } from './metrics.js';
import { annotateVariantGroups, variantFieldIds } from './variant-footer.js';
import { writeParquetBytes, type ParquetWriteOptions } from './writer.js';

export type WriteDataFileOptions = ParquetWriteOptions & MetricsOptions;

export interface WrittenDataFile {
  bytes: Uint8Array;
  metrics: DataFileMetrics;
}

/**
 * `table` must have been built for `schema` (RecordBatchBuilder): same fields, same order. A schema
 * with variant columns gets its variant groups annotated in the footer (variant-footer.ts) before
 * anything (metrics, sizes) is computed from the bytes; any other file is parquet-wasm's as is.
 */
export function writeDataFile(table: arrow.Table, schema: Schema, opts: WriteDataFileOptions = {}): WrittenDataFile {
  const variants = variantFieldIds(schema);
  const encoded = writeParquetBytes(table, opts);
  const bytes = variants.size === 0 ? encoded : annotateVariantGroups(encoded, variants);
  return { bytes, metrics: computeMetrics(table, schema, bytes, opts) };
}
