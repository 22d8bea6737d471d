/**
 * `npm run bench -- --vs-connect`: floe and Apache Iceberg's Kafka Connect sink side by side in
 * one run (issue 16), on the same pre-produced topic, the same REST catalog and MinIO and the same
 * commit interval (1 s).
 *
 * 1. N small records (bench/small.ts: 212 bytes Confluent-framed, 17 fields, 4 partitions) are
 *    produced once, before either sink starts, so both only drain a backlog.
 * 2. Each sink in turn, alone on the machine's share we get: Kafka Connect 3.9.2 standalone with
 *    iceberg-kafka-connect 1.10.1 and Apicurio's AvroConverter (bench/connect-worker.ts), then one
 *    `floe run` (memory budget 512 MiB, zstd like Iceberg's default). Each has its own consumer
 *    group and table and reads the topic from the beginning, so it drains every record produced so
 *    far (the later one also the trickle of the earlier). Measured per sink, the same way
 *    (bench/sink-measure.ts): CPU of the whole process (all threads) from spawn until its table
 *    holds every record, the sustained first → last commit window, the rows committed per CPU
 *    second between 10 % and 90 % of the backlog (a running sink's rate: neither start-up nor the
 *    wait for the last commit), then freshness while trickling, then peak RSS (VmHWM).
 * 3. Spark (the stack's oracle) counts both tables' rows once, so the comparison is of tables that
 *    really hold the records.
 *
 * Sizes: FLOE_BENCH_VS_RECORDS (default 1,000,000; `--smoke` 20,000), FLOE_BENCH_FRESH_SECONDS
 * (30; smoke 5), FLOE_BENCH_FRESH_RATE (500 records/s), FLOE_BENCH_VS_COMMIT_MS (1000),
 * FLOE_BENCH_VS_ORACLE=0 skips the Spark count.
 */
