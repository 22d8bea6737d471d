/**
 * Daemon start-up (`npm run bench -- --startup`): the CPU a `floe run` process uses from spawn
 * until it is ready (partitions assigned and their positions set, the `positions set` log line)
 * on an empty topic, against the local stack. Alternates the shipped entry point (bin/floe.js,
 * the bundle of dist/), the per-file dist/ (FLOE_BUNDLE=0), the bundle without V8's compile cache,
 * and the TypeScript sources under tsx
 * (`node --import tsx src/cli/main.ts`, how the harness ran daemons before), so all see the same
 * load. FLOE_BENCH_STARTUP_RUNS rounds (5).
 */
import os from 'node:os';
import { createKafkaClient } from '../src/source/client.js';
import { floeArgv } from '../test/harness/cli.js';
import { DaemonProcess, sleep, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { cpuSeconds } from './proc.js';
import { benchStack } from './stack.js';

const fmt = (n: number, digits = 2): string => n.toLocaleString('en-US', { maximumFractionDigits: digits, minimumFractionDigits: digits });
const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

export async function runStartup(): Promise<void> {
  const runs = Number(process.env.FLOE_BENCH_STARTUP_RUNS ?? 5);
  const { stack } = await benchStack();
  console.log(`## daemon start-up: spawn → ready on an empty 4-partition topic, ${runs} alternated pairs`);
  console.log(`load average: ${os.loadavg().map((l) => l.toFixed(2)).join(' ')}`);
  const s = uniqueSuffix();
  const topic = `floe-bench-startup-${s}`;
  const kafka = createKafkaClient({ brokers: stack.kafkaBrokers, clientId: 'floe-bench' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: 4, replicationFactor: 1 }] });
  await admin.disconnect();
  // The shipped entry point (the bundle, V8's compile cache warm after the first round), the
  // per-file build, the bundle without the compile cache, and the sources under tsx.
  const variants: Array<[string, string[], Record<string, string>]> = [
    ['bundle (bin/floe.js)', floeArgv([]), {}],
    ['per-file dist (FLOE_BUNDLE=0)', floeArgv([]), { FLOE_BUNDLE: '0' }],
    ['bundle, no compile cache', floeArgv([]), { NODE_DISABLE_COMPILE_CACHE: '1' }],
    ['tsx (src/cli/main.ts)', ['--import', 'tsx', 'src/cli/main.ts'], {}],
  ];
  const results = new Map<string, Array<{ cpu: number; wall: number }>>(variants.map(([name]) => [name, []]));
  for (let i = 0; i < runs; i++) {
    for (const [v, [name, command, env]] of variants.entries()) {
      const dir = workDir('bench-startup');
      const config = writeDaemonConfig(stack, dir, {
        groupId: `floe-bench-startup-${s}-${i}-${v}`,
        defaults: { namespace: `bench_startup_${s}` },
        tables: [{ topics: [topic], table: 'events' }],
      });
      const t0 = Date.now();
      const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, { FLOE_LOG_LEVEL: 'info', ...env }, command);
      try {
        for (;;) {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-2000)}`);
          if (daemon.log().includes('"positions set"')) break;
          if (Date.now() - t0 > 120_000) throw new Error('daemon not ready after 120 s');
          await sleep(20);
        }
        results.get(name)!.push({ cpu: cpuSeconds(daemon.child.pid!), wall: (Date.now() - t0) / 1000 });
      } finally {
        await daemon.stop();
      }
    }
  }
  for (const [name, r] of results) {
    const cpus = r.map((x) => x.cpu);
    console.log(
      `${name.padEnd(32)} CPU to ready: median ${fmt(median(cpus))} s (min ${fmt(Math.min(...cpus))}, max ${fmt(Math.max(...cpus))}); wall median ${fmt(median(r.map((x) => x.wall)))} s`,
    );
  }
}
