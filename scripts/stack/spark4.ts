/**
 * A second Spark reader on demand: Spark 4.1 with Iceberg 1.12's runtime, the current readers of
 * format v3 (row lineage, initial-default, deletion vectors). The always-on oracle stays Spark 3.5
 * with Iceberg 1.10.1, the v2 / older-reader check. Not part of the always-on stack (a Spark JVM
 * costs a core for 30-50 s to start): test/orchestrator/spark4.it.test.ts starts it for its own
 * run, and `tsx scripts/stack/spark4.ts serve` starts one by hand.
 *
 * It is the same scripts/stack/oracle.py (same HTTP API and value encoding, test/harness/oracle.ts
 * is its client), run by the Python of a venv of its own: pyspark 3.5 and 4.x cannot share one.
 *
 * What is installed:
 *  - `<cache>/spark4-venv-<pyspark>`: a venv with scripts/stack/requirements-spark4.txt (pyspark
 *    4.1.x, ~450 MB of jars inside the wheel). No PyIceberg: its /pyiceberg/* routes are not served.
 *  - `org.apache.iceberg:iceberg-spark-runtime-4.1_2.13:1.12.0` and `iceberg-aws-bundle:1.12.0`
 *    into ~/.m2, passed through spark.jars. Iceberg 1.12.0 publishes no runtime for Spark 4.0
 *    (`iceberg-spark-runtime-4.0_2.13:1.12.0` is not on Maven Central), hence pyspark 4.1.
 */
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { artifacts, HOST, loadConfig, REPO_ROOT, urls, type StackConfig } from './config.js';
import { mavenGet } from './install.js';
import { capture, httpGet, readPid, run, startDaemon, stopDaemon, waitFor } from './proc.js';

export const SPARK4 = {
  /** Read from requirements-spark4.txt, so the venv's name changes when the pin does. */
  pyspark: /^pyspark==(\S+)$/m.exec(readFileSync(join(REPO_ROOT, 'scripts', 'stack', 'requirements-spark4.txt'), 'utf8'))![1]!,
  iceberg: '1.12.0',
  runtime: 'iceberg-spark-runtime-4.1_2.13',
} as const;

export function spark4Paths(c: StackConfig) {
  const m2 = (artifact: string) => join(c.m2Repo, 'org', 'apache', 'iceberg', artifact, SPARK4.iceberg, `${artifact}-${SPARK4.iceberg}.jar`);
  const venv = join(c.cacheDir, `spark4-venv-${SPARK4.pyspark}`);
  return {
    venv,
    python: join(venv, 'bin', 'python'),
    requirements: join(c.repoRoot, 'scripts', 'stack', 'requirements-spark4.txt'),
    runtimeJar: m2(SPARK4.runtime),
    awsBundleJar: m2('iceberg-aws-bundle'),
  };
}

const VENV_CHECK = `import sys, pyspark; print(pyspark.__version__); sys.exit(0 if pyspark.__version__ == sys.argv[1] else 1)`;

export async function spark4Installed(c: StackConfig): Promise<boolean> {
  const p = spark4Paths(c);
  if (![p.python, p.runtimeJar, p.awsBundleJar].every((f) => existsSync(f))) return false;
  try {
    await capture(p.python, ['-c', VENV_CHECK, SPARK4.pyspark]);
    return true;
  } catch {
    return false;
  }
}