import { spawnSync } from 'node:child_process';
import { mkdirSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { loadConfig } from '../scripts/stack/config.js';
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { oracleFor } from '../test/harness/oracle.js';
import { CONNECT_VERSIONS, installConnect } from './connect-install.js';
import { ConnectWorker } from './connect-worker.js';
import { measureCatchUp, measureFreshness, peakRssMiB, tableRows, type CatchUp, type Freshness, type SinkProcess } from './sink-measure.js';
import { makeSmallRecords, SMALL_SCHEMA } from './small.js';
import { benchStack } from './stack.js';

const MiB = 1024 * 1024;
const PARTITIONS = 4;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const load = (): string => os.loadavg().map((l) => fmt(l, 2)).join(' ');

interface Result {
  label: string;
  catchUp: CatchUp;
  fresh: Freshness;
  rssMiB: number;
  table: { namespace: string; name: string };
  rowsAtEnd: number;
}

interface Sink extends SinkProcess {
  stop(): Promise<void>;
}

export async function runVsConnect(opts: { smoke?: boolean } = {}): Promise<void> {
  const N = Number(process.env.FLOE_BENCH_VS_RECORDS ?? (opts.smoke ? 20_000 : 1_000_000));
  const freshSeconds = Number(process.env.FLOE_BENCH_FRESH_SECONDS ?? (opts.smoke ? 5 : 30));
  const freshRate = Number(process.env.FLOE_BENCH_FRESH_RATE ?? 500);
  const commitMs = Number(process.env.FLOE_BENCH_VS_COMMIT_MS ?? 1000);
  const pollMs = Number(process.env.FLOE_BENCH_POLL_MS ?? 20);
  const c = loadConfig();
  await installConnect(c, (l) => console.log(l));
  const { stack, versions } = await benchStack();
  const v = CONNECT_VERSIONS;
  console.log(`## floe vs Kafka Connect: ${fmt(N, 0)} small records (212 B, 17 fields) over ${PARTITIONS} partitions, commit interval ${fmt(commitMs / 1000)} s`);
  console.log(
    `versions: node ${process.version}, kafka broker ${versions.kafka}, catalog ${versions.catalog}, registry ${versions['schema-registry']}; ` +
      `Kafka Connect ${v.kafka} standalone, iceberg-kafka-connect ${v.iceberg}, apicurio-registry-utils-converter ${v.apicurio}, ${javaVersion(c.java)}`,
  );
  console.log(`load average before producing: ${load()}`);

  const s = uniqueSuffix();
  const topic = `floe-vs-${s}`;
  const namespace = `bench_vs_${s}`;
  const producer = new AvroProducer(stack);
  const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
  try {
    await producer.createTopic(topic, PARTITIONS);
    const id = await producer.register(`${topic}-value`, SMALL_SCHEMA);
    const framed = (n: number): Buffer[] => {
      const frames = makeSmallRecords(n);
      for (const f of frames) f.writeUInt32BE(id, 1);
      return frames;
    };
    let produced = 0;
    let bytes = 0;
    {
      const t0 = Date.now();
      // In slices so the bench holds at most 100,000 frames at a time.
      for (let i = 0; i < N; i += 100_000) {
        const frames = framed(Math.min(100_000, N - i));
        for (const f of frames) bytes += f.length;
        await producer.send(topic, frames.map((value, k) => ({ value, partition: (i + k) % PARTITIONS })));
        produced += frames.length;
      }
      console.log(`produced ${fmt(N, 0)} records, ${fmt(bytes / MiB)} MiB (avg ${fmt(bytes / N, 0)} B) in ${fmt((Date.now() - t0) / 1000)} s`);
    }
    const avgBytes = bytes / N;
    await catalog.ensureNamespace([namespace]);
    const trickle = framed(Math.ceil(freshRate * freshSeconds) + 100);

    const runOne = async (label: string, table: string, start: () => Promise<Sink>): Promise<Result> => {
      console.log('');
      console.log(`### ${label}: load average ${load()}`);
      const rows = tableRows(catalog, namespace, table);
      const target = produced;
      const startedAt = Date.now();
      const sink = await start();
      try {
        const catchUp = await measureCatchUp(sink, rows, target, startedAt, 1_800_000, (l) => console.log(l));
        const fresh = await measureFreshness(sink, rows, producer, topic, PARTITIONS, trickle, target, freshRate, freshSeconds, pollMs);
        produced += fresh.seen + fresh.neverVisible;
        const rssMiB = peakRssMiB(sink.pid);
        const rowsAtEnd = await rows();
        const r: Result = { label, catchUp, fresh, rssMiB, table: { namespace, name: table }, rowsAtEnd };
        printResult(r, avgBytes);
        console.log(`  load average after: ${load()}`);
        return r;
      } finally {
        await sink.stop();
      }
    };

    const connectDir = join(workDir('bench-vs-connect'), 'connect');
    mkdirSync(connectDir, { recursive: true });
    const controlTopic = `iceberg-control-${s}`;
    await producer.createTopic(controlTopic, 1);
    const connect = await runOne(`Kafka Connect ${v.kafka} + iceberg-kafka-connect ${v.iceberg}`, 'connect', async () => {
      const w = await ConnectWorker.start(c, { name: `iceberg-vs-${s}`, topic, table: `${namespace}.connect`, controlTopic, commitIntervalMs: commitMs, dir: connectDir });
      return { get pid() { return w.pid; }, get running() { return w.running; }, log: () => w.log(), stop: () => w.stop() };
    });

    const floeDir = workDir('bench-vs-floe');
    const config = writeDaemonConfig(stack, floeDir, {
      groupId: `floe-vs-${s}`,
      memoryBudget: '512MiB',
      defaults: { namespace, commit: { intervalMs: commitMs }, file: { compression: 'zstd' } },
      tables: [{ topics: [topic], table: 'floe' }],
    });
    const floe = await runOne('floe', 'floe', async () => {
      const d = DaemonProcess.start(config, `${floeDir}/daemon.log`, { FLOE_LOG_LEVEL: 'warn' });
      return {
        get pid() { return d.child.pid!; },
        get running() { return d.running; },
        log: () => d.log(),
        stop: async () => {
          const exit = await d.stop();
          if (exit.code !== 0) console.log(`  floe exited with ${exit.code ?? exit.signal}`);
        },
      };
    });

    console.log('');
    printComparison(connect, floe, avgBytes, commitMs);
    if (process.env.FLOE_BENCH_VS_ORACLE !== '0') await oracleCheck(stack, [connect, floe]);
    console.log(`load average at the end: ${load()}`);
  } finally {
    await producer.close();
  }
}

function javaVersion(java: string): string {
  // `java -version` prints to stderr: openjdk version "17.0.15" …
  const out = spawnSync(java, ['-version'], { encoding: 'utf8' }).stderr ?? '';
  return `java ${/version "([^"]+)"/.exec(out)?.[1] ?? 'unknown'}`;
}

function perCpu(r: Result, avgBytes: number): { whole: number; window: number; middle: number; wholeMiB: number; windowMiB: number } {
  const c = r.catchUp;
  // NaN when one commit covered the whole backlog: then there is no sustained window.
  const windowRecords = c.target - c.first.rows;
  return {
    whole: c.target / c.cpuSeconds,
    window: windowRecords / c.first.cpuSeconds,
    middle: c.middle ? c.middle.rows / c.middle.cpuSeconds : NaN,
    wholeMiB: (c.target * avgBytes) / MiB / c.cpuSeconds,
    windowMiB: (windowRecords * avgBytes) / MiB / c.first.cpuSeconds,
  };
}

function printResult(r: Result, avgBytes: number): void {
  const c = r.catchUp;
  const p = perCpu(r, avgBytes);
  console.log(`  drained ${fmt(c.target, 0)} records in ${fmt(c.wallSeconds)} s from process start, ${c.commits} table commits seen`);
  console.log(`  whole run (start-up included): ${fmt(c.cpuSeconds)} CPU s → ${fmt(p.whole, 0)} records/s, ${fmt(p.wholeMiB)} MiB/s per CPU second (${fmt(c.cpuSeconds / c.wallSeconds, 2)} cores busy)`);
  console.log(
    `  first → last commit: ${fmt(c.target - c.first.rows, 0)} records in ${fmt(c.first.wallSeconds)} s, ${fmt(c.first.cpuSeconds)} CPU s → ${fmt(p.window, 0)} records/s, ${fmt(p.windowMiB)} MiB/s per CPU second`,
  );
  if (c.middle) console.log(`  10 → 90 % of the backlog: ${fmt(c.middle.rows, 0)} rows, ${fmt(c.middle.cpuSeconds)} CPU s → ${fmt(p.middle, 0)} records/s per CPU second`);
  const f = r.fresh;
  console.log(
    `  freshness (${fmt(f.seen, 0)} trickled records${f.neverVisible ? `, ${f.neverVisible} not visible within 120 s of the trickle` : ''}): p50 ${fmt(f.p50, 2)} s, p99 ${fmt(f.p99, 2)} s, max ${fmt(f.max, 2)} s (catalog read every ${f.pollMs} ms)`,
  );
  console.log(`  peak RSS (VmHWM): ${fmt(r.rssMiB, 0)} MiB`);
}

function printComparison(connect: Result, floe: Result, avgBytes: number, commitMs: number): void {
  const a = perCpu(connect, avgBytes);
  const b = perCpu(floe, avgBytes);
  const row = (what: string, x: string, y: string, ratio: string): void => console.log(`| ${what} | ${x} | ${y} | ${ratio} |`);
  console.log(`### side by side (commit interval ${fmt(commitMs / 1000)} s)`);
  console.log('| figure | Kafka Connect | floe | floe vs Connect |');
  console.log('|---|---:|---:|---:|');
  row('records per CPU s, whole run', fmt(a.whole, 0), fmt(b.whole, 0), `${fmt(b.whole / a.whole, 2)}×`);
  row('MiB/s per CPU s, whole run', fmt(a.wholeMiB), fmt(b.wholeMiB), `${fmt(b.wholeMiB / a.wholeMiB, 2)}×`);
  row('records per CPU s, first → last commit', fmt(a.window, 0), fmt(b.window, 0), `${fmt(b.window / a.window, 2)}×`);
  row('records per CPU s, 10 → 90 % of the backlog', fmt(a.middle, 0), fmt(b.middle, 0), `${fmt(b.middle / a.middle, 2)}×`);
  row('CPU s to drain the backlog', fmt(connect.catchUp.cpuSeconds), fmt(floe.catchUp.cpuSeconds), `${fmt(connect.catchUp.cpuSeconds / floe.catchUp.cpuSeconds, 2)}× less`);
  row('wall s to drain the backlog', fmt(connect.catchUp.wallSeconds), fmt(floe.catchUp.wallSeconds), `${fmt(connect.catchUp.wallSeconds / floe.catchUp.wallSeconds, 2)}× less`);
  row('peak RSS (MiB)', fmt(connect.rssMiB, 0), fmt(floe.rssMiB, 0), `${fmt((100 * floe.rssMiB) / connect.rssMiB, 0)} % of Connect's`);
  row('freshness p50 / p99 (s)', `${fmt(connect.fresh.p50, 2)} / ${fmt(connect.fresh.p99, 2)}`, `${fmt(floe.fresh.p50, 2)} / ${fmt(floe.fresh.p99, 2)}`, '');
}

async function oracleCheck(stack: Parameters<typeof oracleFor>[0], results: Result[]): Promise<void> {
  const oracle = oracleFor(stack);
  for (const r of results) {
    const sql = `SELECT count(*) AS n FROM floe.${r.table.namespace}.${r.table.name}`;
    const q = await oracle.sparkSql(sql);
    const n = Number(q.rows[0]?.[0]);
    const verdict = n === r.rowsAtEnd ? 'matches the catalog' : `DIFFERS from the catalog's ${fmt(r.rowsAtEnd, 0)}`;
    console.log(`Spark: ${r.label} table holds ${fmt(n, 0)} rows (${verdict}; ${fmt(r.catchUp.target, 0)} drained + ${fmt(r.fresh.seen, 0)} trickled)`);
  }
}
