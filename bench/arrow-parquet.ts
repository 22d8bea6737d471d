/**
 * Micro-benchmark: rows → Arrow (floe's RecordBatchBuilder vs apache-arrow's makeBuilder) →
 * Parquet (parquet-wasm, zstd and snappy) → metrics, for a 20-field record.
 * Run: npx tsx bench/arrow-parquet.ts [rows]. Prints rows/s and MiB/s (of Arrow IPC bytes).
 */
import * as arrow from 'apache-arrow';
import { RecordBatchBuilder } from '../src/arrow/builder.js';
import type { Schema } from '../src/iceberg/spec/types.js';
import { computeMetrics } from '../src/parquet/metrics.js';
import { writeParquetBytes } from '../src/parquet/writer.js';

const N = Number(process.argv[2] ?? 200_000);

const schema: Schema = {
  type: 'struct', 'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: true, type: 'timestamptz' },
    { id: 3, name: 'user', required: true, type: 'string' },
    { id: 4, name: 'event', required: true, type: 'string' },
    { id: 5, name: 'country', required: false, type: 'string' },
    { id: 6, name: 'amount', required: false, type: 'decimal(18,2)' },
    { id: 7, name: 'price', required: false, type: 'double' },
    { id: 8, name: 'qty', required: false, type: 'int' },
    { id: 9, name: 'flag', required: false, type: 'boolean' },
    { id: 10, name: 'session', required: false, type: 'uuid' },
    { id: 11, name: 'url', required: false, type: 'string' },
    { id: 12, name: 'referrer', required: false, type: 'string' },
    { id: 13, name: 'score', required: false, type: 'float' },
    { id: 14, name: 'day', required: false, type: 'date' },
    { id: 15, name: 'tags', required: false, type: { type: 'list', 'element-id': 21, element: 'string', 'element-required': false } },
    { id: 16, name: 'attrs', required: false, type: { type: 'map', 'key-id': 22, key: 'string', 'value-id': 23, value: 'string', 'value-required': false } },
    { id: 17, name: 'geo', required: false, type: { type: 'struct', fields: [{ id: 24, name: 'lat', required: true, type: 'double' }, { id: 25, name: 'lon', required: true, type: 'double' }] } },
    { id: 18, name: 'version', required: false, type: 'long' },
    { id: 19, name: 'ip', required: false, type: 'string' },
    { id: 20, name: 'payload', required: false, type: 'binary' },
  ],
};

const EVENTS = ['click', 'view', 'purchase', 'signup', 'logout'];
const COUNTRIES = ['DE', 'US', 'FR', 'JP', 'BR', null];
function uuid(k: number): string {
  const h = (k * 2654435761 >>> 0).toString(16).padStart(8, '0');
  return `${h}-1234-4abc-8def-${h}${h.slice(0, 4)}`;
}
const rows = Array.from({ length: Math.min(N, 50_000) }, (_, k) => ({
  id: BigInt(k),
  ts: 1_700_000_000_000_000n + BigInt(k) * 1000n,
  user: `user-${k % 9973}`,
  event: EVENTS[k % 5]!,
  country: COUNTRIES[k % 6],
  amount: BigInt(k * 37) - 500n,
  price: k * 0.25,
  qty: k % 17,
  flag: k % 3 === 0,
  session: uuid(k),
  url: `https://example.com/products/${k % 1000}/details?ref=campaign-${k % 50}`,
  referrer: k % 4 === 0 ? null : 'https://search.example.org/q?x=1',
  score: k / 7,
  day: 19000 + (k % 365),
  tags: k % 5 === 0 ? null : ['a', `t${k % 10}`],
  attrs: new Map([['src', 'web'], ['ab', k % 2 ? 'A' : 'B']]),
  geo: { lat: 52.52 + k * 1e-6, lon: 13.4 },
  version: k % 3,
  ip: `10.0.${k % 256}.${(k >> 8) % 256}`,
  payload: new Uint8Array(32).fill(k & 0xff),
}));

function time<T>(label: string, fn: () => T, bytes?: () => number): T {
  const t0 = process.hrtime.bigint();
  const out = fn();
  const s = Number(process.hrtime.bigint() - t0) / 1e9;
  const mib = bytes ? ` ${(bytes() / 1048576 / s).toFixed(1).padStart(7)} MiB/s` : '';
  console.log(`${label.padEnd(34)} ${(N / s).toFixed(0).padStart(10)} rows/s${mib}   (${(s * 1000).toFixed(0)} ms)`);
  return out;
}

function buildFloe(): arrow.Table {
  const b = new RecordBatchBuilder(schema, { initialCapacity: 8192 });
  for (let k = 0; k < N; k++) b.append(rows[k % rows.length]!);
  return b.finishTable();
}

// apache-arrow's generic builders, given values already in the shapes they take.
const arrowRows = rows.map((r) => ({
  ...r,
  ts: Number(r.ts / 1000n), // its timestamp builders take epoch milliseconds
  day: r.day * 86_400_000, // and dates as epoch milliseconds
  version: BigInt(r.version), // and 64-bit integers only as bigint
  amount: new Uint32Array(new BigInt64Array([r.amount, r.amount < 0n ? -1n : 0n]).buffer),
  session: Uint8Array.from(Buffer.from(r.session.replace(/-/g, ''), 'hex')),
}));
function buildArrowJs(): arrow.Table {
  const fields = new RecordBatchBuilder(schema).arrowSchema.fields;
  const b = arrow.makeBuilder({ type: new arrow.Struct(fields), nullValues: [null, undefined] });
  for (let k = 0; k < N; k++) b.append(arrowRows[k % arrowRows.length] as never);
  const data = b.finish().flush() as arrow.Data<arrow.Struct>;
  return new arrow.Table([new arrow.RecordBatch(new arrow.Schema(fields), data)]);
}

// Warm up both paths (JIT), then measure.
for (let i = 0; i < 2; i++) {
  const b = new RecordBatchBuilder(schema);
  for (const r of rows.slice(0, 20_000)) b.append(r);
  b.finish();
}
console.log(`${N} rows, 20 fields; node ${process.version}`);
const ipcBytes = arrow.tableToIPC(buildFloe(), 'stream').byteLength;
const table = time('arrow: floe RecordBatchBuilder', buildFloe, () => ipcBytes);
time('arrow: apache-arrow makeBuilder', buildArrowJs, () => ipcBytes);
let zstd: Uint8Array = new Uint8Array();
for (const compression of ['zstd', 'snappy'] as const) {
  const out = time(`parquet: write ${compression}`, () => writeParquetBytes(table, { compression }), () => ipcBytes);
  if (compression === 'zstd') zstd = out;
  console.log(`  ${compression}: ${(out.byteLength / 1048576).toFixed(1)} MiB parquet from ${(ipcBytes / 1048576).toFixed(1)} MiB Arrow (ratio ${(out.byteLength / ipcBytes).toFixed(3)})`);
}
time('metrics: computeMetrics', () => computeMetrics(table, schema, zstd), () => ipcBytes);
time('end to end: build + zstd + metrics', () => {
  const t = buildFloe();
  return computeMetrics(t, schema, writeParquetBytes(t));
}, () => ipcBytes);
