/**
 * Installs what `npm run bench -- --vs-connect` runs floe against: Kafka Connect (standalone) with
 * Apache Iceberg's sink connector and Apicurio's Avro converter, all from Maven Central, cached
 * under ~/.cache/floe like the stack (scripts/stack/install.ts). Idempotent: each part is copied
 * into a temporary folder and renamed into place, so an interrupted install never looks complete.
 *
 * Layout (`<cache>/kafka-connect-<kafka>-iceberg-<iceberg>/`):
 *   runtime/              the Connect worker's classpath (connect-runtime, connect-json, logging)
 *   plugins/iceberg/      iceberg-kafka-connect and what it needs at run time: Parquet, S3FileIO
 *                         (iceberg-aws + the shaded AWS SDK bundle) and Hadoop's Configuration
 *   plugins/apicurio/     the Avro converter that reads the Confluent wire format
 * Each plugins/ folder is one plugin with its own class loader (Connect's `plugin.path`), so the
 * sink's Avro and Jackson versions do not meet the worker's.
 */
import { existsSync, mkdirSync, readdirSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { StackConfig } from '../scripts/stack/config.js';
import { run } from '../scripts/stack/proc.js';

export const CONNECT_VERSIONS = {
  // The last 3.x line, as in issue 16's measurement (the stack's broker is 4.4.0; 3.9 clients talk to it).
  kafka: '3.9.2',
  iceberg: '1.10.1',
  // 2.6.x talks to the registry's v2 API, which Apicurio 3.0.9 still serves; 3.x converters need
  // io.apicurio:apicurio-registry parent POMs that are not on Maven Central for 3.0.x.
  apicurio: '2.6.13.Final',
  // Iceberg's own Kafka Connect distribution ships hadoop-common 3.4; the shaded client jars give
  // the same Configuration class without Hadoop's long dependency tree.
  hadoop: '3.4.1',
  slf4j: '1.7.36',
} as const;

const DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';

type Dep = [group: string, artifact: string, version: string];

interface Part {
  /** Folder under the install home. */
  dir: string;
  deps: Dep[];
  /** A jar whose presence says the part was copied completely. */
  marker: string;
}

function parts(): Part[] {
  const v = CONNECT_VERSIONS;
  return [
    {
      dir: 'runtime',
      deps: [
        ['org.apache.kafka', 'connect-runtime', v.kafka],
        ['org.apache.kafka', 'connect-json', v.kafka],
        // connect-runtime logs through slf4j 1.7; the binary distribution ships reload4j as backend.
        ['org.slf4j', 'slf4j-reload4j', v.slf4j],
      ],
      marker: `connect-runtime-${v.kafka}.jar`,
    },
    {
      dir: join('plugins', 'iceberg'),
      deps: [
        ['org.apache.iceberg', 'iceberg-kafka-connect', v.iceberg],
        ['org.apache.iceberg', 'iceberg-parquet', v.iceberg],
        ['org.apache.iceberg', 'iceberg-aws', v.iceberg],
        ['org.apache.iceberg', 'iceberg-aws-bundle', v.iceberg],
        ['org.apache.hadoop', 'hadoop-client-api', v.hadoop],
        ['org.apache.hadoop', 'hadoop-client-runtime', v.hadoop],
      ],
      marker: `iceberg-kafka-connect-${v.iceberg}.jar`,
    },
    {
      dir: join('plugins', 'apicurio'),
      deps: [['io.apicurio', 'apicurio-registry-utils-converter', v.apicurio]],
      marker: `apicurio-registry-utils-converter-${v.apicurio}.jar`,
    },
  ];
}

export function connectHome(c: StackConfig): string {
  const v = CONNECT_VERSIONS;
  return join(c.cacheDir, `kafka-connect-${v.kafka}-iceberg-${v.iceberg}`);
}

export function connectPaths(c: StackConfig): { runtimeLibs: string; pluginPath: string } {
  const home = connectHome(c);
  return { runtimeLibs: join(home, 'runtime'), pluginPath: join(home, 'plugins') };
}

function pom(name: string, deps: Dep[]): string {
  const lines = deps
    .map(([g, a, v]) => `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId><version>${v}</version></dependency>`)
    .join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <groupId>local.floe</groupId>
  <artifactId>${name}</artifactId>
  <version>1</version>
  <packaging>pom</packaging>
  <dependencies>
${lines}
  </dependencies>
</project>
`;
}

const installed = (home: string, p: Part): boolean => existsSync(join(home, p.dir, p.marker));

/** Installs the missing parts (Maven, into ~/.m2 and the floe cache); reports what it does. */
export async function installConnect(c: StackConfig, report: (line: string) => void): Promise<void> {
  const home = connectHome(c);
  const logFile = join(c.logsDir, 'connect-install.log');
  for (const p of parts()) {
    if (installed(home, p)) continue;
    const t0 = Date.now();
    report(`installing Kafka Connect part ${p.dir} (log: ${logFile}) …`);
    const target = join(home, p.dir);
    const tmp = `${target}.tmp`;
    const pomDir = join(home, 'poms', p.dir.replace(/[\\/]/g, '-'));
    mkdirSync(pomDir, { recursive: true });
    writeFileSync(join(pomDir, 'pom.xml'), pom(`connect-${p.dir.replace(/[\\/]/g, '-')}`, p.deps));
    rmSync(tmp, { recursive: true, force: true });
    await run(
      'mvn',
      ['-B', '-q', `-Dmaven.repo.local=${c.m2Repo}`, '-f', join(pomDir, 'pom.xml'), `${DEPENDENCY_PLUGIN}:copy-dependencies`, `-DoutputDirectory=${tmp}`, '-DincludeScope=runtime'],
      { logFile },
    );
    rmSync(target, { recursive: true, force: true });
    mkdirSync(join(target, '..'), { recursive: true });
    renameSync(tmp, target);
    if (!installed(home, p)) throw new Error(`Kafka Connect part ${p.dir}: Maven finished but ${p.marker} is missing (see ${logFile})`);
    report(`installed ${p.dir}: ${readdirSync(target).length} jars in ${((Date.now() - t0) / 1000).toFixed(1)} s`);
  }
}
