/**
 * The VARIANT annotation floe adds to parquet-wasm's footers: pyarrow (an independent reader)
 * sees `(Variant(1))` on every variant group, at the top level and under structs, lists and maps;
 * nothing else in the file changes (the bytes before the footer, every other footer field, the
 * rows); the metrics describe the final bytes; files without variants are parquet-wasm's bytes
 * untouched; a footer that does not fit the schema is refused with a typed error.
 */
import { readParquet } from 'parquet-wasm';
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { encodeVariant, VariantDecimal, type VariantValue } from '../../src/iceberg/spec/variant.js';
import { writeDataFile } from '../../src/parquet/data-file.js';
import { encodeStruct, fieldOf, type ThriftStruct } from '../../src/parquet/thrift-compact.js';
import { annotateVariantGroups, readFooter, variantFieldIds } from '../../src/parquet/variant-footer.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { ALL_ROWS, ALL_TYPES } from './fixtures.js';
import { readWithPyarrow } from './pyarrow.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'v', required: false, type: 'variant' },
    { id: 3, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 4, name: 'inner', required: true, type: 'variant' }, { id: 5, name: 'n', required: false, type: 'int' }] } },
    { id: 6, name: 'vs', required: false, type: { type: 'list', 'element-id': 7, element: 'variant', 'element-required': false } },
    { id: 8, name: 'm', required: false, type: { type: 'map', 'key-id': 9, key: 'string', 'value-id': 10, value: 'variant', 'value-required': true } },
  ],
};

const docs: (VariantValue | undefined)[] = [
  new Map<string, VariantValue>([['a', 1n], ['b', [true, null, 'x']]]),
  undefined,
  new VariantDecimal(1999n, 2),
  'a string longer than sixty-four bytes, so it takes the long string form',
  null,
];
const enc = (d: VariantValue | undefined) => (d === undefined ? null : encodeVariant(d));
const rows = docs.map((d, i) => ({
  id: BigInt(i),
  v: enc(d),
  st: i === 1 ? null : { inner: encodeVariant(i), n: i },
  vs: i === 1 ? null : [enc(d), encodeVariant(-i)],
  m: new Map([['k', encodeVariant(`m${i}`)]]),
}));

function hex(b: Uint8Array): string {
  return Buffer.from(b).toString('hex');
}

/** The footer with every logicalType of a schema element whose field id is in `ids` removed. */
function withoutAnnotations(md: ThriftStruct, ids: ReadonlySet<number>): Uint8Array {
  const els = (fieldOf(md, 2) as { items: ThriftStruct[] }).items;
  for (const el of els) {
    const id = fieldOf(el, 9);
    if (id?.type === 'i32' && ids.has(id.value)) el.fields = el.fields.filter((f) => f.id !== 10);
  }
  return encodeStruct(md);
}

function expectCode(f: () => unknown, code: string): void {
  expect(f).toThrow(expect.objectContaining({ code }));
}

describe('variant groups annotated in the footer', () => {
  it('finds variant field ids at any depth', () => {
    expect([...variantFieldIds(schema)].sort((a, b) => a - b)).toEqual([2, 4, 7, 10]);
    expect(variantFieldIds(ALL_TYPES).size).toBe(0);
  });

  it('marks every variant group VARIANT(1) and changes nothing else', () => {
    const table = rowsToTable(schema, rows);
    const plain = writeParquetBytes(table);
    const { bytes, metrics } = writeDataFile(table, schema);

    const py = readWithPyarrow(bytes);
    const annotated = py.parquetSchema.split('\n').filter((l) => l.includes('(Variant(1))')).map((l) => l.trim());
    expect(annotated).toEqual([
      'optional group field_id=2 v (Variant(1)) {',
      'required group field_id=4 inner (Variant(1)) {',
      'optional group field_id=7 element (Variant(1)) {',
      'required group field_id=10 value (Variant(1)) {',
    ]);
    // The rows read the same as from parquet-wasm's own file.
    expect(py.rows).toEqual(readWithPyarrow(plain).rows);

    // Pages and indexes keep their offsets: everything before the footer is parquet-wasm's.
    const before = readFooter(plain);
    const after = readFooter(bytes);
    expect(after.start).toBe(before.start);
    expect(hex(bytes.subarray(0, after.start))).toBe(hex(plain.subarray(0, before.start)));
    // And the footer differs only by the annotations.
    expect(hex(withoutAnnotations(after.metadata, variantFieldIds(schema)))).toBe(hex(plain.subarray(before.start, plain.length - 8)));

    // Metrics are of the final bytes.
    expect(metrics.fileSizeInBytes).toBe(bytes.length);
    expect(bytes.length).toBeGreaterThan(plain.length);

    // parquet-wasm (compaction's reader) still reads the annotated file, every byte of every value.
    const back = arrow.tableFromIPC(readParquet(bytes).intoIPCStream());
    const direct = arrow.tableFromIPC(readParquet(plain).intoIPCStream());
    expect(back.numRows).toBe(rows.length);
    expect(JSON.stringify(back.toArray(), (_k, v) => (typeof v === 'bigint' ? String(v) : v))).toBe(JSON.stringify(direct.toArray(), (_k, v) => (typeof v === 'bigint' ? String(v) : v)));
  });

  it('is idempotent: an annotated file comes back as the same bytes', () => {
    const { bytes } = writeDataFile(rowsToTable(schema, rows), schema);
    expect(annotateVariantGroups(bytes, variantFieldIds(schema))).toBe(bytes);
  });

  it('leaves files without variant columns exactly as parquet-wasm wrote them', () => {
    const table = rowsToTable(ALL_TYPES, ALL_ROWS);
    expect(hex(writeDataFile(table, ALL_TYPES).bytes)).toBe(hex(writeParquetBytes(table)));
    expect(readWithPyarrow(writeDataFile(table, ALL_TYPES).bytes).parquetSchema).not.toContain('Variant');
  });

  it('refuses a footer that does not fit the schema, or is not a Parquet footer', () => {
    const table = rowsToTable(schema, rows);
    const plain = writeParquetBytes(table);
    expectCode(() => annotateVariantGroups(plain, new Set([2, 99])), 'PARQUET_SCHEMA_MISMATCH'); // no such group
    expectCode(() => annotateVariantGroups(plain, new Set([1])), 'PARQUET_SCHEMA_MISMATCH'); // a long column
    expectCode(() => annotateVariantGroups(plain, new Set([3])), 'PARQUET_SCHEMA_MISMATCH'); // a struct of a variant and an int
    expectCode(() => annotateVariantGroups(plain.subarray(0, plain.length - 1), new Set([2])), 'THRIFT_INVALID');
    const garbled = plain.slice();
    garbled.fill(0xff, readFooter(plain).start, readFooter(plain).start + 8);
    expectCode(() => annotateVariantGroups(garbled, new Set([2])), 'THRIFT_INVALID');
    const tooLong = plain.slice();
    new DataView(tooLong.buffer).setUint32(tooLong.length - 8, tooLong.length, true);
    expectCode(() => annotateVariantGroups(tooLong, new Set([2])), 'THRIFT_INVALID');
    const encrypted = plain.slice();
    encrypted.set([0x50, 0x41, 0x52, 0x45], encrypted.length - 4);
    expectCode(() => annotateVariantGroups(encrypted, new Set([2])), 'THRIFT_INVALID');
    expect(annotateVariantGroups(plain, new Set())).toBe(plain);
  });
});
