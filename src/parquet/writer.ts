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

/**
 * The table as an Arrow IPC stream in one buffer that the next call reuses. arrow.tableToIPC
 * collects the stream's chunks and joins them into a fresh, zeroed buffer (~33 MiB for a file of
 * 130,000 small records), which parquet-wasm then copies into wasm memory at once: a new
 * allocation, its page faults and its external-memory pressure on V8 per file, for bytes that
 * live for one call. The sink below copies the chunks into one buffer instead, grown to the
 * largest stream so far (kept up to REUSE_LIMIT; larger streams get a buffer of their own).
 */
const REUSE_LIMIT = 128 * 1024 * 1024;

class ReusedSink extends arrow.AsyncByteQueue<Uint8Array> {
  buf = new Uint8Array(0);
  length = 0;
  override write(value: ArrayBufferView | ArrayBufferLike | ArrayLike<number> | Iterable<number> | string | null | undefined): void {
    const v = value as Uint8Array;
    const need = this.length + v.byteLength;
    if (need > this.buf.length) {
      const next = new Uint8Array(Math.max(need, this.buf.length * 2, 1 << 20));
      next.set(this.buf.subarray(0, this.length));
      this.buf = next;
    }
    this.buf.set(v, this.length);
    this.length = need;
  }
}

let sink: ReusedSink | undefined;

/** The IPC stream of `table`, valid until the next call (WasmTable.fromIPCStream copies it). */
export function ipcStream(table: arrow.Table): Uint8Array {
  const s = (sink ??= new ReusedSink());
  s.length = 0;
  const writer = new arrow.RecordBatchStreamWriter();
  writer.reset(s, table.schema);
  writer.write(table);
  writer.finish();
  const out = s.buf.subarray(0, s.length);
  if (s.buf.length > REUSE_LIMIT) sink = undefined;
  return out;
}

/** Encodes the table as one Parquet file. Throws FloeError PARQUET_WRITE_FAILED on a writer error. */
export function writeParquetBytes(table: arrow.Table, opts: ParquetWriteOptions = {}): Uint8Array {
  const props = writerProperties(opts, table);
  let wasmTable: WasmTable | undefined;
  try {
    wasmTable = WasmTable.fromIPCStream(ipcStream(table));
    // writeParquet takes ownership of (and frees) both wasm objects.
    const t = wasmTable;
    wasmTable = undefined;
    return writeParquet(t, props);
  } catch (cause) {
    wasmTable?.free();
    throw new FloeError('PARQUET_WRITE_FAILED', `parquet write failed: ${cause instanceof Error ? cause.message : String(cause)}`, { cause });
  }
}
