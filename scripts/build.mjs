// The runtime build: compiles src/ and catalog/ to dist/ (ES modules, source maps) with the
// TypeScript compiler, one file at a time (`ts.transpileModule`), and only the files whose output
// is missing or older than their source. Plain JavaScript so bin/floe.js can call it before
// anything is compiled.
//
// Why not `tsc -p`: a whole-program emit takes ~13 CPU-seconds here (it parses every .d.ts of the
// AWS SDK), and bin/floe.js runs this whenever a source is newer than its output. Per-file
// transpilation emits the same JavaScript (the sources are isolated-module safe: they already
// ran under tsx, which compiles file by file), a full build costs ~4 CPU-seconds once and an
// edit of one file a fraction of a second. Type checking stays `npm run typecheck`.
//
// Usage: node scripts/build.mjs [--check]   (--check: exit 1 when dist/ is stale, build nothing)
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { dirname, join, relative } from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = fileURLToPath(new URL('..', import.meta.url));
/** The folders the CLI runs from (the CLI imports catalog/, floe's REST catalog server). */
const SOURCE_DIRS = ['src', 'catalog'];

function walk(dir, found) {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) walk(path, found);
    else if (entry.name.endsWith('.ts') && !entry.name.endsWith('.d.ts')) found.push(path);
  }
  return found;
}

function outputOf(root, source) {
  return join(root, 'dist', relative(root, source).replace(/\.ts$/, '.js'));
}

function mtime(path) {
  try {
    return statSync(path).mtimeMs;
  } catch {
    return -1;
  }
}

/** Sources whose compiled file is missing or older than them. Costs a stat per file (~ms). */
export function staleSources(root = ROOT) {
  const sources = SOURCE_DIRS.filter((d) => existsSync(join(root, d))).flatMap((d) => walk(join(root, d), []));
  return sources.filter((s) => mtime(outputOf(root, s)) < mtime(s));
}

/** Compiled files left behind by a source that was deleted or renamed: removed, so an import of
 * the old name fails as it would under tsc instead of running stale code. */
function removeOrphans(root) {
  for (const d of SOURCE_DIRS) {
    const out = join(root, 'dist', d);
    if (!existsSync(out)) continue;
    const stack = [out];
    while (stack.length > 0) {
      const dir = stack.pop();
      for (const entry of readdirSync(dir, { withFileTypes: true })) {
        const path = join(dir, entry.name);
        if (entry.isDirectory()) {
          stack.push(path);
          continue;
        }
        const m = /\.(js|js\.map|d\.ts|d\.ts\.map)$/.exec(entry.name);
        if (!m) continue;
        const source = join(root, relative(join(root, 'dist'), path)).slice(0, -m[0].length) + '.ts';
        if (!existsSync(source)) rmSync(path, { force: true });
      }
    }
  }
}

/**
 * The CLI's module graph bundled into a few files (esbuild, code splitting: what a command imports
 * lazily stays a separate chunk, so `floe --help` still loads little). Loading the daemon's ~600
 * modules one by one (resolution, a stat and a read per file, a module record each) cost ~0.15 CPU s
 * more at every start than the bundle (docs/benchmarks.md, "The daemon as one bundle"). bin/floe.js
 * runs it when present; without esbuild (an install without devDependencies) there is none and
 * dist/src is run as compiled.
 *
 * Left outside: kafkajs (floe wraps two of its protocol modules in Node's module cache,
 * src/source/header-order.ts), parquet-wasm (loads its .wasm beside its own file), pino (its
 * transports run in worker threads that load pino's files by path) and pg (optional native parts).
 */
const BUNDLE_DIR = join('dist', 'bundle');
const BUNDLE_ENTRIES = { main: join('dist', 'src', 'cli', 'main.js'), 'encode-worker': join('dist', 'src', 'parquet', 'encode-worker.js') };
const BUNDLE_EXTERNAL = ['kafkajs', 'parquet-wasm', 'pino', 'pg', 'typescript'];

/** The bundle is older than the compiled code or than the installed packages (npm rewrites node_modules/.package-lock.json on every install). */
function bundleStale(root, compiled) {
  const made = mtime(join(root, BUNDLE_DIR, 'main.js'));
  return compiled > 0 || made < 0 || mtime(join(root, 'node_modules', '.package-lock.json')) > made;
}

