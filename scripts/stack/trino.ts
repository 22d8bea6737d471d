/**
 * Trino as an independent reader of floe's tables: start a single-node coordinator on 127.0.0.1
 * with Iceberg REST catalogs, stop it. Not part of the always-on stack (a Trino JVM costs a core
 * for ~15 s to start): test/iceberg/trino.it.test.ts starts it for its own run, and
 * `tsx scripts/stack/trino.ts serve` starts one by hand. How it is installed, and which Java it runs
 * on: scripts/stack/trino-install.ts.
 */
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, loadConfig, REPO_ROOT, urls, VERSIONS, type StackConfig } from './config.js';
import { httpGet, readPid, startDaemon, stopDaemon, waitFor, runIfEntryPoint, serveUntilSignal } from './proc.js';
import { TrinoClient } from './trino-client.js';
import { installTrino, TRINO_JAVA_FEATURE, trinoInstalled, trinoJavaHome, trinoPaths, VECTOR_MODULE } from './trino-install.js';

export { TrinoClient, TrinoError, type TrinoResult, type TrinoValue } from './trino-client.js';
export { installTrino, trinoInstalled, trinoPaths } from './trino-install.js';

/** One Iceberg catalog of the Trino server: which REST catalog and which S3 it reads through. */
export interface TrinoIcebergCatalog {
  uri: string;
  /** `iceberg.rest-catalog.warehouse`; omitted when undefined. */
  warehouse?: string;
  s3Endpoint: string;
}

/**
 * catalog/trino/iceberg.properties (the file docker-compose mounts) with only the addresses
 * replaced, so the settings the test verifies are the ones users copy. S3 keys stay
 * `${ENV:AWS_ACCESS_KEY_ID}` / `${ENV:AWS_SECRET_ACCESS_KEY}`; the server's environment has them.
 */
