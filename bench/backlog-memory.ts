/**
 * `npm run bench -- --backlog-memory`: floe's peak RSS while it drains a large backlog (issue 16,
 * "Bounded memory": peak RSS ≤ memory.budgetBytes + 256 MiB under any backlog).
 *
 * N small records (bench/small.ts, 212 B, 4 partitions) are produced before the daemon starts, in
 * slices so the bench itself never holds more than 100,000 of them. Then one `floe run` (commit
 * interval 1 s, the given budget) drains them. Every 500 ms the bench reads the daemon's RSS
 * (/proc/<pid>/status VmRSS) and, every few seconds, its /metrics (buffered bytes, V8 heap,
 * external memory), and prints where the peak came from. VmHWM at the end is the figure.
 *
 * Sizes: FLOE_BENCH_BACKLOG_RECORDS (default 10,000,000), FLOE_BENCH_BACKLOG_BUDGET (512MiB),
 * FLOE_BENCH_BACKLOG_COMMIT_MS (1000), FLOE_BENCH_BACKLOG_COMMIT_MAX_BYTES (commit.maxBytes; floe's default),
 * FLOE_BENCH_BACKLOG_FETCH_MAX_BYTES (kafka.fetch.maxBytes; floe's default). Reuse a topic produced by an earlier run (its name is
 * printed) with FLOE_BENCH_BACKLOG_TOPIC=<topic> and FLOE_BENCH_BACKLOG_RECORDS=<its count>.
 */
import os from 'node:os';
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { freePort, rssMiB } from './proc.js';
import { measureCatchUp, peakRssMiB, tableRows } from './sink-measure.js';
import { makeSmallRecords, SMALL_SCHEMA } from './small.js';
import { benchStack } from './stack.js';

const MiB = 1024 * 1024;
const PARTITIONS = 4;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const load = (): string => os.loadavg().map((l) => fmt(l, 2)).join(' ');



/** The daemon's memory gauges, in MiB (undefined while /metrics does not answer). */
async function memoryGauges(port: number): Promise<Record<string, number> | undefined> {
  try {
    const text = await (await fetch(`http://127.0.0.1:${port}/metrics`, { signal: AbortSignal.timeout(2000) })).text();
    const out: Record<string, number> = {};
    for (const name of ['floe_buffered_bytes', 'nodejs_heap_size_used_bytes', 'nodejs_heap_size_total_bytes', 'nodejs_external_memory_bytes', 'process_resident_memory_bytes']) {
      const m = new RegExp(`^${name}(?:\\{[^}]*\\})? (\\S+)`, 'm').exec(text);
      if (m) out[name] = Number(m[1]) / MiB;
    }
    return out;
  } catch {
    return undefined;
  }
}

