/**
 * The older reader on demand: Spark 3.5 with Iceberg 1.10.1 (scripts/stack/readers.ts), the line
 * many users still run, for the v2 check and to record what it refuses on v3. Not part of the
 * always-on stack (a Spark JVM costs a core for 30-50 s to start): test/harness/older-reader.ts
 * starts it for the test files that need it, `tsx scripts/stack/older-reader.ts serve` by hand.
 *
 * It is scripts/stack/oracle.py run by the stack's Python (scripts/stack/requirements.txt: pyspark
 * 3.5.9 and PyIceberg 0.12.0) with iceberg-spark-runtime-3.5_2.12 and iceberg-aws-bundle 1.10.1,
 * which `stack:install` fetches into ~/.m2 (steps older-reader-*).
 */
import { existsSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { artifacts, HOST, loadConfig, type StackConfig } from './config.js';
import { mavenGet } from './install.js';
import { capture, httpGet, readPid, startDaemon, stopDaemon, waitFor, runIfEntryPoint, serveUntilSignal } from './proc.js';
import { OLDER_READER, oracleEnv, readerJars } from './readers.js';

const PY_CHECK = `import sys, pyspark; print(pyspark.__version__); sys.exit(0 if pyspark.__version__ == sys.argv[1] else 1)`;

export async function olderReaderInstalled(c: StackConfig): Promise<boolean> {
  if (!readerJars(c, OLDER_READER).every((j) => existsSync(j.path))) return false;
  try {
    await capture(c.python, ['-c', PY_CHECK, OLDER_READER.pyspark]);
    return true;
  } catch {
    return false;
  }
}

/** Fetches the jars (the Python packages come with `pip install -r scripts/stack/requirements.txt`). */
export async function installOlderReader(c: StackConfig, logFile = join(c.logsDir, 'install.log')): Promise<void> {
  for (const j of readerJars(c, OLDER_READER)) if (!existsSync(j.path)) await mavenGet(c, j.coords, logFile);
}

export interface OlderReaderOptions {
  /** HTTP port on 127.0.0.1: FLOE_OLDER_READER_PORT, else the stack's oracle port + 1. */
  port?: number;
  /** Name of the pid file and log (`<stack>/run/<name>.pid`, `<stack>/logs/<name>.log`). */
  name?: string;
  driverMemory?: string;
  startTimeoutMs?: number;
}

export interface OlderReader {
  /** Base URL of the oracle API (test/harness/oracle.ts: `new OracleClient(url)`). */
  url: string;
  logFile: string;
  /** Seconds from spawning until Spark answered. */
  startSeconds: number;
  stop(): Promise<void>;
}

export function olderReaderPort(c: StackConfig): number {
  const raw = process.env.FLOE_OLDER_READER_PORT;
  return raw ? Number(raw) : c.ports.oracle + 1;
}

/** Starts oracle.py on Spark 3.5 against the stack's catalog and S3, and waits for it. */
export async function startOlderReader(opts: OlderReaderOptions = {}, c: StackConfig = loadConfig()): Promise<OlderReader> {
  const name = opts.name ?? 'older-reader';
  if (!(await olderReaderInstalled(c))) {
    throw new Error(`${OLDER_READER.label} is not installed: run \`npm run stack:install\` (and pip install -r scripts/stack/requirements.txt)`);
  }
  // One left behind by a killed run of the same name would hold the port: stop it first.
  await stopDaemon(c.runDir, name);
  const port = opts.port ?? olderReaderPort(c);
  const work = join(c.dataDir, name);
  rmSync(work, { recursive: true, force: true });
  const env = oracleEnv(c, { reader: OLDER_READER, python: c.python, port, workDir: work, driverMemory: opts.driverMemory ?? '1g' });
  const logFile = join(c.logsDir, `${name}.log`);
  const t0 = Date.now();
  const rec = startDaemon({ name, cmd: c.python, args: ['-u', artifacts(c).oracleScript], env, cwd: work, runDir: c.runDir, logFile });
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
    await waitFor(`older reader (${url})`, async () => ((await httpGet(`${url}/health`))?.status ?? 0) === 200, {
      timeoutMs: opts.startTimeoutMs ?? 240_000,
      intervalMs: 500,
      logFile,
      alive: () => readPid(c.runDir, name)?.pid === rec.pid,
    });
  } catch (e) {
    await stop();
    throw e;
  }
  return { url, logFile, startSeconds: (Date.now() - t0) / 1000, stop };
}

const USAGE = `usage: tsx scripts/stack/older-reader.ts <install|serve>

  install  fetch Iceberg ${OLDER_READER.iceberg}'s Spark 3.5 runtime and AWS bundle (Maven Central) into ~/.m2
  serve    start the oracle API (scripts/stack/oracle.py) on ${OLDER_READER.label} at
           127.0.0.1:\${FLOE_OLDER_READER_PORT:-oracle port + 1} over the local stack's REST catalog and
           MinIO; Ctrl-C stops it`;

async function main(argv: string[]): Promise<number> {
  const c = loadConfig();
  const log = (line: string) => console.log(`[older-reader] ${line}`);
  switch (argv[0]) {
    case 'install':
      await installOlderReader(c);
      log(`${OLDER_READER.label}: jars present`);
      return 0;
    case 'serve': {
      await installOlderReader(c);
      const server = await startOlderReader({}, c);
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
