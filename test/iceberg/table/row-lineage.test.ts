/**
 * v3 row lineage as floe writes it (spec "Row Lineage"): snapshot first-row-id/added-rows, the
 * table's next-row-id, each new data manifest's first_row_id in the list, data files inheriting
 * theirs; an upgraded v2 table assigns ids to its existing files on the first v3 commit; a
 * rewrite keeps the ids of the rows it keeps listing (explicit first_row_id on existing entries);
 * a commit retried after a conflict takes its ids from the fresh next-row-id, and one whose
 * response was lost is found in the table and assigns nothing twice.
 */
import { describe, expect, it } from 'vitest';
import { commitWithRetry } from '../../../src/iceberg/catalog/commit.js';
import { readManifest } from '../../../src/iceberg/manifest/index.js';
import { applyUpdates } from '../../../src/iceberg/spec/updates.js';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FastAppend, MergeAppend, RewriteFiles } from '../../../src/iceberg/table/index.js';
import { branchSnapshot, readEntries, readManifests } from '../../../src/iceberg/table/state.js';
import { commit, dataFile, faultyCatalog, MemoryFileIO, newTable, run } from './helpers.js';

const loc = 'mem://warehouse/db/events';
const v3 = (): TableMetadata => ({ ...newTable(), 'format-version': 3, 'next-row-id': 0 });

async function filesOf(io: MemoryFileIO, md: TableMetadata) {
  const out: Array<[string, number | undefined, number]> = [];
  for (const m of await readManifests(io, branchSnapshot(md))) {
    for (const e of await readEntries(io, m)) if (e.status !== 2) out.push([e.dataFile.filePath.split('/').pop()!, e.dataFile.firstRowId, e.dataFile.recordCount]);
  }
  return out.sort((a, b) => a[0].localeCompare(b[0]));
}

/** A v2 table holding `files`, upgraded to v3: its files have no row ids until the first v3 commit. */
async function upgradedTable(io: MemoryFileIO, files: Array<[string, number]>): Promise<TableMetadata> {
  const v2 = await run(newTable(), new FastAppend(io, files.map(([name, rows]) => dataFile(`${loc}/data/${name}`, 'x', rows))));
  return applyUpdates(v2, [{ action: 'upgrade-format-version', 'format-version': 3 }]);
}

/**
 * `op`'s first attempt reads the upgraded table; another writer's first v3 commit lands first and
 * gives old.parquet its ids, so the attempt is refused (409); the retry applies to that table.
 */
async function retriedAcrossFirstV3Commit(io: MemoryFileIO, upgraded: TableMetadata, op: { apply(m: TableMetadata): Promise<TableChange> }) {
  const attempt1 = await op.apply(upgraded);
  const other = await run(upgraded, new FastAppend(io, [dataFile(`${loc}/data/other.parquet`, 'y', 3)]));
  expect(() => commit(other, attempt1)).toThrow(/409/);
  const given = (await filesOf(io, other)).find((f) => f[0] === 'old.parquet')!;
  expect(given[1]).toBeDefined();
  return { other, given, retried: commit(other, await op.apply(other)) };
}

