import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder, rowsToTable } from '../../src/arrow/builder.js';
import { writeDataFile } from '../../src/parquet/data-file.js';
import { RollingDataFileWriter } from '../../src/parquet/rolling.js';
import { ALL_ROWS, ALL_TYPES } from './fixtures.js';
import { canonicalRows, readWithHyparquet } from './hyparquet.js';

function makeRows(n: number, from = 0): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => ({
    ...ALL_ROWS[(from + k) % ALL_ROWS.length],
    id: BigInt(from + k),
    s: `row ${from + k} ${'x'.repeat((from + k) % 50)}`,
  }));
}

describe('RollingDataFileWriter', () => {
  it('splits batches into files near the target size, keeping every row once and in order', async () => {
    const target = 16 * 1024;
    const w = new RollingDataFileWriter(ALL_TYPES, { targetFileSizeBytes: target, initialCompressionRatio: 0.5 });
    const rows: Record<string, unknown>[] = [];
    const files = [];
    const b = new RecordBatchBuilder(ALL_TYPES);
    for (let k = 0; k < 12; k++) {
      const chunk = makeRows(500, k * 500);
      rows.push(...chunk);
      for (const r of chunk) b.append(r);
      files.push(...w.write(b.finish()));
    }
    files.push(...w.flush());
    expect(w.bufferedRows).toBe(0);
    expect(files.length).toBeGreaterThan(3);
    expect(files.reduce((n, f) => n + f.metrics.recordCount, 0)).toBe(rows.length);

    // Once the ratio is learned (after the first file), files land near the target.
    for (const f of files.slice(1, -1)) {
      expect(f.bytes.length).toBeGreaterThan(target * 0.6);
      expect(f.bytes.length).toBeLessThan(target * 1.4);
    }

    let at = 0;
    for (const f of files) {
      // hyparquet in-process: one pyarrow process per file would dominate the test's time.
      const want = rows.slice(at, at + f.metrics.recordCount);
      expect(canonicalRows(ALL_TYPES, await readWithHyparquet(f.bytes), false)).toEqual(canonicalRows(ALL_TYPES, want, true));
      // Metrics of a file made from batch slices equal those of the same rows built fresh.
      const fresh = writeDataFile(rowsToTable(ALL_TYPES, want), ALL_TYPES).metrics;
      expect(f.metrics.valueCounts).toEqual(fresh.valueCounts);
      expect(f.metrics.nullValueCounts).toEqual(fresh.nullValueCounts);
      expect(f.metrics.nanValueCounts).toEqual(fresh.nanValueCounts);
      expect(f.metrics.lowerBounds).toEqual(fresh.lowerBounds);
      expect(f.metrics.upperBounds).toEqual(fresh.upperBounds);
      at += f.metrics.recordCount;
    }
  });

  it('caps the Arrow bytes buffered for one file', () => {
    const w = new RollingDataFileWriter(ALL_TYPES, { targetFileSizeBytes: 1 << 30, maxArrowBytesPerFile: 64 * 1024 });
    const files = w.write(rowsToTable(ALL_TYPES, makeRows(3000)));
    expect(files.length).toBeGreaterThan(1);
    expect(w.bufferedArrowBytes).toBeLessThanOrEqual(64 * 1024);
    const total = files.reduce((n, f) => n + f.metrics.recordCount, 0) + w.bufferedRows;
    expect(total).toBe(3000);
  });

  it('writes a row larger than the limit as its own file rather than looping', () => {
    const w = new RollingDataFileWriter(ALL_TYPES, { targetFileSizeBytes: 10, initialCompressionRatio: 1 });
    const files = [...w.write(new arrow.Table([rowsToTable(ALL_TYPES, makeRows(3)).batches[0]!])), ...w.flush()];
    expect(files.map((f) => f.metrics.recordCount)).toEqual([1, 1, 1]);
  });
});
