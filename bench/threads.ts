/**
 * `npm run bench -- --threads 0,1 [--workload small] [--records N] [--rounds R]`: the daemon's
 * decode → Arrow → Parquet loop with the Parquet encode inline (0) or on an EncodePool of N worker
 * threads (performance.workerThreads), old and new alternated, each run in a fresh child process
 * so its CPU time (all threads) and peak RSS are its own.
 *
 * The loop is the daemon's shape, in process: decode + project + append into a fresh builder per
 * flush of `--flush` rows (default 25,000), then the flush's table is encoded (sort, Parquet
 * zstd, Iceberg metrics) — inline, blocking the next decode, or handed to the pool while the
 * main thread goes on decoding (at most threads + 1 flushes in flight, as the daemon's memory
 * budget would bound it). No S3, no catalog: bench/e2e.ts measures those.
 */
import { execFileSync } from 'node:child_process';
import os from 'node:os';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { RecordBatchBuilder } from '../src/arrow/builder.js';
import { StaticSchemaSource, ValueDecoder } from '../src/decode/index.js';
import { EncodePool } from '../src/parquet/encode-pool.js';
import { encodeInline, type DataFileEncoder } from '../src/parquet/encode.js';
import { avroToIceberg, compileProjector } from '../src/schema/index.js';
import { selectWorkloads, type Workload } from './pipeline.js';

interface RunResult {
  threads: number;
  records: number;
  wallSeconds: number;
  cpuSeconds: number;
  peakRssMiB: number;
  parquetBytes: number;
}

async function child(w: Workload, n: number, threads: number, flushRows: number): Promise<RunResult> {
  const frames = w.make(n);
  const source = new StaticSchemaSource({ 1: w.schema });
  const decoder = new ValueDecoder(source);
  const { newSchema } = avroToIceberg(w.schema);
  const project = compileProjector(w.schema, newSchema);
  const pool = threads > 0 ? new EncodePool(threads) : undefined;
  const encode: DataFileEncoder = pool ? pool.encode : encodeInline;
  // Warm-up (JIT, wasm instantiation, worker start) outside the measurement.
  {
    const b = new RecordBatchBuilder(newSchema);
    for (const f of frames.slice(0, Math.min(flushRows, n))) b.append(project(decoder.decodeCached(f)!.value));
    await Promise.all(Array.from({ length: Math.max(1, threads) }, () => encode(b.finishTable(), newSchema, { compression: 'zstd' })));
  }
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  let parquetBytes = 0;
  const inFlight: Promise<void>[] = [];
  for (let start = 0; start < n; start += flushRows) {
    const builder = new RecordBatchBuilder(newSchema);
    const end = Math.min(n, start + flushRows);
    for (let i = start; i < end; i++) builder.append(project(decoder.decodeCached(frames[i]!)!.value));
    const done = encode(builder.finishTable(), newSchema, { compression: 'zstd' }).then((files) => {
      for (const f of files) parquetBytes += f.bytes.byteLength;
    });
    inFlight.push(done);
    if (inFlight.length > threads) await inFlight.shift();
  }
  await Promise.all(inFlight);
  const wallSeconds = Number(process.hrtime.bigint() - t0) / 1e9;
  const c = process.cpuUsage(cpu0);
  await pool?.close();
  return { threads, records: n, wallSeconds, cpuSeconds: (c.user + c.system) / 1e6, peakRssMiB: process.resourceUsage().maxRSS / 1024, parquetBytes };
}

const fmt = (x: number, d = 0): string => x.toLocaleString('en-US', { maximumFractionDigits: d, minimumFractionDigits: d });

/** Alternates the thread counts `rounds` times, each run a child process; prints every run and the medians. */
export async function runThreads(workloads: Workload[], counts: number[], n: number, rounds: number, flushRows: number): Promise<void> {
  const self = fileURLToPath(import.meta.url);
  for (const w of workloads) {
    console.log(`## threads: ${w.name}, ${fmt(n)} records, flushes of ${fmt(flushRows)} rows, threads ${counts.join(' vs ')} alternated × ${rounds}`);
    const results = new Map<number, RunResult[]>(counts.map((c) => [c, []]));
    for (let r = 0; r < rounds; r++) {
      for (const threads of r % 2 === 0 ? counts : [...counts].reverse()) {
        const load = os.loadavg()[0]!;
        const out = execFileSync(process.execPath, [...process.execArgv, self, '--child', '--workload', w.name, '--records', String(n), '--threads', String(threads), '--flush', String(flushRows)], {
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        const res = JSON.parse(out.trim().split('\n').at(-1)!) as RunResult;
        results.get(threads)!.push(res);
        console.log(
          `threads ${threads}: ${fmt(res.records / res.wallSeconds).padStart(8)} records/s wall  ${fmt(res.records / res.cpuSeconds).padStart(8)} records per CPU s  ` +
            `(wall ${fmt(res.wallSeconds, 2)} s, CPU ${fmt(res.cpuSeconds, 2)} s, peak RSS ${fmt(res.peakRssMiB)} MiB, load ${fmt(load, 1)})`,
        );
      }
    }
    const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
    for (const [threads, rs] of results) {
      console.log(
        `median, threads ${threads}: ${fmt(median(rs.map((x) => x.records / x.wallSeconds)))} records/s wall, ${fmt(median(rs.map((x) => x.records / x.cpuSeconds)))} records per CPU s, peak RSS ${fmt(median(rs.map((x) => x.peakRssMiB)))} MiB`,
      );
    }
    console.log('');
  }
}

if (process.argv.includes('--child')) {
  const { values } = parseArgs({ options: { child: { type: 'boolean' }, workload: { type: 'string' }, records: { type: 'string' }, threads: { type: 'string' }, flush: { type: 'string' } } });
  const res = await child(selectWorkloads(values.workload!)[0]!, Number(values.records), Number(values.threads), Number(values.flush));
  console.log(JSON.stringify(res));
}
