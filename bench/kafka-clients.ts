/**
 * Kafka client comparison (issue #14 item 2): kafkajs 2.2.4 (as floe runs it) against
 * @platformatic/kafka and @confluentinc/kafka-javascript (librdkafka), on the same topic.
 *
 *   npm run bench -- --kafka-clients            (or: scripts/with-node.sh npx tsx bench/kafka-clients.ts)
 *   FLOE_BENCH_KAFKA_RECORDS=N (default 1000000)   FLOE_BENCH_KAFKA_ROUNDS=R (default 3)
 *
 * Starts the local stack's Kafka only (if it is not healthy), installs the two candidates on demand
 * (bench/kafka-client-drivers.ts), produces N small records (bench/small.ts, ~212 B) to a fresh
 * 4-partition topic, then drains it with each client in its own child process and consumer group,
 * alternated A B C A B C … so a load change hits every client alike. Each child reports the CPU
 * it spent draining — process.cpuUsage() (getrusage: every thread of the process, librdkafka's
 * native threads included) and /proc/self/stat utime+stime as a cross-check — wall time and peak
 * RSS. Records per CPU second is the figure that survives a shared, loaded machine.
 */
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import os from 'node:os';
import { parseArgs } from 'node:util';
import { loadConfig, up } from '../scripts/stack/stack.js';
import { localEndpoints } from '../test/harness/global-setup.js';
import { createKafkaClient } from '../src/source/client.js';
import { CLIENTS, drain, ensureClients, load, VERSIONS, type ClientName } from './kafka-client-drivers.js';
import { cpuSeconds } from './proc.js';
import { makeSmallRecords } from './small.js';

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });

interface Run {
  client: ClientName;
  records: number;
  cpuUsageS: number;
  procStatS: number;
  wallS: number;
  peakRssMiB: number;
}

/** Child mode: one drain, one JSON line on stdout. */
async function child(client: ClientName, brokers: string[], topic: string, expected: number): Promise<void> {
  if (client !== 'kafkajs') load(client); // module loading is not part of the measurement
  const cpu0 = process.cpuUsage();
  const stat0 = cpuSeconds(process.pid);
  const t0 = performance.now();
  const r = await drain(client, { brokers, topic, groupId: `bench-${client}-${Date.now()}`, expected });
  const wallS = (performance.now() - t0) / 1000;
  const cpu = process.cpuUsage(cpu0);
  const run: Run = {
    client,
    records: r.records,
    cpuUsageS: (cpu.user + cpu.system) / 1e6,
    procStatS: cpuSeconds(process.pid) - stat0,
    wallS,
    peakRssMiB: process.resourceUsage().maxRSS / 1024,
  };
  console.log(JSON.stringify(run));
  process.exit(0);
}

function runChild(client: ClientName, brokers: string[], topic: string, expected: number): Promise<Run> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [...process.execArgv, new URL(import.meta.url).pathname, '--drain', client, '--brokers', brokers.join(','), '--topic', topic, '--expected', String(expected)], {
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('exit', (code) => {
      const line = out.trim().split('\n').pop() ?? '';
      if (code === 0 && line.startsWith('{')) resolve(JSON.parse(line) as Run);
      else reject(new Error(`${client} drain exited ${code}: ${out}`));
    });
  });
}

export async function produceSmall(brokers: string[], topic: string, n: number, partitions = 4): Promise<void> {
  const kafka = createKafkaClient({ brokers, clientId: 'bench-producer' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ allowAutoTopicCreation: false });
  await producer.connect();
  const values = makeSmallRecords(Math.min(n, 100_000));
  for (let i = 0; i < n; i += 10_000) {
    const messages = [];
    for (let k = i; k < Math.min(n, i + 10_000); k++) messages.push({ value: values[k % values.length]!, partition: k % partitions });
    await producer.send({ topic, acks: 1, messages });
  }
  await producer.disconnect();
}

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

export async function runKafkaClients(): Promise<void> {
  const n = Number(process.env.FLOE_BENCH_KAFKA_RECORDS ?? 1_000_000);
  const rounds = Number(process.env.FLOE_BENCH_KAFKA_ROUNDS ?? 3);
  const c = loadConfig();
  await up((l) => console.log(`  ${l}`), c, ['kafka']);
  const brokers = localEndpoints(c).kafkaBrokers;
  ensureClients();
  const kafkajsVersion = (JSON.parse(readFileSync(new URL('../node_modules/kafkajs/package.json', import.meta.url), 'utf8')) as { version: string }).version;
  const rdkafka = (load('confluent') as { librdkafkaVersion: string }).librdkafkaVersion;
  console.log(`## Kafka clients: drain ${fmt(n, 0)} small records (212 B, 4 partitions, uncompressed), one consumer group each, ${rounds} alternated rounds`);
  console.log(`versions: node ${process.version}, kafka 4.4.0 (stack), kafkajs ${kafkajsVersion}, @platformatic/kafka ${VERSIONS.platformatic}, @confluentinc/kafka-javascript ${VERSIONS.confluent} (librdkafka ${rdkafka})`);
  const topic = `floe-bench-clients-${Date.now().toString(36)}`;
  const tp = performance.now();
  await produceSmall(brokers, topic, n);
  console.log(`produced in ${fmt((performance.now() - tp) / 1000)} s; load average ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
  const runs: Run[] = [];
  for (let round = 1; round <= rounds; round++) {
    for (const client of CLIENTS) {
      const r = await runChild(client, brokers, topic, n);
      runs.push(r);
      console.log(
        `round ${round} ${client.padEnd(13)} ${fmt(r.records / r.cpuUsageS, 0).padStart(9)} rec/CPU s  cpu ${fmt(r.cpuUsageS, 2)} s (/proc ${fmt(r.procStatS, 2)})  wall ${fmt(r.wallS, 2)} s  peak RSS ${fmt(r.peakRssMiB, 0)} MiB  load ${fmt(os.loadavg()[0]!, 2)}`,
      );
    }
  }
  console.log('\nmedians:');
  for (const client of CLIENTS) {
    const mine = runs.filter((r) => r.client === client);
    console.log(
      `${client.padEnd(13)} ${fmt(median(mine.map((r) => r.records / r.cpuUsageS)), 0).padStart(9)} records per CPU s  cpu ${fmt(median(mine.map((r) => r.cpuUsageS)), 2)} s  wall ${fmt(median(mine.map((r) => r.wallS)), 2)} s  ${fmt(median(mine.map((r) => r.records / r.wallS)), 0)} rec/s  peak RSS ${fmt(median(mine.map((r) => r.peakRssMiB)), 0)} MiB`,
    );
  }
  console.log(`load average at end: ${os.loadavg().map((l) => fmt(l, 2)).join(' ')}`);
}

const isMain = process.argv[1] !== undefined && new URL(import.meta.url).pathname === process.argv[1];
if (isMain) {
  const { values } = parseArgs({ options: { drain: { type: 'string' }, brokers: { type: 'string' }, topic: { type: 'string' }, expected: { type: 'string' } } });
  const task = values.drain ? child(values.drain as ClientName, values.brokers!.split(','), values.topic!, Number(values.expected)) : runKafkaClients();
  task.catch((err: unknown) => {
    console.error(err);
    process.exit(1);
  });
}
