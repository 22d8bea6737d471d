/**
 * Installs the Trino that test/iceberg/trino.it.test.ts starts (scripts/stack/trino.ts), and finds
 * the Java it runs on.
 *
 * Maven Central as served here has Trino's server tarballs only up to 476 (`trino-server-core`,
 * `trino-server` and the `trino-iceberg` plugin zip are 404 for 483, checked 2026-12-06), but it
 * has every jar of 483. So the install assembles what the tarballs would contain:
 *  - lib/: `io.trino:trino-main` and its runtime dependencies (~177 jars), plus our launcher
 *    (scripts/stack/FloeTrinoServer.java, compiled here): Trino's own main class is in
 *    trino-server-main, which is not published on its own.
 *  - plugin/iceberg/: `io.trino:trino-iceberg` and its runtime dependencies (~340 jars), minus
 *    what the plugin declares `provided` (trino-spi, slice, the OpenTelemetry API, Jackson's
 *    annotations, JTS): the server supplies those, and Trino's plugin class loader takes them from
 *    the server. Plus a jar naming `io.trino.plugin.iceberg.IcebergPlugin` in
 *    META-INF/services/io.trino.spi.Plugin: Trino finds plugins with a ServiceLoader, and that file
 *    is written by Trino's packaging, not into trino-iceberg's jar.
 * Both poms have `io.trino:trino-root:<version>` as parent, so every dependency resolves to the
 * version Trino's own build uses.
 *
 * The result goes to ~/.cache/floe/trino-<version>-<hash of this recipe> (a changed recipe installs
 * beside the old one), assembled in a temporary folder and renamed, so an interrupted install never
 * looks complete. Downloads are cached in ~/.m2: cold ~1 min, warm ~20 s.
 */
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT, VERSIONS, type StackConfig } from './config.js';
import { DEPENDENCY_PLUGIN, mavenGet, mvnArgs } from './install.js';
import { run } from './proc.js';

/** The Java feature release Trino's jars are compiled for (their manifests say `Java-Version: 25`). */
export const TRINO_JAVA_FEATURE = 25;
/** Trino's vectorized code (e.g. its Parquet decoding) needs this incubator module at start. */
export const VECTOR_MODULE = 'jdk.incubator.vector';
const PLUGIN_SERVICE = 'io.trino.plugin.iceberg.IcebergPlugin\n';
const LAUNCHER_CLASS = 'FloeTrinoServer';
const LAUNCHER_SOURCE = join(REPO_ROOT, 'scripts', 'stack', `${LAUNCHER_CLASS}.java`);
// How the dependencies are copied; part of the recipe hash.
const COPY_ARGS = ['-DincludeScope=runtime', '-Dmdep.prependGroupId=true'];

export type Coordinates = [groupId: string, artifactId: string];

/** A pom that exists only so Maven resolves one artifact's runtime classpath under trino-root's versions. */
export function trinoClasspathPom(version: string, artifactId: string, provided: Coordinates[] = []): string {
  const dep = ([g, a]: Coordinates, extra: string) =>
    `    <dependency><groupId>${g}</groupId><artifactId>${a}</artifactId>${extra}</dependency>`;
  // Declared here as `provided`, the plugin's provided dependencies are the nearest declaration
  // and stay out of the copy, as in Trino's own build; otherwise a transitive path (Jackson's
  // annotations through jackson-databind, say) would bring them in at runtime scope.
  const deps = [dep(['io.trino', artifactId], ''), ...provided.map((c) => dep(c, '<scope>provided</scope>'))].join('\n');
  return `<?xml version="1.0" encoding="UTF-8"?>
<project xmlns="http://maven.apache.org/POM/4.0.0">
  <modelVersion>4.0.0</modelVersion>
  <!-- trino-root manages every dependency's version, its own modules' as \${project.version}: so
       this project inherits the version too. -->
  <parent><groupId>io.trino</groupId><artifactId>trino-root</artifactId><version>${version}</version><relativePath/></parent>
  <groupId>local.floe</groupId>
  <artifactId>${artifactId}-classpath</artifactId>
  <packaging>pom</packaging>
  <dependencies>
${deps}
  </dependencies>
</project>
`;
}

