/**
 * Everything the local stack needs to know about where things live: versions, ports, folders and
 * credentials. All of it can be overridden by environment variables so two stacks (or a CI runner
 * and a developer) can coexist on one machine.
 */
import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO_ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '..', '..');

function envInt(name: string, fallback: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const n = Number(raw);
  if (!Number.isInteger(n) || n <= 0 || n > 65535) throw new Error(`${name}=${raw} is not a port number`);
  return n;
}

function expandHome(p: string): string {
  return p.startsWith('~/') ? join(homedir(), p.slice(2)) : p;
}

/** Pinned versions. Bumping one of these re-downloads on the next `stack:install`. */
export const VERSIONS = {
  kafka: '4.4.0',
  // The last 3.x line: test/orchestrator/kafka-3x.it.test.ts starts a broker of this version itself.
  kafkaCompat: '3.9.2',
  scala: '2.13',
  // Logging backends: 3.x logs through slf4j 1.7 → reload4j, 4.x through slf4j → log4j2.
  slf4j: '1.7.36',
  log4j2: '2.25.5',
  // 3.1.x is not on Maven Central (checked); 3.0.9 is the newest 3.0 release and runs on Java 17.
  apicurio: '3.0.9',
  // The REST reference catalog, assembled from Maven artifacts (scripts/stack/install.ts). Everything
  // the catalog decides (CatalogHandlers, TableMetadata, the update and requirement checks, row
  // lineage, JdbcCatalog) is in iceberg-core's main jar: that, iceberg-api and iceberg-aws are
  // `iceberg`. Only the HTTP routing (RESTCatalogAdapter, RESTCatalogServlet: iceberg-core's `tests`
  // jar) is `icebergRestRoutes`, because Maven Central as served here has no iceberg-core-1.12.0
  // tests jar, no iceberg-open-api 1.11.0/1.12.0 shaded jar and no 1.12.0 test-fixtures (all 404,
  // checked 2026-12-06); the 1.11.0 tests jar is served and runs on 1.12.0's core.
  iceberg: '1.12.0',
  icebergRestRoutes: '1.11.0',
  // What the routes need around them: Jetty 12.1 (ee10 servlets, as 1.11's fixtures are built
  // for), the JDBC catalog's SQLite driver, a logger.
  catalogJetty: '12.1.14',
  catalogSqliteJdbc: '3.54.1.0',
  catalogSlf4j: '2.0.17',
  // The apache/iceberg-rest-fixture image of docker-compose.yml and FLOE_TEST_STACK=containers. No
  // container registry is reachable from here to check that a newer tag exists, so it stays at the
  // last one tried.
  icebergRestImage: '1.10.1',
  // The always-on oracle's Spark runtime (scripts/stack/readers.ts), the current v3 reader.
  oracleIceberg: '1.12.0',
  // The on-demand older reader's (scripts/stack/older-reader.ts): Spark 3.5, the v2 check.
  olderReaderIceberg: '1.10.1',
  // A pseudo-version, not @latest, so a cold install builds the same MinIO as everyone else.
  minio: 'v0.0.0-20260212201848-7aac2a2c5b7c',
  // Not part of the always-on stack: test/iceberg/trino.it.test.ts starts it (scripts/stack/trino.ts).
  // The newest release on Maven Central (trino-main's maven-metadata.xml: <latest>483</latest>). Its
  // server tarballs are not served, so scripts/stack/trino-install.ts assembles it from its jars.
  // It needs Java ≥ 25 with the jdk.incubator.vector module.
  trino: '483',
} as const;

export const HOST = '127.0.0.1';

export interface StackConfig {
  repoRoot: string;
  cacheDir: string;
  stackDir: string;
  logsDir: string;
  runDir: string;
  dataDir: string;
  m2Repo: string;
  java: string;
  javac: string;
  python: string;
  ports: {
    kafka: number;
    kafkaController: number;
    schemaRegistry: number;
    catalog: number;
    minio: number;
    minioConsole: number;
    oracle: number;
    postgres: number;
  };
  /** Password of the `floe` user of the stack's PostgreSQL (loopback only). */
  postgresPassword: string;
  s3: { accessKeyId: string; secretAccessKey: string; region: string; bucket: string };
}

