/**
 * Unit-level compaction benchmark (not a test; run by hand, numbers go to docs/benchmarks.md):
 *
 *   npx tsx test/maintain/compact-bench.ts            # or: node --cpu-prof --import tsx …
 *
 * Builds a silver table the way the daemon writes one — per commit, one data file with the last
 * row of every touched key and one equality delete file on `_key` with every touched key — in an
 * in-memory catalog and FileIO (no network, no stack), then times one `compactTable` on it. The
 * workload is seeded, so every run compacts the same bytes. Shape: FLOE_CB_KEYS (10000) keys,
 * FLOE_CB_BIG (10) commits touching ~all keys (a backlog catch-up), FLOE_CB_SMALL (20) commits of
 * 500 operations (a trickle); ~5 % of operations are deletes (tombstones).
 */
import os from 'node:os';
import { commitWithRetry } from '../../src/iceberg/catalog/commit.js';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type PartitionSpec, type Schema, type TableMetadata } from '../../src/iceberg/spec/types.js';
import { RowDelta } from '../../src/iceberg/table/row-delta.js';
import { branchSnapshot, readEntries, readManifests } from '../../src/iceberg/table/state.js';
import { compactTable } from '../../src/maintain/compact.js';
import { readArrow } from '../../src/maintain/read.js';
import { writeDataFiles } from '../../src/parquet/table-files.js';
import type { PartitionData } from '../../src/orchestrator/ports.js';
import { writeChangeFiles, type KeyedChange } from '../../src/orchestrator/silver.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeCatalog } from '../iceberg/catalog/fake-catalog.js';
import { MemoryFileIO, newTable } from '../iceberg/table/helpers.js';
import { prng } from '../fixtures/prng.js';

const KEYS = Number(process.env.FLOE_CB_KEYS ?? 10_000);
const BIG = Number(process.env.FLOE_CB_BIG ?? 10);
const SMALL = Number(process.env.FLOE_CB_SMALL ?? 20);

/** The bench's silver row (bench/silver.ts) with `_key` and the `_kafka` metadata struct. */
export const silverSchema: Schema = {
  type: 'struct',
  'schema-id': 0,
  'identifier-field-ids': [1],
  fields: [
    { id: 1, name: '_key', required: true, type: 'string' },
    { id: 2, name: 'id', required: true, type: 'string' },
    { id: 3, name: 'name', required: true, type: 'string' },
    { id: 4, name: 'tier', required: true, type: 'int' },
    { id: 5, name: 'balance', required: true, type: 'double' },
    { id: 6, name: 'v', required: true, type: 'long' },
    { id: 7, name: 'updated_at', required: true, type: 'timestamptz' },
    { id: 8, name: 'note', required: true, type: 'string' },
    {
      id: 9,
      name: '_kafka',
      required: true,
      type: {
        type: 'struct',
        fields: [
          { id: 10, name: 'topic', required: true, type: 'string' },
          { id: 11, name: 'partition', required: true, type: 'int' },
          { id: 12, name: 'offset', required: true, type: 'long' },
          { id: 13, name: 'timestamp', required: true, type: 'timestamptz' },
          { id: 14, name: 'key', required: false, type: 'binary' },
        ],
      },
    },
  ],
};
const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };

function metadata(loc: string): TableMetadata {
  const m = newTable(loc);
  return { ...m, schemas: [silverSchema], 'last-column-id': 14, 'partition-specs': [unpartitioned], 'default-spec-id': 0, 'last-partition-id': 999 };
}

/**
 * Builds the table; returns the expected live state (key → `v` of its last upsert). `removed`, when
 * given, gets the offset of each removed key's removal (keys whose last operation is a delete).
 */
export async function buildSilverTable(
  catalog: RestCatalogClient,
  io: MemoryFileIO,
  id: { namespace: string[]; name: string },
  loc: string,
  removed = new Map<string, bigint>(),
): Promise<Map<string, bigint>> {
  const state = new Map<string, bigint>();
  const rand = prng(42);
  const letters = 'abcdefghijklmnopqrstuvwxyz ';
  const note = (n: number) => Array.from({ length: n }, () => letters[Math.floor(rand() * letters.length)]).join('');
  let offset = 0n;
  const commitOps = async (ops: number) => {
    const touched = new Map<string, KeyedChange>();
    for (let i = 0; i < ops; i++) {
      const k = `customer-${Math.floor(rand() * KEYS)}`;
      offset++;
      const ts = 1_700_000_000_000_000n + offset * 1000n;
      const meta = { topic: 'customers', partition: Number(offset % 3n), offset, timestamp: ts, key: new TextEncoder().encode(k) };
      if (rand() < 0.05) touched.set(k, { key: { _key: k }, row: null, meta });
      else {
        touched.set(k, {
          key: { _key: k },
          row: { _key: k, id: k, name: `Name ${Math.floor(rand() * 1e6)}`, tier: Math.floor(rand() * 5), balance: Math.round(rand() * 1e6) / 100, v: offset, updated_at: ts, note: note(160), _kafka: meta },
        });
      }
    }
    for (const [k, c] of touched) {
      if (c.row) {
        state.set(k, c.row.v as bigint);
        removed.delete(k);
      } else {
        state.delete(k);
        removed.set(k, (c.meta as { offset: bigint }).offset);
      }
    }
    await commitChanges(catalog, io, id, loc, [...touched.values()], offset);
  };
  for (let c = 0; c < BIG; c++) await commitOps(Math.round(KEYS * 1.2));
  for (let c = 0; c < SMALL; c++) await commitOps(500);
  return state;
}

