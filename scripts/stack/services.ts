/**
 * The services of the local stack: how each is started, how we know it is healthy, and what
 * must happen once it is (the MinIO bucket, the Schema Registry's global compatibility rule).
 */
import { mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { CreateBucketCommand, HeadBucketCommand, S3Client } from '@aws-sdk/client-s3';
import { artifacts, catalogClasspathOf, HOST, urls, VERSIONS, type StackConfig } from './config.js';
import { postgres } from './postgres.js';
import { brokerHealthy, startBroker, type BrokerSpec } from './kafka-broker.js';
import { httpGet, startDaemon } from './proc.js';
import { ORACLE_READER, oracleEnv, oracleVenv } from './readers.js';

export interface Service {
  name: string;
  /** Seconds a cold start may take on 2 cores before we give up. */
  startTimeoutMs: number;
  address(c: StackConfig): string;
  /** The version, asked from the running service where it can tell us. */
  version(c: StackConfig): Promise<string>;
  healthy(c: StackConfig): Promise<boolean>;
  /** The main listening port, to detect a foreign process squatting on it. */
  port(c: StackConfig): number;
  start(c: StackConfig): Promise<void>;
  /** Idempotent set-up once healthy (runs on every `up`, also when the service was already up). */
  afterHealthy?(c: StackConfig): Promise<void>;
  /** The signal that stops it cleanly and promptly (default SIGTERM). */
  stopSignal?: NodeJS.Signals;
  /**
   * Why a running instance is not this stack's, though it answers (other pinned versions, started
   * before the pins changed); undefined when it is, or when it does not answer yet. `up` restarts
   * such an instance at once instead of waiting startTimeoutMs for it to become healthy.
   */
  outdated?(c: StackConfig): Promise<string | undefined>;
}

export const logFile = (c: StackConfig, name: string) => join(c.logsDir, `${name}.log`);

async function okJson(url: string): Promise<unknown | undefined> {
  const res = await httpGet(url);
  if (!res || !res.ok) return undefined;
  return res.json().catch(() => undefined);
}

// ---------------------------------------------------------------------------------------------
// Kafka

/** The stack's broker, as `startBroker` (shared with the tests that start brokers of their own) takes it. */
export function stackBrokerSpec(c: StackConfig): BrokerSpec {
  return {
    version: VERSIONS.kafka,
    libsDir: artifacts(c).kafkaLibs,
    java: c.java,
    confDir: join(c.stackDir, 'config', 'kafka'),
    dataDir: join(c.dataDir, 'kafka'),
    runDir: c.runDir,
    clusterIdFile: join(c.dataDir, 'kafka-cluster-id'),
    name: 'kafka',
    logFile: logFile(c, 'kafka'),
    port: c.ports.kafka,
    controllerPort: c.ports.kafkaController,
  };
}

const kafka: Service = {
  name: 'kafka',
  startTimeoutMs: 90_000,
  address: (c) => `${HOST}:${c.ports.kafka} (controller ${c.ports.kafkaController})`,
  port: (c) => c.ports.kafka,
  version: async () => VERSIONS.kafka,
  healthy: (c) => brokerHealthy(urls(c).kafkaBrokers),
  start: (c) => startBroker(stackBrokerSpec(c)),
};

// ---------------------------------------------------------------------------------------------
// Schema Registry (Apicurio)

const schemaRegistry: Service = {
  name: 'schema-registry',
  startTimeoutMs: 90_000,
  address: (c) => urls(c).schemaRegistryUrl,
  port: (c) => c.ports.schemaRegistry,
  async version(c) {
    const info = (await okJson(`${urls(c).registryBase}/apis/registry/v3/system/info`)) as { version?: string } | undefined;
    return info?.version ? `Apicurio ${info.version}` : `Apicurio ${VERSIONS.apicurio}`;
  },
  async healthy(c) {
    // The ccompat API answering is what clients need; /health/ready alone can precede it.
    return (await okJson(`${urls(c).schemaRegistryUrl}/subjects`)) !== undefined;
  },
  async start(c) {
    const a = artifacts(c);
    const dbDir = join(c.dataDir, 'schema-registry');
    mkdirSync(dbDir, { recursive: true });
    startDaemon({
      name: 'schema-registry',
      cmd: c.java,
      args: [
        '-Xms128m',
        '-Xmx512m',
        `-Dquarkus.http.host=${HOST}`,
        `-Dquarkus.http.port=${c.ports.schemaRegistry}`,
        // Without a global rule Apicurio answers GET /config/{subject} with NONE and
        // @kafkajs/confluent-schema-registry refuses to register (see STACK.md).
        '-Dapicurio.rules.global.compatibility=BACKWARD',
        // A file-backed H2 store, so schema ids survive a restart like the Kafka topics that carry them.
        `-Dapicurio.datasource.url=jdbc:h2:file:${join(dbDir, 'registry')};AUTO_SERVER=FALSE`,
        '-Dquarkus.log.level=INFO',
        '-jar',
        a.apicurioJar,
      ],
      cwd: dbDir,
      runDir: c.runDir,
      logFile: logFile(c, 'schema-registry'),
    });
  },
  afterHealthy: (c) => ensureGlobalCompatibility(urls(c).registryBase),
};

/**
 * Makes sure the registry has the global BACKWARD rule, also when the start-up property was ignored
 * (the container image, other Apicurio versions). Idempotent.
 */
export async function ensureGlobalCompatibility(registryBase: string): Promise<void> {
  const base = `${registryBase}/apis/registry/v3/admin/rules`;
  const res = await httpGet(`${base}/COMPATIBILITY`);
  if (res?.ok) return;
  const post = await fetch(base, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ ruleType: 'COMPATIBILITY', config: 'BACKWARD' }),
  });
  if (!post.ok && post.status !== 409) {
    throw new Error(`could not set the global BACKWARD rule: ${post.status} ${await post.text()}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Iceberg REST catalog

const catalog: Service = {
  name: 'catalog',
  startTimeoutMs: 60_000,
  address: (c) => urls(c).catalogUri,
  port: (c) => c.ports.catalog,
  version: async () => `Iceberg ${VERSIONS.iceberg} (REST routes of ${VERSIONS.icebergRestRoutes})`,
  async healthy(c) {
    return (await okJson(`${urls(c).catalogUri}/v1/config`)) !== undefined;
  },
  async start(c) {
    const a = artifacts(c);
    const dbDir = join(c.dataDir, 'catalog');
    mkdirSync(dbDir, { recursive: true });
    const u = urls(c);
    startDaemon({
      name: 'catalog',
      cmd: c.java,
      args: ['-Xms128m', '-Xmx512m', '-cp', `${a.catalogLauncherDir}:${catalogClasspathOf(a)}`, 'CatalogServer'],
      env: {
        ...process.env,
        AWS_REGION: c.s3.region,
        CATALOG_REST_HOST: HOST,
        CATALOG_REST_PORT: String(c.ports.catalog),
        CATALOG_WAREHOUSE: u.warehouse,
        // A file, and one pooled connection: in-memory SQLite gives each connection its own database.
        CATALOG_URI: `jdbc:sqlite:${join(dbDir, 'catalog.db')}`,
        CATALOG_CLIENTS: '1',
        CATALOG_JDBC_USER: 'floe',
        CATALOG_JDBC_PASSWORD: 'floe',
        CATALOG_IO__IMPL: 'org.apache.iceberg.aws.s3.S3FileIO',
        CATALOG_S3_ENDPOINT: u.s3Endpoint,
        CATALOG_S3_PATH__STYLE__ACCESS: 'true',
        CATALOG_S3_ACCESS__KEY__ID: c.s3.accessKeyId,
        CATALOG_S3_SECRET__ACCESS__KEY: c.s3.secretAccessKey,
        CATALOG_CLIENT_REGION: c.s3.region,
      },
      cwd: dbDir,
      runDir: c.runDir,
      logFile: logFile(c, 'catalog'),
    });
  },
};

// ---------------------------------------------------------------------------------------------
// MinIO

export function s3Client(c: StackConfig): S3Client {
  return new S3Client({
    endpoint: urls(c).s3Endpoint,
    region: c.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: c.s3.accessKeyId, secretAccessKey: c.s3.secretAccessKey },
  });
}

const minio: Service = {
  name: 'minio',
  startTimeoutMs: 30_000,
  address: (c) => `${urls(c).s3Endpoint} (console ${HOST}:${c.ports.minioConsole})`,
  port: (c) => c.ports.minio,
  version: async () => `minio ${VERSIONS.minio}`,
  async healthy(c) {
    const res = await httpGet(`${urls(c).s3Endpoint}/minio/health/live`);
    return res?.ok === true;
  },
  async start(c) {
    const dir = join(c.dataDir, 'minio');
    mkdirSync(dir, { recursive: true });
    startDaemon({
      name: 'minio',
      cmd: artifacts(c).minioBin,
      args: [
        'server',
        dir,
        '--address',
        `${HOST}:${c.ports.minio}`,
        '--console-address',
        `${HOST}:${c.ports.minioConsole}`,
        '--quiet',
      ],
      env: {
        ...process.env,
        MINIO_ROOT_USER: c.s3.accessKeyId,
        MINIO_ROOT_PASSWORD: c.s3.secretAccessKey,
        MINIO_BROWSER: 'off',
        MINIO_UPDATE: 'off',
        MINIO_REGION: c.s3.region,
      },
      runDir: c.runDir,
      logFile: logFile(c, 'minio'),
    });
  },
  afterHealthy: (c) => ensureBucket(c),
};

/** Creates the warehouse bucket unless it exists. */
export async function ensureBucket(c: StackConfig): Promise<void> {
  const s3 = s3Client(c);
  try {
    await s3.send(new HeadBucketCommand({ Bucket: c.s3.bucket }));
  } catch {
    await s3.send(new CreateBucketCommand({ Bucket: c.s3.bucket })).catch((e: { name?: string }) => {
      if (e.name !== 'BucketAlreadyOwnedByYou') throw e;
    });
  } finally {
    s3.destroy();
  }
}

// ---------------------------------------------------------------------------------------------
// Oracle (Spark 4.1 + Iceberg 1.12, PyIceberg: scripts/stack/readers.ts)

interface OracleHealth {
  status?: string;
  spark?: string;
  pyiceberg?: string;
}

const oracle: Service = {
  name: 'oracle',
  // The Spark JVM alone takes 15-30 s on 2 cores, more when the machine is busy starting the rest.
  startTimeoutMs: 180_000,
  address: (c) => urls(c).oracleUrl,
  port: (c) => c.ports.oracle,
  async version(c) {
    const h = (await okJson(`${urls(c).oracleUrl}/health`)) as OracleHealth | undefined;
    const spark = h?.spark ?? ORACLE_READER.pyspark;
    return `Spark ${spark} + Iceberg ${ORACLE_READER.iceberg}, PyIceberg ${h?.pyiceberg ?? ORACLE_READER.pyiceberg}`;
  },
  async healthy(c) {
    const h = (await okJson(`${urls(c).oracleUrl}/health`)) as OracleHealth | undefined;
    // An oracle of other pins (one started before they changed) is not this stack's oracle: `up`
    // then restarts it rather than let tests judge floe by another reader.
    return h?.status === 'ok' && h.spark === ORACLE_READER.pyspark && h.pyiceberg === ORACLE_READER.pyiceberg;
  },
  async outdated(c) {
    const h = (await okJson(`${urls(c).oracleUrl}/health`)) as OracleHealth | undefined;
    if (h?.status !== 'ok' || (h.spark === ORACLE_READER.pyspark && h.pyiceberg === ORACLE_READER.pyiceberg)) return undefined;
    return `it runs Spark ${h.spark ?? '?'} with PyIceberg ${h.pyiceberg ?? 'none'}, this stack pins ${ORACLE_READER.pyspark} and ${ORACLE_READER.pyiceberg}`;
  },
  async start(c) {
    const python = oracleVenv(c).python;
    const work = join(c.dataDir, 'oracle');
    startDaemon({
      name: 'oracle',
      cmd: python,
      args: ['-u', artifacts(c).oracleScript],
      env: oracleEnv(c, { reader: ORACLE_READER, python, port: c.ports.oracle, workDir: work }),
      cwd: work,
      runDir: c.runDir,
      logFile: logFile(c, 'oracle'),
    });
  },
};

export const SERVICES: Service[] = [minio, kafka, schemaRegistry, catalog, oracle, postgres];
