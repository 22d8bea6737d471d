import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { SqliteStore } from '../../../catalog/server/sqlite-store.js';

const dirs: string[] = [];
function fresh(): { store: SqliteStore; path: string } {
  const dir = mkdtempSync(join(tmpdir(), 'floe-store-'));
  dirs.push(dir);
  const path = join(dir, 'catalog.db');
  return { store: new SqliteStore(path), path };
}
afterEach(() => {
  for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
});

describe('SqliteStore', () => {
  it('swaps a pointer only from the expected location', () => {
    const { store } = fresh();
    expect(store.insertTable({ namespace: ['db'], name: 't', metadataLocation: 'm0' })).toBe(true);
    expect(store.insertTable({ namespace: ['db'], name: 't', metadataLocation: 'other' })).toBe(false);
    expect(store.swapPointer(['db'], 't', 'm0', 'm1')).toBe(true);
    expect(store.swapPointer(['db'], 't', 'm0', 'm2')).toBe(false);
    expect(store.table(['db'], 't')?.metadataLocation).toBe('m1');
    expect(store.swapPointer(['db'], 'missing', 'm0', 'm1')).toBe(false);
  });

  it('two store instances on one file (two server processes) see each other and only one swap wins', () => {
    const a = fresh();
    const b = new SqliteStore(a.path);
    a.store.insertTable({ namespace: ['db'], name: 't', metadataLocation: 'm0' });
    const results = [a.store.swapPointer(['db'], 't', 'm0', 'a1'), b.swapPointer(['db'], 't', 'm0', 'b1')];
    expect(results).toEqual([true, false]);
    expect(b.table(['db'], 't')?.metadataLocation).toBe('a1');
    b.close();
  });

  it('multi-table swaps are all-or-nothing', () => {
    const { store } = fresh();
    store.insertTable({ namespace: ['db'], name: 'a', metadataLocation: 'a0' });
    store.insertTable({ namespace: ['db'], name: 'b', metadataLocation: 'b0' });
    const failed = store.swapPointers([
      { ns: ['db'], name: 'a', expected: 'a0', next: 'a1' },
      { ns: ['db'], name: 'b', expected: 'stale', next: 'b1' },
    ]);
    expect(failed).toBe(1);
    expect(store.table(['db'], 'a')?.metadataLocation).toBe('a0');
    expect(store.swapPointers([{ ns: ['db'], name: 'a', expected: 'a0', next: 'a1' }, { ns: ['db'], name: 'b', expected: 'b0', next: 'b1' }])).toBe(-1);
    expect([store.table(['db'], 'a')?.metadataLocation, store.table(['db'], 'b')?.metadataLocation]).toEqual(['a1', 'b1']);
  });

  it('drops a namespace only when it holds no tables and no child namespaces', () => {
    const { store } = fresh();
    store.createNamespace(['a'], {});
    store.createNamespace(['a', 'b'], {});
    store.createNamespace(['a_'], {});
    expect(store.dropNamespace(['a'])).toBe('not-empty');
    expect(store.dropNamespace(['a', 'b'])).toBe('dropped');
    store.insertTable({ namespace: ['a'], name: 't', metadataLocation: 'm' });
    expect(store.dropNamespace(['a'])).toBe('not-empty');
    store.dropTable(['a'], 't');
    expect(store.dropNamespace(['a'])).toBe('dropped');
    expect(store.dropNamespace(['a'])).toBe('missing');
    expect(store.listNamespaces()).toEqual([['a_']]);
  });

  it('renames within a transaction and refuses an existing destination', () => {
    const { store } = fresh();
    store.insertTable({ namespace: ['x'], name: 't', metadataLocation: 'm' });
    store.insertTable({ namespace: ['y'], name: 'u', metadataLocation: 'n' });
    expect(store.renameTable({ ns: ['x'], name: 't' }, { ns: ['y'], name: 'u' })).toBe('exists');
    expect(store.renameTable({ ns: ['x'], name: 't' }, { ns: ['y'], name: 't2' })).toBe('renamed');
    expect(store.table(['y'], 't2')?.metadataLocation).toBe('m');
    expect(store.renameTable({ ns: ['x'], name: 't' }, { ns: ['y'], name: 't3' })).toBe('missing');
  });

  it('keeps pointers across a reopen', () => {
    const { store, path } = fresh();
    store.createNamespace(['db'], { owner: 'me' });
    store.insertTable({ namespace: ['db'], name: 't', metadataLocation: 'm0' });
    store.close();
    const again = new SqliteStore(path);
    expect(again.namespaceProperties(['db'])).toEqual({ owner: 'me' });
    expect(again.table(['db'], 't')?.metadataLocation).toBe('m0');
    again.close();
  });
});
