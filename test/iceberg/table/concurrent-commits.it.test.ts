/**
 * Commits with real data files against the real catalog: two writers appending to one table at the
 * same time both land through retries, and a commit whose response is lost (a proxy forwards it
 * and then drops the answer) is recognised on reload and never appended twice. Spark's row count
 * and metadata tables are the judge.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Row } from '../../../src/arrow/builder.js';
import { commitWithRetry, type CommitResult } from '../../../src/iceberg/catalog/commit.js';
import type { RestCatalogClient } from '../../../src/iceberg/catalog/rest-client.js';
import { FastAppend, MergeAppend } from '../../../src/iceberg/table/append.js';
import { LossyProxy } from '../catalog/lossy-proxy.js';
import { newCatalog, OracleTables, schemaOf, stack } from './oracle-tables.js';

const schema = schemaOf([
  { id: 1, name: 'writer', required: true, type: 'string' },
  { id: 2, name: 'seq', required: true, type: 'int' },
  { id: 3, name: 'payload', required: false, type: 'binary' },
]);

const rows = (writer: string, round: number, n: number): Row[] =>
  Array.from({ length: n }, (_, i) => ({ writer, seq: round * 1000 + i, payload: Uint8Array.of(round, i % 256) }));

const t = new OracleTables('floe_commits');
const retry = { minWaitMs: 10, maxWaitMs: 200 };

beforeAll(() => t.setup());
afterAll(() => t.teardown());

/** Writes the rows as data files, then commits them with its own catalog client. */
async function appendWith(catalog: RestCatalogClient, name: string, data: Row[], start?: Awaited<ReturnType<RestCatalogClient['loadTable']>>) {
  const table = start ?? (await catalog.loadTable(t.id(name)));
  const files = await t.writeFiles(table.metadata, data);
  const op = new FastAppend(t.io, files);
  const res = await commitWithRetry(catalog, t.id(name), op.apply, { retry, ...(start ? { table: start } : {}) });
  return { files, op, res };
}

async function fileCounts(name: string): Promise<Map<string, number>> {
  const counts = new Map<string, number>();
  for (const f of await t.sparkRows(`SELECT file_path FROM ${t.name(name)}.files`)) {
    counts.set(String(f.file_path), (counts.get(String(f.file_path)) ?? 0) + 1);
  }
  return counts;
}

describe('two writers appending at the same time', () => {
  it('both succeed through retries; Spark counts every row once', async () => {
    await t.create('shared', schema);
    const a = newCatalog();
    const b = newCatalog();
    const rounds = 4;
    const results: CommitResult[] = [];
    const paths: string[] = [];
    for (let round = 0; round < rounds; round++) {
      // Both start from the same table state, so one of each pair must conflict and retry.
      const start = await a.loadTable(t.id('shared'));
      const done = await Promise.all([
        appendWith(a, 'shared', rows('a', round, 25), start),
        appendWith(b, 'shared', rows('b', round, 30), start),
      ]);
      for (const d of done) {
        results.push(d.res);
        paths.push(...d.files.map((f) => f.filePath));
      }
    }
    expect(results.reduce((n, r) => n + r.attempts, 0)).toBeGreaterThanOrEqual(2 * rounds + rounds);
    expect(await t.sparkCount('shared')).toBe(rounds * (25 + 30));
    const perWriter = await t.sparkRows(`SELECT writer, count(*) AS n FROM ${t.name('shared')} GROUP BY writer ORDER BY writer`);
    expect(perWriter).toEqual([{ writer: 'a', n: String(rounds * 25) }, { writer: 'b', n: String(rounds * 30) }]);
    const counts = await fileCounts('shared');
    expect([...counts.keys()].sort()).toEqual([...paths].sort());
    expect([...counts.values()].every((n) => n === 1)).toBe(true);
    const snaps = await t.sparkRows(`SELECT snapshot_id, parent_id FROM ${t.name('shared')}.snapshots`);
    expect(snaps).toHaveLength(2 * rounds);
    // One linear history: every snapshot but the first has the previous one as parent.
    expect(new Set(snaps.map((s) => s.parent_id)).size).toBe(2 * rounds);
  });
});

describe('a proxy that loses the response of a successful commit', () => {
  let proxy: LossyProxy;
  let viaProxy: RestCatalogClient;
  beforeAll(async () => {
    proxy = new LossyProxy(stack.catalogUri);
    viaProxy = newCatalog(await proxy.start());
  });
  afterAll(() => proxy.stop());

  it('connection reset after an append with real files: the files are in the table once', async () => {
    await t.create('lost_reset', schema);
    await t.append('lost_reset', rows('before', 0, 10));
    proxy.plan = ['reset'];
    const { files, op, res } = await appendWith(viaProxy, 'lost_reset', rows('mine', 1, 40));
    expect(proxy.commits.at(-1)).toMatchObject({ upstreamStatus: 200, lost: 'reset' });
    expect(res).toMatchObject({ recovered: true, attempts: 1 });
    expect(op.isCommitted((await t.catalog.loadTable(t.id('lost_reset'))).metadata)).toBe(true);
    expect(await t.sparkCount('lost_reset')).toBe(50);
    expect((await t.sparkRows(`SELECT snapshot_id FROM ${t.name('lost_reset')}.snapshots`)).length).toBe(2);
    expect((await fileCounts('lost_reset')).get(files[0]!.filePath)).toBe(1);
  });

  it('502 after a merge append while another writer commits before the reload: still exactly once', async () => {
    await t.create('lost_502', schema, [], { 'commit.manifest.min-count-to-merge': '2' });
    await t.append('lost_502', rows('before', 0, 10));
    await t.append('lost_502', rows('before', 1, 10));
    const metadata = await t.load('lost_502');
    const files = await t.writeFiles(metadata, rows('mine', 2, 40));
    const op = new MergeAppend(t.io, files);
    proxy.plan = ['502'];
    let other = 0;
    const res = await commitWithRetry(viaProxy, t.id('lost_502'), op.apply, {
      retry,
      // The backoff before the reload: another writer lands a commit on top of the lost one.
      sleep: async () => {
        other++;
        await t.append('lost_502', rows('other', 3, 5));
      },
    });
    expect(proxy.commits.at(-1)).toMatchObject({ upstreamStatus: 200, lost: '502' });
    expect(other).toBe(1);
    expect(res.recovered).toBe(true);
    expect(await t.sparkCount('lost_502')).toBe(65);
    const byWriter = await t.sparkRows(`SELECT writer, count(*) AS n FROM ${t.name('lost_502')} GROUP BY writer ORDER BY writer`);
    expect(byWriter).toEqual([{ writer: 'before', n: '20' }, { writer: 'mine', n: '40' }, { writer: 'other', n: '5' }]);
    const ops = await t.sparkRows(`SELECT operation FROM ${t.name('lost_502')}.snapshots`);
    expect(ops).toHaveLength(4);
    // cleanup() deletes only what the committed snapshot does not use (here the new-files
    // manifest the merge folded into a bigger one): Spark still reads every row afterwards.
    const removed = await op.cleanup((await t.catalog.loadTable(t.id('lost_502'))).metadata);
    expect(removed.every((p) => p.endsWith('-m0.avro'))).toBe(true);
    const used = await t.sparkRows(`SELECT path FROM ${t.name('lost_502')}.manifests`);
    expect(used.some((m) => removed.includes(String(m.path)))).toBe(false);
    expect(await t.sparkCount('lost_502')).toBe(65);
  });
});
