/**
 * One Kafka Connect standalone worker running Apache Iceberg's sink on one topic, configured like
 * floe in the bench: the stack's REST catalog and MinIO, the Confluent-framed Avro read through
 * the registry, and the same commit interval. Started as a bare `java` child process (no wrapper
 * script), so its pid is the JVM whose CPU and peak RSS the bench reads from /proc.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createWriteStream, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../scripts/stack/config.js';
import { urls } from '../scripts/stack/config.js';
import { connectPaths } from './connect-install.js';
import { freePort } from './proc.js';

export interface ConnectSinkOptions {
  /** Unique name: the connector's name, so its consumer group is `connect-<name>`. */
  name: string;
  topic: string;
  /** Iceberg table `namespace.table`; created by the sink (auto-create) from the records' schema. */
  table: string;
  /** The sink's control topic (created by the caller: the broker does not auto-create topics). */
  controlTopic: string;
  commitIntervalMs: number;
  /** Working folder: properties, offsets file and the worker's log. */
  dir: string;
}

/**
 * The JVM options `bin/connect-standalone.sh` starts a worker with (KAFKA_HEAP_OPTS and
 * kafka-run-class.sh's KAFKA_JVM_PERFORMANCE_OPTS), so the memory figure is a default deployment's.
 */
export const CONNECT_JVM_OPTS = [
  '-Xms256M',
  '-Xmx2G',
  '-server',
  '-XX:+UseG1GC',
  '-XX:MaxGCPauseMillis=20',
  '-XX:InitiatingHeapOccupancyPercent=35',
  '-XX:+ExplicitGCInvokesConcurrent',
  '-XX:MaxInlineLevel=15',
  '-Djava.awt.headless=true',
];


const properties = (o: Record<string, string | number | boolean>): string =>
  Object.entries(o)
    .map(([k, v]) => `${k}=${String(v)}`)
    .join('\n') + '\n';

export function connectorProperties(c: StackConfig, o: ConnectSinkOptions): Record<string, string | number | boolean> {
  const u = urls(c);
  return {
    name: o.name,
    'connector.class': 'org.apache.iceberg.connect.IcebergSinkConnector',
    'tasks.max': 1,
    topics: o.topic,
    'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
    // Issue 16's setup: Apicurio's converter reading Confluent framing (4-byte id = content id).
    'value.converter': 'io.apicurio.registry.utils.converter.AvroConverter',
    'value.converter.apicurio.registry.url': `${u.registryBase}/apis/registry/v2`,
    'value.converter.apicurio.registry.as-confluent': true,
    'value.converter.apicurio.registry.use-id': 'contentId',
    'value.converter.apicurio.registry.headers.enabled': false,
    'iceberg.tables': o.table,
    'iceberg.tables.auto-create-enabled': true,
    'iceberg.control.topic': o.controlTopic,
    'iceberg.control.commit.interval-ms': o.commitIntervalMs,
    'iceberg.catalog.type': 'rest',
    'iceberg.catalog.uri': u.catalogUri,
    'iceberg.catalog.warehouse': u.warehouse,
    'iceberg.catalog.io-impl': 'org.apache.iceberg.aws.s3.S3FileIO',
    'iceberg.catalog.s3.endpoint': u.s3Endpoint,
    'iceberg.catalog.s3.path-style-access': true,
    'iceberg.catalog.s3.access-key-id': c.s3.accessKeyId,
    'iceberg.catalog.s3.secret-access-key': c.s3.secretAccessKey,
    'iceberg.catalog.client.region': c.s3.region,
  };
}

export class ConnectWorker {
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  private constructor(
    readonly child: ChildProcess,
    readonly logFile: string,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
  }

  static async start(c: StackConfig, o: ConnectSinkOptions): Promise<ConnectWorker> {
    const { runtimeLibs, pluginPath } = connectPaths(c);
    const logFile = join(o.dir, 'connect.log');
    const worker = join(o.dir, 'worker.properties');
    const connector = join(o.dir, 'connector.properties');
    const log4j = join(o.dir, 'log4j.properties');
    writeFileSync(
      worker,
      properties({
        'bootstrap.servers': urls(c).kafkaBrokers.join(','),
        'key.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
        'value.converter': 'org.apache.kafka.connect.converters.ByteArrayConverter',
        'offset.storage.file.filename': join(o.dir, 'connect.offsets'),
        'plugin.path': pluginPath,
        listeners: `http://127.0.0.1:${await freePort()}`,
      }),
    );
    writeFileSync(connector, properties(connectorProperties(c, o)));
    // connect-log4j.properties' INFO level, to a file instead of the console.
    writeFileSync(
      log4j,
      properties({
        'log4j.rootLogger': 'INFO, file',
        'log4j.appender.file': 'org.apache.log4j.FileAppender',
        'log4j.appender.file.File': join(o.dir, 'connect-log4j.log'),
        'log4j.appender.file.layout': 'org.apache.log4j.PatternLayout',
        'log4j.appender.file.layout.ConversionPattern': '[%d] %p %m (%c)%n',
      }),
    );
    const out = createWriteStream(logFile, { flags: 'a' });
    const child = spawn(
      c.java,
      [...CONNECT_JVM_OPTS, `-Dlog4j.configuration=file:${log4j}`, '-cp', `${runtimeLibs}/*`, 'org.apache.kafka.connect.cli.ConnectStandalone', worker, connector],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    child.stdout!.pipe(out);
    child.stderr!.pipe(out);
    return new ConnectWorker(child, logFile);
  }

  get pid(): number {
    return this.child.pid!;
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The worker's own log (log4j) and its console, for error messages. */
  log(): string {
    const read = (p: string): string => {
      try {
        return readFileSync(p, 'utf8');
      } catch {
        return '';
      }
    };
    return `${read(this.logFile)}\n${read(this.logFile.replace(/connect\.log$/, 'connect-log4j.log'))}`;
  }

  async stop(): Promise<void> {
    if (this.running) this.child.kill('SIGTERM');
    const timer = setTimeout(() => this.running && this.child.kill('SIGKILL'), 30_000);
    await this.exited;
    clearTimeout(timer);
  }
}
