import { describe, expect, it } from 'vitest';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import { commitWithRetry } from '../../../src/iceberg/catalog/commit.js';
import { readManifest, readManifestList } from '../../../src/iceberg/manifest/index.js';
import type { Snapshot } from '../../../src/iceberg/spec/types.js';
import { FastAppend } from '../../../src/iceberg/table/index.js';
import { commit, dataFile, faultyCatalog, MemoryFileIO, newTable, run } from './helpers.js';

const T0 = 1_700_000_100_000;
const loc = 'mem://warehouse/db/events';

function added(change: TableChange): Snapshot {
  const u = change.updates.find((x) => x.action === 'add-snapshot');
  if (u?.action !== 'add-snapshot') throw new Error('no snapshot');
  return u.snapshot;
}

async function listOf(io: MemoryFileIO, snapshot: Snapshot) {
  return readManifestList(await io.read(snapshot['manifest-list']));
}

describe('fast append', () => {
  it('commits the first snapshot: requirements, updates, v2 sequence numbers, file names, summary', async () => {
    const io = new MemoryFileIO();
    const md = newTable();
    const op = new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10), dataFile(`${loc}/data/b.parquet`, 'y', 5)], {
      properties: { 'floe.offsets': '{"t":{"0":"42"}}', 'added-records': 'ignored: computed keys win' },
      now: () => T0,
    });
    const change = await op.apply(md);
    const snapshot = added(change);
    expect(change.requirements).toEqual([
      { type: 'assert-table-uuid', uuid: md['table-uuid'] },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
    ]);
    expect(change.updates[1]).toEqual({ action: 'set-snapshot-ref', 'ref-name': 'main', type: 'branch', 'snapshot-id': op.snapshotId });
    expect(snapshot).toMatchObject({ 'snapshot-id': op.snapshotId, 'sequence-number': 1, 'timestamp-ms': T0, 'schema-id': 0 });
    expect(snapshot['parent-snapshot-id']).toBeUndefined();
    expect(snapshot['manifest-list']).toMatch(new RegExp(`^${loc}/metadata/snap-${op.snapshotId}-1-[0-9a-f-]{36}\\.avro$`));
    expect(Number.isSafeInteger(op.snapshotId) && op.snapshotId! > 0).toBe(true);
    expect(snapshot.summary).toEqual({
      operation: 'append',
      'floe.offsets': '{"t":{"0":"42"}}',
      'added-data-files': '2',
      'added-records': '15',
      'added-files-size': '150',
      'changed-partition-count': '2',
      'manifests-created': '1',
      'manifests-kept': '0',
      'manifests-replaced': '0',
      'total-records': '15',
      'total-files-size': '150',
      'total-data-files': '2',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-equality-deletes': '0',
    });

    const list = await listOf(io, snapshot);
    expect(list.metadata).toEqual({ 'snapshot-id': String(op.snapshotId), 'parent-snapshot-id': 'null', 'sequence-number': '1', 'format-version': '2' });
    expect(list.manifests).toHaveLength(1);
    const [m] = list.manifests;
    expect(m!.manifestPath).toMatch(new RegExp(`^${loc}/metadata/[0-9a-f-]{36}-m0\\.avro$`));
    expect(m).toMatchObject({ content: 0, sequenceNumber: 1, minSequenceNumber: 1, addedSnapshotId: op.snapshotId, addedFilesCount: 2, addedRowsCount: 15 });
    // Added entries are written with null sequence numbers: they inherit from the manifest list.
    const { entries } = readManifest(await io.read(m!.manifestPath));
    expect(entries.map((e) => [e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [1, op.snapshotId, null, null],
      [1, op.snapshotId, null, null],
    ]);
    const next = commit(md, change);
    expect(next['last-sequence-number']).toBe(1);
  });

  it('carries existing manifests over unchanged and accumulates totals', async () => {
    const io = new MemoryFileIO();
    let md = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)], { now: () => T0 }));
    const first = md.snapshots![0]!;
    const [firstManifest] = (await listOf(io, first)).manifests;
    const op = new FastAppend(io, [dataFile(`${loc}/data/b.parquet`, 'x', 7)], { now: () => T0 + 1 });
    const change = await op.apply(md);
    md = commit(md, change);
    const snapshot = added(change);
    expect(snapshot).toMatchObject({ 'parent-snapshot-id': first['snapshot-id'], 'sequence-number': 2 });
    expect(change.requirements[1]).toEqual({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': first['snapshot-id'] });
    const list = await listOf(io, snapshot);
    expect(list.manifests).toHaveLength(2);
    expect(list.manifests[1]).toEqual(firstManifest); // untouched, still sequence number 1
    expect(list.manifests[0]).toMatchObject({ sequenceNumber: 2, minSequenceNumber: 2, addedSnapshotId: op.snapshotId });
    expect(snapshot.summary).toMatchObject({ 'total-records': '17', 'total-data-files': '2', 'changed-partition-count': '1', 'manifests-kept': '1' });
  });

  it('omits a total the parent does not know rather than restarting it at zero', async () => {
    const io = new MemoryFileIO();
    let md = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]));
    delete md.snapshots![0]!.summary['total-records'];
    const change = await new FastAppend(io, [dataFile(`${loc}/data/b.parquet`, 'x', 7)]).apply(md);
    md = commit(md, change);
    expect(added(change).summary['total-records']).toBeUndefined();
    expect(added(change).summary['total-data-files']).toBe('2');
  });

  it('re-applies on fresh metadata after a conflict, reusing its manifest, and never appends twice', async () => {
    const io = new MemoryFileIO();
    const md0 = newTable();
    const op = new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]);
    const attempt1 = await op.apply(md0);
    // Another writer commits first.
    const md1 = await run(md0, new FastAppend(io, [dataFile(`${loc}/data/other.parquet`, 'y', 3)]));
    expect(() => commit(md1, attempt1)).toThrow(/409/);

    const attempt2 = await op.apply(md1);
    const [s1, s2] = [added(attempt1), added(attempt2)];
    expect(s2['snapshot-id']).toBe(s1['snapshot-id']);
    expect(s2).toMatchObject({ 'sequence-number': 2, 'parent-snapshot-id': md1['current-snapshot-id'] });
    expect(s2['manifest-list']).toMatch(/snap-\d+-2-/);
    expect(s2.summary['total-records']).toBe('13');
    const [l1, l2] = [await listOf(io, s1), await listOf(io, s2)];
    expect(l2.manifests[0]!.manifestPath).toBe(l1.manifests[0]!.manifestPath); // written once
    expect(l2.manifests[0]!.sequenceNumber).toBe(2);
    const md2 = commit(md1, attempt2);

    // The response was lost: re-applying on the reloaded table finds the snapshot and adds nothing.
    expect(op.isCommitted(md2)).toBe(true);
    expect(await op.apply(md2)).toEqual({ requirements: [], updates: [] });

    // Cleanup keeps what the committed snapshot uses and removes attempt 1's manifest list.
    const removed = await op.cleanup(md2);
    expect(removed).toEqual([s1['manifest-list']]);
    expect(await io.exists(s2['manifest-list'])).toBe(true);
    expect(await io.exists(l2.manifests[0]!.manifestPath)).toBe(true);
  });

  it('works inside the catalog commit loop when a successful commit loses its response', async () => {
    const io = new MemoryFileIO();
    const { catalog, table } = faultyCatalog(newTable(), ['conflict', 'lost'], (md) => run(md, new FastAppend(io, [dataFile(`${loc}/data/concurrent.parquet`, 'x', 1)])));
    const op = new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]);
    const result = await commitWithRetry(catalog, { namespace: ['db'], name: 'events' }, op.apply, { sleep: async () => {} });
    expect(result.recovered).toBe(true);
    expect(table.metadata.snapshots).toHaveLength(2);
    expect(table.metadata.snapshots![1]!.summary['total-records']).toBe('11');
    expect(op.isCommitted(table.metadata)).toBe(true);
  });

  it('rejects delete files and non-v2 tables', async () => {
    const io = new MemoryFileIO();
    expect(() => new FastAppend(io, [dataFile('d.parquet', 'x', 1, { content: 1 })])).toThrow(/row delta/);
    const v1 = { ...newTable(), 'format-version': 1 as const };
    await expect(new FastAppend(io, []).apply(v1)).rejects.toThrow(/v2/);
  });

  it('writes metadata under write.metadata.path when set', async () => {
    const io = new MemoryFileIO();
    const md = newTable(loc, { 'write.metadata.path': 'mem://elsewhere/meta/' });
    const change = await new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 1)]).apply(md);
    expect(added(change)['manifest-list']).toMatch(/^mem:\/\/elsewhere\/meta\/snap-/);
  });
});
