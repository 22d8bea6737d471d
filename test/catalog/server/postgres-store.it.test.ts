/**
 * PostgresStore against the stack's real PostgreSQL server: the same contract as the SQLite store
 * (test/catalog/server/store-contract.ts), each case on a database of its own; plus what only a
 * database server can do to a catalog: go away and come back.
 */
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { PostgresStore } from '../../../catalog/server/postgres-store.js';
import { startCatalogServer } from '../../../catalog/server/server.js';
import { loadConfig } from '../../../scripts/stack/config.js';
import { down, up } from '../../../scripts/stack/stack.js';
import { isFloeError } from '../../../src/util/errors.js';
import { createDatabase, dropDatabase } from '../../harness/postgres.js';
import { floeArgv } from '../../harness/cli.js';
import { describeStoreContract } from './store-contract.js';

const stack = inject('stack');
const databases: string[] = [];
afterAll(async () => {
  for (const url of databases.splice(0)) await dropDatabase(url);
});

async function database(): Promise<string> {
  const url = await createDatabase(stack.postgresUrl, 'floe_store');
  databases.push(url);
  return url;
}

describeStoreContract('PostgresStore', async () => {
  const url = await database();
  const open = async () => new PostgresStore({ url });
  return { store: await open(), another: open, reopen: open };
});

describe('PostgresStore and its server', () => {
  it('creates its schema once, also when several servers start at the same moment', async () => {
    const url = await database();
    const stores = Array.from({ length: 4 }, () => new PostgresStore({ url }));
    try {
      await Promise.all(stores.map((s) => s.ready()));
      expect(await stores[0]!.createNamespace(['db'], {})).toBe(true);
      expect(await stores[3]!.listNamespaces()).toEqual([['db']]);
    } finally {
      await Promise.all(stores.map((s) => s.close()));
    }
  });

  it('refuses a database where commits are not durable (synchronous_commit off)', async () => {
    const url = await database();
    const admin = new pg.Client({ connectionString: url });
    await admin.connect();
    await admin.query(`ALTER DATABASE ${new URL(url).pathname.slice(1)} SET synchronous_commit = off`);
    await admin.end();
    const store = new PostgresStore({ url });
    try {
      const err = await store.ready().then(() => undefined, (e: unknown) => e);
      expect(isFloeError(err, 'CATALOG_CONFIG')).toBe(true);
      expect(String((err as Error).message)).toMatch(/synchronous_commit/);
    } finally {
      await store.close();
    }
  });

  it('an unreachable database is a retryable CATALOG_STORE_UNAVAILABLE error, not a crash', async () => {
    const u = new URL(stack.postgresUrl);
    u.port = '1'; // nothing listens there
    const store = new PostgresStore({ url: u.toString() });
    try {
      const err = await store.ready().then(() => undefined, (e: unknown) => e);
      expect(isFloeError(err, 'CATALOG_STORE_UNAVAILABLE')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(true);
    } finally {
      await store.close();
    }
  });

  it('wrong credentials fail with the database\'s reason, as an error restarting cannot fix', async () => {
    const u = new URL(stack.postgresUrl);
    u.password = 'wrong';
    const store = new PostgresStore({ url: u.toString() });
    try {
      const err = await store.ready().then(() => undefined, (e: unknown) => e);
      expect(isFloeError(err, 'CATALOG_STORE_AUTH_FAILED')).toBe(true);
      expect(String((err as Error).message)).toMatch(/password authentication failed/);
    } finally {
      await store.close();
    }
  });

  it('floe catalog serve with a wrong password exits 3 at start, naming the reason and not the password', async () => {
    const u = new URL(stack.postgresUrl);
    u.password = 'not-the-password-1234';
    const r = await promisify(execFile)(process.execPath, floeArgv(['catalog', 'serve', '--warehouse', tmpdir(), '--store', u.toString(), '--port', '0']), {
      encoding: 'utf8',
      timeout: 60_000,
    }).then(
      () => ({ code: 0, out: '' }),
      (e: { code: number; stdout: string; stderr: string }) => ({ code: e.code, out: e.stdout + e.stderr }),
    );
    expect(r.out).toMatch(/password authentication failed/);
    expect(r.code, r.out).toBe(3);
    expect(r.out).not.toContain('not-the-password-1234');
  });

  it('a database restart: the catalog answers 503 while it is down and serves again once it is back, without a restart of its own', async () => {
    // Restarting the shared server is only possible for the local stack's own process.
    if (inject('stackMode') !== 'local') return;
    const url = await database();
    const dir = mkdtempSync(join(tmpdir(), 'floe-pg-restart-'));
    const catalog = await startCatalogServer({ warehouse: join(dir, 'wh'), postgresUrl: url, port: 0 });
    const c = loadConfig();
    const quiet = () => undefined;
    try {
      const create = (ns: string) => fetch(`${catalog.url}/v1/namespaces`, { method: 'POST', body: JSON.stringify({ namespace: [ns] }) });
      expect((await create('before')).status).toBe(200);
      await down(quiet, c, ['postgres']);
      const during = await create('during');
      expect(during.status).toBe(503);
      expect(((await during.json()) as { error: { type: string } }).error.type).toBe('ServiceUnavailableException');
      await up(quiet, c, ['postgres']);
      expect((await create('after')).status).toBe(200);
      const list = (await (await fetch(`${catalog.url}/v1/namespaces`)).json()) as { namespaces: string[][] };
      expect(list.namespaces).toEqual([['before'], ['after']]);
    } finally {
      await up(quiet, c, ['postgres']);
      await catalog.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
