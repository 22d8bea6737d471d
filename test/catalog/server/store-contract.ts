/**
 * What every CatalogStore must do, run against each implementation: SQLite (unit test) and
 * PostgreSQL (integration test against the stack's real server). `open` gives a fresh, empty store;
 * `another` a second instance on the same backing database (a second server process); `reopen` a
 * new instance after the first was closed (a restart).
 */
import { afterEach, describe, expect, it } from 'vitest';
import type { CatalogStore } from '../../../catalog/server/store.js';

export interface StoreFixture {
  store: CatalogStore;
  another(): Promise<CatalogStore>;
  reopen(): Promise<CatalogStore>;
}

export function describeStoreContract(name: string, open: () => Promise<StoreFixture>): void {
  const opened: CatalogStore[] = [];
  const track = (s: CatalogStore) => (opened.push(s), s);
  async function fresh(): Promise<StoreFixture> {
    const f = await open();
    track(f.store);
    return { store: f.store, another: async () => track(await f.another()), reopen: async () => track(await f.reopen()) };
  }
  afterEach(async () => {
    for (const s of opened.splice(0)) await s.close().catch(() => undefined);
  });
  const t = (ns: string[], name: string, metadataLocation: string) => ({ namespace: ns, name, metadataLocation });

  describe(`${name}: the CatalogStore contract`, () => {
    it('swaps a pointer only from the expected location', async () => {
      const { store } = await fresh();
      await store.createNamespace(['db'], {});
      expect(await store.tables.insert(t(['db'], 't', 'm0'))).toBe('inserted');
      expect(await store.tables.insert(t(['db'], 't', 'other'))).toBe('exists');
      expect(await store.tables.swap(['db'], 't', 'm0', 'm1')).toBe(true);
      expect(await store.tables.swap(['db'], 't', 'm0', 'm2')).toBe(false);
      expect((await store.tables.get(['db'], 't'))?.metadataLocation).toBe('m1');
      expect(await store.tables.swap(['db'], 'missing', 'm0', 'm1')).toBe(false);
    });

    it('refuses a table or view in a namespace that does not exist', async () => {
      const { store } = await fresh();
      expect(await store.tables.insert(t(['nope'], 't', 'm0'))).toBe('no-namespace');
      expect(await store.views.insert(t(['nope'], 'v', 'm0'))).toBe('no-namespace');
      await store.createNamespace(['db'], {});
      await store.tables.insert(t(['db'], 't', 'm0'));
      expect(await store.tables.rename({ ns: ['db'], name: 't' }, { ns: ['nope'], name: 't' })).toBe('no-namespace');
      expect((await store.tables.get(['db'], 't'))?.metadataLocation).toBe('m0');
    });

    it('two instances on one database (two server processes) see each other, and of concurrent swaps from one base exactly one wins', async () => {
      const f = await fresh();
      const b = await f.another();
      await f.store.createNamespace(['db'], {});
      await f.store.tables.insert(t(['db'], 't', 'm0'));
      for (let round = 0; round < 10; round++) {
        const base = (await b.tables.get(['db'], 't'))!.metadataLocation;
        const results = await Promise.all(
          [f.store, b, f.store, b].map((s, i) => s.tables.swap(['db'], 't', base, `r${round}-w${i}`)),
        );
        expect(results.filter(Boolean)).toHaveLength(1);
        const winner = results.indexOf(true);
        expect((await f.store.tables.get(['db'], 't'))?.metadataLocation).toBe(`r${round}-w${winner}`);
      }
    });

    it('multi-table swaps are all-or-nothing', async () => {
      const { store } = await fresh();
      await store.createNamespace(['db'], {});
      await store.tables.insert(t(['db'], 'a', 'a0'));
      await store.tables.insert(t(['db'], 'b', 'b0'));
      const failed = await store.swapPointers([
        { ns: ['db'], name: 'a', expected: 'a0', next: 'a1' },
        { ns: ['db'], name: 'b', expected: 'stale', next: 'b1' },
      ]);
      expect(failed).toBe(1);
      expect((await store.tables.get(['db'], 'a'))?.metadataLocation).toBe('a0');
      expect(
        await store.swapPointers([
          { ns: ['db'], name: 'b', expected: 'b0', next: 'b1' },
          { ns: ['db'], name: 'a', expected: 'a0', next: 'a1' },
        ]),
      ).toBe(-1);
      expect([(await store.tables.get(['db'], 'a'))?.metadataLocation, (await store.tables.get(['db'], 'b'))?.metadataLocation]).toEqual(['a1', 'b1']);
    });

    it('concurrent multi-table transactions over the same tables in opposite orders both finish', async () => {
      const f = await fresh();
      const b = await f.another();
      await f.store.createNamespace(['db'], {});
      await f.store.tables.insert(t(['db'], 'x', 'x0'));
      await f.store.tables.insert(t(['db'], 'y', 'y0'));
      const [one, two] = await Promise.all([
        f.store.swapPointers([
          { ns: ['db'], name: 'x', expected: 'x0', next: 'x1' },
          { ns: ['db'], name: 'y', expected: 'y0', next: 'y1' },
        ]),
        b.swapPointers([
          { ns: ['db'], name: 'y', expected: 'y0', next: 'y2' },
          { ns: ['db'], name: 'x', expected: 'x0', next: 'x2' },
        ]),
      ]);
      // Exactly one applies; the other fails on a stale expectation (not a deadlock or an error).
      expect([one, two].filter((r) => r === -1)).toHaveLength(1);
      const x = (await f.store.tables.get(['db'], 'x'))?.metadataLocation;
      const y = (await f.store.tables.get(['db'], 'y'))?.metadataLocation;
      expect(`${x}${y}`).toBe(one === -1 ? 'x1y1' : 'x2y2');
    });

    it('drops a namespace only when it holds no tables, views or child namespaces', async () => {
      const { store } = await fresh();
      expect(await store.createNamespace(['a'], {})).toBe(true);
      expect(await store.createNamespace(['a'], {})).toBe(false);
      await store.createNamespace(['a', 'b'], {});
      await store.createNamespace(['a_'], {});
      await store.createNamespace(['a%'], {});
      expect(await store.dropNamespace(['a'])).toBe('not-empty');
      expect(await store.dropNamespace(['a', 'b'])).toBe('dropped');
      await store.tables.insert(t(['a'], 't', 'm'));
      expect(await store.dropNamespace(['a'])).toBe('not-empty');
      await store.tables.drop(['a'], 't');
      await store.views.insert(t(['a'], 'v', 'vm'));
      expect(await store.dropNamespace(['a'])).toBe('not-empty');
      expect((await store.views.drop(['a'], 'v'))?.metadataLocation).toBe('vm');
      expect(await store.dropNamespace(['a'])).toBe('dropped');
      expect(await store.dropNamespace(['a'])).toBe('missing');
      expect(await store.listNamespaces()).toEqual([['a_'], ['a%']]);
    });

    it('keeps namespace properties and lists namespaces in creation order', async () => {
      const { store } = await fresh();
      await store.createNamespace(['z'], { owner: 'me', 'write.format': 'parquet' });
      await store.createNamespace(['m', 'n'], {});
      await store.createNamespace(['a'], {});
      expect(await store.listNamespaces()).toEqual([['z'], ['m', 'n'], ['a']]);
      expect(await store.namespaceProperties(['z'])).toEqual({ owner: 'me', 'write.format': 'parquet' });
      expect(await store.setNamespaceProperties(['z'], { owner: 'you' })).toBe(true);
      expect(await store.namespaceProperties(['z'])).toEqual({ owner: 'you' });
      expect(await store.setNamespaceProperties(['missing'], {})).toBe(false);
      expect(await store.namespaceProperties(['missing'])).toBeUndefined();
    });

    it('renames and refuses an existing destination', async () => {
      const { store } = await fresh();
      await store.createNamespace(['x'], {});
      await store.createNamespace(['y'], {});
      await store.tables.insert(t(['x'], 't', 'm'));
      await store.tables.insert(t(['y'], 'u', 'n'));
      expect(await store.tables.rename({ ns: ['x'], name: 't' }, { ns: ['y'], name: 'u' })).toBe('exists');
      expect(await store.tables.rename({ ns: ['x'], name: 't' }, { ns: ['y'], name: 't2' })).toBe('renamed');
      expect((await store.tables.get(['y'], 't2'))?.metadataLocation).toBe('m');
      expect(await store.tables.rename({ ns: ['x'], name: 't' }, { ns: ['y'], name: 't3' })).toBe('missing');
      expect(await store.tables.list(['y'])).toEqual(['t2', 'u']);
    });

    it('keeps tables and views apart, each with its own pointer operations', async () => {
      const { store } = await fresh();
      await store.createNamespace(['db'], {});
      await store.tables.insert(t(['db'], 'same', 'table-m'));
      expect(await store.views.insert(t(['db'], 'same', 'view-m'))).toBe('inserted');
      expect(await store.views.swap(['db'], 'same', 'view-m', 'view-m2')).toBe(true);
      expect((await store.tables.get(['db'], 'same'))?.metadataLocation).toBe('table-m');
      expect(await store.views.list(['db'])).toEqual(['same']);
      expect(await store.views.rename({ ns: ['db'], name: 'same' }, { ns: ['db'], name: 'v2' })).toBe('renamed');
      expect((await store.views.get(['db'], 'v2'))?.metadataLocation).toBe('view-m2');
      expect(await store.tables.list(['db'])).toEqual(['same']);
    });

    it('register with overwrite replaces a pointer unconditionally', async () => {
      const { store } = await fresh();
      await store.createNamespace(['db'], {});
      await store.replaceTable(t(['db'], 't', 'm0'));
      await store.replaceTable(t(['db'], 't', 'm1'));
      expect((await store.tables.get(['db'], 't'))?.metadataLocation).toBe('m1');
    });

    it('keeps everything across a restart', async () => {
      const f = await fresh();
      await f.store.createNamespace(['db'], { owner: 'me' });
      await f.store.tables.insert(t(['db'], 't', 'm0'));
      await f.store.views.insert(t(['db'], 'v', 'v0'));
      await f.store.close();
      const again = await f.reopen();
      expect(await again.namespaceProperties(['db'])).toEqual({ owner: 'me' });
      expect((await again.tables.get(['db'], 't'))?.metadataLocation).toBe('m0');
      expect((await again.views.get(['db'], 'v'))?.metadataLocation).toBe('v0');
    });
  });
}