describe('row lineage (v3)', () => {
  it('assigns row ids to appended files and advances next-row-id', async () => {
    const io = new MemoryFileIO();
    let md = await run(v3(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10), dataFile(`${loc}/data/b.parquet`, 'x', 5)]));
    expect(branchSnapshot(md)).toMatchObject({ 'first-row-id': 0, 'added-rows': 15 });
    expect(md['next-row-id']).toBe(15);
    md = await run(md, new FastAppend(io, [dataFile(`${loc}/data/c.parquet`, 'y', 3)]));
    expect(branchSnapshot(md)).toMatchObject({ 'first-row-id': 15, 'added-rows': 3 });
    expect(md['next-row-id']).toBe(18);
    expect(await filesOf(io, md)).toEqual([['a.parquet', 0, 10], ['b.parquet', 10, 5], ['c.parquet', 15, 3]]);
    // Files are written without an id (inherited); the manifest header says v3.
    const [newest] = await readManifests(io, branchSnapshot(md));
    const raw = readManifest(await io.read(newest!.manifestPath));
    expect(raw.metadata.formatVersion).toBe(3);
    expect(raw.entries[0]!.dataFile.firstRowId).toBeUndefined();
  });

  it('an upgraded v2 table gives its existing files ids on the first v3 commit', async () => {
    const io = new MemoryFileIO();
    const v2 = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/old.parquet`, 'x', 4)]));
    expect(branchSnapshot(v2)!['first-row-id']).toBeUndefined();
    const upgraded = applyUpdates(v2, [{ action: 'upgrade-format-version', 'format-version': 3 }]);
    expect(await filesOf(io, upgraded)).toEqual([['old.parquet', undefined, 4]]);
    const md = await run(upgraded, new FastAppend(io, [dataFile(`${loc}/data/new.parquet`, 'x', 2)]));
    expect(branchSnapshot(md)).toMatchObject({ 'first-row-id': 0, 'added-rows': 6 });
    expect(md['next-row-id']).toBe(6);
    expect(await filesOf(io, md)).toEqual([['new.parquet', 0, 2], ['old.parquet', 2, 4]]);
  });

  it('merging and rewriting keep the ids of files that stay', async () => {
    const io = new MemoryFileIO();
    let md = await run(v3(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]));
    md = await run(md, new FastAppend(io, [dataFile(`${loc}/data/b.parquet`, 'x', 5)]));
    md = await run(md, new MergeAppend(io, [dataFile(`${loc}/data/c.parquet`, 'x', 1)], { merge: { minCountToMerge: 2 } }));
    expect(await filesOf(io, md)).toEqual([['a.parquet', 0, 10], ['b.parquet', 10, 5], ['c.parquet', 15, 1]]);
    const gone = (await readEntries(io, (await readManifests(io, branchSnapshot(md)))[0]!)).map((e) => e.dataFile).find((f) => f.filePath.endsWith('b.parquet'))!;
    md = await run(md, new RewriteFiles(io, { remove: [gone], add: [dataFile(`${loc}/data/b2.parquet`, 'x', 5)] }));
    const files = await filesOf(io, md);
    expect(files.find((f) => f[0] === 'a.parquet')).toEqual(['a.parquet', 0, 10]);
    expect(files.find((f) => f[0] === 'c.parquet')).toEqual(['c.parquet', 15, 1]);
    expect(files.find((f) => f[0] === 'b2.parquet')![1]).toBeGreaterThanOrEqual(16);
    expect(md['next-row-id']).toBeGreaterThanOrEqual(21);
  });

  it('a retried commit takes its ids from the fresh next-row-id; a lost response assigns none twice', async () => {
    const io = new MemoryFileIO();
    const faults: Array<'conflict' | 'lost'> = ['conflict', 'lost'];
    // Another writer lands 7 rows first: the attempt's first-row-id 10 is stale then.
    const { catalog, table } = faultyCatalog(await run(v3(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)])), faults, (md) =>
      run(md, new FastAppend(io, [dataFile(`${loc}/data/other.parquet`, 'y', 7)])),
    );
    // Merging on every attempt: the merged manifest carries a's explicit id and b's inherited one.
    const op = new MergeAppend(io, [dataFile(`${loc}/data/b.parquet`, 'x', 5)], { merge: { minCountToMerge: 2 } });
    const result = await commitWithRetry(catalog, { namespace: ['db'], name: 'events' }, op.apply, { sleep: async () => {} });
    expect(result.recovered).toBe(true);
    expect(faults).toEqual([]);
    const snapshots = table.metadata.snapshots!.map((x) => [x['first-row-id'], x['added-rows']]);
    // a: [0, 10); other: [10, 17); b's commit starts at 17 and also covers the merged rows.
    expect(snapshots.slice(0, 2)).toEqual([[0, 10], [10, 7]]);
    expect(snapshots).toHaveLength(3);
    expect(snapshots[2]![0]).toBe(17);
    expect(table.metadata['next-row-id']).toBe(17 + snapshots[2]![1]!);
    const files = await filesOf(io, table.metadata);
    expect(files.find((f) => f[0] === 'a.parquet')).toEqual(['a.parquet', 0, 10]);
    expect(files.find((f) => f[0] === 'other.parquet')).toEqual(['other.parquet', 10, 7]);
    const b = files.find((f) => f[0] === 'b.parquet')!;
    expect(b[1]).toBeGreaterThanOrEqual(17);
    expect(b[1]! + 5).toBeLessThanOrEqual(table.metadata['next-row-id']!);
    // Re-applying after the recovery changes nothing (no second snapshot, no new ids).
    expect(await op.apply(table.metadata)).toEqual({ requirements: [], updates: [] });
  });

  it('a retry that merges an upgraded table\'s manifest keeps the ids another writer gave it meanwhile', async () => {
    const io = new MemoryFileIO();
    const upgraded = await upgradedTable(io, [['old.parquet', 4]]);
    // Attempt 1 reads the v2-era manifest while it has no first_row_id yet, and merges it; the
    // retry merges the same manifest again: its rows keep the ids the other writer's commit gave
    // them (a row id never changes).
    const op = new MergeAppend(io, [dataFile(`${loc}/data/b.parquet`, 'x', 5)], { merge: { minCountToMerge: 2 } });
    const { other, given, retried } = await retriedAcrossFirstV3Commit(io, upgraded, op);
    const files = await filesOf(io, retried);
    expect(files.find((f) => f[0] === 'old.parquet')).toEqual(given);
    expect(files.find((f) => f[0] === 'other.parquet')).toEqual((await filesOf(io, other)).find((f) => f[0] === 'other.parquet'));
    expect(files.find((f) => f[0] === 'b.parquet')![1]).toBeGreaterThanOrEqual(other['next-row-id']!);
  });

  it('a compaction retried across an upgraded table\'s first v3 commit keeps the ids its kept files got', async () => {
    const io = new MemoryFileIO();
    const upgraded = await upgradedTable(io, [['old.parquet', 4], ['old2.parquet', 2]]);
    const old2 = (await readEntries(io, (await readManifests(io, branchSnapshot(upgraded)))[0]!)).map((e) => e.dataFile).find((f) => f.filePath.endsWith('old2.parquet'))!;
    // Removed by path: what this checks is the kept file (a compaction's own rows: the next test).
    const op = new RewriteFiles(io, { remove: [old2.filePath], add: [dataFile(`${loc}/data/old2-compacted.parquet`, 'x', 2)] });
    const { given, retried } = await retriedAcrossFirstV3Commit(io, upgraded, op);
    expect((await filesOf(io, retried)).find((f) => f[0] === 'old.parquet')).toEqual(given);
  });

  it('a compaction that read rows before the first v3 commit gave them ids is refused, not committed with new ids', async () => {
    const io = new MemoryFileIO();
    const upgraded = await upgradedTable(io, [['old.parquet', 4]]);
    // The compaction reads old.parquet while it has no ids: its rows go into the new file without.
    const [old] = (await readEntries(io, (await readManifests(io, branchSnapshot(upgraded)))[0]!)).map((e) => e.dataFile);
    expect(old!.firstRowId).toBeUndefined();
    const op = new RewriteFiles(io, { remove: [old!], add: [dataFile(`${loc}/data/compacted.parquet`, 'x', 4)] });
    const other = await run(upgraded, new FastAppend(io, [dataFile(`${loc}/data/other.parquet`, 'y', 3)]));
    await expect(op.apply(other)).rejects.toMatchObject({ code: 'TABLE_VALIDATION_FAILED', message: expect.stringMatching(/first_row_id 3 now but undefined/) });
    // Read after that commit, the same compaction goes through and its rows keep ids 3..6.
    const [fresh] = (await readEntries(io, (await readManifests(io, branchSnapshot(other)))[1]!)).map((e) => e.dataFile);
    expect(fresh!.firstRowId).toBe(3);
    await run(other, new RewriteFiles(io, { remove: [fresh!], add: [dataFile(`${loc}/data/compacted.parquet`, 'x', 4)] }));
  });
});
