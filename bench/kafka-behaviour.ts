/**
 * Behaviour checks behind the Kafka client decision (docs/kafka.md, "Choosing the Kafka client"),
 * against the stack's Kafka 4.4.0: `scripts/with-node.sh npx tsx bench/kafka-behaviour.ts`.
 *
 * 1. Group protocols: two members of one group on a 4-partition topic, the second joining 3 s
 *    after the first (which has read everything by then), with each client and each group protocol
 *    it offers (classic; KIP-848 `consumer`). No offsets are committed, so what the first member
 *    reads beyond the topic's records is what it re-read after the rebalance: the partitions it
 *    kept, restarted (eager) or not (incremental). Prints what each member read and any error.
 * 2. Codecs: 1,000 records per codec (gzip, snappy, lz4, zstd), produced by kafkajs with floe's
 *    codecs (which Kafka's own Java client reads, test/source/codecs.it.test.ts), drained by each client.
 * 3. read_committed: a kafkajs transaction of 100 records committed, one of 100 aborted, 50
 *    non-transactional; each client must deliver exactly the 150 committed ones.
 */
import kafkajs from 'kafkajs';
import { loadConfig, up } from '../scripts/stack/stack.js';
import { localEndpoints } from '../test/harness/global-setup.js';
import { createKafkaClient } from '../src/source/client.js';
import { CLIENTS, drain, ensureClients, type ClientName, type DrainOptions } from './kafka-client-drivers.js';
import { produceSmall } from './kafka-clients.js';

const { CompressionTypes } = kafkajs;
const short = (e: unknown): string => String((e as Error)?.message ?? e).split('\n')[0]!.slice(0, 160);

async function attempt<T>(f: () => Promise<T>): Promise<T | string> {
  try {
    return await f();
  } catch (e) {
    return `ERROR ${short(e)}`;
  }
}

async function groups(brokers: string[]): Promise<void> {
  const topic = `floe-behaviour-group-${Date.now().toString(36)}`;
  const n = 100_000;
  await produceSmall(brokers, topic, n);
  console.log(`## two-member groups on ${topic} (${n} records, 4 partitions)`);
  const cases: Array<[ClientName, 'classic' | 'consumer']> = [
    ['kafkajs', 'classic'],
    ['platformatic', 'classic'],
    ['platformatic', 'consumer'],
    ['confluent', 'classic'],
    ['confluent', 'consumer'],
  ];
  for (const [client, groupProtocol] of cases) {
    // No offsets are committed, so a member that restarts a partition reads it from the start:
    // A reads all 4 partitions, B joins when A is idle; A's total beyond n is what it re-read of the
    // partitions it kept (eager: everything is revoked; cooperative/KIP-848: kept partitions go on).
    const o: DrainOptions = { brokers, topic, groupId: `behaviour-${client}-${groupProtocol}-${Date.now()}`, expected: Number.POSITIVE_INFINITY, groupProtocol, idleMs: 10_000 };
    const t0 = Date.now();
    const a = attempt(() => drain(client, o));
    await new Promise((r) => setTimeout(r, 3000));
    const b = attempt(() => drain(client, o));
    const [ra, rb] = await Promise.all([a, b]);
    const show = (r: Awaited<typeof a>): string => (typeof r === 'string' ? r : `${r.records} records`);
    console.log(`${client.padEnd(13)} ${groupProtocol.padEnd(9)} member A: ${show(ra)}; member B: ${show(rb)}; ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}

async function codecs(brokers: string[]): Promise<void> {
  console.log('## codecs (1,000 records each, produced by kafkajs with floe codecs)');
  const kafka = createKafkaClient({ brokers, clientId: 'behaviour-producer' });
  const producer = kafka.producer();
  await producer.connect();
  const types = { gzip: CompressionTypes.GZIP, snappy: CompressionTypes.Snappy, lz4: CompressionTypes.LZ4, zstd: CompressionTypes.ZSTD };
  for (const [name, compression] of Object.entries(types)) {
    const topic = `floe-behaviour-${name}-${Date.now().toString(36)}`;
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    for (let i = 0; i < 1000; i += 250) {
      await producer.send({ topic, compression, messages: Array.from({ length: 250 }, (_, k) => ({ value: `${name}-${i + k}-${'x'.repeat(100)}` })) });
    }
    const row: string[] = [];
    for (const client of CLIENTS) {
      const r = await attempt(() => drain(client, { brokers, topic, groupId: `behaviour-${client}-${topic}`, expected: 1000, idleMs: 10_000 }, true));
      row.push(`${client}: ${typeof r === 'string' ? r : `${r.values!.size}/1000 distinct`}`);
    }
    console.log(`${name.padEnd(7)} ${row.join('; ')}`);
  }
  await producer.disconnect();
}

async function readCommitted(brokers: string[]): Promise<void> {
  const topic = `floe-behaviour-txn-${Date.now().toString(36)}`;
  const kafka = createKafkaClient({ brokers, clientId: 'behaviour-txn' });
  const admin = kafka.admin();
  await admin.connect();
  await admin.createTopics({ topics: [{ topic, numPartitions: 2, replicationFactor: 1 }], waitForLeaders: true });
  await admin.disconnect();
  const producer = kafka.producer({ transactionalId: `behaviour-${topic}`, idempotent: true, maxInFlightRequests: 1 });
  await producer.connect();
  const batch = (tag: string, count: number) => ({ topic, messages: Array.from({ length: count }, (_, k) => ({ value: `${tag}-${k}` })) });
  let t = await producer.transaction();
  await t.send(batch('committed', 100));
  await t.commit();
  t = await producer.transaction();
  await t.send(batch('aborted', 100));
  await t.abort();
  await producer.disconnect();
  const plain = kafka.producer();
  await plain.connect();
  await plain.send(batch('plain', 50));
  await plain.disconnect();
  console.log('## read_committed (100 committed + 100 aborted in transactions, 50 plain)');
  for (const client of CLIENTS) {
    const r = await attempt(() => drain(client, { brokers, topic, groupId: `behaviour-${client}-${topic}`, expected: 150, readCommitted: true, idleMs: 8000 }, true));
    if (typeof r === 'string') console.log(`${client.padEnd(13)} ${r}`);
    else {
      const aborted = [...r.values!].filter((v) => v.startsWith('aborted')).length;
      console.log(`${client.padEnd(13)} ${r.records} delivered (${r.values!.size} distinct), aborted ones among them: ${aborted}`);
    }
  }
}

async function main(): Promise<void> {
  const c = loadConfig();
  await up((l) => console.log(`  ${l}`), c, ['kafka']);
  const brokers = localEndpoints(c).kafkaBrokers;
  ensureClients();
  const only = process.argv[2];
  if (!only || only === 'codecs') await codecs(brokers);
  if (!only || only === 'txn') await readCommitted(brokers);
  if (!only || only === 'groups') await groups(brokers);
  process.exit(0);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
