/**
 * The two Spark readers of floe's tables, both running scripts/stack/oracle.py (same HTTP API and
 * value encoding; test/harness/oracle.ts is the client):
 *
 *  - the always-on oracle (a stack service, scripts/stack/services.ts): Spark 4.1 with Iceberg
 *    1.12's runtime and PyIceberg, the current readers of format v3 (row lineage, defaults,
 *    deletion vectors, variant). Its Python is a venv of its own (`<cache>/oracle-venv-<hash>`,
 *    scripts/stack/requirements-oracle.txt), because pyspark 3.5 and 4.x cannot share one.
 *    Iceberg 1.12.0 publishes a Spark runtime for 4.1 only (`iceberg-spark-runtime-4.0_2.13:1.12.0`
 *    is not on Maven Central), hence pyspark 4.1.
 *  - the older reader, on demand (scripts/stack/older-reader.ts): Spark 3.5 with Iceberg 1.10.1,
 *    the line many users still run; the v2 check. Its pyspark is the stack Python's
 *    (scripts/stack/requirements.txt), which also holds the format tests' producers.
 *
 * Jars come from Maven's cache through spark.jars (oracle.py drops spark.jars.packages, so no Ivy
 * download happens at run time).
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { HOST, REPO_ROOT, urls, VERSIONS, type StackConfig } from './config.js';
import { capture, run } from './proc.js';

const REQUIREMENTS_ORACLE = join(REPO_ROOT, 'scripts', 'stack', 'requirements-oracle.txt');
const REQUIREMENTS_STACK = join(REPO_ROOT, 'scripts', 'stack', 'requirements.txt');

function pin(file: string, name: string): string {
  const m = new RegExp(`^${name}(?:\\[[^\\]]*\\])?==(\\S+)$`, 'm').exec(readFileSync(file, 'utf8'));
  if (!m) throw new Error(`${file} pins no ${name}`);
  return m[1]!;
}

export interface SparkReader {
  /** Shown in logs and /health: "Spark 4.1.4 + Iceberg 1.12.0". */
  label: string;
  pyspark: string;
  iceberg: string;
  /** The Iceberg Spark runtime's artifact id (Scala suffix included). */
  runtime: string;
}

/** The always-on oracle. Read from the requirements file, so the venv's name changes with a pin. */
export const ORACLE_READER: SparkReader & { pyiceberg: string } = (() => {
  const pyspark = pin(REQUIREMENTS_ORACLE, 'pyspark');
  return {
    label: `Spark ${pyspark} + Iceberg ${VERSIONS.oracleIceberg}`,
    pyspark,
    iceberg: VERSIONS.oracleIceberg,
    runtime: 'iceberg-spark-runtime-4.1_2.13',
    pyiceberg: pin(REQUIREMENTS_ORACLE, 'pyiceberg'),
  };
})();

/** The on-demand older reader: the v2 check. */
export const OLDER_READER: SparkReader = (() => {
  const pyspark = pin(REQUIREMENTS_STACK, 'pyspark');
  return {
    label: `Spark ${pyspark} + Iceberg ${VERSIONS.olderReaderIceberg}`,
    pyspark,
    iceberg: VERSIONS.olderReaderIceberg,
    runtime: 'iceberg-spark-runtime-3.5_2.12',
  };
})();

/** The runtime jar and the AWS bundle of a reader, in ~/.m2, and their Maven coordinates. */
export function readerJars(c: StackConfig, r: SparkReader): Array<{ path: string; coords: string }> {
  return [r.runtime, 'iceberg-aws-bundle'].map((artifact) => ({
    path: join(c.m2Repo, 'org', 'apache', 'iceberg', artifact, r.iceberg, `${artifact}-${r.iceberg}.jar`),
    coords: `org.apache.iceberg:${artifact}:${r.iceberg}`,
  }));
}

/** The oracle's venv: named by the hash of its requirements, so a changed pin builds a new one. */
export function oracleVenv(c: StackConfig) {
  const hash = createHash('sha256').update(readFileSync(REQUIREMENTS_ORACLE)).digest('hex').slice(0, 12);
  const venv = join(c.cacheDir, `oracle-venv-${hash}`);
  return { venv, python: join(venv, 'bin', 'python'), requirements: REQUIREMENTS_ORACLE };
}

const VENV_CHECK = `import sys, pyspark, pyiceberg, pyarrow
print(pyspark.__version__, pyiceberg.__version__, pyarrow.__version__)
sys.exit(0 if (pyspark.__version__, pyiceberg.__version__) == (sys.argv[1], sys.argv[2]) else 1)`;

export async function oracleVenvInstalled(c: StackConfig): Promise<boolean> {
  const p = oracleVenv(c);
  if (!existsSync(p.python)) return false;
  try {
    await capture(p.python, ['-c', VENV_CHECK, ORACLE_READER.pyspark, ORACLE_READER.pyiceberg]);
    return true;
  } catch {
    return false;
  }
}

/**
 * Creates the oracle's venv (~450 MB of pyspark wheel: 88 s from PyPI with an empty pip cache,
 * ~20 s from pip's cache). Built in a temporary folder and renamed, so an interrupted install never
 * looks complete; a venv survives the rename (bin/python finds pyvenv.cfg next to itself, and pip
 * runs as `python -m pip`, not through bin/pip's absolute shebang).
 */
export async function installOracleVenv(c: StackConfig, logFile: string): Promise<void> {
  const p = oracleVenv(c);
  const tmp = `${p.venv}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  await run(c.python, ['-m', 'venv', tmp], { logFile });
  await run(join(tmp, 'bin', 'python'), ['-m', 'pip', 'install', '--disable-pip-version-check', '-q', '-r', p.requirements], { logFile });
  rmSync(p.venv, { recursive: true, force: true });
  renameSync(tmp, p.venv);
}

/** What oracle.py needs to run one reader against the stack's catalog and S3. */
export function oracleEnv(
  c: StackConfig,
  o: { reader: SparkReader; python: string; port: number; workDir: string; driverMemory?: string },
): NodeJS.ProcessEnv {
  const u = urls(c);
  mkdirSync(o.workDir, { recursive: true });
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    FLOE_ORACLE_HOST: HOST,
    FLOE_ORACLE_PORT: String(o.port),
    FLOE_CATALOG_URI: u.catalogUri,
    FLOE_WAREHOUSE: u.warehouse,
    FLOE_S3_ENDPOINT: u.s3Endpoint,
    FLOE_S3_ACCESS_KEY: c.s3.accessKeyId,
    FLOE_S3_SECRET_KEY: c.s3.secretAccessKey,
    FLOE_S3_REGION: c.s3.region,
    FLOE_SPARK_JARS: readerJars(c, o.reader).map((j) => j.path).join(','),
    FLOE_ORACLE_WORK_DIR: o.workDir,
    // The catalog settings users copy; its spark.jars.packages is replaced by the jars above.
    FLOE_SPARK_DEFAULTS: join(c.repoRoot, 'catalog', 'spark', 'spark-defaults.conf'),
    AWS_REGION: c.s3.region,
    // Keep Spark from picking a non-loopback address for its driver.
    SPARK_LOCAL_IP: HOST,
    PYSPARK_PYTHON: o.python,
  };
  if (o.driverMemory) env.FLOE_SPARK_DRIVER_MEMORY = o.driverMemory;
  // A SPARK_HOME of another installation would make pyspark launch that Spark's JVM.
  delete env.SPARK_HOME;
  return env;
}
