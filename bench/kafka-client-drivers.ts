/**
 * The three Kafka clients compared in bench/kafka-clients.ts, each behind one `drain()`: join a
 * consumer group, read a topic from the earliest offset until `expected` records arrived, touching
 * every value (its length), then leave. kafkajs runs as floe configures it (createKafkaClient:
 * floe's codecs, wire-order headers, eachBatch); the other two run with their own defaults and
 * the same fetch sizes. @platformatic/kafka and @confluentinc/kafka-javascript are not floe
 * dependencies: `ensureClients()` installs them on demand into the cache (the librdkafka one needs
 * a native build, which `npm ci` must never need).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import os from 'node:os';
import { join } from 'node:path';
import { createKafkaClient } from '../src/source/client.js';

export const CLIENTS = ['kafkajs', 'platformatic', 'confluent'] as const;
export type ClientName = (typeof CLIENTS)[number];

export const VERSIONS = { platformatic: '2.12.1', confluent: '1.10.1' };
const PKG = { platformatic: '@platformatic/kafka', confluent: '@confluentinc/kafka-javascript' };

export const FETCH = { maxBytes: 50 * 1024 * 1024, maxBytesPerPartition: 10 * 1024 * 1024, maxWaitMs: 500 };

export function clientsDir(): string {
  return join(process.env.FLOE_CACHE_DIR ?? join(os.homedir(), '.cache', 'floe'), `kafka-clients-${VERSIONS.platformatic}-${VERSIONS.confluent}`);
}

/**
 * Installs the two candidates once. @confluentinc/kafka-javascript has no reachable prebuilt binary
 * here and its default build downloads zlib/OpenSSL/zstd sources; CKJS_LINKING=dynamic builds its
 * bundled librdkafka against the system libraries instead (Debian: libzstd-dev, libcurl4-openssl-dev,
 * libsasl2-dev, liblz4-dev, else zstd, OIDC and GSSAPI are silently left out). See docs/kafka.md.
 */
export function ensureClients(): string {
  const dir = clientsDir();
  const req = createRequire(join(dir, 'package.json'));
  try {
    req.resolve(PKG.platformatic);
    req.resolve(PKG.confluent);
    return dir;
  } catch {
    /* install below */
  }
  mkdirSync(dir, { recursive: true });
  if (!existsSync(join(dir, 'package.json'))) writeFileSync(join(dir, 'package.json'), '{"name":"floe-kafka-clients-bench","private":true}\n');
  const args = ['install', '--no-audit', '--no-fund', `${PKG.platformatic}@${VERSIONS.platformatic}`, `${PKG.confluent}@${VERSIONS.confluent}`];
  console.log(`installing the candidate clients (once): CKJS_LINKING=dynamic npm ${args.join(' ')}  (in ${dir})`);
  execFileSync('npm', args, { cwd: dir, stdio: 'inherit', env: { ...process.env, CKJS_LINKING: 'dynamic' } });
  return dir;
}

export function load(name: 'platformatic' | 'confluent'): Record<string, unknown> {
  return createRequire(join(clientsDir(), 'package.json'))(PKG[name]) as Record<string, unknown>;
}

export interface DrainOptions {
  brokers: string[];
  topic: string;
  groupId: string;
  expected: number;
  readCommitted?: boolean;
  /** 'classic' (default) or 'consumer' (KIP-848). */
  groupProtocol?: 'classic' | 'consumer';
  /** Stop early after this many ms of no progress (behaviour checks). */
  idleMs?: number;
}

export interface DrainResult {
  records: number;
  valueBytes: number;
  /** Distinct value strings, for checks that need to know which records arrived. */
  values?: Set<string>;
}

type Sink = (value: Buffer | null) => boolean; // true when done

function sink(o: DrainOptions, keep: boolean): { r: DrainResult; add: Sink } {
  const r: DrainResult = { records: 0, valueBytes: 0, ...(keep ? { values: new Set<string>() } : {}) };
  return {
    r,
    add: (v) => {
      r.records++;
      if (v) {
        r.valueBytes += v.length;
        r.values?.add(v.toString('utf8'));
      }
      return r.records >= o.expected;
    },
  };
}

