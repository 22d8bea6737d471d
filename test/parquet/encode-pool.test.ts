import { afterEach, describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { encodeDataFiles } from '../../src/parquet/encode.js';
import { autoThreads, EncodePool } from '../../src/parquet/encode-pool.js';
import type { SortOrder } from '../../src/iceberg/spec/types.js';
import { FloeError, isFloeError } from '../../src/util/errors.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { encodeVariant } from '../../src/iceberg/spec/variant.js';
import { readFooter } from '../../src/parquet/variant-footer.js';
import { fieldOf, type ThriftStruct } from '../../src/parquet/thrift-compact.js';
import { ALL_ROWS, ALL_TYPES } from './fixtures.js';

function tableOf(n: number, from: number) {
  const rows = Array.from({ length: n }, (_, k) => ({ ...ALL_ROWS[(from + k) % ALL_ROWS.length], id: BigInt(from + k), s: `row ${from + k}` }));
  return { rows, table: rowsToTable(ALL_TYPES, rows) };
}

/** A worker module that dies on its first job, as a crash or an out-of-memory would. */
const DYING = new URL(`data:text/javascript,${encodeURIComponent("import { parentPort } from 'node:worker_threads'; parentPort.on('message', () => process.exit(7));")}`);

const pools: EncodePool[] = [];
function pool(threads: number, entry?: URL): EncodePool {
  const p = new EncodePool(threads, entry);
  pools.push(p);
  return p;
}

afterEach(async () => {
  await Promise.all(pools.splice(0).map((p) => p.close()));
});

describe('EncodePool', () => {
  it('returns each job its own files, the same as encoding inline, however the jobs interleave', async () => {
    const p = pool(2);
    const inputs = [120, 7, 300, 1, 64, 33].map((n, k) => tableOf(n, k * 1000));
    const results = await Promise.all(inputs.map((i) => p.encode(i.table, ALL_TYPES, { compression: 'zstd' })));
    for (const [k, files] of results.entries()) {
      const inline = encodeDataFiles(inputs[k]!.table, ALL_TYPES, { compression: 'zstd' });
      expect(files).toHaveLength(1);
      expect(files[0]!.metrics).toEqual(inline[0]!.metrics);
      expect(Buffer.from(files[0]!.bytes).equals(Buffer.from(inline[0]!.bytes))).toBe(true);
    }
    expect(p.pending).toBe(0);
  });

  it('rolls files and sorts rows in the worker as inline', async () => {
    const p = pool(1);
    const { table } = tableOf(3000, 0);
    const order: SortOrder = { 'order-id': 1, fields: [{ 'source-id': ALL_TYPES.fields.find((f) => f.name === 's')!.id, transform: 'identity', direction: 'desc', 'null-order': 'nulls-last' }] };
    const opts = { targetFileSizeBytes: 16 * 1024, initialCompressionRatio: 0.5, sortOrder: order };
    const [viaPool, inline] = [await p.encode(table, ALL_TYPES, opts), encodeDataFiles(table, ALL_TYPES, opts)];
    expect(viaPool.length).toBeGreaterThan(1);
    expect(viaPool.map((f) => f.metrics)).toEqual(inline.map((f) => f.metrics));
  });

  it('annotates variant groups in the worker as inline', async () => {
    const schema: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }, { id: 2, name: 'v', required: false, type: 'variant' }] };
    const table = rowsToTable(schema, Array.from({ length: 50 }, (_, k) => ({ id: BigInt(k), v: k % 7 === 0 ? null : encodeVariant(BigInt(k)) })));
    const [viaPool] = await pool(1).encode(table, schema, {});
    const [inline] = encodeDataFiles(table, schema, {});
    expect(Buffer.from(viaPool!.bytes).equals(Buffer.from(inline!.bytes))).toBe(true);
    expect(viaPool!.metrics).toEqual(inline!.metrics);
    const elements = (fieldOf(readFooter(viaPool!.bytes).metadata, 2) as { items: ThriftStruct[] }).items;
    // SchemaElement 2 is the group `v`: logicalType (10) VARIANT (16) { specification_version (1): 1 }
    expect(fieldOf(elements[2]!, 10)).toEqual({ type: 'struct', fields: [{ id: 16, value: { type: 'struct', fields: [{ id: 1, value: { type: 'i8', value: 1 } }] } }] });
  });

  it('rejects a job that fails with its own code and goes on with the next', async () => {
    const p = pool(1);
    const { table } = tableOf(10, 0);
    const failed = await p.encode(table, ALL_TYPES, { compression: 'bogus' as never }).catch((e: unknown) => e);
    expect(isFloeError(failed, 'PARQUET_BAD_OPTION')).toBe(true);
    expect(await p.encode(table, ALL_TYPES, {})).toHaveLength(1);
  });

  it('turns a worker that dies into a retryable PARQUET_WORKER_FAILED for its job, not a hang', async () => {
    const p = pool(2, DYING);
    const { table } = tableOf(10, 0);
    const outcomes = await Promise.allSettled([p.encode(table, ALL_TYPES, {}), p.encode(table, ALL_TYPES, {}), p.encode(table, ALL_TYPES, {})]);
    for (const o of outcomes) {
      expect(o.status).toBe('rejected');
      const err = (o as PromiseRejectedResult).reason as FloeError;
      expect(err.code).toBe('PARQUET_WORKER_FAILED');
      expect(err.retryable).toBe(true);
      expect(err.message).toContain('exited (code 7)');
    }
    expect(p.pending).toBe(0);
  });

  it('rejects queued jobs at close and every job after it', async () => {
    const p = pool(1);
    const { table } = tableOf(2000, 0);
    const jobs = [1, 2, 3].map(() => p.encode(table, ALL_TYPES, {}).catch((e: unknown) => e));
    await p.close();
    for (const r of await Promise.all(jobs)) expect(isFloeError(r, 'PARQUET_WORKER_FAILED')).toBe(true);
    const after = await p.encode(table, ALL_TYPES, {}).catch((e: unknown) => e);
    expect(isFloeError(after, 'PARQUET_WORKER_FAILED') && !after.retryable).toBe(true);
  });

  it('sizes auto as the cores beyond the daemon thread, at most 4', () => {
    expect([1, 2, 3, 8, 64].map((c) => autoThreads(c))).toEqual([0, 1, 2, 4, 4]);
    expect(() => new EncodePool(0)).toThrow(/at least one thread/);
  });
});