async function bundle(root) {
  const dir = join(root, BUNDLE_DIR);
  let esbuild;
  try {
    esbuild = await import('esbuild');
  } catch {
    // No bundler: the compiled files run as they are; a bundle left from before would be stale.
    rmSync(join(dir, 'main.js'), { force: true });
    return false;
  }
  const tmp = `${dir}.${process.pid}.tmp`;
  rmSync(tmp, { recursive: true, force: true });
  try {
    const result = await esbuild.build({
      absWorkingDir: root,
      entryPoints: BUNDLE_ENTRIES,
      bundle: true,
      splitting: true,
      format: 'esm',
      platform: 'node',
      target: 'node24',
      outdir: tmp,
      external: BUNDLE_EXTERNAL,
      // Bundled CommonJS packages call require(); an ES module has none of its own.
      banner: { js: "import { createRequire as __floeCreateRequire } from 'node:module'; const require = __floeCreateRequire(import.meta.url);" },
      sourcemap: 'linked',
      sourcesContent: false,
      logLevel: 'silent',
      write: true,
      metafile: false,
    });
    if (result.errors.length > 0) throw new Error(result.errors[0].text);
    mkdirSync(dir, { recursive: true });
    // Chunks first, entries last (each rename is atomic): a process starting meanwhile loads
    // either the old entry with its chunks or the new one with its own.
    const files = readdirSync(tmp);
    const entries = new Set(Object.keys(BUNDLE_ENTRIES).flatMap((n) => [`${n}.js`, `${n}.js.map`]));
    for (const f of files.filter((f) => !entries.has(f))) renameSync(join(tmp, f), join(dir, f));
    for (const f of files.filter((f) => entries.has(f))) renameSync(join(tmp, f), join(dir, f));
    // Chunks of earlier builds (content-hashed names) are no longer referenced.
    const kept = new Set(files);
    for (const f of readdirSync(dir)) if (!kept.has(f)) rmSync(join(dir, f), { force: true });
    return true;
  } catch (err) {
    rmSync(join(dir, 'main.js'), { force: true });
    throw err;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

/** Compiles the stale sources (and bundles them again); returns how many were compiled. */
export async function build(root = ROOT, { quiet = false } = {}) {
  const stale = staleSources(root);
  if (stale.length > 0) {
    const { default: ts } = await import('typescript');
    const compilerOptions = {
      target: ts.ScriptTarget.ES2022,
      module: ts.ModuleKind.ESNext,
      esModuleInterop: true,
      sourceMap: true,
    };
    for (const source of stale) {
      const out = outputOf(root, source);
      const result = ts.transpileModule(readFileSync(source, 'utf8'), {
        fileName: source,
        compilerOptions,
        reportDiagnostics: false,
      });
      mkdirSync(dirname(out), { recursive: true });
      // Written under a temporary name and renamed: two processes building at once (parallel test
      // workers) never let a third import a half-written file.
      const tmp = `${out}.${process.pid}.tmp`;
      // The map names the source relative to the compiled file, so stack traces (with
      // --enable-source-maps) and debuggers point at src/….ts.
      const map = JSON.parse(result.sourceMapText ?? '{}');
      map.sources = [relative(dirname(out), source)];
      writeFileSync(`${tmp}.map`, JSON.stringify(map));
      renameSync(`${tmp}.map`, `${out}.map`);
      writeFileSync(tmp, result.outputText);
      renameSync(tmp, out);
    }
    if (!quiet) process.stderr.write(`floe: compiled ${stale.length} of the TypeScript sources to dist/\n`);
  }
  removeOrphans(root);
  if (existsSync(join(root, BUNDLE_ENTRIES.main)) && bundleStale(root, stale.length)) await bundle(root);
  return stale.length;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (process.argv.includes('--check')) {
    const stale = staleSources();
    if (stale.length > 0) {
      process.stderr.write(`dist/ is stale: ${stale.length} sources newer than their output\n`);
      process.exit(1);
    }
  } else {
    await build(ROOT, { quiet: process.argv.includes('--quiet') });
  }
}