export function catalogProperties(cat: TrinoIcebergCatalog): string {
  const template = readFileSync(join(REPO_ROOT, 'catalog', 'trino', 'iceberg.properties'), 'utf8');
  const replace: Record<string, string | undefined> = {
    'iceberg.rest-catalog.uri': cat.uri,
    'iceberg.rest-catalog.warehouse': cat.warehouse,
    's3.endpoint': cat.s3Endpoint,
  };
  const out: string[] = [];
  for (const line of template.split('\n')) {
    const key = /^\s*([^#=\s]+)\s*=/.exec(line)?.[1];
    if (key === undefined || !(key in replace)) {
      if (!line.trimStart().startsWith('#')) out.push(line);
      continue;
    }
    const value = replace[key];
    if (value !== undefined) out.push(`${key}=${value}`);
  }
  return out.join('\n').trim() + '\n';
}

export interface TrinoOptions {
  /** Catalog name → catalog. Queries name tables `<catalog>.<namespace>.<table>`. */
  catalogs: Record<string, TrinoIcebergCatalog>;
  /** HTTP port on 127.0.0.1. */
  port: number;
  /** Name of the pid file and log (`.stack/run/<name>.pid`, `.stack/logs/<name>.log`). */
  name?: string;
  /** JVM heap; the query memory limits are derived from it. Default 2G. */
  heap?: string;
  startTimeoutMs?: number;
  /** S3 keys for every catalog (the server's AWS_* environment); default the stack's. */
  s3Credentials?: { accessKeyId: string; secretAccessKey: string };
}

export interface TrinoServer {
  url: string;
  client: TrinoClient;
  logFile: string;
  /** Seconds from spawning the JVM until it ran its first query. */
  startSeconds: number;
  stop(): Promise<void>;
}

/** Starts a single-node Trino (coordinator that also runs tasks) and waits until it accepts queries. */
export async function startTrino(opts: TrinoOptions, c: StackConfig = loadConfig()): Promise<TrinoServer> {
  const name = opts.name ?? 'trino';
  const p = trinoPaths(c);
  if (!trinoInstalled(c)) throw new Error(`Trino ${VERSIONS.trino} is not installed: run \`npx tsx scripts/stack/trino.ts install\``);
  // A Trino left behind by a killed run of the same name would hold its port: stop it first.
  await stopDaemon(c.runDir, name);
  const dir = join(c.stackDir, 'trino', name);
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(join(dir, 'catalog'), { recursive: true });
  for (const [catalog, cat] of Object.entries(opts.catalogs)) {
    if (!/^[a-z][a-z0-9_]*$/.test(catalog)) throw new Error(`bad Trino catalog name ${catalog}`);
    writeFileSync(join(dir, 'catalog', `${catalog}.properties`), catalogProperties(cat));
  }
  const heap = /^(\d+)([GM])$/i.exec(opts.heap ?? '2G');
  if (!heap) throw new Error(`heap ${opts.heap} is not like 2G or 1536M`);
  // Half the heap for queries: Trino also keeps 30% of it as headroom and refuses more than fits.
  const queryMemory = `${Math.floor((Number(heap[1]) * (heap[2]!.toUpperCase() === 'G' ? 1024 : 1)) / 2)}MB`;
  writeFileSync(
    join(dir, 'config.properties'),
    [
      'coordinator=true',
      // One node: the coordinator runs the tasks too.
      'node-scheduler.include-coordinator=true',
      `http-server.http.port=${opts.port}`,
      `discovery.uri=http://${HOST}:${opts.port}`,
      `catalog.config-dir=${join(dir, 'catalog')}`,
      `plugin.dir=${p.plugins}`,
      // 2 cores shared with Kafka, MinIO, Spark and the tests: few threads per task, small memory.
      'task.concurrency=2',
      'task.max-worker-threads=4',
      `query.max-memory=${queryMemory}`,
      `query.max-memory-per-node=${queryMemory}`,
      'http-server.log.enabled=false',
      '',
    ].join('\n'),
  );
  const logFile = join(c.logsDir, `${name}.log`);
  const args = [
    `-Xmx${heap[0]}`,
    '-XX:+ExitOnOutOfMemoryError',
    '-XX:ReservedCodeCacheSize=256M',
    '-Dfile.encoding=UTF-8', // Trino refuses to start with any other default charset
    '-Djdk.attach.allowAttachSelf=true',
    '-XX:+EnableDynamicAgentLoading',
    // Java 24+ warns on every start about these otherwise; Trino's libraries use both.
    '--enable-native-access=ALL-UNNAMED',
    '--sun-misc-unsafe-memory-access=allow',
    // Trino 483's vectorized code needs the incubator module; without it the server does not start.
    `--add-modules=${VECTOR_MODULE}`,
    '-Dnode.environment=floe',
    `-Dnode.id=${name}`,
    `-Dnode.data-dir=${join(dir, 'data')}`,
    `-Dnode.bind-ip=${HOST}`, // the HTTP server listens on loopback only
    `-Dnode.internal-address=${HOST}`,
    `-Dconfig=${join(dir, 'config.properties')}`,
    '-cp',
    `${p.lib}/*`,
    p.launcherClass,
  ];
  const t0 = Date.now();
  const rec = startDaemon({
    name,
    cmd: join(trinoJavaHome(), 'bin', 'java'),
    args,
    cwd: dir,
    runDir: c.runDir,
    logFile,
    env: {
      ...process.env,
      AWS_ACCESS_KEY_ID: opts.s3Credentials?.accessKeyId ?? c.s3.accessKeyId,
      AWS_SECRET_ACCESS_KEY: opts.s3Credentials?.secretAccessKey ?? c.s3.secretAccessKey,
    },
  });
  const url = `http://${HOST}:${opts.port}`;
  const client = new TrinoClient(url);
  // The JVM runs in a session of its own (so a stop reaches all of it); should this process end
  // without calling stop(), take the JVM down with it rather than leave it holding 2 GB.
  const onExit = () => {
    try {
      process.kill(-rec.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  };
  process.once('exit', onExit);
  const stop = async () => {
    process.off('exit', onExit);
    await stopDaemon(c.runDir, name);
  };
  try {
    await waitFor(
      `trino (${url})`,
      async () => {
        const res = await httpGet(`${url}/v1/info`);
        if (!res?.ok || ((await res.json()) as { starting?: boolean }).starting !== false) return false;
        // "started" comes a few seconds before the node has announced itself (and its catalogs) to
        // its own discovery service; until then every table scan fails with NO_NODES_AVAILABLE,
        // although `SELECT 1` (coordinator-only) already works.
        const nodes = await client.query("SELECT count(*) FROM system.runtime.nodes WHERE state = 'active'", { timeoutMs: 10_000 });
        return nodes.rows[0]?.[0] === '1';
      },
      { timeoutMs: opts.startTimeoutMs ?? 180_000, intervalMs: 500, logFile, alive: () => readPid(c.runDir, name)?.pid === rec.pid },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, client, logFile, startSeconds: (Date.now() - t0) / 1000, stop };
}

const USAGE = `usage: tsx scripts/stack/trino.ts <install|serve>

  install  assemble Trino ${VERSIONS.trino} from its jars on Maven Central into the cache
  serve    start Trino on 127.0.0.1:\${FLOE_TRINO_PORT:-18080} with catalog \`iceberg\` on the local
           stack's REST catalog and MinIO; Ctrl-C stops it

Environment: FLOE_TRINO_PORT, FLOE_TRINO_JAVA_HOME (a JDK >= ${TRINO_JAVA_FEATURE} with ${VECTOR_MODULE}; by default
JAVA_HOME or the first such JDK in /usr/lib/jvm), and the stack's.`;

async function main(argv: string[]): Promise<number> {
  const c = loadConfig();
  const log = (line: string) => console.log(`[trino] ${line}`);
  switch (argv[0]) {
    case 'install': {
      const t0 = Date.now();
      await installTrino(c, log);
      log(`install done in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${trinoPaths(c).home}`);
      return 0;
    }
    case 'serve': {
      await installTrino(c, log);
      const u = urls(c);
      const port = Number(process.env.FLOE_TRINO_PORT || 18080);
      const server = await startTrino({ port, catalogs: { iceberg: { uri: u.catalogUri, warehouse: u.warehouse, s3Endpoint: u.s3Endpoint } } }, c);
      log(`started in ${server.startSeconds.toFixed(1)}s: ${server.url} (log ${server.logFile}); Ctrl-C stops it`);
      await serveUntilSignal(server.stop);
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

runIfEntryPoint(import.meta.url, main);
