/** One default and one rule for the data file target size, shared by ingest and compaction. */
import { describe, expect, it } from 'vitest';
import { DEFAULT_TARGET_FILE_SIZE_BYTES, targetFileSizeBytes } from '../../../src/iceberg/table/file-size.js';
import { RollingDataFileWriter } from '../../../src/parquet/rolling.js';

describe('target file size', () => {
  it('the table property wins when it is a positive number, else the configured size', () => {
    expect(targetFileSizeBytes({ 'write.target-file-size-bytes': '1048576' }, 5)).toBe(1_048_576);
    expect(targetFileSizeBytes({ 'write.target-file-size-bytes': '0' }, 5)).toBe(5);
    expect(targetFileSizeBytes({ 'write.target-file-size-bytes': 'big' }, 5)).toBe(5);
    expect(targetFileSizeBytes({}, 5)).toBe(5);
    expect(targetFileSizeBytes(undefined, 5)).toBe(5);
  });

  it('has one default: the Parquet writer uses it when given none', () => {
    expect(DEFAULT_TARGET_FILE_SIZE_BYTES).toBe(128 * 1024 * 1024);
    const w = new RollingDataFileWriter({ type: 'struct', 'schema-id': 0, fields: [] });
    expect((w as unknown as { target: number }).target).toBe(DEFAULT_TARGET_FILE_SIZE_BYTES);
  });
});
