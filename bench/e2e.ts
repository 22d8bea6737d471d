/**
 * End-to-end benchmark against the local stack (`npm run bench -- --e2e`): the real Kafka, Schema
 * Registry, REST catalog and S3, and ONE `floe run` child process (commit interval 1 s, zstd).
 *
 * Once per selected workload (`--workload`, bench/pipeline.ts: `event` ~1 KiB on 6 partitions,
 * `small` 212 bytes on 4 partitions):
 * 1. Throughput: N records (framed with the registry's schema id) are produced to the topic
 *    *before* the daemon starts, so the daemon only ever
 *    catches up. The sustained rate is measured between the first and the last commit (daemon
 *    start-up excluded), per wall second and per CPU second of the daemon
 *    (/proc/<pid>/stat utime + stime), so a loaded machine does not hide the cost per core.
 * 2. Freshness: records are produced at a steady moderate rate for ~30 s; a record is queryable
 *    when the table's committed offsets (in the snapshot summary, read from the REST catalog
 *    every FLOE_BENCH_POLL_MS, default 20 ms, after the previous read answered) pass its offset.
 *    Latency = that moment − the moment just before its produce. (Until 2026-12-06 the poll
 *    slept 100 ms, which added up to ~0.15 s to every figure.)
 * 3. Peak RSS of the daemon: /proc/<pid>/status VmHWM, read before it stops.
 *
 * Sizes: FLOE_BENCH_E2E_RECORDS (default 1000000 of either workload), FLOE_BENCH_FRESH_SECONDS (30),
 * FLOE_BENCH_FRESH_RATE records/s (500). FLOE_BENCH_CPU_PROF=<dir> runs the daemon with
 * a CPU profile of the daemon written there (bench/cpu-profile.mjs). FLOE_BENCH_WORKER_THREADS
 * sets the daemon's performance.workerThreads (default 0: Parquet encoded on its own thread).
 */
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { committedOffsets } from '../src/commit/offsets.js';
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import type { StackEndpoints } from '../test/harness/endpoints.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { cpuSeconds, machineBusySeconds, peakRssMiB } from './proc.js';
import { benchStack } from './stack.js';
import { WORKLOADS, type Workload } from './pipeline.js';

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
/**
 * Context for the CPU figures: what a daemon on an empty topic uses in its first 15 s (loading
 * its modules, joining the group, then idle fetch polls and heartbeats).
 */
async function idleDaemonCpu(stack: StackEndpoints, producer: AvroProducer, s: string, PARTITIONS: number): Promise<{ at15: number; idlePerSecond: number }> {
  const topic = `floe-bench-idle-${s}`;
  await producer.createTopic(topic, PARTITIONS);
  const dir = workDir('bench-idle');
  const config = writeDaemonConfig(stack, dir, { groupId: `floe-bench-idle-${s}`, defaults: { namespace: `bench_idle_${s}` }, tables: [{ topics: [topic], table: 'events' }] });
  const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, { FLOE_LOG_LEVEL: 'warn' });
  const pid = daemon.child.pid!;
  try {
    await sleep(15_000);
    const at15 = cpuSeconds(pid);
    await sleep(5_000);
    return { at15, idlePerSecond: (cpuSeconds(pid) - at15) / 5 };
  } finally {
    await daemon.stop();
  }
}

