/**
 * Rolls the Arrow batches of one partition into Parquet data files near a target size
 * (`write.target-file-size-bytes`). Parquet size is only known after encoding, so the writer
 * predicts it as buffered Arrow bytes × the compression ratio observed on the files it already
 * wrote (a configurable guess before the first), and splits a batch that would overshoot.
 *
 * Memory: parquet-wasm encodes a whole file at once, from an IPC copy inside wasm memory (32-bit,
 * at most 4 GiB). `maxArrowBytesPerFile` caps what one file may buffer, so a highly compressible
 * stream yields files below the target rather than an out-of-memory.
 */
import * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/spec/types.js';
import { DEFAULT_TARGET_FILE_SIZE_BYTES } from '../iceberg/table/file-size.js';
import { writeDataFile, type WriteDataFileOptions, type WrittenDataFile } from './data-file.js';

export interface RollingWriterOptions extends WriteDataFileOptions {
  /** Target Parquet file size; default floe's (iceberg/table/file-size.ts). */
  targetFileSizeBytes?: number;
  /** Upper bound on Arrow bytes buffered for one file; default 512 MiB. */
  maxArrowBytesPerFile?: number;
  /** Parquet bytes per Arrow byte assumed until a file has been written; default 0.25. */
  initialCompressionRatio?: number;
}

/** Bytes of the Arrow buffers under a Data (what IPC would carry, before slicing). */
export function arrowByteSize(data: arrow.Data): number {
  let n = (data.values?.byteLength ?? 0) + (data.valueOffsets?.byteLength ?? 0) + (data.nullBitmap?.byteLength ?? 0);
  for (const child of data.children) n += arrowByteSize(child);
  return n;
}

export class RollingDataFileWriter {
  private pending: arrow.RecordBatch[] = [];
  private pendingBytes = 0;
  private pendingRows = 0;
  private writtenArrowBytes = 0;
  private writtenParquetBytes = 0;
  private readonly target: number;
  private readonly maxArrow: number;

  constructor(
    readonly schema: Schema,
    private readonly opts: RollingWriterOptions = {},
  ) {
    this.target = opts.targetFileSizeBytes ?? DEFAULT_TARGET_FILE_SIZE_BYTES;
    this.maxArrow = opts.maxArrowBytesPerFile ?? 512 * 1024 * 1024;
  }

  /** Parquet bytes per Arrow byte: observed so far, else the configured guess. */
  get compressionRatio(): number {
    return this.writtenArrowBytes > 0 ? this.writtenParquetBytes / this.writtenArrowBytes : (this.opts.initialCompressionRatio ?? 0.25);
  }

  get bufferedRows(): number {
    return this.pendingRows;
  }

  get bufferedArrowBytes(): number {
    return this.pendingBytes;
  }

  /** Predicted size of the file the buffered rows would make now. */
  get estimatedFileBytes(): number {
    return this.pendingBytes * this.compressionRatio;
  }

  /** Arrow bytes one file may hold before it is written. */
  private arrowLimit(): number {
    return Math.max(1, Math.min(this.maxArrow, this.target / this.compressionRatio));
  }

  /** Buffers the rows; returns the files that reached the target (usually none). */
  write(input: arrow.RecordBatch | arrow.Table): WrittenDataFile[] {
    const files: WrittenDataFile[] = [];
    const batches = input instanceof arrow.Table ? input.batches : [input];
    for (const whole of batches) {
      let batch = whole;
      const rowBytes = batch.numRows > 0 ? arrowByteSize(batch.data) / batch.numRows : 0;
      while (batch.numRows > 0) {
        const room = this.arrowLimit() - this.pendingBytes;
        const fit = rowBytes > 0 ? Math.floor(room / rowBytes) : batch.numRows;
        if (fit >= batch.numRows) {
          this.add(batch, batch.numRows * rowBytes);
          break;
        }
        // Always make progress: a single row larger than the limit still becomes a file.
        const take = Math.max(fit, this.pendingRows === 0 ? 1 : 0);
        if (take > 0) this.add(batch.slice(0, take), take * rowBytes);
        files.push(this.roll());
        batch = batch.slice(take);
      }
    }
    return files;
  }

  /** Writes whatever is buffered as a (possibly small) last file. */
  flush(): WrittenDataFile[] {
    return this.pendingRows > 0 ? [this.roll()] : [];
  }

  private add(batch: arrow.RecordBatch, bytes: number): void {
    this.pending.push(batch);
    this.pendingBytes += bytes;
    this.pendingRows += batch.numRows;
  }

  private roll(): WrittenDataFile {
    const table = new arrow.Table(this.pending);
    const file = writeDataFile(table, this.schema, this.opts);
    this.writtenArrowBytes += this.pendingBytes;
    this.writtenParquetBytes += file.bytes.byteLength;
    this.pending = [];
    this.pendingBytes = 0;
    this.pendingRows = 0;
    return file;
  }
}