/** One commit as the daemon writes it: the last row per key, a delete per touched key (removals with their position). */
export async function commitChanges(catalog: RestCatalogClient, io: MemoryFileIO, id: { namespace: string[]; name: string }, loc: string, changes: KeyedChange[], offset: bigint): Promise<void> {
  const opts = { io, dataLocation: `${loc}/data`, spec: unpartitioned, partition: [] };
  const write = async (parts: PartitionData[]) => (await Promise.all(parts.filter((p) => p.sink.rowCount > 0).map((p) => writeDataFiles(p.sink.finishTable(), { ...opts, schema: p.sink.schema })))).flat();
  const { data, deletes } = await writeChangeFiles(changes, silverSchema, ['_key'], '_kafka', () => ({ tuple: [], key: '' }), write);
  const op = new RowDelta(io, { dataFiles: data, deleteFiles: deletes }, { properties: { 'floe.offsets': JSON.stringify({ customers: { '0': String(offset) } }) } });
  await commitWithRetry(catalog, id, (m) => op.apply(m));
}

async function main(): Promise<void> {
  const fake = new FakeCatalog();
  const uri = await fake.start();
  const loc = 'mem://warehouse/db/silver';
  const id = { namespace: ['db'], name: 'silver' };
  fake.namespaces.set('db', {});
  fake.addTable(['db'], 'silver', metadata(loc));
  const catalog = new RestCatalogClient({ uri });
  const io = new MemoryFileIO();
  const expected = await buildSilverTable(catalog, io, id, loc);
  const input = [...io.files].filter(([p]) => p.endsWith('.parquet')).reduce((n, [, b]) => n + b.byteLength, 0);
  const load = os.loadavg().map((l) => l.toFixed(2)).join(' ');
  const window0 = process.hrtime.bigint() / 1000n;
  const cpu0 = process.cpuUsage();
  const t0 = performance.now();
  const r = await compactTable(catalog, () => io, id, { targetSizeBytes: 128 << 20, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 << 20 }, silentLogger);
  const ms = performance.now() - t0;
  const cpu = process.cpuUsage(cpu0);
  // For matching a --cpu-prof profile's timestamps (same monotonic clock, µs).
  if (process.env.FLOE_CB_WINDOW) console.error(`window ${window0} ${process.hrtime.bigint() / 1000n}`);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  // The rewritten table holds exactly the expected state.
  const got = new Map<string, bigint>();
  const md = (await catalog.loadTable(id)).metadata;
  let deleteFiles = 0;
  for (const m of await readManifests(io, branchSnapshot(md))) {
    for (const e of await readEntries(io, m)) {
      if (e.status === EntryStatus.Deleted) continue;
      // Only the merged removals (the removed keys' positions) stay; they apply to no data file.
      if (m.content !== ManifestContent.Data) {
        if (++deleteFiles > r.deleteFilesAdded) throw new Error('a delete file is left after compaction');
        continue;
      }
      const t = await readArrow(io, e.dataFile.filePath);
      for (let i = 0; i < t.numRows; i++) got.set(String(t.getChild('_key')!.get(i)), t.getChild('v')!.get(i) as bigint);
    }
  }
  if (got.size !== expected.size || [...expected].some(([k, v]) => got.get(k) !== v)) throw new Error(`wrong state: ${got.size} rows, expected ${expected.size}`);
  await fake.stop();
  const MiB = input / 2 ** 20;
  console.log(
    JSON.stringify({
      node: process.version, cpus: os.cpus().length, load, inputMiB: +MiB.toFixed(2), dataFilesRemoved: r.dataFilesRemoved, deleteFilesRemoved: r.deleteFilesRemoved,
      dataFilesAdded: r.dataFilesAdded, rows: got.size, wallS: +(ms / 1000).toFixed(2), cpuS: +cpuS.toFixed(2),
      MiBPerWallS: +(MiB / (ms / 1000)).toFixed(2), MiBPerCpuS: +(MiB / cpuS).toFixed(2),
    }),
  );
}

if (process.argv[1]?.endsWith('compact-bench.ts')) await main();
