/**
 * Running `floe run` as a child process against the test stack: configuration files, start /
 * signal / SIGKILL, waiting for conditions, and producing Avro records through the registry.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { createWriteStream, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import avro from 'avsc';
import type { Kafka, KafkaMessage, Producer, RecordMetadata } from 'kafkajs';
import kafkajs from 'kafkajs';
import { createKafkaClient } from '../../src/source/client.js';
import { frame } from '../../src/decode/wire.js';
import { floeArgv } from './cli.js';
import type { StackEndpoints } from './endpoints.js';

const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

export function uniqueSuffix(): string {
  return randomUUID().replace(/-/g, '').slice(0, 8);
}

export function workDir(label: string): string {
  const dir = join(tmpdir(), `floe-it-${label}-${uniqueSuffix()}`);
  mkdirSync(dir, { recursive: true });
  return dir;
}

export interface DaemonConfigOptions {
  groupId: string;
  tables: Array<Record<string, unknown>>;
  defaults?: Record<string, unknown>;
  memoryBudget?: string;
  shutdownTimeout?: string;
  /** Port for /metrics; default: server disabled. */
  serverPort?: number;
  sessionTimeoutMs?: number;
  /** The `catalog` section; default: the stack's reference catalog (see catalogs.ts). */
  catalog?: Record<string, unknown>;
  /** Merged over the `kafka` section (TLS, SASL, start positions …). */
  kafkaOverrides?: Record<string, unknown>;
  /** `performance.workerThreads`; default the FLOE_IT_WORKER_THREADS environment variable, else unset (0). */
  workerThreads?: number | 'auto';
  /** performance.processes: `floe run` as that many daemon processes (src/orchestrator/processes.ts). */
  processes?: number;
}

function workerThreads(v: number | string): number | 'auto' {
  return v === 'auto' ? 'auto' : Number(v);
}

/** Writes a configuration for the stack (JSON is YAML) and returns its path. */
export function writeDaemonConfig(stack: StackEndpoints, dir: string, o: DaemonConfigOptions): string {
  const config = {
    kafka: {
      brokers: stack.kafkaBrokers,
      groupId: o.groupId,
      clientId: `floe-it-${o.groupId}`,
      sessionTimeoutMs: o.sessionTimeoutMs ?? 10_000,
      heartbeatIntervalMs: 1000,
      fetch: { maxWaitMs: 200 },
      ...(o.kafkaOverrides ?? {}),
    },
    schemaRegistry: { url: stack.schemaRegistryUrl },
    catalog: o.catalog ?? { type: 'rest', uri: stack.catalogUri, warehouse: stack.warehouse },
    storage: {
      type: 's3',
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      forcePathStyle: true,
      accessKeyId: stack.s3.accessKeyId,
      secretAccessKey: stack.s3.secretAccessKey,
    },
    defaults: { commit: { intervalMs: 1000 }, ...(o.defaults ?? {}) },
    tables: o.tables,
    server: o.serverPort === undefined ? { enabled: false } : { enabled: true, port: o.serverPort },
    shutdown: { timeoutMs: o.shutdownTimeout ?? '60s' },
    memory: { budgetBytes: o.memoryBudget ?? '256MiB' },
    // FLOE_IT_WORKER_THREADS runs any integration test's daemons with Parquet encoded on worker
    // threads (performance.workerThreads), so the crash and scale-out suites prove that path too.
    performance: {
      ...(o.workerThreads ?? process.env.FLOE_IT_WORKER_THREADS ? { workerThreads: workerThreads(o.workerThreads ?? process.env.FLOE_IT_WORKER_THREADS!) } : {}),
      ...(o.processes === undefined ? {} : { processes: o.processes }),
    },
    logging: { level: 'info' },
    maintenance: { compaction: { enabled: false }, expireSnapshots: { enabled: false }, orphanFiles: { enabled: false } },
  };
  const path = join(dir, `floe-${uniqueSuffix()}.yaml`);
  writeFileSync(path, JSON.stringify(config, null, 2));
  return path;
}

export interface DaemonExit {
  code: number | null;
  signal: NodeJS.Signals | null;
}

