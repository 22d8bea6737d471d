/**
 * `stack:install`: fetch and build everything the stack runs, idempotently. Each step checks for
 * its output first, so a warm machine finishes in about a second. Downloads go through Maven
 * (into ~/.m2 and the floe cache), the Go module proxy (Go's module and build caches) and pip.
 */
import { copyFileSync, existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { artifacts, catalogClasspathOf, catalogPom, kafkaHome, VERSIONS, type StackConfig } from './config.js';
import { majorVersion } from './kafka-broker.js';
import { postgresInstall } from './postgres.js';
import { capture, run } from './proc.js';
import { installOracleVenv, OLDER_READER, ORACLE_READER, oracleVenvInstalled, readerJars, type SparkReader } from './readers.js';

// Pinned so a cold install does not depend on whatever plugin version Maven picks by default.
export const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
// For single artifacts: 2.8's `get -Dtransitive=false` fetches just the file. 3.x reads the POM
// first, and apicurio-registry-app 3.0.9's parent POM (io.apicurio:apicurio-registry:3.0.9) is not
// on Maven Central, so 3.x fails on a cold ~/.m2 ("Failed to read artifact descriptor").
const GET_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:2.8';

export interface InstallStep {
  name: string;
  installed(c: StackConfig): Promise<boolean> | boolean;
  install(c: StackConfig, logFile: string): Promise<void>;
}

export function mvnArgs(c: StackConfig): string[] {
  return ['-B', '-q', `-Dmaven.repo.local=${c.m2Repo}`];
}

/** Fetches one artifact into ~/.m2 (no transitive dependencies). */
export async function mavenGet(c: StackConfig, coords: string, logFile: string): Promise<void> {
  await run('mvn', [...mvnArgs(c), `${GET_PLUGIN}:get`, `-Dartifact=${coords}`, '-Dtransitive=false'], {
    logFile,
  });
}

/** Maven coordinates of one Kafka version's runtime: the broker, its tools, its logging backend. */
function kafkaDependencies(version: string): Array<[group: string, artifact: string, version: string]> {
  const v = VERSIONS;
  if (majorVersion(version) >= 4) {
    return [
      ['org.apache.kafka', `kafka_${v.scala}`, version],
      // ConsoleProducer and friends moved out of the core jar in 4.0 (test/source/codecs.it.test.ts).
      ['org.apache.kafka', 'kafka-tools', version],
      // 4.x logs through log4j2; the core jar brings log4j-core but not the slf4j binding.
      ['org.apache.logging.log4j', 'log4j-slf4j-impl', v.log4j2],
    ];
  }
  // Kafka 3.x logs through slf4j 1.7; the binary distribution ships reload4j as backend.
  return [
    ['org.apache.kafka', `kafka_${v.scala}`, version],
    ['org.slf4j', 'slf4j-reload4j', v.slf4j],
  ];
}

/** A throw-away pom whose only purpose is to let Maven resolve one Kafka version's classpath. */
function kafkaPom(version: string): string {
  const deps = kafkaDependencies(version)
    .map(([g, a, v]) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.floe</groupId>
  <artifactId>kafka-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** The jars whose presence says a version's classpath was copied completely (it is renamed into place). */
function kafkaInstalled(c: StackConfig, version: string): boolean {
  const libs = join(kafkaHome(c, version), 'libs');
  return kafkaDependencies(version).every(([, a, v]) => existsSync(join(libs, `${a}-${v}.jar`)));
}

function kafkaStep(name: string, version: string): InstallStep {
  return {
    name,
    installed: (c) => kafkaInstalled(c, version),
    async install(c, logFile) {
      const home = kafkaHome(c, version);
      const libs = join(home, 'libs');
      mkdirSync(home, { recursive: true });
      writeFileSync(join(home, 'pom.xml'), kafkaPom(version));
      // Copy into a temporary folder and rename, so an interrupted install never looks complete.
      const tmp = `${libs}.tmp`;
      rmSync(tmp, { recursive: true, force: true });
      await run(
        'mvn',
        [
          ...mvnArgs(c),
          '-f',
          join(home, 'pom.xml'),
          `${DEPENDENCY_PLUGIN}:copy-dependencies`,
          `-DoutputDirectory=${tmp}`,
          '-DincludeScope=runtime',
        ],
        { logFile },
      );
      rmSync(libs, { recursive: true, force: true });
      renameSync(tmp, libs);
    },
  };
}

/** The stack's broker. */
const kafka = kafkaStep('kafka', VERSIONS.kafka);
/** The 3.x broker the compatibility test starts (test/orchestrator/kafka-3x.it.test.ts). */
const kafkaCompat = kafkaStep('kafka-compat', VERSIONS.kafkaCompat);

const schemaRegistry: InstallStep = {
  name: 'schema-registry',
  installed: (c) => existsSync(artifacts(c).apicurioJar),
  async install(c, logFile) {
    const a = artifacts(c);
    if (!existsSync(a.apicurioTarGz)) {
      await mavenGet(c, `io.apicurio:apicurio-registry-app:${VERSIONS.apicurio}:tar.gz:all`, logFile);
    }
    const tmp = `${a.apicurioHome}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    mkdirSync(tmp, { recursive: true });
    await run('tar', ['xzf', a.apicurioTarGz, '-C', tmp], { logFile });
    rmSync(a.apicurioHome, { recursive: true, force: true });
    renameSync(tmp, a.apicurioHome);
  },
};

/**
 * The catalog's classpath (config.ts: artifacts().catalogLib and catalogRoutes): Maven copies
 * every jar, then the test jars with the HTTP routing move to their own folder.
 */
const catalog: InstallStep = {
  name: 'catalog',
  installed(c) {
    const a = artifacts(c);
    return (
      existsSync(join(a.catalogLib, `iceberg-core-${VERSIONS.iceberg}.jar`)) &&
      existsSync(join(a.catalogRoutes, `iceberg-core-${VERSIONS.icebergRestRoutes}-tests.jar`))
    );
  },
  async install(c, logFile) {
    const home = artifacts(c).catalogHome;
    const dir = dirname(artifacts(c).catalogLib);
    mkdirSync(home, { recursive: true });
    writeFileSync(join(home, 'pom.xml'), catalogPom());
    // Copy into a temporary folder and rename, so an interrupted install never looks complete.
    const tmp = `${dir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    await run(
      'mvn',
      [
        ...mvnArgs(c),
        '-f',
        join(home, 'pom.xml'),
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        `-DoutputDirectory=${join(tmp, 'lib')}`,
        '-DincludeScope=runtime',
      ],
      { logFile },
    );
    mkdirSync(join(tmp, 'routes'));
    for (const jar of readdirSync(join(tmp, 'lib'))) {
      if (jar.endsWith('-tests.jar')) renameSync(join(tmp, 'lib', jar), join(tmp, 'routes', jar));
    }
    rmSync(dir, { recursive: true, force: true });
    renameSync(tmp, dir);
  },
};
/** Our loopback-only launcher for the catalog, compiled once per version of its source. */
const catalogLauncher: InstallStep = {
  name: 'catalog-launcher',
  installed: (c) => existsSync(join(artifacts(c).catalogLauncherDir, 'CatalogServer.class')),
  async install(c, logFile) {
    const a = artifacts(c);
    const tmp = `${a.catalogLauncherDir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    await run(c.javac, ['-cp', catalogClasspathOf(a), '-d', tmp, a.catalogLauncherSource], { logFile });
    rmSync(a.catalogLauncherDir, { recursive: true, force: true });
    renameSync(tmp, a.catalogLauncherDir);
  },
};
/** A reader's Iceberg Spark runtime and AWS bundle (scripts/stack/readers.ts), one step per jar. */
function readerJarSteps(prefix: string, reader: SparkReader): InstallStep[] {
  return ['runtime', 'aws-bundle'].map((what, i) => ({
    name: `${prefix}-${what}`,
    installed: (c: StackConfig) => existsSync(readerJars(c, reader)[i]!.path),
    install: (c: StackConfig, logFile: string) => mavenGet(c, readerJars(c, reader)[i]!.coords, logFile),
  }));
}

/** The always-on oracle's venv: pyspark 4.1 and PyIceberg (scripts/stack/requirements-oracle.txt). */
const oracleVenvStep: InstallStep = {
  name: 'oracle-venv',
  installed: (c) => oracleVenvInstalled(c),
  install: (c, logFile) => installOracleVenv(c, logFile),
};

async function builtVersion(bin: string): Promise<string | undefined> {
  try {
    const out = await capture('go', ['version', '-m', bin]);
    return /^\s*mod\s+github\.com\/minio\/minio\s+(\S+)/m.exec(out)?.[1];
  } catch {
    return undefined;
  }
}

const minio: InstallStep = {
  name: 'minio',
  installed: (c) => existsSync(artifacts(c).minioBin),
  async install(c, logFile) {
    const a = artifacts(c);
    const binDir = join(c.cacheDir, 'bin');
    mkdirSync(binDir, { recursive: true });
    // A developer may already have built this exact version with plain `go install`: reuse it.
    const gopathBin = join(process.env.GOPATH || join(homedir(), 'go'), 'bin', 'minio');
    if (existsSync(gopathBin) && (await builtVersion(gopathBin)) === VERSIONS.minio) {
      copyFileSync(gopathBin, `${a.minioBin}.tmp`);
    } else {
      const buildDir = join(binDir, 'build');
      rmSync(buildDir, { recursive: true, force: true });
      // MinIO is large: on 2 cores a cold build takes several minutes; the Go caches make reruns fast.
      await run('go', ['install', `github.com/minio/minio@${VERSIONS.minio}`], {
        logFile,
        env: { ...process.env, GOBIN: buildDir, CGO_ENABLED: '0' },
      });
      renameSync(join(buildDir, 'minio'), `${a.minioBin}.tmp`);
      rmSync(buildDir, { recursive: true, force: true });
    }
    renameSync(`${a.minioBin}.tmp`, a.minioBin);
  },
};

// The stack Python: the older reader's pyspark 3.5, the fixtures' PyIceberg and Confluent client.
const PY_CHECK = `
import sys
import pyspark, pyiceberg, pyarrow, confluent_kafka, jsonschema, fastavro
ok = pyspark.__version__.startswith("3.5.") and pyiceberg.__version__.startswith("0.12.") and confluent_kafka.version() == "2.12.1"
print(pyspark.__version__, pyiceberg.__version__, pyarrow.__version__)
sys.exit(0 if ok else 1)
`;

const python: InstallStep = {
  name: 'stack-python',
  async installed(c) {
    try {
      await capture(c.python, ['-c', PY_CHECK]);
      return true;
    } catch {
      return false;
    }
  },
  async install(c, logFile) {
    await run(c.python, ['-m', 'pip', 'install', '--disable-pip-version-check', '-r', artifacts(c).requirements], {
      logFile,
    });
  },
};

export const INSTALL_STEPS: InstallStep[] = [
  kafka,
  kafkaCompat,
  schemaRegistry,
  catalog,
  catalogLauncher,
  ...readerJarSteps('oracle', ORACLE_READER),
  ...readerJarSteps('older-reader', OLDER_READER),
  minio,
  python,
  oracleVenvStep,
  postgresInstall,
];

/** Installs what is missing. Steps run one after another: they compete for 2 cores and one network. */
export async function installAll(
  c: StackConfig,
  report: (line: string) => void,
): Promise<{ installed: string[]; alreadyPresent: string[] }> {
  const installed: string[] = [];
  const alreadyPresent: string[] = [];
  const logFile = join(c.logsDir, 'install.log');
  for (const step of INSTALL_STEPS) {
    if (await step.installed(c)) {
      alreadyPresent.push(step.name);
      continue;
    }
    const t0 = Date.now();
    report(`installing ${step.name} (log: ${logFile}) …`);
    await step.install(c, logFile);
    if (!(await step.installed(c))) throw new Error(`${step.name}: install finished but its output is missing`);
    report(`installed ${step.name} in ${((Date.now() - t0) / 1000).toFixed(1)}s`);
    installed.push(step.name);
  }
  return { installed, alreadyPresent };
}

export async function missingSteps(c: StackConfig): Promise<string[]> {
  const missing: string[] = [];
  for (const step of INSTALL_STEPS) if (!(await step.installed(c))) missing.push(step.name);
  return missing;
}
