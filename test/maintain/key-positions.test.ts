import { describe, expect, it } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { livePositions } from '../../src/maintain/key-positions.js';
import { keyIdentity } from '../../src/orchestrator/silver.js';
import { FakeCatalog } from '../iceberg/catalog/fake-catalog.js';
import { MemoryFileIO, newTable } from '../iceberg/table/helpers.js';

describe('live positions of silver keys', () => {
  it("reads each live key's Kafka position through the table's equality deletes; deleted keys have none", async () => {
    // A small seeded silver table, written as the daemon writes one (compact-bench.ts builds it).
    Object.assign(process.env, { FLOE_CB_KEYS: '60', FLOE_CB_BIG: '2', FLOE_CB_SMALL: '3' });
    const bench = await import('./compact-bench.js');
    for (const k of ['FLOE_CB_KEYS', 'FLOE_CB_BIG', 'FLOE_CB_SMALL']) delete process.env[k];
    const fake = new FakeCatalog();
    const uri = await fake.start();
    try {
      const loc = 'mem://warehouse/db/silver';
      fake.namespaces.set('db', {});
      fake.addTable(['db'], 'silver', { ...newTable(loc), schemas: [bench.silverSchema], 'last-column-id': 14, 'partition-specs': [{ 'spec-id': 0, fields: [] }], 'default-spec-id': 0, 'last-partition-id': 999 });
      const catalog = new RestCatalogClient({ uri });
      const io = new MemoryFileIO();
      const id = { namespace: ['db'], name: 'silver' };
      const state = await bench.buildSilverTable(catalog, io, id, loc);
      const metadata = (await catalog.loadTable(id)).metadata;
      const all = Array.from({ length: 60 }, (_, i) => `customer-${i}`);
      const keyOf = new Map(all.map((k) => [keyIdentity(['_key'], { _key: k }), k]));
      const positions = await livePositions(io, metadata, ['_key'], '_kafka', new Set(keyOf.keys()));
      // A live key's row was written at offset `v`, partition v % 3; a deleted key has no row.
      const got = new Map([...positions].map(([idText, p]) => [keyOf.get(idText)!, p]));
      expect(state.size).toBeGreaterThan(0);
      expect(state.size).toBeLessThan(60);
      expect(new Set(got.keys())).toEqual(new Set(state.keys()));
      for (const [k, v] of state) expect(got.get(k), k).toEqual({ topic: 'customers', partition: Number(v % 3n), offset: v });
    } finally {
      await fake.stop();
    }
  });
});
