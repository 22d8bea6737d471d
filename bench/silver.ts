/**
 * Silver and maintenance benchmark against the local stack (`npm run bench -- --silver`):
 *
 * 1. Upserts: N keyed operations (upserts over K keys, ~5 % tombstones) are produced to a
 *    3-partition topic *before* ONE `floe run` daemon starts (mapping `mode: silver` with
 *    `alsoBronze`, commit interval 1 s, zstd). Operations/s are measured like bench/e2e.ts: first →
 *    last commit of the silver table, per wall second and per CPU second of the daemon. A trickle
 *    phase then produces updates at a steady rate so the table gathers the many small row deltas
 *    (data + equality/position delete files) that a live silver table has.
 * 2. Compaction: `compactTable` via `runTask('compact')` of src/maintain, in this process (no CLI
 *    start-up in the timing), on the silver table, then on the bronze table. Input = data files
 *    rewritten + every delete file (each is read once and cached); file counts before/after come
 *    from Spark's `data_files` / `delete_files` metadata tables.
 * 3. Scans: `SELECT count(*), sum(hash(<every value column>))` through the Spark oracle, R repetitions after one
 *    warm-up, median reported — silver before compaction, silver after, bronze before and after.
 *
 * Sizes: FLOE_BENCH_SILVER_OPS (300000), FLOE_BENCH_SILVER_KEYS (10000),
 * FLOE_BENCH_SILVER_TRICKLE_SECONDS (20), FLOE_BENCH_SILVER_TRICKLE_RATE ops/s (500),
 * FLOE_BENCH_SILVER_SCANS repetitions (5).
 */
import os from 'node:os';
import { committedOffsets } from '../src/commit/offsets.js';
import { loadConfig as loadFloeConfig } from '../src/config/load.js';
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import { runTask, settingsFor } from '../src/maintain/index.js';
import { CatalogTableStore, createCatalog, s3Options } from '../src/orchestrator/table-store.js';
import { createLogger } from '../src/util/log.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { oracleFor, type OracleClient } from '../test/harness/oracle.js';
import { cpuSeconds } from './proc.js';
import { benchStack } from './stack.js';
import { prng } from '../test/fixtures/prng.js';

const MiB = 1024 * 1024;
export const PARTITIONS = 3;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const load = (): string => os.loadavg().map((l) => fmt(l, 2)).join(' ');

export const ROW_SCHEMA = {
  type: 'record',
  name: 'Customer',
  namespace: 'floe.bench.silver',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'tier', type: 'int' },
    { name: 'balance', type: 'double' },
    { name: 'v', type: 'long' },
    { name: 'updated_at', type: { type: 'long', logicalType: 'timestamp-millis' } },
    { name: 'note', type: 'string' },
  ],
};

type Message = { key: string; value: Buffer | null; partition: number };

function partitionOf(key: string): number {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h) % PARTITIONS;
}

/** `count` operations over `keys` keys: upserts, and a tombstone in one case out of twenty. */
export function makeOps(p: AvroProducer, schemaId: number, rand: () => number, count: number, keys: number, v0: number): Message[] {
  const out: Message[] = [];
  for (let i = 0; i < count; i++) {
    const key = `c${Math.floor(rand() * keys)}`;
    const partition = partitionOf(key);
    if (rand() < 0.05) {
      out.push({ key, partition, value: null });
      continue;
    }
    let note = '';
    while (note.length < 160) note += Math.floor(rand() * 2 ** 32).toString(36);
    const row = { id: key, name: `customer ${Math.floor(rand() * 1e6)}`, tier: Math.floor(rand() * 4), balance: Math.round(rand() * 1e6) / 100, v: v0 + i, updated_at: Date.now(), note };
    out.push({ key, partition, value: p.encode(schemaId, row) });
  }
  return out;
}

export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = Math.floor(s.length / 2);
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

interface ScanFigure {
  medianMs: number;
  minMs: number;
  maxMs: number;
  rows: number;
  /** Iceberg's resultDeleteFiles: a delete file counts once per data file (task) it applies to. */
  deleteFiles: number | undefined;
}