/** One `floe run` child process; stdout and stderr go to a log file. */
export class DaemonProcess {
  readonly exited: Promise<DaemonExit>;
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  /**
   * `command`: what runs the CLI (node arguments before `run`); default bin/floe.js. `cwd`: where
   * it runs (relative paths in the configuration resolve there); default the repository.
   */
  static start(configPath: string, logFile: string, env: Record<string, string> = {}, command: string[] = floeArgv([]), cwd = REPO): DaemonProcess {
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(process.execPath, [...command, 'run', '--config', configPath], {
      cwd,
      env: { ...process.env, FLOE_LOG_LEVEL: process.env.FLOE_IT_LOG_LEVEL ?? 'info', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    return new DaemonProcess(child, logFile);
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.running) this.child.kill(signal);
  }

  /**
   * SIGTERM and wait for the exit. Waits for the daemon's first log line first: until Node has
   * booted and floe installed its handlers (a second or more on a loaded machine), SIGTERM's
   * default action kills the process, and the exit would say nothing about floe's shutdown.
   */
  async stop(): Promise<DaemonExit> {
    const deadline = Date.now() + 60_000;
    while (this.running && !this.log().includes('"msg":') && Date.now() < deadline) await sleep(50);
    this.kill('SIGTERM');
    return this.exited;
  }

  log(): string {
    try {
      return readFileSync(this.logFile, 'utf8');
    } catch {
      return '';
    }
  }

  /** The log lines (pino JSON) parsed, non-JSON lines skipped. */
  logLines(): Array<Record<string, unknown>> {
    return this.log()
      .split('\n')
      .flatMap((l) => {
        try {
          return [JSON.parse(l) as Record<string, unknown>];
        } catch {
          return [];
        }
      });
  }
}

export async function waitFor<T>(what: string, check: () => Promise<T | undefined | false> | T | undefined | false, timeoutMs = 120_000, intervalMs = 500): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let lastError: unknown;
  for (;;) {
    try {
      const v = await check();
      if (v !== undefined && v !== false) return v;
    } catch (err) {
      lastError = err;
    }
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}${lastError ? `: ${String(lastError)}` : ''}`);
    await sleep(intervalMs);
  }
}

/**
 * Registers Avro schemas and produces framed records: the one producer of the tests, the benches
 * and the demo, which need only Kafka and the registry of a stack.
 */
export class AvroProducer {
  readonly kafka: Kafka;
  private readonly registry: SchemaRegistry;
  private producer: Producer | undefined;
  private connected: Promise<Producer> | undefined;
  private readonly types = new Map<number, avro.Type>();

  constructor(readonly stack: Pick<StackEndpoints, 'kafkaBrokers' | 'schemaRegistryUrl'>) {
    this.kafka = createKafkaClient({ brokers: stack.kafkaBrokers, clientId: 'floe-it-producer' });
    this.registry = new SchemaRegistry({ host: stack.schemaRegistryUrl });
  }

  async register(subject: string, schema: object): Promise<number> {
    const { id } = await this.registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject });
    this.types.set(id, avro.Type.forSchema(schema as avro.Schema, { logicalTypes: {} }));
    return id;
  }

  encode(schemaId: number, value: unknown): Buffer {
    return frame(schemaId, this.types.get(schemaId)!.toBuffer(value));
  }

  async createTopic(topic: string, partitions: number): Promise<void> {
    const admin = this.kafka.admin();
    await admin.connect();
    try {
      await admin.createTopics({ waitForLeaders: true, topics: [{ topic, numPartitions: partitions, replicationFactor: 1 }] });
    } finally {
      await admin.disconnect();
    }
  }

  async send(
    topic: string,
    messages: Array<{ value: Buffer | null; key?: Buffer | string | null; partition?: number; headers?: Record<string, string | Buffer>; timestamp?: string }>,
    compression: kafkajs.CompressionTypes = kafkajs.CompressionTypes.None,
  ): Promise<RecordMetadata[]> {
    // One connect shared by concurrent callers (tests that run side by side share a producer). A
    // failed connect is forgotten so the next send retries instead of replaying the old rejection.
    this.connected ??= (async () => {
      const producer = this.kafka.producer({ allowAutoTopicCreation: false, idempotent: true, maxInFlightRequests: 1 });
      try {
        await producer.connect();
      } catch (err) {
        this.connected = undefined;
        throw err;
      }
      this.producer = producer;
      return producer;
    })();
    const producer = await this.connected;
    const written: RecordMetadata[] = [];
    for (let i = 0; i < messages.length; i += 5000) {
      written.push(...(await producer.send({ topic, acks: -1, compression, messages: messages.slice(i, i + 5000) })));
    }
    return written;
  }

  async close(): Promise<void> {
    // Reset first: a send after close() connects a fresh producer rather than using a closed one.
    const producer = this.producer;
    this.producer = undefined;
    this.connected = undefined;
    await producer?.disconnect();
  }
}

/** Reads a topic from the beginning until `expected` messages arrived (and a second more). */
export async function readTopic(producer: AvroProducer, topic: string, expected: number): Promise<KafkaMessage[]> {
  const consumer = producer.kafka.consumer({ groupId: `floe-dlq-reader-${uniqueSuffix()}` });
  const out: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
  try {
    await waitFor(`${expected} messages in ${topic}`, () => out.length >= expected, 120_000);
    await sleep(1000);
  } finally {
    await consumer.disconnect();
  }
  return out;
}
