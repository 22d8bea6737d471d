import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { dictionaryColumns, dictionaryPays, FIRST_PAGE_BYTES, FIRST_PAGE_ROWS } from '../../src/parquet/dictionary.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { readFooter, readWithHyparquet } from './hyparquet.js';
import { readWithPyarrow } from './pyarrow.js';

const SCHEMA: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'kind', required: false, type: 'string' },
    { id: 3, name: 'url', required: false, type: 'string' },
    { id: 4, name: 'qty', required: true, type: 'int' },
    { id: 5, name: 'price', required: true, type: 'double' },
    { id: 6, name: 'session', required: true, type: 'uuid' },
    { id: 7, name: 'user', required: true, type: 'uuid' },
    { id: 8, name: 'amount', required: true, type: 'decimal(12,2)' },
    { id: 9, name: 'flag', required: true, type: 'boolean' },
    { id: 10, name: 'meta', required: true, type: { type: 'struct', fields: [{ id: 11, name: 'offset', required: true, type: 'long' }] } },
    { id: 12, name: 'day', required: true, type: 'date' },
    { id: 13, name: 'a.b', required: true, type: 'long' },
  ],
};

function uuid(k: number): string {
  const h = ((k * 2654435761) >>> 0).toString(16).padStart(8, '0');
  return `${h}-1234-4abc-8def-${h}${h.slice(0, 4)}`;
}

function rows(n: number): Record<string, unknown>[] {
  return Array.from({ length: n }, (_, k) => ({
    id: 1_000_000_000_000n + BigInt(k), // distinct
    kind: k % 7 === 0 ? null : ['view', 'click', 'buy'][k % 3], // three values and nulls
    url: `https://example.com/p/${k}?ref=${k % 13}`, // distinct
    qty: k % 17, // 17 values
    price: k / 3, // distinct
    session: uuid(k), // distinct
    user: uuid(k % 40), // 40 values
    amount: BigInt(k * 101), // distinct
    flag: k % 2 === 0,
    meta: { offset: BigInt(k) },
    day: 19_000 + (k % 30),
    'a.b': BigInt(k), // distinct; a top-level name with a dot
  }));
}

describe('dictionary encoding per column (parquet-mr’s first-page test)', () => {
  const table = rowsToTable(SCHEMA, rows(20_000));

  it('keeps it for repetitive top-level columns, not for mostly distinct ones', () => {
    expect(dictionaryColumns(table).sort()).toEqual(['day', 'kind', 'qty']);
    // And for a repeated decimal or long with a dot in its name.
    const t = rowsToTable(
      { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'amount', required: true, type: 'decimal(30,2)' }, { id: 2, name: 'a.b', required: true, type: 'long' }] },
      Array.from({ length: 1000 }, (_, k) => ({ amount: BigInt(k % 5) * 10n ** 25n, 'a.b': BigInt(k % 3) * 2n ** 40n })),
    );
    expect(dictionaryColumns(t)).toEqual(['amount', 'a.b']);
  });

  it('decides on the first page only, ignoring nulls', () => {
    // Distinct for FIRST_PAGE_ROWS rows, then one value: the first page decides (plain).
    const ids = Array.from({ length: FIRST_PAGE_ROWS * 2 }, (_, k) => ({ id: BigInt(k < FIRST_PAGE_ROWS ? k : 0) }));
    const t = rowsToTable({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] }, ids);
    expect(dictionaryPays(t.getChildAt(0)!.data[0]!)).toBe(false);
    const nulls = rowsToTable({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 's', required: false, type: 'string' }] }, Array.from({ length: 100 }, () => ({ s: null })));
    expect(dictionaryPays(nulls.getChildAt(0)!.data[0]!)).toBe(false);
  });

  it('decides long values on their first FIRST_PAGE_BYTES, as parquet-mr ends its first page', () => {
    // 500-byte values: distinct for the first ~2,000 (a page of 1 MiB), then one value repeated.
    const perPage = Math.ceil(FIRST_PAGE_BYTES / 504);
    const blob = (k: number) => `${String(k).padStart(8, '0')}${'x'.repeat(492)}`;
    const rows = Array.from({ length: FIRST_PAGE_ROWS }, (_, k) => ({ s: k < perPage ? blob(k) : blob(0) }));
    const t = rowsToTable({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 's', required: true, type: 'string' }] }, rows);
    expect(dictionaryPays(t.getChildAt(0)!.data[0]!)).toBe(false); // all distinct on the first page: plain
    // The same values the other way round: repeats on the first page, distinct after it.
    const repeated = Array.from({ length: FIRST_PAGE_ROWS }, (_, k) => ({ s: k < perPage ? blob(k % 10) : blob(k) }));
    const r = rowsToTable({ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 's', required: true, type: 'string' }] }, repeated);
    expect(dictionaryPays(r.getChildAt(0)!.data[0]!)).toBe(true);
  });

  it('reads a slice of a batch from its offset', () => {
    const data = table.getChild('qty')!.data[0]!.slice(5, 1000);
    expect(data.offset).toBe(5);
    expect(dictionaryPays(data)).toBe(true);
    expect(dictionaryPays(table.getChild('user')!.data[0]!.slice(5, 1000))).toBe(false); // fixed-length: never
    expect(dictionaryPays(table.getChild('id')!.data[0]!.slice(5, 1000))).toBe(false);
    expect(dictionaryPays(table.getChild('url')!.data[0]!.slice(100, 1000))).toBe(false);
  });

  it('writes what it decided, with the same values and statistics as all-dictionary', async () => {
    const auto = writeParquetBytes(table);
    const always = writeParquetBytes(table, { dictionary: true });
    const encodings = (bytes: Uint8Array) =>
      Object.fromEntries(readFooter(bytes).row_groups[0]!.columns.map((c) => [c.meta_data!.path_in_schema.join('.'), c.meta_data!.encodings.includes('RLE_DICTIONARY')]));
    const e = encodings(auto);
    expect(e).toEqual({ id: false, url: false, price: false, session: false, user: false, amount: false, flag: false, 'meta.offset': false, 'a.b': false, kind: true, qty: true, day: true });
    // With dictionary everywhere, arrow-rs encodes all but booleans and fixed-length binaries (uuid).
    expect(Object.entries(encodings(always)).filter(([, d]) => !d).map(([c]) => c)).toEqual(['session', 'user', 'flag']);
    // Same rows, same footer statistics: the encoding is invisible to readers.
    expect(readWithPyarrow(auto).rows).toEqual(readWithPyarrow(always).rows);
    const stats = (bytes: Uint8Array) => readFooter(bytes).row_groups[0]!.columns.map((c) => c.meta_data!.statistics);
    expect(stats(auto)).toEqual(stats(always));
    expect((await readWithHyparquet(auto)).length).toBe(20_000);
  });

  it('chooses no dictionary for nested, boolean and all-null columns', () => {
    expect(dictionaryPays(table.getChild('meta')!.data[0]!)).toBe(false);
    expect(dictionaryPays(table.getChild('flag')!.data[0]!)).toBe(false);
    expect(dictionaryPays(arrow.makeData({ type: new arrow.Null(), length: 3 }))).toBe(false);
  });
});
