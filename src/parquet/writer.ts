/**
 * Arrow table → Parquet bytes through parquet-wasm 0.8 (arrow-rs compiled to WebAssembly).
 * Arrow JS and the wasm side share no memory, so the table crosses as an Arrow IPC stream.
 * Field ids come from the `PARQUET:field_id` metadata src/arrow/schema.ts puts on every field.
 *
 * Defaults follow Iceberg's table-property defaults: zstd (`write.parquet.compression-codec`),
 * 1 MiB data pages (`write.parquet.page-size-bytes`), chunk statistics, dictionary encoding where
 * it makes a top-level column smaller, as Iceberg's Java writer decides after a column's first page
 * (dictionary.ts).
 */
import * as arrow from 'apache-arrow';
import { Compression, EnabledStatistics, Table as WasmTable, WriterPropertiesBuilder, WriterVersion, writeParquet } from 'parquet-wasm';
import { FloeError } from '../util/errors.js';
import { dictionaryColumns } from './dictionary.js';

export type ParquetCompression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'none';

export interface ParquetWriteOptions {
  /** Default zstd. `lz4` writes LZ4_RAW: the Hadoop-framed LZ4 codec is deprecated in Parquet. */
  compression?: ParquetCompression;
  /** Maximum rows per row group (arrow-rs default 1 Mi rows). */
  rowGroupRows?: number;
  /** Maximum bytes per row group, like `write.parquet.row-group-size-bytes` (128 MiB in Iceberg). */
  rowGroupBytes?: number;
  /** Data page size limit in bytes; default 1 MiB. */
  dataPageBytes?: number;
  /** Column-chunk min/max/null statistics in the footer; default true. */
  statistics?: boolean;
  /**
   * Dictionary encoding: 'auto' (the default) for the top-level columns whose first page is
   * smaller with it, nested leaves plain (dictionary.ts); true or false for every column.
   */
  dictionary?: boolean | 'auto';
  /** Parquet writer version; default 1 (the version every Iceberg reader handles, incl. vectorized). */
  writerVersion?: 1 | 2;
  /** Extra key-value metadata in the footer. */
  metadata?: Record<string, string>;
}

const CODECS: Record<ParquetCompression, Compression> = {
  zstd: Compression.ZSTD,
  snappy: Compression.SNAPPY,
  gzip: Compression.GZIP,
  lz4: Compression.LZ4_RAW,
  none: Compression.UNCOMPRESSED,
};

function writerProperties(opts: ParquetWriteOptions, table: arrow.Table) {
  const codec = CODECS[opts.compression ?? 'zstd'];
  if (codec === undefined) throw new FloeError('PARQUET_BAD_OPTION', `unknown compression ${String(opts.compression)}`);
  let b = new WriterPropertiesBuilder()
    .setCompression(codec)
    .setWriterVersion(opts.writerVersion === 2 ? WriterVersion.V2 : WriterVersion.V1)
    .setDataPageSizeLimit(opts.dataPageBytes ?? 1024 * 1024)
    .setStatisticsEnabled(opts.statistics === false ? EnabledStatistics.None : EnabledStatistics.Chunk)
    .setDictionaryEnabled(opts.dictionary === true)
    .setCreatedBy('floe (parquet-wasm 0.8 / arrow-rs)');
  if ((opts.dictionary ?? 'auto') === 'auto') for (const name of dictionaryColumns(table)) b = b.setColumnDictionaryEnabled(name, true);
  if (opts.rowGroupRows !== undefined) b = b.setMaxRowGroupSize(opts.rowGroupRows);
  if (opts.rowGroupBytes !== undefined) b = b.setMaxRowGroupBytes(opts.rowGroupBytes);
  if (opts.metadata) b = b.setKeyValueMetadata(new Map(Object.entries(opts.metadata)));
  return b.build();
}

/** Encodes the table as one Parquet file. Throws FloeError PARQUET_WRITE_FAILED on a writer error. */
export function writeParquetBytes(table: arrow.Table, opts: ParquetWriteOptions = {}): Uint8Array {
  const props = writerProperties(opts, table);
  let wasmTable: WasmTable | undefined;
  try {
    wasmTable = WasmTable.fromIPCStream(arrow.tableToIPC(table, 'stream'));
    // writeParquet takes ownership of (and frees) both wasm objects.
    const t = wasmTable;
    wasmTable = undefined;
    return writeParquet(t, props);
  } catch (cause) {
    wasmTable?.free();
    throw new FloeError('PARQUET_WRITE_FAILED', `parquet write failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
