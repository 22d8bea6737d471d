import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll } from 'vitest';
import { SqliteStore } from '../../../catalog/server/sqlite-store.js';
import { describeStoreContract } from './store-contract.js';

const dirs: string[] = [];
afterAll(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describeStoreContract('SqliteStore', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-store-'));
  dirs.push(dir);
  const path = join(dir, 'catalog.db');
  return { store: new SqliteStore(path), another: async () => new SqliteStore(path), reopen: async () => new SqliteStore(path) };
});