/** The `provided` dependencies a pom declares (its own, not its dependency management's). */
export function providedDependencies(pom: string): Coordinates[] {
  const body = pom.replace(/<!--[\s\S]*?-->/g, '').replace(/<dependencyManagement>[\s\S]*?<\/dependencyManagement>/g, '');
  const out: Coordinates[] = [];
  for (const [, dep] of body.matchAll(/<dependency>([\s\S]*?)<\/dependency>/g)) {
    const tag = (name: string) => new RegExp(`<${name}>\\s*([^<]*?)\\s*</${name}>`).exec(dep!)?.[1];
    const g = tag('groupId');
    const a = tag('artifactId');
    if (tag('scope') === 'provided' && g && a) out.push([g, a]);
  }
  return out;
}

/** Everything the installed folder depends on: a change to any of it installs a new folder. */
function recipeHash(): string {
  const v = VERSIONS.trino;
  return createHash('sha256')
    .update(
      JSON.stringify([
        trinoClasspathPom(v, 'trino-main'),
        // The plugin's provided list comes from its published pom, fixed for a version: a
        // placeholder stands for it, so the hash covers how it is declared.
        trinoClasspathPom(v, 'trino-iceberg', [['placeholder', 'provided']]),
        DEPENDENCY_PLUGIN,
        COPY_ARGS,
        PLUGIN_SERVICE,
        readFileSync(LAUNCHER_SOURCE, 'utf8'),
      ]),
    )
    .digest('hex')
    .slice(0, 12);
}

export function trinoPaths(c: StackConfig) {
  const home = join(c.cacheDir, `trino-${VERSIONS.trino}-${recipeHash()}`);
  return {
    home,
    lib: join(home, 'lib'),
    plugins: join(home, 'plugin'),
    /** Written last before the rename: its presence says the folder is complete. */
    launcherJar: join(home, 'lib', 'floe-trino-server.jar'),
    launcherClass: LAUNCHER_CLASS,
  };
}

export function trinoInstalled(c: StackConfig): boolean {
  return existsSync(trinoPaths(c).launcherJar);
}

/** What a JDK's `release` file says about it. */
export function parseJavaRelease(text: string): { version?: string; feature?: number; modules: string[] } {
  const value = (key: string) => new RegExp(`^${key}="([^"]*)"`, 'm').exec(text)?.[1];
  const version = value('JAVA_VERSION');
  const feature = version === undefined ? undefined : Number(/^(\d+)/.exec(version)?.[1]);
  return { version, feature: Number.isInteger(feature) ? feature : undefined, modules: (value('MODULES') ?? '').split(/\s+/).filter(Boolean) };
}

export interface JdkCandidate {
  home: string;
  /** Contents of `<home>/release`, undefined when there is none. */
  release?: string;
  /** Whether `<home>/bin/javac` exists: the install compiles the launcher with it. */
  hasJavac: boolean;
}

/** Why a JDK cannot run Trino, or undefined when it can. */
export function jdkProblem(jdk: JdkCandidate): string | undefined {
  if (jdk.release === undefined) return 'no release file (not a JDK home)';
  const r = parseJavaRelease(jdk.release);
  if (r.feature === undefined || r.feature < TRINO_JAVA_FEATURE) return `Java ${r.version ?? '?'} (Trino ${VERSIONS.trino} needs ≥ ${TRINO_JAVA_FEATURE})`;
  if (!r.modules.includes(VECTOR_MODULE)) return `Java ${r.version} without the ${VECTOR_MODULE} module`;
  if (!jdk.hasJavac) return `Java ${r.version} without javac (a runtime, not a JDK)`;
  return undefined;
}

function candidate(home: string): JdkCandidate {
  const release = join(home, 'release');
  return { home, release: existsSync(release) ? readFileSync(release, 'utf8') : undefined, hasJavac: existsSync(join(home, 'bin', 'javac')) };
}

/** Where JDKs are installed: Debian/Ubuntu packages and tarballs, and macOS. */
const JDK_DIRS = ['/usr/lib/jvm', '/Library/Java/JavaVirtualMachines'];

/**
 * The JDK Trino runs on: FLOE_TRINO_JAVA_HOME when set (and nothing else), else JAVA_HOME, else the
 * first suitable one of JDK_DIRS (newest name first). Throws, with each rejected JDK's reason and
 * what to set, when none fits.
 */
