// Drain bench, step 2 (`node bench/drain-run.mjs <state.json> [floe checkout]`): one fresh `floe
// run` daemon (its own consumer group and namespace) drains the backlog bench/drain.ts produced,
// is stopped once the table's current snapshot holds every record, and prints its CPU (utime +
// stime of all its threads, /proc) and peak RSS as one JSON line. Plain JavaScript on purpose:
// alternating two checkouts as whole processes, this runner adds only a node start and a catalog
// poll every 250 ms to what is measured. FLOE_DRAIN_PROF=<dir> adds node's --cpu-prof there.
// FLOE_DRAIN_PROCESSES=<n> runs it with performance.processes: n (CPU and peak RSS then add up the
// supervisor and its children).
// FLOE_DRAIN_PARTITIONING=<JSON> gives the table that `partitioning` (e.g. [{"field":"ts","transform":"day"}]).
// FLOE_DRAIN_COMMIT_MS=<ms> sets the commit interval (default 1000): with a long one, commits come
// from the memory cap alone, so their number no longer depends on how fast a loaded machine lets the
// drain go, which adds CPU per commit to the slow runs.
// FLOE_DRAIN_FETCH_MAX_BYTES=<size> sets kafka.fetch.maxBytes (e.g. 2MiB; default: floe's).
// FLOE_DRAIN_NODE_ARGS="<flags>" passes node flags to the daemon (e.g. --trace-gc-nvp, then
// FLOE_DRAIN_STDOUT=<file> keeps what the daemon prints). The JSON line also splits the CPU by thread
// name (`threads`: MainThread, V8Worker for GC and compilation, libuv-worker, …).
import { spawn, execSync } from 'node:child_process';
import { mkdtempSync, openSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const [statePath, checkout = resolve(import.meta.dirname, '..')] = process.argv.slice(2);
const state = JSON.parse(readFileSync(statePath, 'utf8'));
const { stack, topic, records } = state;
const suffix = `${Date.now().toString(36)}${Math.floor(Math.random() * 1e6).toString(36)}`;
const ns = `drain_${suffix}`;
const dir = mkdtempSync(join(tmpdir(), 'floe-drain-'));
const config = {
  kafka: { brokers: stack.kafkaBrokers, groupId: `floe-drain-${suffix}`, clientId: 'floe-drain', fetch: { maxWaitMs: 200, ...(process.env.FLOE_DRAIN_FETCH_MAX_BYTES ? { maxBytes: process.env.FLOE_DRAIN_FETCH_MAX_BYTES } : {}) } },
  schemaRegistry: { url: stack.schemaRegistryUrl },
  catalog: { type: 'rest', uri: stack.catalogUri, warehouse: stack.warehouse },
  storage: { type: 's3', endpoint: stack.s3.endpoint, region: stack.s3.region, forcePathStyle: true, accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  defaults: { namespace: ns, commit: { intervalMs: Number(process.env.FLOE_DRAIN_COMMIT_MS ?? 1000) }, file: { compression: 'zstd' } },
  tables: [{ topics: [topic], table: 'events', ...(process.env.FLOE_DRAIN_PARTITIONING ? { partitioning: JSON.parse(process.env.FLOE_DRAIN_PARTITIONING) } : {}) }],
  server: { enabled: false },
  memory: { budgetBytes: '512MiB' },
  ...(process.env.FLOE_DRAIN_PROCESSES ? { performance: { processes: Number(process.env.FLOE_DRAIN_PROCESSES) } } : {}),
  logging: { level: 'warn' },
  maintenance: { compaction: { enabled: false }, expireSnapshots: { enabled: false }, orphanFiles: { enabled: false } },
};
const configPath = join(dir, 'floe.yaml');
writeFileSync(configPath, JSON.stringify(config, null, 2));

const CLK_TCK = Number(execSync('getconf CLK_TCK').toString().trim()) || 100;
/** utime + stime in seconds from a /proc stat file (a process's, or one of its threads'). */
const statCpu = (path) => {
  const rest = readFileSync(path, 'utf8').split(') ')[1].split(' ');
  return (Number(rest[11]) + Number(rest[12])) / CLK_TCK;
};
const cpu = (pid) => statCpu(`/proc/${pid}/stat`);
const hwm = (pid) => Number(/VmHWM:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? NaN) / 1024;
/** The process and its direct children (performance.processes' daemons). */
const tree = (pid) => [pid, ...readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number)];

const prof = process.env.FLOE_DRAIN_PROF;
const nodeArgs = [...(prof ? ['--cpu-prof', `--cpu-prof-dir=${prof}`] : []), ...(process.env.FLOE_DRAIN_NODE_ARGS ?? '').split(' ').filter(Boolean)];
const started = Date.now();
const child = spawn(process.execPath, [...nodeArgs, join(checkout, 'bin', 'floe.js'), 'run', '--config', configPath], {
  cwd: checkout,
  env: { ...process.env, FLOE_LOG_LEVEL: 'warn' },
  stdio: ['ignore', process.env.FLOE_DRAIN_STDOUT ? openSync(process.env.FLOE_DRAIN_STDOUT, 'w') : 'ignore', 'inherit'],
});
let exited = false;
const exit = new Promise((r) => child.once('exit', () => { exited = true; r(); }));

const url = `${stack.catalogUri}/v1/namespaces/${ns}/tables/events?snapshots=refs`;
async function rows() {
  try {
    const res = await fetch(url);
    if (!res.ok) return 0;
    const { metadata } = await res.json();
    const snap = (metadata.snapshots ?? []).find((s) => s['snapshot-id'] === metadata['current-snapshot-id']);
    return Number(snap?.summary?.['total-records'] ?? 0);
  } catch {
    return 0;
  }
}

let done = 0;
while (done < records) {
  if (exited) throw new Error('daemon exited early');
  if (Date.now() - started > 600_000) throw new Error(`timed out at ${done}/${records}`);
  await new Promise((r) => setTimeout(r, 250));
  done = await rows();
}
const pids = tree(child.pid);
const cpuS = pids.reduce((n, p) => n + cpu(p), 0);
const peak = pids.reduce((n, p) => n + hwm(p), 0);
const wall = (Date.now() - started) / 1000;
// The daemon's own threads by name (with performance.processes, the supervisor's only).
const threads = {};
for (const t of readdirSync(`/proc/${child.pid}/task`)) {
  const name = readFileSync(`/proc/${child.pid}/task/${t}/comm`, 'utf8').trim();
  threads[name] = (threads[name] ?? 0) + statCpu(`/proc/${child.pid}/task/${t}/stat`);
}
for (const name of Object.keys(threads)) threads[name] = Math.round(threads[name] * 100) / 100;
child.kill('SIGTERM');
await exit;
console.log(JSON.stringify({ checkout, processes: pids.length, records: done, cpuS, perCpuS: Math.round(done / cpuS), wallS: wall, peakRssMiB: Math.round(peak), threads }));