function doneOrIdle(o: DrainOptions, r: DrainResult): Promise<void> {
  return new Promise((resolve) => {
    let last = -1;
    let since = Date.now();
    const t = setInterval(() => {
      if (r.records >= o.expected) return void (clearInterval(t), resolve());
      if (r.records !== last) [last, since] = [r.records, Date.now()];
      else if (o.idleMs !== undefined && Date.now() - since > o.idleMs) return void (clearInterval(t), resolve());
    }, 20);
  });
}

export async function drain(client: ClientName, o: DrainOptions, keep = false): Promise<DrainResult> {
  const { r, add } = sink(o, keep);
  if (client === 'kafkajs') {
    const kafka = createKafkaClient({ brokers: o.brokers, clientId: 'bench-kafkajs' });
    const consumer = kafka.consumer({
      groupId: o.groupId,
      maxBytes: FETCH.maxBytes,
      maxBytesPerPartition: FETCH.maxBytesPerPartition,
      maxWaitTimeInMs: FETCH.maxWaitMs,
      readUncommitted: o.readCommitted === false,
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic], fromBeginning: true });
    await consumer.run({ autoCommit: false, eachBatch: async ({ batch }) => void batch.messages.forEach((m) => add(m.value)) });
    await doneOrIdle(o, r);
    await consumer.disconnect();
  } else if (client === 'platformatic') {
    const { Consumer } = load('platformatic') as { Consumer: new (opts: object) => PlatformaticConsumer };
    const consumer = new Consumer({
      groupId: o.groupId,
      clientId: 'bench-platformatic',
      bootstrapBrokers: o.brokers,
      maxBytes: FETCH.maxBytes,
      maxWaitTime: FETCH.maxWaitMs,
      autocommit: false,
      isolationLevel: o.readCommitted === false ? 0 : 1,
      ...(o.groupProtocol === 'consumer' ? { groupProtocol: 'consumer' } : {}),
    });
    const stream = await consumer.consume({ topics: [o.topic], mode: 'earliest' });
    stream.on('data', (m: { value: Buffer | null }) => add(m.value));
    await doneOrIdle(o, r);
    await stream.close();
    await consumer.close(true);
  } else {
    const { KafkaJS } = load('confluent') as { KafkaJS: ConfluentKafkaJS };
    const kafka = new KafkaJS.Kafka({ kafkaJS: { brokers: o.brokers, clientId: 'bench-confluent', logLevel: KafkaJS.logLevel.ERROR } });
    const consumer = kafka.consumer({
      kafkaJS: { groupId: o.groupId, fromBeginning: true, autoCommit: false, readUncommitted: o.readCommitted === false, maxBytesPerPartition: FETCH.maxBytesPerPartition, maxWaitTimeInMs: FETCH.maxWaitMs },
      'fetch.max.bytes': FETCH.maxBytes,
      ...(o.groupProtocol === 'consumer' ? { 'group.protocol': 'consumer' } : {}),
    });
    await consumer.connect();
    await consumer.subscribe({ topics: [o.topic] });
    await consumer.run({ eachBatch: async ({ batch }: { batch: { messages: { value: Buffer | null }[] } }) => void batch.messages.forEach((m) => add(m.value)) });
    await doneOrIdle(o, r);
    await consumer.disconnect();
  }
  return r;
}

interface PlatformaticConsumer {
  consume(o: object): Promise<NodeJS.EventEmitter & { close(): Promise<void> }>;
  close(force?: boolean): Promise<void>;
}

interface ConfluentKafkaJS {
  Kafka: new (c: object) => { consumer(c: object): ConfluentConsumer };
  logLevel: Record<string, number>;
}
interface ConfluentConsumer {
  connect(): Promise<void>;
  subscribe(s: object): Promise<void>;
  run(r: object): Promise<void>;
  disconnect(): Promise<void>;
}
