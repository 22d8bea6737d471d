/**
 * The `floe` executable as users run it: bin/floe.js, which runs the compiled dist/ (compiling
 * the sources newer than their output first). Tests that spawn floe use this, so they exercise
 * the shipped entry point and do not pay ~2 CPU-seconds of TypeScript compilation per process.
 */
import { spawnSync } from 'node:child_process';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';

export const REPO = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
export const FLOE_BIN = join(REPO, 'bin', 'floe.js');

/** Arguments for `spawn(process.execPath, floeArgv([...]))`: one process (no wrapper), so a
 * signal sent to the child reaches floe itself. */
export function floeArgv(args: string[]): string[] {
  return [FLOE_BIN, ...args];
}

/** Compiles stale sources once, before tests spawn floe in parallel (vitest globalSetup). */
export function buildDist(): void {
  const r = spawnSync(process.execPath, [join(REPO, 'scripts', 'build.mjs')], { stdio: 'inherit' });
  if (r.status !== 0) throw new Error(`node scripts/build.mjs failed (exit ${r.status})`);
}