export function trinoJavaHome(env: NodeJS.ProcessEnv = process.env): string {
  const explicit = env.FLOE_TRINO_JAVA_HOME;
  const homes: string[] = explicit ? [explicit] : env.JAVA_HOME ? [env.JAVA_HOME] : [];
  if (!explicit) {
    for (const dir of JDK_DIRS) {
      if (!existsSync(dir)) continue;
      for (const name of readdirSync(dir).sort().reverse()) {
        if (!name.startsWith('.')) homes.push(dir.endsWith('JavaVirtualMachines') ? join(dir, name, 'Contents', 'Home') : join(dir, name));
      }
    }
  }
  const rejected: string[] = [];
  for (const home of homes) {
    const problem = jdkProblem(candidate(home));
    if (problem === undefined) return home;
    rejected.push(`  ${home}: ${problem}`);
  }
  throw new Error(
    [
      `Trino ${VERSIONS.trino} needs a JDK ≥ ${TRINO_JAVA_FEATURE} with the ${VECTOR_MODULE} module and javac ` +
        `(e.g. Temurin ${TRINO_JAVA_FEATURE}); ${explicit ? 'FLOE_TRINO_JAVA_HOME is not one' : `none in JAVA_HOME or ${JDK_DIRS.join(', ')}`}.`,
      ...rejected,
      `Install one and set FLOE_TRINO_JAVA_HOME to its home.`,
    ].join('\n'),
  );
}

/** Assembles Trino into the cache (see the top of this file); a no-op when it is there. */
export async function installTrino(c: StackConfig, report: (line: string) => void = () => undefined): Promise<void> {
  const p = trinoPaths(c);
  if (trinoInstalled(c)) return;
  const javaHome = trinoJavaHome();
  const v = VERSIONS.trino;
  const logFile = join(c.logsDir, 'install.log');
  const t0 = Date.now();
  const tmp = `${p.home}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  // The plugin's pom says which of its dependencies the server provides.
  const icebergPom = join(c.m2Repo, 'io', 'trino', 'trino-iceberg', v, `trino-iceberg-${v}.pom`);
  if (!existsSync(icebergPom)) await mavenGet(c, `io.trino:trino-iceberg:${v}:pom`, logFile);
  const provided = providedDependencies(readFileSync(icebergPom, 'utf8'));
  if (!provided.some(([g, a]) => g === 'io.trino' && a === 'trino-spi')) throw new Error(`${icebergPom} declares no provided trino-spi: not a Trino plugin pom?`);
  const copies: [artifact: string, provided: Coordinates[], out: string][] = [
    ['trino-main', [], join(tmp, 'lib')],
    ['trino-iceberg', provided, join(tmp, 'plugin', 'iceberg')],
  ];
  for (const [artifact, prov, out] of copies) {
    const pomDir = join(tmp, 'poms', artifact);
    mkdirSync(pomDir, { recursive: true });
    writeFileSync(join(pomDir, 'pom.xml'), trinoClasspathPom(v, artifact, prov));
    // njord (a publishing extension trino-root's build declares) logs a failed session otherwise.
    await run('mvn', [...mvnArgs(c), '-Dnjord.enabled=false', '-f', join(pomDir, 'pom.xml'), `${DEPENDENCY_PLUGIN}:copy-dependencies`, `-DoutputDirectory=${out}`, ...COPY_ARGS], {
      logFile,
    });
    report(`trino ${v}: ${artifact}, ${readdirSync(out).length} jars copied after ${((Date.now() - t0) / 1000).toFixed(1)}s`);
  }
  const bin = (tool: string) => join(javaHome, 'bin', tool);
  const service = join(tmp, 'build', 'service');
  mkdirSync(join(service, 'META-INF', 'services'), { recursive: true });
  writeFileSync(join(service, 'META-INF', 'services', 'io.trino.spi.Plugin'), PLUGIN_SERVICE);
  await run(bin('jar'), ['--create', '--file', join(tmp, 'plugin', 'iceberg', 'floe-iceberg-plugin-service.jar'), '-C', service, '.'], { logFile });
  const classes = join(tmp, 'build', 'launcher');
  await run(bin('javac'), ['-cp', `${join(tmp, 'lib')}/*`, '-d', classes, LAUNCHER_SOURCE], { logFile });
  await run(bin('jar'), ['--create', '--file', join(tmp, 'lib', 'floe-trino-server.jar'), '-C', classes, '.'], { logFile });
  rmSync(join(tmp, 'build'), { recursive: true, force: true });
  rmSync(p.home, { recursive: true, force: true });
  renameSync(tmp, p.home);
  report(`trino ${v}: assembled in ${((Date.now() - t0) / 1000).toFixed(1)}s with the JDK in ${javaHome}`);
}