function percentile(sorted: number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export async function runEndToEnd(workloads: Workload[] = WORKLOADS): Promise<void> {
  for (const w of workloads) await runWorkload(w);
}

async function runWorkload(w: Workload): Promise<void> {
  const N = Number(process.env.FLOE_BENCH_E2E_RECORDS ?? w.e2eRecords);
  const PARTITIONS = w.partitions;
  const freshSeconds = Number(process.env.FLOE_BENCH_FRESH_SECONDS ?? 30);
  const freshRate = Number(process.env.FLOE_BENCH_FRESH_RATE ?? 500);
  const pollMs = Number(process.env.FLOE_BENCH_POLL_MS ?? 20);
  const { stack, versions } = await benchStack();
  const parquetWasm = (JSON.parse(readFileSync(new URL('../node_modules/parquet-wasm/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  console.log(`## end to end, ${w.name}: one floe run daemon, ${fmt(N, 0)} records of a ${w.title} over ${PARTITIONS} partitions, commit interval 1 s, zstd`);
  console.log(`versions: node ${process.version}, kafka ${versions.kafka}, catalog ${versions.catalog}, registry ${versions['schema-registry']}, parquet-wasm ${parquetWasm}`);
  console.log(`load average before producing: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);

  const s = uniqueSuffix();
  const topic = `floe-bench-${s}`;
  const ns = `bench_${s}`;
  const producer = new AvroProducer(stack);
  await producer.createTopic(topic, PARTITIONS);
  const id = await producer.register(`${topic}-value`, w.schema);

  // Workloads frame with schema id 1; rewrite the 4-byte id with the registry's.
  const frames = w.make(N);
  for (const f of frames) f.writeUInt32BE(id, 1);
  const inputBytes = frames.reduce((n, f) => n + f.length, 0);
  const t0 = Date.now();
  await producer.send(
    topic,
    frames.map((value, i) => ({ value, partition: i % PARTITIONS })),
  );
  console.log(`produced ${fmt(N, 0)} events, ${fmt(inputBytes / MiB)} MiB (avg ${fmt(inputBytes / N, 0)} B) in ${fmt((Date.now() - t0) / 1000)} s`);

  const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
  const tableId = { namespace: [ns], name: 'events' };
  const committed = async (): Promise<Map<number, bigint>> => {
    const out = new Map<number, bigint>();
    try {
      const t = await catalog.loadTable(tableId, { snapshots: 'refs' });
      for (const [tp, p, o] of committedOffsets(t.metadata).entries()) if (tp === topic) out.set(p, o);
    } catch {
      // not created yet
    }
    return out;
  };
  const sum = (m: Map<number, bigint>) => [...m.values()].reduce((a, b) => a + Number(b), 0);

  const dir = workDir('bench-e2e');
  const threads = process.env.FLOE_BENCH_WORKER_THREADS ?? '0';
  console.log(`performance.workerThreads: ${threads}`);
  const config = writeDaemonConfig(stack, dir, {
    groupId: `floe-bench-${s}`,
    workerThreads: threads === 'auto' ? 'auto' : Number(threads),
    memoryBudget: '512MiB',
    defaults: { namespace: ns, commit: { intervalMs: 1000 }, file: { compression: 'zstd' } },
    tables: [{ topics: [topic], table: 'events' }],
  });
  const startupCpu = await idleDaemonCpu(stack, producer, s, PARTITIONS);
  const prof = process.env.FLOE_BENCH_CPU_PROF;
  const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, {
    FLOE_LOG_LEVEL: 'warn',
    ...(prof ? { NODE_OPTIONS: `--import ${new URL('./cpu-profile.mjs', import.meta.url).href}` } : {}),
  });
  const pid = daemon.child.pid!;
  try {
    // Throughput: from the first commit to the commit that covers every pre-produced record.
    let first: { at: number; cpu: number; machine: number; records: number } | undefined;
    const startedAt = Date.now();
    let done = 0;
    while (done < N) {
      if (!daemon.running) throw new Error(`daemon exited:\n${daemon.log().slice(-3000)}`);
      if (Date.now() - startedAt > 900_000) throw new Error(`timed out at ${done}/${N}`);
      await sleep(100);
      done = sum(await committed());
      if (!first && done > 0) first = { at: Date.now(), cpu: cpuSeconds(pid), machine: machineBusySeconds(), records: done };
    }
    const end = { at: Date.now(), cpu: cpuSeconds(pid), machine: machineBusySeconds() };
    const records = N - first!.records;
    const wall = (end.at - first!.at) / 1000;
    const cpu = end.cpu - first!.cpu;
    const bytes = (records / N) * inputBytes;
    console.log(`caught up ${fmt(N, 0)} events in ${fmt((end.at - startedAt) / 1000)} s from daemon start (${fmt(first!.records, 0)} in the first commit)`);
    // This window undercounts CPU when the daemon prefetched and decoded much of the backlog
    // before its first commit landed; the whole-run figure below has no such skew.
    console.log(`sustained, first → last commit: ${fmt(records, 0)} events in ${fmt(wall)} s wall, ${fmt(cpu)} s daemon CPU (${fmt(cpu / wall, 2)} cores busy)`);
    // Whether the daemon had cores to spare: on a machine shared with the stack, the broker,
    // storage and catalog work for every record too (the 2-core scaling figure depends on it).
    const machine = (end.machine - first!.machine) / wall;
    console.log(`  machine (${os.cpus().length} cores): ${fmt(machine, 2)} cores busy in the window, ${fmt(machine - cpu / wall, 2)} of them outside the daemon (the stack, this bench, anything else)`);
    console.log(`  per wall second: ${fmt(records / wall, 0)} records/s, ${fmt(bytes / MiB / wall)} MiB/s of input`);
    console.log(`  per CPU second:  ${fmt(records / cpu, 0)} records/s, ${fmt(bytes / MiB / cpu)} MiB/s of input per core`);
    const whole = cpuSeconds(pid);
    console.log(`  whole run: ${fmt(whole)} s daemon CPU for ${fmt(inputBytes / MiB)} MiB → ${fmt(inputBytes / MiB / whole)} MiB/s per core incl. start-up`);
    // Start-up cost estimated from an idle daemon: its first 15 s minus 15 s of idle polling.
    const startup = Math.max(0, startupCpu.at15 - 15 * startupCpu.idlePerSecond);
    console.log(`  idle daemon on an empty topic: ${fmt(startupCpu.at15)} s CPU in its first 15 s, then ${fmt(startupCpu.idlePerSecond, 2)} CPU s per s → start-up ≈ ${fmt(startup)} s`);
    console.log(`  whole run minus start-up: ${fmt(N / (whole - startup), 0)} records/s, ${fmt(inputBytes / MiB / (whole - startup))} MiB/s of input per core`);
    console.log(`load average after catch-up: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);

    // Freshness: steady produce, poll committed offsets.
    const pending: Array<Array<{ offset: number; at: number }>> = Array.from({ length: PARTITIONS }, () => []);
    const latencies: number[] = [];
    let producing = true;
    let seq = 0;
    const producerLoop = (async () => {
      const tick = 100;
      const perTick = Math.max(1, Math.round((freshRate * tick) / 1000));
      const stopAt = Date.now() + freshSeconds * 1000;
      const fresh = w.make(perTick * Math.ceil((freshSeconds * 1000) / tick) + perTick);
      while (Date.now() < stopAt) {
        const next = Date.now() + tick;
        const at = Date.now();
        const messages = fresh.slice(seq, seq + perTick).map((value, k) => {
          value.writeUInt32BE(id, 1);
          return { value, partition: (seq + k) % PARTITIONS, timestamp: String(at) };
        });
        seq += messages.length;
        const meta = await producer.send(topic, messages);
        for (const m of meta) {
          const inPartition = messages.filter((x) => x.partition === m.partition).length;
          for (let k = 0; k < inPartition; k++) pending[m.partition]!.push({ offset: Number(m.baseOffset) + k, at });
        }
        await sleep(Math.max(0, next - Date.now()));
      }
      producing = false;
    })();
    const pollDeadline = Date.now() + (freshSeconds + 60) * 1000;
    while ((producing || pending.some((p) => p.length > 0)) && Date.now() < pollDeadline) {
      const offsets = await committed();
      const now = Date.now();
      for (let p = 0; p < PARTITIONS; p++) {
        const next = Number(offsets.get(p) ?? 0n);
        const q = pending[p]!;
        while (q.length > 0 && q[0]!.offset < next) latencies.push(now - q.shift()!.at);
      }
      await sleep(pollMs);
    }
    await producerLoop;
    const rss = peakRssMiB(pid);
    latencies.sort((a, b) => a - b);
    const left = pending.reduce((n, p) => n + p.length, 0);
    console.log(`freshness at ${fmt(freshRate, 0)} records/s for ${freshSeconds} s (${fmt(latencies.length, 0)} records seen${left ? `, ${left} never became visible` : ''}):`);
    console.log(`  produce → queryable p50 ${fmt(percentile(latencies, 50) / 1000, 2)} s, p99 ${fmt(percentile(latencies, 99) / 1000, 2)} s, max ${fmt(latencies.at(-1)! / 1000, 2)} s (poll every ${pollMs} ms)`);
    console.log(`daemon peak RSS (VmHWM): ${fmt(rss, 0)} MiB`);
    console.log(`load average at the end: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
    const exit = await daemon.stop();
    if (exit.code !== 0) console.log(`daemon exited with ${exit.code ?? exit.signal}`);
  } finally {
    daemon.kill('SIGKILL');
    await producer.close();
  }
}