/** Creates the venv and fetches the jars (cached); idempotent, each piece is skipped when present. */
export async function installSpark4(c: StackConfig, report: (line: string) => void = () => undefined): Promise<void> {
  const p = spark4Paths(c);
  const logFile = join(c.logsDir, 'install.log');
  mkdirSync(c.logsDir, { recursive: true });
  let t0 = Date.now();
  if (!existsSync(p.runtimeJar)) await mavenGet(c, `org.apache.iceberg:${SPARK4.runtime}:${SPARK4.iceberg}`, logFile);
  if (!existsSync(p.awsBundleJar)) await mavenGet(c, `org.apache.iceberg:iceberg-aws-bundle:${SPARK4.iceberg}`, logFile);
  report(`iceberg ${SPARK4.iceberg} jars present after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  if (await spark4Installed(c)) return;
  t0 = Date.now();
  // Build in a temporary folder and rename, so an interrupted install never looks complete. A
  // venv survives the rename: bin/python finds pyvenv.cfg next to itself, and pip is run as
  // `python -m pip` (the absolute shebangs of bin/pip would point at the old name).
  const tmp = `${p.venv}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await run(c.python, ['-m', 'venv', tmp], { logFile });
  await run(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', p.requirements], { logFile });
  rmSync(p.venv, { recursive: true, force: true });
  renameSync(tmp, p.venv);
  report(`pyspark ${SPARK4.pyspark} venv installed in ${((Date.now() - t0) / 1000).toFixed(1)}s: ${p.venv}`);
}

export interface Spark4Options {
  /** HTTP port on 127.0.0.1: FLOE_SPARK4_PORT, else the stack's oracle port + 1. */
  port?: number;
  /** Name of the pid file and log (`<stack>/run/<name>.pid`, `<stack>/logs/<name>.log`). */
  name?: string;
  driverMemory?: string;
  startTimeoutMs?: number;
}

export interface Spark4Oracle {
  /** Base URL of the oracle API (test/harness/oracle.ts: `new OracleClient(url)`). */
  url: string;
  logFile: string;
  /** Seconds from spawning until Spark answered and the REST catalog was reachable. */
  startSeconds: number;
  stop(): Promise<void>;
}

export function spark4Port(c: StackConfig): number {
  const raw = process.env.FLOE_SPARK4_PORT;
  return raw ? Number(raw) : c.ports.oracle + 1;
}

/** Starts oracle.py under the Spark 4 venv against the stack's catalog and S3, and waits for it. */
export async function startSpark4(opts: Spark4Options = {}, c: StackConfig = loadConfig()): Promise<Spark4Oracle> {
  const name = opts.name ?? 'spark4';
  const p = spark4Paths(c);
  if (!(await spark4Installed(c))) throw new Error(`Spark ${SPARK4.pyspark} is not installed: run \`npx tsx scripts/stack/spark4.ts install\``);
  // One left behind by a killed run of the same name would hold the port: stop it first.
  await stopDaemon(c.runDir, name);
  const a = artifacts(c);
  const u = urls(c);
  const port = opts.port ?? spark4Port(c);
  const work = join(c.dataDir, name);
  rmSync(work, { recursive: true, force: true });
  mkdirSync(work, { recursive: true });
  const logFile = join(c.logsDir, `${name}.log`);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOE_ORACLE_HOST: HOST,
    FLOE_ORACLE_PORT: String(port),
    FLOE_CATALOG_URI: u.catalogUri,
    FLOE_WAREHOUSE: u.warehouse,
    FLOE_S3_ENDPOINT: u.s3Endpoint,
    FLOE_S3_ACCESS_KEY: c.s3.accessKeyId,
    FLOE_S3_SECRET_KEY: c.s3.secretAccessKey,
    FLOE_S3_REGION: c.s3.region,
    FLOE_SPARK_JARS: [p.runtimeJar, p.awsBundleJar].join(','),
    FLOE_SPARK_DRIVER_MEMORY: opts.driverMemory ?? '1g',
    FLOE_ORACLE_WORK_DIR: work,
    // The catalog settings users copy; its spark.jars.packages (3.5 runtime) is dropped by oracle.py.
    FLOE_SPARK_DEFAULTS: join(c.repoRoot, 'catalog', 'spark', 'spark-defaults.conf'),
    AWS_REGION: c.s3.region,
    SPARK_LOCAL_IP: HOST,
    PYSPARK_PYTHON: p.python,
  };
  // A SPARK_HOME of a 3.5 installation would make pyspark 4 launch that Spark's JVM.
  delete env.SPARK_HOME;
  const t0 = Date.now();
  const rec = startDaemon({ name, cmd: p.python, args: ['-u', a.oracleScript], env, cwd: work, runDir: c.runDir, logFile });
  const url = `http://${HOST}:${port}`;
  // Should this process end without calling stop(), take the JVM down with it.
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
      `spark4 oracle (${url})`,
      async () => ((await httpGet(`${url}/health`))?.status ?? 0) === 200,
      { timeoutMs: opts.startTimeoutMs ?? 240_000, intervalMs: 500, logFile, alive: () => readPid(c.runDir, name)?.pid === rec.pid },
    );
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, logFile, startSeconds: (Date.now() - t0) / 1000, stop };
}

const USAGE = `usage: tsx scripts/stack/spark4.ts <install|serve>

  install  create the pyspark ${SPARK4.pyspark} venv (PyPI) and fetch Iceberg ${SPARK4.iceberg}'s Spark 4.1 runtime
           and AWS bundle (Maven Central) into the cache
  serve    start the oracle API (scripts/stack/oracle.py) on Spark ${SPARK4.pyspark} at 127.0.0.1:\${FLOE_SPARK4_PORT:-oracle port + 1}
           over the local stack's REST catalog and MinIO; Ctrl-C stops it`;

async function main(argv: string[]): Promise<number> {
  const c = loadConfig();
  const log = (line: string) => console.log(`[spark4] ${line}`);
  switch (argv[0]) {
    case 'install': {
      const t0 = Date.now();
      await installSpark4(c, log);
      log(`install done in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
      return 0;
    }
    case 'serve': {
      await installSpark4(c, log);
      const server = await startSpark4({}, c);
      log(`started in ${server.startSeconds.toFixed(1)}s: ${server.url} (log ${server.logFile}); Ctrl-C stops it`);
      // Signal listeners do not keep Node's event loop alive: without a timer the process would
      // end here, and its exit hook would take the JVM down with it.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      await new Promise<void>((resolveSignal) => {
        for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, resolveSignal);
      });
      clearInterval(keepAlive);
      await server.stop();
      return 0;
    }
    default:
      console.error(USAGE);
      return 2;
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