export function loadConfig(): StackConfig {
  const cacheDir = resolve(expandHome(process.env.FLOE_CACHE_DIR || join(homedir(), '.cache', 'floe')));
  const stackDir = resolve(expandHome(process.env.FLOE_STACK_DIR || join(REPO_ROOT, '.stack')));
  return {
    repoRoot: REPO_ROOT,
    cacheDir,
    stackDir,
    logsDir: join(stackDir, 'logs'),
    runDir: join(stackDir, 'run'),
    dataDir: join(stackDir, 'data'),
    m2Repo: resolve(expandHome(process.env.FLOE_M2_REPO || join(homedir(), '.m2', 'repository'))),
    java: process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'java') : 'java',
    javac: process.env.JAVA_HOME ? join(process.env.JAVA_HOME, 'bin', 'javac') : 'javac',
    python: process.env.FLOE_PYTHON || 'python3',
    ports: {
      kafka: envInt('FLOE_KAFKA_PORT', 19092),
      kafkaController: envInt('FLOE_KAFKA_CONTROLLER_PORT', 19093),
      schemaRegistry: envInt('FLOE_SCHEMA_REGISTRY_PORT', 18081),
      catalog: envInt('FLOE_CATALOG_PORT', 18181),
      minio: envInt('FLOE_MINIO_PORT', 19000),
      minioConsole: envInt('FLOE_MINIO_CONSOLE_PORT', 19001),
      oracle: envInt('FLOE_ORACLE_PORT', 18900),
      postgres: envInt('FLOE_POSTGRES_PORT', 15432),
    },
    postgresPassword: process.env.FLOE_POSTGRES_PASSWORD || 'floe-pg-secret',
    // Local-only credentials: MinIO needs a root user of at least 3/8 characters.
    s3: {
      accessKeyId: process.env.FLOE_S3_ACCESS_KEY || 'floe',
      secretAccessKey: process.env.FLOE_S3_SECRET_KEY || 'floe-secret-key',
      region: 'us-east-1',
      bucket: 'warehouse',
    },
  };
}

/** Derived URLs, shared by the stack manager, the test harness and the demo. */
export function urls(c: StackConfig) {
  return {
    kafkaBrokers: [`${HOST}:${c.ports.kafka}`],
    schemaRegistryUrl: `http://${HOST}:${c.ports.schemaRegistry}/apis/ccompat/v7`,
    registryBase: `http://${HOST}:${c.ports.schemaRegistry}`,
    catalogUri: `http://${HOST}:${c.ports.catalog}`,
    warehouse: `s3://${c.s3.bucket}/`,
    s3Endpoint: `http://${HOST}:${c.ports.minio}`,
    oracleUrl: `http://${HOST}:${c.ports.oracle}`,
    postgresUrl: postgresUrl(c),
  };
}

/**
 * The variables floe's examples read (`${KAFKA_BROKERS:-…}` and so on), set to this stack's
 * addresses and credentials: `up` writes them to `<stackDir>/floe.env` so that one step,
 * `set -a; . .stack/floe.env; set +a`, points every example at the stack, whatever its ports.
 */
export function examplesEnv(c: StackConfig): Record<string, string> {
  const u = urls(c);
  return {
    KAFKA_BROKERS: u.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: u.schemaRegistryUrl,
    CATALOG_URI: u.catalogUri,
    S3_ENDPOINT: u.s3Endpoint,
    AWS_ACCESS_KEY_ID: c.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: c.s3.secretAccessKey,
    AWS_REGION: c.s3.region,
  };
}

/** Where `up` writes examplesEnv(c). */
export function examplesEnvFile(c: StackConfig): string {
  return join(c.stackDir, 'floe.env');
}

/** postgres://floe:…@127.0.0.1:<port>/<database>: the stack's PostgreSQL (`floe` database by default). */
export function postgresUrl(c: StackConfig, database = 'floe'): string {
  return `postgres://floe:${encodeURIComponent(c.postgresPassword)}@${HOST}:${c.ports.postgres}/${database}`;
}

/** Where the jars of one Kafka version live: `<cache>/kafka-<version>/libs`. */
export function kafkaHome(c: StackConfig, version: string): string {
  return join(c.cacheDir, `kafka-${version}`);
}

/**
 * The REST catalog's resolved classpath (scripts/stack/install.ts writes `pom.xml` here and copies
 * its jars into `classpath/`). The folder is named after the versions and a hash of the pom, so a
 * change of either installs beside the old one and a stack still running the old catalog keeps it.
 */
