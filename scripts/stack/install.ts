/**
 * `stack:install`: fetch and build everything the stack runs, idempotently. Each step checks for
 * its output first, so a warm machine finishes in about a second. Downloads go through Maven
 * (into ~/.m2 and the floe cache), the Go module proxy (Go's module and build caches) and pip.
 */
import { copyFileSync, existsSync, mkdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { artifacts, VERSIONS, type StackConfig } from './config.js';
import { postgresInstall } from './postgres.js';
import { capture, run } from './proc.js';

// Pinned so a cold install does not depend on whatever plugin version Maven picks by default.
const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
// For single artifacts: 2.8's `get -Dtransitive=false` fetches just the file. 3.x reads the POM
// first, and apicurio-registry-app 3.0.9's parent POM (io.apicurio:apicurio-registry:3.0.9) is not
// on Maven Central, so 3.x fails on a cold ~/.m2 ("Failed to read artifact descriptor").
const GET_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:2.8';

export interface InstallStep {
  name: string;
  installed(c: StackConfig): Promise<boolean> | boolean;
  install(c: StackConfig, logFile: string): Promise<void>;
}

function mvnArgs(c: StackConfig): string[] {
  return ['-B', '-q', `-Dmaven.repo.local=${c.m2Repo}`];
}

/** Fetches one artifact into ~/.m2 (no transitive dependencies). */
export async function mavenGet(c: StackConfig, coords: string, logFile: string): Promise<void> {
  await run('mvn', [...mvnArgs(c), `${GET_PLUGIN}:get`, `-Dartifact=${coords}`, '-Dtransitive=false'], {
    logFile,
  });
}

/** A throw-away pom whose only purpose is to let Maven resolve Kafka's runtime classpath. */
function kafkaPom(): string {
  const v = VERSIONS;
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.floe</groupId>
  <artifactId>kafka-classpath</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
    <dependency>
      <groupId>org.apache.kafka</groupId>
      <artifactId>kafka_${v.scala}</artifactId>
      <version>${v.kafka}</version>
    </dependency>
    <!-- Kafka 3.x logs through slf4j 1.7; the binary distribution ships reload4j as backend. -->
    <dependency>
      <groupId>org.slf4j</groupId>
      <artifactId>slf4j-reload4j</artifactId>
      <version>${v.slf4j}</version>
    </dependency>
  </dependencies>
</project>
`;
}

const kafka: InstallStep = {
  name: 'kafka',
  installed: (c) => existsSync(artifacts(c).kafkaMarkerJar),
  async install(c, logFile) {
    const a = artifacts(c);
    mkdirSync(a.kafkaHome, { recursive: true });
    writeFileSync(join(a.kafkaHome, 'pom.xml'), kafkaPom());
    // Copy into a temporary folder and rename, so an interrupted install never looks complete.
    const tmp = `${a.kafkaLibs}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    await run(
      'mvn',
      [
        ...mvnArgs(c),
        '-f',
        join(a.kafkaHome, 'pom.xml'),
        `${DEPENDENCY_PLUGIN}:copy-dependencies`,
        `-DoutputDirectory=${tmp}`,
        '-DincludeScope=runtime',
      ],
      { logFile },
    );
    rmSync(a.kafkaLibs, { recursive: true, force: true });
    renameSync(tmp, a.kafkaLibs);
  },
};

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

function singleJar(name: string, path: (c: StackConfig) => string, coords: string): InstallStep {
  return {
    name,
    installed: (c) => existsSync(path(c)),
    install: (c, logFile) => mavenGet(c, coords, logFile),
  };
}

const catalog = singleJar(
  'catalog',
  (c) => artifacts(c).catalogJar,
  `org.apache.iceberg:iceberg-open-api:${VERSIONS.iceberg}`,
);
/** Our loopback-only launcher for the catalog, compiled once per version of its source. */
const catalogLauncher: InstallStep = {
  name: 'catalog-launcher',
  installed: (c) => existsSync(join(artifacts(c).catalogLauncherDir, 'CatalogServer.class')),
  async install(c, logFile) {
    const a = artifacts(c);
    const tmp = `${a.catalogLauncherDir}.tmp`;
    rmSync(tmp, { recursive: true, force: true });
    await run(c.javac, ['-cp', a.catalogJar, '-d', tmp, a.catalogLauncherSource], { logFile });
    rmSync(a.catalogLauncherDir, { recursive: true, force: true });
    renameSync(tmp, a.catalogLauncherDir);
  },
};
const sparkRuntime = singleJar(
  'oracle-spark-runtime',
  (c) => artifacts(c).sparkRuntimeJar,
  `org.apache.iceberg:iceberg-spark-runtime-3.5_2.12:${VERSIONS.iceberg}`,
);
const awsBundle = singleJar(
  'oracle-aws-bundle',
  (c) => artifacts(c).awsBundleJar,
  `org.apache.iceberg:iceberg-aws-bundle:${VERSIONS.iceberg}`,
);

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

const PY_CHECK = `
import sys
import pyspark, pyiceberg, pyarrow, confluent_kafka, jsonschema
ok = pyspark.__version__.startswith("3.5.") and pyiceberg.__version__.startswith("0.12.") and confluent_kafka.version() == "2.12.1"
print(pyspark.__version__, pyiceberg.__version__, pyarrow.__version__)
sys.exit(0 if ok else 1)
`;

const python: InstallStep = {
  name: 'oracle-python',
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

export const INSTALL_STEPS: InstallStep[] = [kafka, schemaRegistry, catalog, catalogLauncher, sparkRuntime, awsBundle, minio, python, postgresInstall];

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
