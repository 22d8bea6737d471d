import { describe, expect, it } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { livePositions } from '../../src/maintain/key-positions.js';
import { keyIdentity } from '../../src/orchestrator/silver.js';
import { compactTable } from '../../src/maintain/compact.js';
import { readArrow } from '../../src/maintain/read.js';
import { EntryStatus, ManifestContent, type TableMetadata } from '../../src/iceberg/spec/types.js';
import { branchSnapshot, readEntries, readManifests } from '../../src/iceberg/table/state.js';
import { silentLogger } from '../../src/util/log.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { FakeCatalog } from '../iceberg/catalog/fake-catalog.js';
import { MemoryFileIO, newTable } from '../iceberg/table/helpers.js';

describe('live positions of silver keys', () => {
  it("reads each key's Kafka position through the table's equality deletes: a live row's, or its removal's — also after compaction", async () => {
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
      const removed = new Map<string, bigint>();
      const state = await bench.buildSilverTable(catalog, io, id, loc, removed);
      const all = Array.from({ length: 60 }, (_, i) => `customer-${i}`);
      const keyOf = new Map(all.map((k) => [keyIdentity(['_key'], { _key: k }), k]));
      const positionsNow = async () => {
        const metadata = (await catalog.loadTable(id)).metadata;
        const positions = await livePositions(io, metadata, ['_key'], '_kafka', new Set(keyOf.keys()));
        return new Map([...positions].map(([idText, p]) => [keyOf.get(idText)!, p]));
      };
      // A live key's row was written at offset `v`, partition v % 3; a removed key's removal at its offset.
      const expected = new Map([...state, ...removed].map(([k, v]) => [k, { topic: 'customers', partition: Number(v % 3n), offset: v }]));
      expect(state.size).toBeGreaterThan(0);
      expect(removed.size).toBeGreaterThan(0);
      expect(await positionsNow()).toEqual(expected);

      // Compaction drops every delete file but keeps the removals, merged into one that applies to no data file.
      const options = { targetSizeBytes: 128 << 20, minFiles: 2, compression: 'zstd' as const, rowGroupBytes: 8 << 20 };
      const first = await compactTable(catalog, () => io, id, options, silentLogger);
      expect(first.deleteFilesAdded).toBe(1);
      expect(await positionsNow()).toEqual(expected);
      const rows = await liveRows(io, (await catalog.loadTable(id)).metadata);
      expect(rows).toEqual(state);
      // The next compaction (after one more removal) merges the kept file with the new one.
      const meta = { topic: 'customers', partition: Number(10_001n % 3n), offset: 10_001n, timestamp: 0n, key: null };
      await bench.commitChanges(catalog, io, id, loc, [{ key: { _key: 'customer-0' }, row: null, meta }], 10_001n);
      state.delete('customer-0');
      const second = await compactTable(catalog, () => io, id, options, silentLogger);
      expect(second.deleteFilesRemoved).toBe(2);
      expect(second.deleteFilesAdded).toBe(1);
      expected.set('customer-0', { topic: 'customers', partition: Number(10_001n % 3n), offset: 10_001n });
      expect(await positionsNow()).toEqual(expected);
      expect(await liveRows(io, (await catalog.loadTable(id)).metadata)).toEqual(state);
    } finally {
      await fake.stop();
    }
  });
});

/** `_key` → `v` of the live data files; right after a full compaction no delete applies to them. */
async function liveRows(io: FileIO, metadata: TableMetadata): Promise<Map<string, bigint>> {
  const out = new Map<string, bigint>();
  for (const m of await readManifests(io, branchSnapshot(metadata))) {
    if (m.content !== ManifestContent.Data) continue;
    for (const e of await readEntries(io, m)) {
      if (e.status === EntryStatus.Deleted) continue;
      const t = await readArrow(io, e.dataFile.filePath);
      for (let i = 0; i < t.numRows; i++) out.set(String(t.getChild('_key')!.get(i)), t.getChild('v')!.get(i) as bigint);
    }
  }
  return out;
}