export function catalogHome(c: StackConfig): string {
  const v = VERSIONS;
  const pomHash = createHash('sha256').update(catalogPom()).digest('hex').slice(0, 12);
  return join(c.cacheDir, 'iceberg-rest-catalog', `${v.iceberg}-routes-${v.icebergRestRoutes}-${pomHash}`);
}

/**
 * A throw-away pom whose only job is to let Maven resolve the catalog's runtime classpath. The
 * test jars come without their dependencies (Maven would otherwise pull the older iceberg-core
 * they were built with beside the newer one): the main jars bring everything they need.
 */
export function catalogPom(): string {
  const v = VERSIONS;
  const dep = (g: string, a: string, ver: string, classifier?: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${ver}</version>` +
    (classifier === undefined
      ? '</dependency>'
      : `<classifier>${classifier}</classifier>\n      <exclusions><exclusion><groupId>*</groupId><artifactId>*</artifactId></exclusion></exclusions></dependency>`);
  const deps = [
    dep('org.apache.iceberg', 'iceberg-core', v.iceberg),
    dep('org.apache.iceberg', 'iceberg-aws', v.iceberg),
    dep('org.apache.iceberg', 'iceberg-aws-bundle', v.iceberg),
    dep('org.eclipse.jetty', 'jetty-server', v.catalogJetty),
    dep('org.eclipse.jetty.ee10', 'jetty-ee10-servlet', v.catalogJetty),
    dep('org.xerial', 'sqlite-jdbc', v.catalogSqliteJdbc),
    dep('org.slf4j', 'slf4j-simple', v.catalogSlf4j),
    dep('org.apache.iceberg', 'iceberg-core', v.icebergRestRoutes, 'tests'),
  ].join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.floe</groupId>
  <artifactId>iceberg-rest-catalog-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** Where installed artifacts live inside the cache (or ~/.m2 for single jars Maven manages). */
export function artifacts(c: StackConfig) {
  const m2 = (group: string, artifact: string, version: string, file: string) =>
    join(c.m2Repo, ...group.split('.'), artifact, version, file);
  const v = VERSIONS;
  const launcherSource = join(c.repoRoot, 'scripts', 'stack', 'CatalogServer.java');
  const launcherHash = createHash('sha256').update(readFileSync(launcherSource)).digest('hex').slice(0, 12);
  return {
    kafkaHome: kafkaHome(c, v.kafka),
    kafkaLibs: join(kafkaHome(c, v.kafka), 'libs'),
    kafkaCompatHome: kafkaHome(c, v.kafkaCompat),
    kafkaCompatLibs: join(kafkaHome(c, v.kafkaCompat), 'libs'),
    apicurioHome: join(c.cacheDir, `apicurio-registry-${v.apicurio}`),
    apicurioJar: join(c.cacheDir, `apicurio-registry-${v.apicurio}`, `apicurio-registry-app-${v.apicurio}-runner.jar`),
    apicurioTarGz: m2('io.apicurio', 'apicurio-registry-app', v.apicurio, `apicurio-registry-app-${v.apicurio}-all.tar.gz`),
    catalogHome: catalogHome(c),
    // The main jars, and apart from them the test jars with the HTTP routing: catalogClasspathOf.
    catalogLib: join(catalogHome(c), 'classpath', 'lib'),
    catalogRoutes: join(catalogHome(c), 'classpath', 'routes'),
    catalogLauncherSource: launcherSource,
    catalogLauncherDir: join(catalogHome(c), `launcher-${launcherHash}`),
    minioBin: join(c.cacheDir, 'bin', `minio-${v.minio}`),
    oracleScript: join(c.repoRoot, 'scripts', 'stack', 'oracle.py'),
    requirements: join(c.repoRoot, 'scripts', 'stack', 'requirements.txt'),
  };
}

/**
 * The catalog's Java classpath, main jars before the routing test jars: the tests jar carries its
 * own iceberg-build.properties, and IcebergBuild must read the main jars' one. (Within one `dir/*`
 * the JVM's order is the directory's, so the two groups are two folders.)
 */
export function catalogClasspathOf(a: { catalogLib: string; catalogRoutes: string }): string {
  return `${a.catalogLib}/*:${a.catalogRoutes}/*`;
}

// The AWS SDK warns on every Node 20 process that it will need Node 22 from 2027. The stack tools
// create S3 clients in short-lived processes where that notice is only noise.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
