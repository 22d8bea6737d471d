#!/usr/bin/env node
// The `floe` executable. Always runs compiled JavaScript (dist/): compiling TypeScript at every
// start (tsx) cost ~2 CPU-seconds per invocation, `floe --help` included. In a checkout, the
// sources newer than their compiled file are compiled first (scripts/build.mjs: per file, only
// the stale ones, so a checkout never runs a stale build); an installed package ships dist/ only.
import { existsSync } from 'node:fs';
import module from 'node:module';
import { join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

// The daemon's young generation. Under floe's allocation (per-record garbage beside buffers that
// live for a commit) V8 grows each semi-space to 64 MiB: 128 MiB or more resident for garbage.
// At 16 MiB the 500,000-record drain peaks ~80 MiB lower at the same CPU (docs/benchmarks.md,
// "Memory: half of Kafka Connect's"). V8 sizes the heap only at start, so `floe run` replaces
// itself (execve: same pid, same stdio, nothing has run yet) with node given that flag — unless
// the operator chose a size (node's own flags or NODE_OPTIONS), or the platform has no execve.
const YOUNG_GENERATION = '--max-semi-space-size=16';
const chosen = (flags) => /--max[-_]semi[-_]space[-_]size/.test(flags);
if (
  process.argv[2] === 'run' &&
  typeof process.execve === 'function' &&
  !chosen(process.execArgv.join(' ')) &&
  !chosen(process.env.NODE_OPTIONS ?? '')
) {
  process.execve(process.execPath, [process.execPath, YOUNG_GENERATION, ...process.execArgv, process.argv[1], ...process.argv.slice(2)]);
}

const root = fileURLToPath(new URL('..', import.meta.url));
const builder = join(root, 'scripts', 'build.mjs');

if (existsSync(join(root, 'src', 'cli', 'main.ts')) && existsSync(builder)) {
  const { build } = await import(pathToFileURL(builder).href);
  try {
    await build(root);
  } catch (err) {
    process.stderr.write(`floe: cannot compile the sources to dist/ (${err instanceof Error ? err.message : String(err)}); is typescript installed (npm ci)?\n`);
    process.exit(1);
  }
}
// V8 keeps the compiled code of every module it loads on disk (the OS temp dir, or NODE_COMPILE_CACHE;
// NODE_DISABLE_COMPILE_CACHE=1 turns it off), so later starts skip parsing and compiling the
// daemon's ~0.8 CPU s of modules (docs/benchmarks.md, "An instant CLI"). Node 22.1+; a no-op on 20.
module.enableCompileCache?.();
// Stack traces name the TypeScript lines (the maps are only read when a trace is printed).
process.setSourceMapsEnabled(true);
// The bundle (scripts/build.mjs) when there is one: the same code in a few files, loaded faster.
// FLOE_BUNDLE=0 runs the per-file build instead (a comparison, or a suspected bundling fault).
const bundled = join(root, 'dist', 'bundle', 'main.js');
const entry = process.env.FLOE_BUNDLE !== '0' && existsSync(bundled) ? bundled : join(root, 'dist', 'src', 'cli', 'main.js');
const { runAsProcess } = await import(pathToFileURL(entry).href);
await runAsProcess(process.argv.slice(2));
