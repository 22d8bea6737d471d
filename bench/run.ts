/**
 * `npm run bench`: prints the figures docs/benchmarks.md keeps, with the machine and versions.
 *
 *   npm run bench                 in-process pipeline (no services needed)
 *   npm run bench -- --e2e        adds the end-to-end run against the local stack (bench/e2e.ts)
 *   npm run bench -- --silver     adds silver upserts, compaction and scans against the stack (bench/silver.ts)
 *   npm run bench -- --silver-dv  silver on v3: equality deletes against a deletion-vector twin (bench/silver-dv.ts)
 *   npm run bench -- --startup    adds daemon start-up CPU: bundle, per-file build, tsx; against the stack (bench/startup.ts)
 *   npm run bench -- --all        all of the above (not --vs-connect)
 *   npm run bench -- --vs-connect floe and Apache Iceberg's Kafka Connect sink side by side on one topic (bench/vs-connect.ts);
 *                                 with --smoke on 20,000 records
 *   npm run bench -- --backlog-memory  floe's peak RSS draining a 10 M record backlog (bench/backlog-memory.ts)
 *   npm run bench -- --records N  records for the in-process pipeline (default 200000)
 *   npm run bench -- --formats    only the per-format comparison (Avro, JSON Schema, Protobuf, raw json) on the event record
 *   npm run bench -- --workload W event (~964 B), small (212 B, 17 fields) or all (default); also for --e2e
 *   npm run bench -- --threads 0,1 [--rounds 3]  only the Parquet encode inline vs on worker threads (bench/threads.ts)
 *   npm run bench -- --kafka-clients  only the Kafka client comparison against the stack's Kafka (bench/kafka-clients.ts)
 *   npm run bench -- --kafka-records  only a fetched record's decode before its value, kafkajs' decoder against floe's (bench/kafka-records.ts)
 *   npm run bench -- --kafka-socket  only receiving fetch responses, kafkajs' socket factory against floe's framed one (bench/kafka-socket.ts)
 */
import os from 'node:os';
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { runFormats } from './formats.js';
import { runPipeline, selectWorkloads } from './pipeline.js';

const { values } = parseArgs({
  options: {
    e2e: { type: 'boolean', default: false },
    silver: { type: 'boolean', default: false },
    'silver-dv': { type: 'boolean', default: false },
    all: { type: 'boolean', default: false },
    startup: { type: 'boolean', default: false },
    formats: { type: 'boolean', default: false },
    'vs-connect': { type: 'boolean', default: false },
    smoke: { type: 'boolean', default: false },
    'backlog-memory': { type: 'boolean', default: false },
    'kafka-clients': { type: 'boolean', default: false },
    'kafka-records': { type: 'boolean', default: false },
    'kafka-socket': { type: 'boolean', default: false },
    records: { type: 'string', default: '200000' },
    workload: { type: 'string', default: 'all' },
    threads: { type: 'string' },
    rounds: { type: 'string', default: '3' },
    flush: { type: 'string', default: '25000' },
  },
});

const MiB = 1024 * 1024;
const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

function machine(): string {
  const cpu = os.cpus()[0]?.model ?? 'unknown cpu';
  return `${os.cpus().length} cores (${cpu}), ${fmt(os.totalmem() / 1024 ** 3, 0)} GiB, Node ${process.version}, ${os.platform()} ${os.release()}`;
}

function peakRssMiB(): number {
  // maxRSS is in KiB on Linux.
  return process.resourceUsage().maxRSS / 1024;
}

