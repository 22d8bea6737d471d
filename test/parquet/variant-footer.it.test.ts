/**
 * A table with variant files from before floe annotated the Parquet group (parquet-wasm's bytes as
 * they were) and files with the annotation, as a deployment that upgrades floe has: what Spark 4.1
 * and DuckDB 1.5.5 read from it, and that floe's compaction, which rewrites both kinds through the
 * annotating writer, leaves a table DuckDB reads exactly. Recorded in docs/querying.md.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type * as arrow from 'apache-arrow';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { currentSchema, defaultSpec } from '../../src/iceberg/spec/metadata.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { encodeVariant, VariantDecimal, type VariantValue } from '../../src/iceberg/spec/variant.js';
import { compactTable } from '../../src/maintain/compact.js';
import type { DataFileEncoder } from '../../src/parquet/encode.js';
import { computeMetrics } from '../../src/parquet/metrics.js';
import { dataLocation, writePartitionedDataFiles } from '../../src/parquet/table-files.js';
import { FastAppend } from '../../src/iceberg/table/append.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { silentLogger } from '../../src/util/log.js';
import { duckBlob, duckdbSql } from '../harness/duckdb.js';
import { OracleTables, schemaOf, stack } from '../iceberg/table/oracle-tables.js';

/** floe's writer before the annotation: parquet-wasm's bytes, metrics of them. */
const unannotated: DataFileEncoder = async (table: arrow.Table, schema: Schema, opts) => {
  const bytes = writeParquetBytes(table, opts);
  return [{ bytes, metrics: computeMetrics(table, schema, bytes, opts) }];
};

const t = new OracleTables('variant_upgrade');

beforeAll(async () => {
  await t.setup();
});

afterAll(async () => {
  await t.teardown();
});

const OLD: [VariantValue, string][] = [
  [42n, '42'],
  [new Map<string, VariantValue>([['a', new VariantDecimal(150n, 2)], ['b', [true, null, 'x']]]), '{"a":1.50,"b":[true,null,"x"]}'],
];
const NEW: [VariantValue, string][] = [
  ['new', '"new"'],
  [null, 'null'],
];

describe('variant files written before and after the annotation, in one table', () => {
  it('Spark reads every value; DuckDB the new files exactly and the old ones as raw parts, until floe compacts them', async () => {
    await t.create('docs', schemaOf([
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'v', required: false, type: 'variant' },
    ]), [], { 'format-version': '3' });
    const metadata = await t.load('docs');
    const schema = currentSchema(metadata);
    expect(schema.fields.map((f) => f.type)).toEqual(['long', 'variant']);
    const rows = (docs: [VariantValue, string][], from: number) => docs.map(([d], k) => ({ id: BigInt(from + k), v: encodeVariant(d) }));
    const old = await writePartitionedDataFiles(rows(OLD, 0), { io: t.io, dataLocation: dataLocation(metadata), schema, spec: defaultSpec(metadata), encode: unannotated });
    await commitWithRetry(t.catalog, t.id('docs'), new FastAppend(t.io, old).apply);
    await t.append('docs', rows(NEW, OLD.length));

    // Spark goes by the Iceberg schema: every value exact.
    const sparkRows = (await t.spark(`SELECT id, to_json(v) FROM ${t.name('docs')} ORDER BY id`)).rows;
    expect(sparkRows).toEqual([['0', '42'], ['1', '{"a":1.5,"b":[true,null,"x"]}'], ['2', '"new"'], ['3', 'null']]); // (longs come as text)
    // DuckDB goes by each file's Parquet schema: the annotated files' values exact, and each value
    // of an old file, silently, as a variant object of its two raw parts.
    const expected = [...OLD, ...NEW].map(([, json], id) => [String(id), json]);
    const duck = async () => (await duckdbSql(stack, `SELECT id, CAST(v AS JSON) FROM floe.${t.ns}.docs ORDER BY id`))[0]!.rows;
    const raw = OLD.map(([d], id) => {
      const { metadata, value } = encodeVariant(d);
      return [String(id), `{"metadata":${duckBlob(metadata)},"value":${duckBlob(value)}}`];
    });
    expect(await duck()).toEqual([...raw, ...expected.slice(OLD.length)]);

    // floe's compaction rewrites both kinds through the annotating writer.
    await compactTable(t.catalog, () => t.io, t.id('docs'), { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
    expect((await t.spark(`SELECT count(*) FROM ${t.name('docs')}.files`)).rows).toEqual([['1']]);
    expect(await duck()).toEqual(expected);
    expect((await t.spark(`SELECT id, to_json(v) FROM ${t.name('docs')} ORDER BY id`)).rows).toEqual(sparkRows);
  }, 300_000);
});
