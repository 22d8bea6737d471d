/**
 * The catalog matrix of the end-to-end suites: floe against Apache's reference REST catalog (the
 * stack's, read by the oracle's `floe` Spark catalog) and against its own embedded catalog (served
 * from inside each daemon on a free loopback port, data on the stack's MinIO, read by a Spark
 * catalog the test registers at run time under a fresh name).
 */
import { join } from 'node:path';
import { startCatalogServer, type CatalogServerOptions, type RunningCatalog } from '../../catalog/server/index.js';
import type { StackEndpoints } from './endpoints.js';
import type { OracleClient } from './oracle.js';
import { uniqueSuffix } from './daemon.js';
import { freePort } from './ports.js';

export type CatalogKind = 'reference' | 'embedded';
export const CATALOG_KINDS: CatalogKind[] = ['reference', 'embedded'];

export interface TestCatalog {
  kind: CatalogKind;
  /** The daemon configuration's `catalog` section. */
  config: Record<string, unknown>;
  /** The Spark catalog that reads floe's tables: `${spark}.ns.table`. */
  spark: string;
  /**
   * Embedded: the catalog lives inside the daemon and goes with it. Between and after daemon runs
   * the test serves the same store and warehouse on the same port from its own process, so Spark
   * (and `floe compact`, which then uses the catalog already on the port) still reach the tables.
   * Call stopServing() before the next daemon starts. No-ops for the reference catalog.
   */
  serve(): Promise<void>;
  stopServing(): Promise<void>;
}


/**
 * The catalog for one test. Embedded: every daemon (and `floe compact`) started with this
 * configuration serves the same SQLite store in `dir` on the same port, so successive runs see the
 * same tables.
 */
export async function testCatalog(kind: CatalogKind, stack: StackEndpoints, oracle: OracleClient, dir: string): Promise<TestCatalog> {
  if (kind === 'reference') {
    return { kind, config: { type: 'rest', uri: stack.catalogUri, warehouse: stack.warehouse }, spark: 'floe', serve: async () => {}, stopServing: async () => {} };
  }
  const s = uniqueSuffix();
  const port = await freePort();
  const spark = `floeemb_${s}`;
  await registerSparkCatalog(oracle, spark, `http://127.0.0.1:${port}`, stack.s3);
  const warehouse = `s3://${stack.s3.bucket}/floe-it-embedded-${s}`;
  const storePath = join(dir, 'catalog.db');
  let server: RunningCatalog | undefined;
  return {
    kind,
    config: { type: 'embedded', warehouse, store: { type: 'sqlite', path: storePath }, port },
    spark,
    async serve() {
      server ??= await startS3Catalog(stack, { warehouse, storePath, port });
    },
    async stopServing() {
      const s = server;
      server = undefined;
      await s?.close();
    },
  };
}

/**
 * Registers a Spark catalog `name` on the oracle's session for the REST catalog at `uri`, with the
 * table cache off (tests read right after other engines commit). With `s3`, Spark reaches the data
 * on MinIO with those settings; without, the catalog must hand them out in its table config.
 */
export async function registerSparkCatalog(oracle: OracleClient, name: string, uri: string, s3?: StackEndpoints['s3']): Promise<void> {
  const c = `spark.sql.catalog.${name}`;
  const settings: Record<string, string> = {
    [c]: 'org.apache.iceberg.spark.SparkCatalog',
    [`${c}.type`]: 'rest',
    [`${c}.uri`]: uri,
    [`${c}.cache-enabled`]: 'false',
    [`${c}.io-impl`]: 'org.apache.iceberg.aws.s3.S3FileIO',
    ...(s3
      ? {
          [`${c}.s3.endpoint`]: s3.endpoint,
          [`${c}.s3.path-style-access`]: 'true',
          [`${c}.s3.access-key-id`]: s3.accessKeyId,
          [`${c}.s3.secret-access-key`]: s3.secretAccessKey,
          [`${c}.client.region`]: s3.region,
        }
      : {}),
  };
  for (const [k, v] of Object.entries(settings)) await oracle.sparkSql(`SET \`${k}\`=\`${v}\``);
}

/** floe's catalog server (`catalog serve`) in this process, with its data on the stack's MinIO. */
export function startS3Catalog(stack: StackEndpoints, o: Omit<CatalogServerOptions, 's3'>): Promise<RunningCatalog> {
  return startCatalogServer({
    port: 0,
    ...o,
    s3: {
      endpoint: stack.s3.endpoint,
      region: stack.s3.region,
      forcePathStyle: true,
      credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
    },
  });
}