async function main(): Promise<void> {
  if (values['vs-connect']) {
    // Only the side-by-side run: it is long, and the in-process sections would run beside nothing.
    console.log(`floe bench — ${new Date().toISOString()}`);
    console.log(`machine: ${machine()}`);
    const { runVsConnect } = await import('./vs-connect.js');
    await runVsConnect({ smoke: values.smoke });
    return;
  }
  if (values['silver-dv']) {
    // A question answered once (issue 17): only this section.
    console.log(`floe bench — ${new Date().toISOString()}`);
    console.log(`machine: ${machine()}`);
    const { runSilverDv } = await import('./silver-dv.js');
    await runSilverDv();
    return;
  }
  if (values['backlog-memory']) {
    console.log(`floe bench — ${new Date().toISOString()}`);
    console.log(`machine: ${machine()}`);
    const { runBacklogMemory } = await import('./backlog-memory.js');
    await runBacklogMemory();
    return;
  }
  const n = Number(values.records);
  const workloads = selectWorkloads(values.workload);
  if (values['kafka-clients']) {
    const { runKafkaClients } = await import('./kafka-clients.js');
    console.log(`floe bench — ${new Date().toISOString()}\nmachine: ${machine()}\nload average at start: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}\n`);
    return runKafkaClients();
  }
  if (values['kafka-records']) {
    console.log(`floe bench — ${new Date().toISOString()}\nmachine: ${machine()}\nload average at start: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}\n`);
    const { runKafkaRecords } = await import('./kafka-records.js');
    return runKafkaRecords();
  }
  if (values['kafka-socket']) {
    console.log(`floe bench — ${new Date().toISOString()}\nmachine: ${machine()}\nload average at start: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}\n`);
    const { runKafkaSocket } = await import('./kafka-socket.js');
    return runKafkaSocket();
  }
  console.log(`floe bench — ${new Date().toISOString()}`);
  console.log(`machine: ${machine()}`);
  console.log(`load average at start: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  console.log('');
  if (values.threads !== undefined) {
    const { runThreads } = await import('./threads.js');
    await runThreads(workloads, values.threads.split(',').map(Number), n, Number(values.rounds), Number(values.flush));
    return;
  }
  console.log(`## formats: decode → Parquet of the same ${fmt(n, 0)} event records (bench/formats.ts)`);
  for (const r of runFormats(n)) {
    console.log(
      `${r.format.padEnd(30)} ${fmt(r.records / r.seconds, 0).padStart(10)} records per CPU s  ${fmt(r.inputBytes / MiB / r.seconds).padStart(7)} MiB/s of input per core  (${fmt(r.inputBytes / r.records, 0)} B/record)`,
    );
  }
  console.log('');
  if (values.formats) return;
  for (const w of workloads) {
    console.log(`## in-process pipeline, ${w.name}: ${fmt(n, 0)} records of a ${w.title}`);
    const frames = w.make(n);
    // One warm-up pass so the JIT has compiled the decoders and builders before measuring.
    runPipeline(frames.slice(0, Math.min(20_000, n)), w.schema);
    const r = runPipeline(frames, w.schema);
    const inputMiB = r.inputBytes / MiB;
    const general = r.decodeProjectSeconds + r.arrowSeconds + r.parquetSeconds;
    // The daemon's path: the direct reader where the writer is eligible (src/schema/direct.ts).
    const total = r.directSeconds === undefined ? general : r.directSeconds + r.parquetSeconds;
    console.log(`avg record size: ${fmt(r.inputBytes / r.records, 0)} bytes (Confluent-framed Avro)`);
    const line = (stage: string, seconds: number): void =>
      console.log(
        `${stage.padEnd(28)} ${fmt(r.records / seconds, 0).padStart(12)} records per CPU s  ${fmt(inputMiB / seconds).padStart(8)} MiB/s of input per core`,
      );
    line('decode + project', r.decodeProjectSeconds);
    line('arrow build', r.arrowSeconds);
    if (r.directSeconds !== undefined) line('direct: body → arrow', r.directSeconds);
    line('parquet (zstd) + metrics', r.parquetSeconds);
    if (r.directSeconds !== undefined) line('general path → parquet', general);
    line(r.directSeconds === undefined ? 'decode → parquet total' : 'direct path → parquet total', total);
    console.log(`parquet output: ${fmt(r.parquetBytes / MiB)} MiB (${fmt((100 * r.parquetBytes) / r.inputBytes)}% of input)`);
    console.log(`peak RSS of the bench process so far: ${fmt(peakRssMiB(), 0)} MiB`);
    console.log('');
  }

  // The stack-backed sections load lazily so the default run needs no services.
  const sections: Array<[boolean, string, string, string]> = [
    [values.e2e || values.all, './e2e.ts', 'runEndToEnd', 'end to end'],
    [values.silver || values.all, './silver.ts', 'runSilver', 'silver and maintenance'],
    [values.startup || values.all, './startup.ts', 'runStartup', 'daemon start-up'],
  ];
  for (const [wanted, file, fn, label] of sections) {
    if (!wanted) continue;
    const path = new URL(file, import.meta.url);
    if (!existsSync(path)) {
      console.log(`\n## ${label}: bench/${file.slice(2)} is not available in this build`);
      continue;
    }
    const mod = (await import(path.href)) as Record<string, (w: typeof workloads) => Promise<void>>;
    console.log('');
    await mod[fn]!(workloads);
  }
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
