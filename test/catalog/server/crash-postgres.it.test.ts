/**
 * The catalog on a PostgreSQL store, as teams run it to scale out: two `floe catalog serve`
 * processes share one database, four clients commit to one table through both, and every round
 * both servers are killed with SIGKILL mid-commit. After each restart both serve the same table,
 * every acknowledged commit is in its main branch exactly once, and commits go on
 * (crash-scenario.ts).
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, inject, it } from 'vitest';
import { createDatabase, dropDatabase } from '../../harness/postgres.js';
import { runCrashScenario } from './crash-scenario.js';

const stack = inject('stack');
const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-pg-crash-'));
const children: ChildProcess[] = [];
let database: string | undefined;
afterAll(async () => {
  for (const c of children) c.kill('SIGKILL');
  if (database) await dropDatabase(database);
  rmSync(dir, { recursive: true, force: true });
});

describe('catalog servers on a PostgreSQL store', () => {
  it('two servers, four clients, kill -9 of both mid-commit: every acknowledged commit exactly once', { timeout: 300_000 }, async () => {
    database = await createDatabase(stack.postgresUrl, 'floe_crash');
    await runCrashScenario({ serveArgs: ['--warehouse', join(dir, 'wh'), '--store', database], servers: 2, rounds: 4 }, children);
  });
});