/** Full scan, `reps` timed repetitions after one warm-up; the median is the figure. */
async function timeScan(oracle: OracleClient, table: string, reps: number): Promise<ScanFigure> {
  // Every value column (the `_kafka` metadata struct holds a map, which Spark refuses to hash).
  const sql = `SELECT count(*), sum(hash(${ROW_SCHEMA.fields.map((f) => f.name).join(', ')})) FROM ${table}`;
  const warm = await oracle.sparkScan(sql);
  const times: number[] = [];
  for (let i = 0; i < reps; i++) {
    const t0 = performance.now();
    await oracle.sparkSql(sql);
    times.push(performance.now() - t0);
  }
  const m = warm.scans[0]?.metrics ?? {};
  return { medianMs: median(times), minMs: Math.min(...times), maxMs: Math.max(...times), rows: Number(warm.rows[0]![0]), deleteFiles: m.resultDeleteFiles };
}

export async function fileCounts(oracle: OracleClient, table: string): Promise<{ data: number; dataMiB: number; deletes: number; deleteMiB: number }> {
  const q = async (t: string) => (await oracle.sparkSql(`SELECT count(*), coalesce(sum(file_size_in_bytes), 0) FROM ${table}.${t}`)).rows[0]!;
  const [d, x] = [await q('data_files'), await q('delete_files')];
  return { data: Number(d[0]), dataMiB: Number(d[1]) / MiB, deletes: Number(x[0]), deleteMiB: Number(x[1]) / MiB };
}

/** Kafka operations of `topic` the table `ns.name` has committed (its snapshots' offsets), 0 before it exists. */
export function committedCounter(catalog: RestCatalogClient, ns: string, topic: string): (name: string) => Promise<number> {
  return async (name) => {
    try {
      const t = await catalog.loadTable({ namespace: [ns], name }, { snapshots: 'refs' });
      let n = 0;
      for (const [tp, , o] of committedOffsets(t.metadata).entries()) if (tp === topic) n += Number(o);
      return n;
    } catch {
      return 0; // not created yet
    }
  };
}

/**
 * Steady updates for `seconds` at `rate` ops/s (a batch every 100 ms), so the table ends up with one
 * small row delta per commit interval; resolves to how many were sent.
 */
export async function trickle(producer: AvroProducer, topic: string, schemaId: number, rand: () => number, o: { seconds: number; rate: number; keys: number; v0: number }): Promise<number> {
  const perTick = Math.max(1, Math.round(o.rate / 10));
  const stopAt = Date.now() + o.seconds * 1000;
  let sent = 0;
  while (Date.now() < stopAt) {
    const next = Date.now() + 100;
    await producer.send(topic, makeOps(producer, schemaId, rand, perTick, o.keys, o.v0 + sent));
    sent += perTick;
    await sleep(Math.max(0, next - Date.now()));
  }
  return sent;
}

