import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import * as arrow from 'apache-arrow';
import { ipcStream, writeParquetBytes, type ParquetCompression } from '../../src/parquet/writer.js';
import { ALL_ROWS, ALL_TYPES, expectedRows } from './fixtures.js';
import { canonicalRows, readFooter, readWithHyparquet } from './hyparquet.js';
import { readWithPyarrow, type PyField } from './pyarrow.js';

function ids(fields: PyField[]): unknown[] {
  return fields.map((f) => (f.children ? [f.id, ids(f.children)] : f.id));
}

describe('writeParquetBytes', () => {
  const bytes = writeParquetBytes(rowsToTable(ALL_TYPES, ALL_ROWS));

  it('round-trips every Iceberg type exactly through pyarrow', () => {
    const py = readWithPyarrow(bytes);
    expect(py.numRows).toBe(ALL_ROWS.length);
    expect(py.rows).toEqual(expectedRows(ALL_TYPES, ALL_ROWS));
  });

  it('round-trips every Iceberg type through hyparquet', async () => {
    const rows = await readWithHyparquet(bytes);
    expect(canonicalRows(ALL_TYPES, rows, false)).toEqual(canonicalRows(ALL_TYPES, ALL_ROWS, true));
  });

  it('writes the Parquet types and logical types of the Iceberg spec, with field ids everywhere', () => {
    const schema = readWithPyarrow(bytes).parquetSchema;
    const expected = [
      'required int64 field_id=1 id;',
      'optional boolean field_id=2 b;',
      'optional int32 field_id=3 i;',
      'optional int64 field_id=4 l;',
      'optional float field_id=5 f;',
      'optional double field_id=6 d;',
      'optional int32 field_id=7 dec9 (Decimal(precision=9, scale=2));',
      'optional int64 field_id=8 dec18 (Decimal(precision=18, scale=6));',
      'optional fixed_len_byte_array(16) field_id=9 dec38 (Decimal(precision=38, scale=10));',
      'optional int32 field_id=10 date (Date);',
      'optional int64 field_id=11 time (Time(isAdjustedToUTC=false, timeUnit=microseconds));',
      'optional int64 field_id=12 ts (Timestamp(isAdjustedToUTC=false, timeUnit=microseconds',
      'optional int64 field_id=13 tstz (Timestamp(isAdjustedToUTC=true, timeUnit=microseconds',
      'optional binary field_id=14 s (String);',
      // No UUID logical type from parquet-wasm; Iceberg readers accept the bare fixed(16) by field id.
      'optional fixed_len_byte_array(16) field_id=15 u;',
      'optional fixed_len_byte_array(3) field_id=16 fx;',
      'optional binary field_id=17 bin;',
      'optional group field_id=18 st {',
      'required int32 field_id=19 a;',
      'optional group field_id=23 tags (List) {',
      'optional binary field_id=24 element (String);',
      'optional group field_id=25 attrs (Map) {',
      'required binary field_id=26 key (String);',
      'optional int64 field_id=27 value;',
      'required group field_id=29 element {',
      'required group field_id=34 value (List) {',
      'optional int32 field_id=35 element (Date);',
      'optional int64 field_id=36 ts_ns (Timestamp(isAdjustedToUTC=true, timeUnit=nanoseconds',
      'required binary field_id=37 req_s (String);',
    ];
    for (const line of expected) expect(schema).toContain(line);
    // Lists use the 3-level representation the spec requires.
    expect(schema).toMatch(/optional group field_id=23 tags \(List\) \{\s+repeated group field_id=-1 list \{/);
  });

  it('carries field ids on every Arrow field as pyarrow sees them', () => {
    expect(ids(readWithPyarrow(bytes).fields)).toEqual([
      1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15, 16, 17,
      [18, [19, 20, [21, [22]]]], [23, [24]], [25, [26, 27]], [28, [[29, [30, 31]]]], [32, [33, [34, [35]]]], 36, 37,
    ]);
  });

  it('hyparquet sees the same field ids in the footer', () => {
    const withIds = readFooter(bytes).schema.filter((e) => e.field_id !== undefined).map((e) => e.field_id);
    expect(withIds).toEqual(Array.from({ length: 37 }, (_, k) => k + 1));
  });

  // arrow-rs (parquet-wasm 0.8) puts decimal(1,s) in INT64 rather than INT32: a documented
  // deviation; Iceberg readers choose the decimal decoder by the file's physical type.
  it('stores decimals as INT32 up to precision 9, INT64 up to 18, else the narrowest fixed', () => {
    const precisions = [1, 9, 10, 18, 19, 28, 38];
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: precisions.map((p, k) => ({ id: k + 1, name: `d${p}`, required: false, type: `decimal(${p},0)` as const })),
    };
    const row = Object.fromEntries(precisions.map((p) => [`d${p}`, -(10n ** BigInt(p) - 1n)]));
    const py = readWithPyarrow(writeParquetBytes(rowsToTable(schema, [row, {}])));
    const col = py.rowGroups[0]!.columns;
    expect(col.map((c) => c.physical)).toEqual(['INT64', 'INT32', 'INT64', 'INT64', 'FIXED_LEN_BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY', 'FIXED_LEN_BYTE_ARRAY']);
    expect(py.parquetSchema).toContain('fixed_len_byte_array(9) field_id=5 d19');
    expect(py.parquetSchema).toContain('fixed_len_byte_array(12) field_id=6 d28');
    expect(py.parquetSchema).toContain('fixed_len_byte_array(16) field_id=7 d38');
    expect(py.rows[0]).toEqual(Object.fromEntries(precisions.map((p) => [`d${p}`, String(-(10n ** BigInt(p) - 1n))])));
  });

  it.each<[ParquetCompression, string]>([
    ['zstd', 'ZSTD'], ['snappy', 'SNAPPY'], ['gzip', 'GZIP'], ['lz4', 'LZ4_RAW'], ['none', 'UNCOMPRESSED'],
  ])('compression %s is readable', (compression, codec) => {
    const out = writeParquetBytes(rowsToTable(ALL_TYPES, ALL_ROWS), { compression });
    expect(readFooter(out).row_groups[0]!.columns.every((c) => c.meta_data!.codec === codec)).toBe(true);
    const py = readWithPyarrow(out);
    expect(py.rows).toEqual(expectedRows(ALL_TYPES, ALL_ROWS));
  });

  it('honours row-group size, page size, statistics and dictionary options', () => {
    const rows = Array.from({ length: 10 }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k) }));
    const out = writeParquetBytes(rowsToTable(ALL_TYPES, rows), { rowGroupRows: 4, dataPageBytes: 64, statistics: false, dictionary: false });
    const py = readWithPyarrow(out);
    expect(py.rowGroups.map((g) => g.rows)).toEqual([4, 4, 2]);
    expect(py.rowGroups[0]!.columns.every((c) => c.nullCount === null && c.dictionaryPageOffset === null)).toBe(true);
    expect(py.rows).toEqual(expectedRows(ALL_TYPES, rows));
  });

  it('writes the Arrow IPC stream into a reused buffer, byte for byte what tableToIPC writes', () => {
    const many = (n: number) => rowsToTable(ALL_TYPES, Array.from({ length: n }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k) })));
    const twoBatches = new arrow.Table([...many(3).batches, ...many(5).batches]);
    // Small, large (the buffer grows), small again (reused), empty, several batches.
    for (const t of [many(2), many(20_000), many(7), many(0), twoBatches]) {
      const expected = arrow.tableToIPC(t, 'stream');
      const got = ipcStream(t);
      expect(got.byteLength).toBe(expected.byteLength);
      expect(Buffer.compare(Buffer.from(got.buffer, got.byteOffset, got.byteLength), Buffer.from(expected))).toBe(0);
    }
    // Files written one after another through the reused buffer read back exactly.
    for (const n of [30, 3]) {
      const rows = Array.from({ length: n }, (_, k) => ({ ...ALL_ROWS[k % ALL_ROWS.length], id: BigInt(k) }));
      expect(readWithPyarrow(writeParquetBytes(rowsToTable(ALL_TYPES, rows))).rows).toEqual(expectedRows(ALL_TYPES, rows));
    }
  });
});