export async function runBacklogMemory(): Promise<void> {
  const reuse = process.env.FLOE_BENCH_BACKLOG_TOPIC;
  const N = Number(process.env.FLOE_BENCH_BACKLOG_RECORDS ?? 10_000_000);
  const budget = process.env.FLOE_BENCH_BACKLOG_BUDGET ?? '512MiB';
  const commitMs = Number(process.env.FLOE_BENCH_BACKLOG_COMMIT_MS ?? 1000);
  // commit.maxBytes for the table (default: floe's own default), to measure its effect on the peak.
  const commitMaxBytes = process.env.FLOE_BENCH_BACKLOG_COMMIT_MAX_BYTES;
  // kafka.fetch.maxBytes (default: floe's own default, 4 MiB).
  const fetchMaxBytes = process.env.FLOE_BENCH_BACKLOG_FETCH_MAX_BYTES;
  const { stack, versions } = await benchStack();
  console.log(`## backlog memory: one floe run daemon draining ${fmt(N, 0)} small records (212 B) over ${PARTITIONS} partitions, memory budget ${budget}, commit interval ${fmt(commitMs / 1000)} s`);
  if (commitMaxBytes) console.log(`commit.maxBytes: ${commitMaxBytes}`);
  if (fetchMaxBytes) console.log(`kafka.fetch.maxBytes: ${fetchMaxBytes}`);
  console.log(`versions: node ${process.version}, kafka ${versions.kafka}, catalog ${versions.catalog}`);
  console.log(`load average before: ${load()}`);
  const s = uniqueSuffix();
  const topic = reuse ?? `floe-backlog-${s}`;
  const namespace = `bench_backlog_${s}`;
  const producer = new AvroProducer(stack);
  try {
    if (!reuse) {
      await producer.createTopic(topic, PARTITIONS);
      const id = await producer.register(`${topic}-value`, SMALL_SCHEMA);
      const t0 = Date.now();
      let bytes = 0;
      for (let i = 0; i < N; i += 100_000) {
        const frames = makeSmallRecords(Math.min(100_000, N - i));
        for (const f of frames) {
          f.writeUInt32BE(id, 1);
          bytes += f.length;
        }
        await producer.send(topic, frames.map((value, k) => ({ value, partition: (i + k) % PARTITIONS })));
        if ((i / 100_000) % 10 === 9) console.log(`  produced ${fmt(i + frames.length, 0)} (${fmt((i + frames.length) / ((Date.now() - t0) / 1000), 0)} records/s)`);
      }
      console.log(`produced ${fmt(N, 0)} records to ${topic}, ${fmt(bytes / MiB)} MiB in ${fmt((Date.now() - t0) / 1000)} s; load average ${load()}`);
    }
    const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
    const dir = workDir('bench-backlog');
    const port = await freePort();
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-backlog-${s}`,
      memoryBudget: budget,
      serverPort: port,
      ...(fetchMaxBytes ? { kafkaOverrides: { fetch: { maxWaitMs: 200, maxBytes: fetchMaxBytes } } } : {}),
      defaults: { namespace, commit: { intervalMs: commitMs, ...(commitMaxBytes ? { maxBytes: commitMaxBytes } : {}) }, file: { compression: 'zstd' } },
      tables: [{ topics: [topic], table: 'events' }],
    });
    const startedAt = Date.now();
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, { FLOE_LOG_LEVEL: 'warn' });
    const pid = daemon.child.pid!;
    const sink = { pid, get running() { return daemon.running; }, log: () => daemon.log() };
    // Samples: RSS every 500 ms; the gauges at the moment RSS was highest explain the peak.
    let peak = { rss: 0, at: 0, gauges: undefined as Record<string, number> | undefined };
    let maxBuffered = 0;
    let sampling = true;
    const sampler = (async () => {
      let n = 0;
      while (sampling && daemon.running) {
        const rss = rssMiB(pid);
        const gauges = n++ % 4 === 0 || rss > peak.rss ? await memoryGauges(port) : undefined;
        if (gauges?.floe_buffered_bytes !== undefined) maxBuffered = Math.max(maxBuffered, gauges.floe_buffered_bytes);
        if (rss > peak.rss) peak = { rss, at: (Date.now() - startedAt) / 1000, gauges: gauges ?? peak.gauges };
        await sleep(500);
      }
    })();
    try {
      const c = await measureCatchUp(sink, tableRows(catalog, namespace, 'events'), N, startedAt, 3_600_000, (l) => console.log(l));
      const hwm = peakRssMiB(pid);
      sampling = false;
      await sampler;
      console.log(`drained ${fmt(N, 0)} records in ${fmt(c.wallSeconds)} s, ${fmt(c.cpuSeconds)} CPU s (${fmt(N / c.cpuSeconds, 0)} records per CPU s), ${c.commits} commits seen`);
      const budgetMiB = Number(/^(\d+)MiB$/.exec(budget)?.[1] ?? NaN);
      console.log(`peak RSS (VmHWM): ${fmt(hwm, 0)} MiB${Number.isFinite(budgetMiB) ? ` = budget ${hwm >= budgetMiB ? '+' : '−'} ${fmt(Math.abs(hwm - budgetMiB), 0)} MiB (goal ≤ budget + 256 MiB: ${hwm <= budgetMiB + 256 ? 'met' : 'NOT met'})` : ''}`);
      const g = peak.gauges ?? {};
      console.log(
        `at the highest sampled RSS (${fmt(peak.rss, 0)} MiB, ${fmt(peak.at)} s in): buffered ${fmt(g.floe_buffered_bytes ?? NaN, 0)} MiB, V8 heap used ${fmt(g.nodejs_heap_size_used_bytes ?? NaN, 0)} of ${fmt(g.nodejs_heap_size_total_bytes ?? NaN, 0)} MiB, external ${fmt(g.nodejs_external_memory_bytes ?? NaN, 0)} MiB`,
      );
      console.log(`highest buffered bytes sampled: ${fmt(maxBuffered, 0)} MiB; load average at the end: ${load()}`);
    } finally {
      sampling = false;
      await daemon.stop();
    }
  } finally {
    await producer.close();
  }
}