export async function runSilver(): Promise<void> {
  const N = Number(process.env.FLOE_BENCH_SILVER_OPS ?? 300_000);
  const KEYS = Number(process.env.FLOE_BENCH_SILVER_KEYS ?? 10_000);
  const trickleSeconds = Number(process.env.FLOE_BENCH_SILVER_TRICKLE_SECONDS ?? 20);
  const trickleRate = Number(process.env.FLOE_BENCH_SILVER_TRICKLE_RATE ?? 500);
  const reps = Number(process.env.FLOE_BENCH_SILVER_SCANS ?? 5);
  const { stack, versions } = await benchStack();
  console.log(`## silver and maintenance: ${fmt(N, 0)} keyed operations over ${fmt(KEYS, 0)} keys, ${PARTITIONS} partitions, one daemon, commit interval 1 s, zstd`);
  console.log(`versions: node ${process.version}, kafka ${versions.kafka}, catalog ${versions.catalog}, oracle ${versions.oracle}`);
  console.log(`load average before producing: ${load()}`);

  const s = uniqueSuffix();
  const topic = `floe-bench-silver-${s}`;
  const ns = `bench_silver_${s}`;
  const silver = `floe.${ns}.customers`;
  const bronze = `floe.${ns}.customer_events`;
  const producer = new AvroProducer(stack);
  const oracle = oracleFor(stack);
  await producer.createTopic(topic, PARTITIONS);
  const schemaId = await producer.register(`${topic}-value`, ROW_SCHEMA);
  const rand = prng(0x51b3);
  const ops = makeOps(producer, schemaId, rand, N, KEYS, 0);
  const tombstones = ops.filter((m) => m.value === null).length;
  const inputBytes = ops.reduce((n, m) => n + (m.value?.length ?? 0) + m.key.length, 0);
  const t0 = Date.now();
  await producer.send(topic, ops);
  console.log(`produced ${fmt(N, 0)} operations (${fmt(tombstones, 0)} tombstones), ${fmt(inputBytes / MiB)} MiB of keys + values, in ${fmt((Date.now() - t0) / 1000)} s`);

  const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
  const committed = committedCounter(catalog, ns, topic);

  const dir = workDir('bench-silver');
  const config = writeDaemonConfig(stack, dir, {
    groupId: `floe-bench-silver-${s}`,
    memoryBudget: '512MiB',
    defaults: { namespace: ns, commit: { intervalMs: 1000 }, file: { compression: 'zstd' } },
    tables: [{ topics: [topic], table: 'customers', mode: 'silver', key: { format: 'string' }, alsoBronze: { table: 'customer_events' } }],
  });
  const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, { FLOE_LOG_LEVEL: 'warn' });
  const pid = daemon.child.pid!;
  let total = N;
  try {
    let first: { at: number; cpu: number; ops: number } | undefined;
    const startedAt = Date.now();
    let done = 0;
    while (done < N) {
      if (!daemon.running) throw new Error(`daemon exited:\n${daemon.log().slice(-3000)}`);
      if (Date.now() - startedAt > 900_000) throw new Error(`timed out at ${done}/${N}`);
      await sleep(100);
      done = await committed('customers');
      if (!first && done > 0) first = { at: Date.now(), cpu: cpuSeconds(pid), ops: done };
    }
    const end = { at: Date.now(), cpu: cpuSeconds(pid) };
    const n = N - first!.ops;
    const wall = (end.at - first!.at) / 1000;
    const cpu = end.cpu - first!.cpu;
    console.log(`caught up ${fmt(N, 0)} operations in ${fmt((end.at - startedAt) / 1000)} s from daemon start (${fmt(first!.ops, 0)} in the first commit)`);
    console.log(`sustained, first → last silver commit: ${fmt(n, 0)} operations in ${fmt(wall)} s wall, ${fmt(cpu)} s daemon CPU (${fmt(cpu / wall, 2)} cores busy)`);
    console.log(`  per wall second: ${fmt(n / wall, 0)} operations/s`);
    console.log(`  per CPU second:  ${fmt(n / cpu, 0)} operations/s (silver row delta + bronze append)`);
    console.log(`  whole run: ${fmt(end.cpu)} s daemon CPU incl. start-up → ${fmt(N / end.cpu, 0)} operations/s per core`);
    console.log(`load average after catch-up: ${load()}`);

    if (trickleSeconds > 0) {
      const sent = await trickle(producer, topic, schemaId, rand, { seconds: trickleSeconds, rate: trickleRate, keys: KEYS, v0: N });
      total = N + sent;
      const deadline = Date.now() + 120_000;
      while ((await committed('customers')) < total || (await committed('customer_events')) < total) {
        if (Date.now() > deadline || !daemon.running) throw new Error(`trickle not committed:\n${daemon.log().slice(-3000)}`);
        await sleep(200);
      }
      console.log(`trickle: ${fmt(sent, 0)} more operations at ${fmt(trickleRate, 0)}/s for ${trickleSeconds} s, all committed`);
    }
    const exit = await daemon.stop();
    if (exit.code !== 0) console.log(`daemon exited with ${exit.code ?? exit.signal}`);
  } finally {
    daemon.kill('SIGKILL');
    await producer.close();
  }

  const snapshots = Number((await oracle.sparkSql(`SELECT count(*) FROM ${silver}.snapshots`)).rows[0]![0]);
  const silverBefore = await fileCounts(oracle, silver);
  const bronzeBefore = await fileCounts(oracle, bronze);
  console.log(`silver table after ${snapshots} snapshots: ${silverBefore.data} data files (${fmt(silverBefore.dataMiB, 2)} MiB), ${silverBefore.deletes} delete files (${fmt(silverBefore.deleteMiB, 2)} MiB)`);
  console.log(`bronze table: ${bronzeBefore.data} data files (${fmt(bronzeBefore.dataMiB, 2)} MiB)`);

  const scanLine = (label: string, f: ScanFigure): void =>
    console.log(`  ${label.padEnd(34)} median ${fmt(f.medianMs, 0).padStart(6)} ms (min ${fmt(f.minMs, 0)}, max ${fmt(f.maxMs, 0)}), ${fmt(f.rows, 0)} rows${f.deleteFiles === undefined ? '' : `, ${f.deleteFiles} delete-file references in scan tasks`}`);
  console.log(`full scans through the Spark oracle (SELECT count(*), sum(hash(<value columns>)); ${reps} runs after a warm-up; load ${load()}):`);
  const silverScanBefore = await timeScan(oracle, silver, reps);
  scanLine('silver, before compaction', silverScanBefore);
  const bronzeScanBefore = await timeScan(oracle, bronze, reps);
  scanLine('bronze, before compaction', bronzeScanBefore);

  // Compaction in this process, as `floe compact` runs it (runTask), on the daemon's config.
  const floeConfig = loadFloeConfig(config);
  const log = createLogger({ level: 'warn' });
  const maintCatalog = createCatalog(floeConfig, log);
  const store = new CatalogTableStore(maintCatalog, s3Options(floeConfig), log);
  const ctx = { catalog: maintCatalog, io: (t: Parameters<CatalogTableStore['io']>[0]) => store.io(t), log };
  const compact = async (name: string, before: { deleteMiB: number }) => {
    const id = { namespace: [ns], name };
    const cpu0 = process.cpuUsage();
    const w0 = performance.now();
    const report = await runTask('compact', id, settingsFor(floeConfig, id), ctx);
    const wall = (performance.now() - w0) / 1000;
    const used = process.cpuUsage(cpu0);
    const cpu = (used.user + used.system) / 1e6;
    if (report.task !== 'compact') throw new Error('unexpected report');
    const r = report.result;
    const inMiB = r.bytesRead / MiB + before.deleteMiB;
    console.log(`compaction of ${name}: ${r.dataFilesRemoved} data + ${r.deleteFilesRemoved} delete files → ${r.dataFilesAdded} data files in ${fmt(wall, 2)} s wall, ${fmt(cpu, 2)} s CPU`);
    console.log(`  input ${fmt(inMiB, 2)} MiB (data ${fmt(r.bytesRead / MiB, 2)} + deletes ${fmt(before.deleteMiB, 2)}) → ${fmt(inMiB / wall, 2)} MiB/s wall, ${fmt(inMiB / cpu, 2)} MiB/s per CPU second; wrote ${fmt(r.bytesWritten / MiB, 2)} MiB`);
  };
  await compact('customers', silverBefore);
  const silverAfter = await fileCounts(oracle, silver);
  console.log(`  silver after: ${silverAfter.data} data files (${fmt(silverAfter.dataMiB, 2)} MiB), ${silverAfter.deletes} delete files`);
  await compact('customer_events', bronzeBefore);
  const bronzeAfter = await fileCounts(oracle, bronze);
  console.log(`  bronze after: ${bronzeAfter.data} data files (${fmt(bronzeAfter.dataMiB, 2)} MiB), ${bronzeAfter.deletes} delete files`);

  console.log(`full scans after compaction (load ${load()}):`);
  const silverScanAfter = await timeScan(oracle, silver, reps);
  scanLine('silver, after compaction', silverScanAfter);
  scanLine('bronze, after compaction', await timeScan(oracle, bronze, reps));
  console.log(`load average at the end: ${load()}`);
  if (silverScanBefore.rows !== silverScanAfter.rows) console.log(`WARNING: silver row count changed by compaction (${silverScanBefore.rows} → ${silverScanAfter.rows})`);
  console.log(`(${fmt(total, 0)} operations in all; tables ${silver} and ${bronze} are left in place)`);
}
