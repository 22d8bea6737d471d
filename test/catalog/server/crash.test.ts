/**
 * kill -9 of `floe catalog serve` on its SQLite store while four clients commit (the scenario:
 * crash-scenario.ts). The PostgreSQL store's run, with two servers sharing one database, is
 * crash-postgres.it.test.ts.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, it } from 'vitest';
import { runCrashScenario } from './crash-scenario.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-crash-'));
const children: ChildProcess[] = [];
afterAll(() => {
  for (const c of children) c.kill('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

describe('catalog server crash', () => {
  it('kill -9 mid-commit leaves the table intact, with every acknowledged commit', { timeout: 180_000 }, async () => {
    await runCrashScenario({ serveArgs: ['--warehouse', join(dir, 'wh'), '--store', join(dir, 'catalog.db')], servers: 1, rounds: 4 }, children);
  });
});
