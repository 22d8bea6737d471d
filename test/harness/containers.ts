/**
 * FLOE_TEST_STACK=containers: the same services as the local stack, from the official images, via
 * testcontainers. Host ports are the local stack's ports (fixed bindings), so every URL, the
 * oracle and docs/development.md stay the same; do not run both stacks at once.
 *
 * The oracle (Spark + PyIceberg) still runs as a local Python process (scripts/stack/oracle.py):
 * it needs pyspark, pyiceberg and the Iceberg jars, which `npm run stack:install` provides.
 *
 * Honest status: this machine kind has no Docker engine, so this path is type-checked but has not
 * been run here. The images and environment mirror docker-compose.yml.
 */
import { GenericContainer, Network, Wait, type StartedNetwork, type StartedTestContainer } from 'testcontainers';
import { loadConfig, VERSIONS } from '../../scripts/stack/config.js';
import { ensureBucket, ensureGlobalCompatibility } from '../../scripts/stack/services.js';
import { down, up } from '../../scripts/stack/stack.js';
import type { StackEndpoints } from './endpoints.js';
import { localEndpoints } from './global-setup.js';

export interface ContainerStack {
  endpoints: StackEndpoints;
  services: string[];
  stop(): Promise<void>;
}

export async function startContainers(log: (line: string) => void): Promise<ContainerStack> {
  const c = loadConfig();
  const p = c.ports;
  const network: StartedNetwork = await new Network().start();
  const started: StartedTestContainer[] = [];
  try {
    log('starting MinIO, Kafka, Apicurio, the Iceberg REST fixture and PostgreSQL containers …');
    const minio = new GenericContainer('minio/minio:latest')
      .withNetwork(network)
      .withNetworkAliases('minio')
      .withEnvironment({ MINIO_ROOT_USER: c.s3.accessKeyId, MINIO_ROOT_PASSWORD: c.s3.secretAccessKey })
      .withCommand(['server', '/data'])
      .withExposedPorts({ container: 9000, host: p.minio })
      .withWaitStrategy(Wait.forHttp('/minio/health/live', 9000));

    const kafka = new GenericContainer(`apache/kafka:${VERSIONS.kafka}`)
      .withNetwork(network)
      .withNetworkAliases('kafka')
      .withEnvironment({
        KAFKA_NODE_ID: '1',
        KAFKA_PROCESS_ROLES: 'broker,controller',
        KAFKA_LISTENERS: `PLAINTEXT://:${p.kafka},CONTROLLER://:${p.kafkaController}`,
        KAFKA_ADVERTISED_LISTENERS: `PLAINTEXT://127.0.0.1:${p.kafka}`,
        KAFKA_CONTROLLER_LISTENER_NAMES: 'CONTROLLER',
        KAFKA_LISTENER_SECURITY_PROTOCOL_MAP: 'CONTROLLER:PLAINTEXT,PLAINTEXT:PLAINTEXT',
        KAFKA_CONTROLLER_QUORUM_VOTERS: `1@localhost:${p.kafkaController}`,
        KAFKA_OFFSETS_TOPIC_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_REPLICATION_FACTOR: '1',
        KAFKA_TRANSACTION_STATE_LOG_MIN_ISR: '1',
        KAFKA_GROUP_INITIAL_REBALANCE_DELAY_MS: '0',
        KAFKA_AUTO_CREATE_TOPICS_ENABLE: 'false',
      })
      .withExposedPorts({ container: p.kafka, host: p.kafka })
      .withWaitStrategy(Wait.forLogMessage(/Kafka Server started/));

    const registry = new GenericContainer(`apicurio/apicurio-registry:${VERSIONS.apicurio}`)
      .withNetwork(network)
      .withNetworkAliases('schema-registry')
      .withEnvironment({ APICURIO_RULES_GLOBAL_COMPATIBILITY: 'BACKWARD' })
      .withExposedPorts({ container: 8080, host: p.schemaRegistry })
      .withWaitStrategy(Wait.forHttp('/apis/ccompat/v7/subjects', 8080))
      .withStartupTimeout(180_000);

    const catalog = new GenericContainer(`apache/iceberg-rest-fixture:${VERSIONS.icebergRestImage}`)
      .withNetwork(network)
      .withNetworkAliases('iceberg-rest')
      .withEnvironment({
        AWS_REGION: c.s3.region,
        CATALOG_WAREHOUSE: `s3://${c.s3.bucket}/`,
        CATALOG_IO__IMPL: 'org.apache.iceberg.aws.s3.S3FileIO',
        CATALOG_S3_ENDPOINT: 'http://minio:9000',
        CATALOG_S3_PATH__STYLE__ACCESS: 'true',
        CATALOG_S3_ACCESS__KEY__ID: c.s3.accessKeyId,
        CATALOG_S3_SECRET__ACCESS__KEY: c.s3.secretAccessKey,
        CATALOG_CLIENT_REGION: c.s3.region,
      })
      .withExposedPorts({ container: 8181, host: p.catalog })
      .withWaitStrategy(Wait.forHttp('/v1/config', 8181));

    const postgres = new GenericContainer('postgres:15')
      .withEnvironment({ POSTGRES_USER: 'floe', POSTGRES_PASSWORD: c.postgresPassword, POSTGRES_DB: 'floe' })
      .withExposedPorts({ container: 5432, host: p.postgres })
      .withWaitStrategy(Wait.forLogMessage(/database system is ready to accept connections/, 2));

    started.push(...(await Promise.all([minio.start(), kafka.start(), registry.start(), catalog.start(), postgres.start()])));
    await ensureBucket(c);
    await ensureGlobalCompatibility(`http://127.0.0.1:${p.schemaRegistry}`);

    log('starting the oracle (local Python process) against the containers …');
    await up(log, c, ['oracle']);
  } catch (err) {
    await Promise.allSettled(started.map((s) => s.stop()));
    await network.stop().catch(() => {});
    throw err;
  }

  return {
    endpoints: localEndpoints(c),
    services: ['minio', 'kafka', 'schema-registry', 'catalog', 'oracle', 'postgres'],
    async stop() {
      await down(log, c, ['oracle']);
      await Promise.allSettled(started.map((s) => s.stop()));
      await network.stop().catch(() => {});
    },
  };
}
