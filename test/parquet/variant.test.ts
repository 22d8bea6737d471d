/**
 * A variant column through the Parquet path: the Arrow struct of `metadata`/`value` becomes a
 * Parquet group carrying the column's field id while its two binary parts carry none (Iceberg
 * spec, Appendix A); metrics give counts and no bounds; reading the file back for compaction
 * (parquet-wasm → projectBatch) keeps every byte.
 */
import { readParquet } from 'parquet-wasm';
import * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { projectBatch } from '../../src/arrow/project.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { encodeVariant, VariantDecimal, type VariantValue } from '../../src/iceberg/spec/variant.js';
import { writeDataFile } from '../../src/parquet/data-file.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'v', required: false, type: 'variant' },
    { id: 3, name: 'after', required: false, type: 'string' },
  ],
};

const values = [
  encodeVariant(new Map<string, VariantValue>([['a', 1n], ['b', [true, null, 'x']]])),
  null,
  encodeVariant(new VariantDecimal(1999n, 2)),
  encodeVariant('a string longer than sixty-four bytes, so it takes the long string form'),
];
const rows = values.map((v, i) => ({ id: BigInt(i), v, after: `s${i}` }));

describe('variant columns in Parquet', () => {
  it('a group with the field id, parts without; counts but no bounds; bytes kept through a compaction read', () => {
    const table = rowsToTable(schema, rows);
    const { bytes, metrics } = writeDataFile(table, schema);

    const md = parquetMetadata(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer);
    const el = md.schema.map((e) => [e.name, e.field_id, e.num_children ?? 0, e.repetition_type]);
    expect(el.slice(1)).toEqual([
      ['id', 1, 0, 'REQUIRED'],
      ['v', 2, 2, 'OPTIONAL'],
      ['metadata', undefined, 0, 'REQUIRED'],
      ['value', undefined, 0, 'REQUIRED'],
      ['after', 3, 0, 'OPTIONAL'],
    ]);

    expect(metrics.valueCounts).toEqual(new Map([[1, 4], [2, 4], [3, 4]]));
    expect(metrics.nullValueCounts).toEqual(new Map([[1, 0], [2, 1], [3, 0]]));
    expect([...metrics.lowerBounds!.keys()]).toEqual([1, 3]);
    expect([...metrics.upperBounds!.keys()]).toEqual([1, 3]);
    // Both parts' chunks count towards the variant column's size.
    const chunk = (k: number) => Number(md.row_groups[0]!.columns[k]!.meta_data!.total_compressed_size);
    expect(metrics.columnSizes!.get(2)).toBe(chunk(1) + chunk(2));

    const back = arrow.tableFromIPC(readParquet(bytes).intoIPCStream());
    const projected = projectBatch(back.batches[0]!, schema, { formatVersion: 3 });
    const v = projected.getChild('v')!;
    const read = Array.from({ length: v.length }, (_, i) => {
      const x = v.get(i) as { metadata: Uint8Array; value: Uint8Array } | null;
      return x === null ? null : { metadata: [...x.metadata], value: [...x.value] };
    });
    expect(read).toEqual(values.map((x) => (x === null ? null : { metadata: [...x.metadata], value: [...x.value] })));
  });

  it('a row whose variant is not an encoded variant is refused, naming the field', () => {
    expect(() => rowsToTable(schema, [{ id: 0n, v: '{"a":1}', after: null }])).toThrow(expect.objectContaining({ code: 'ROW_TYPE_MISMATCH', details: expect.objectContaining({ path: 'v' }) }));
  });
});
