import { describe, expect, it } from 'vitest';
import { readManifest, readManifestList } from '../../../src/iceberg/manifest/index.js';
import type { DataFile, TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FastAppend, overwriteFiles, replaceFiles, rowDelta } from '../../../src/iceberg/table/index.js';
import { dataFile, MemoryFileIO, newTable, run } from './helpers.js';

const loc = 'mem://warehouse/db/events';
const path = (name: string) => `${loc}/data/${name}.parquet`;

function head(md: TableMetadata) {
  return md.snapshots!.find((s) => s['snapshot-id'] === md['current-snapshot-id'])!;
}

/** a, b in one manifest (snapshot 1), c in another (snapshot 2). */
async function table(io: MemoryFileIO): Promise<TableMetadata> {
  let md = await run(newTable(), new FastAppend(io, [dataFile(path('a'), 'x', 10), dataFile(path('b'), 'x', 20)]));
  md = await run(md, new FastAppend(io, [dataFile(path('c'), 'y', 30)]));
  return md;
}

const posDelete = (name: string, extra: Partial<DataFile> = {}): DataFile => ({
  ...dataFile(path(name), 'x', 2),
  content: 1,
  ...extra,
});

describe('replace (compaction)', () => {
  it('marks removed files DELETED in a rewritten manifest and adds the new file', async () => {
    const io = new MemoryFileIO();
    let md = await table(io);
    const [s1, s2] = md.snapshots!;
    const op = replaceFiles(io, { remove: [path('a'), dataFile(path('b'), 'x', 20)], add: [dataFile(path('ab'), 'x', 30)] });
    md = await run(md, op);
    const snap = head(md);
    expect(snap['sequence-number']).toBe(3);
    expect(snap.summary).toMatchObject({
      operation: 'replace',
      'added-data-files': '1',
      'deleted-data-files': '2',
      'added-records': '30',
      'deleted-records': '30',
      'added-files-size': '300',
      'removed-files-size': '300',
      'changed-partition-count': '1',
      'total-records': '60',
      'total-data-files': '2',
      'manifests-created': '2',
      'manifests-kept': '1',
      'manifests-replaced': '1',
    });
    const { manifests } = readManifestList(await io.read(snap['manifest-list']));
    expect(manifests.map((m) => [m.addedFilesCount, m.existingFilesCount, m.deletedFilesCount, m.sequenceNumber, m.minSequenceNumber])).toEqual([
      [1, 0, 0, 3, 3], // the compacted file
      [1, 0, 0, 2, 2], // c's manifest from snapshot 2, carried over untouched
      [0, 0, 2, 3, 3], // a and b, now DELETED (no live files, so min is the manifest's own)
    ]);
    const rewritten = readManifest(await io.read(manifests[2]!.manifestPath)).entries;
    expect(rewritten.map((e) => [e.dataFile.filePath, e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [path('a'), 2, op.snapshotId, 1, 1],
      [path('b'), 2, op.snapshotId, 1, 1],
    ]);
    expect(manifests[1]!.addedSnapshotId).toBe(s2!['snapshot-id']);
    expect(snap['parent-snapshot-id']).toBe(s2!['snapshot-id']);
    expect(s1!['sequence-number']).toBe(1);
  });

  it('keeps the other live files of a rewritten manifest as EXISTING', async () => {
    const io = new MemoryFileIO();
    let md = await table(io);
    md = await run(md, overwriteFiles(io, { remove: [path('a')] }));
    const snap = head(md);
    expect(snap.summary).toMatchObject({ operation: 'overwrite', 'deleted-data-files': '1', 'total-records': '50', 'total-data-files': '2' });
    expect(snap.summary['added-data-files']).toBeUndefined();
    const { manifests } = readManifestList(await io.read(snap['manifest-list']));
    const rewritten = manifests.find((m) => m.deletedFilesCount === 1)!;
    expect(rewritten).toMatchObject({ existingFilesCount: 1, existingRowsCount: 20, minSequenceNumber: 1, sequenceNumber: 3 });
    const entries = readManifest(await io.read(rewritten.manifestPath)).entries;
    expect(entries.map((e) => [e.dataFile.filePath, e.status, e.sequenceNumber])).toEqual([
      [path('a'), 2, 1],
      [path('b'), 0, 1],
    ]);
  });

  it('fails when a file to remove is not in the table, also on a retry after a concurrent removal', async () => {
    const io = new MemoryFileIO();
    const md = await table(io);
    await expect(replaceFiles(io, { remove: [path('nope')] }).apply(md)).rejects.toMatchObject({ code: 'TABLE_VALIDATION_FAILED' });
    const op = replaceFiles(io, { remove: [path('a')], add: [dataFile(path('a2'), 'x', 10)] });
    await op.apply(md);
    const concurrent = await run(md, overwriteFiles(io, { remove: [path('a')] }));
    await expect(op.apply(concurrent)).rejects.toThrow(/no longer in the table/);
  });

  it('fails when position deletes for a rewritten file were committed after the starting snapshot', async () => {
    const io = new MemoryFileIO();
    const md = await table(io);
    const start = md['current-snapshot-id']!;
    const withDeletes = await run(md, rowDelta(io, { deleteFiles: [posDelete('pos-a', { referencedDataFile: path('a') })] }));
    const op = replaceFiles(io, { remove: [path('a'), path('b')], add: [dataFile(path('ab'), 'x', 30)], startingSnapshotId: start });
    await expect(op.apply(withDeletes)).rejects.toThrow(/pos-a.*applies to rewritten file .*a\.parquet/);
    // Deletes that target another file (by referenced_data_file or file_path bounds) do not conflict.
    const enc = (s: string) => new TextEncoder().encode(s);
    const other = await run(md, rowDelta(io, {
      deleteFiles: [posDelete('pos-c', { lowerBounds: new Map([[2147483546, enc(path('c'))]]), upperBounds: new Map([[2147483546, enc(path('c'))]]) })],
      referencedDataFiles: [path('c')],
    }));
    await expect(replaceFiles(io, { remove: [path('a')], startingSnapshotId: start }).apply(other)).resolves.toBeDefined();
  });

  it('with the starting sequence number, later equality deletes still apply to the new file and do not conflict', async () => {
    const io = new MemoryFileIO();
    const md = await table(io);
    const start = md['current-snapshot-id']!;
    const eq: DataFile = { ...dataFile(path('eq'), 'x', 1), content: 2, equalityIds: [1] };
    const withEq = await run(md, rowDelta(io, { deleteFiles: [eq] }));
    const input = { remove: [path('a')], add: [dataFile(path('a2'), 'x', 10)], startingSnapshotId: start };
    await expect(replaceFiles(io, input).apply(withEq)).rejects.toThrow(/eq\.parquet/);

    const op = replaceFiles(io, { ...input, useStartingSequenceNumber: true });
    const after = await run(withEq, op);
    const { manifests } = readManifestList(await io.read(head(after)['manifest-list']));
    const added = manifests.find((m) => m.addedFilesCount === 1 && m.content === 0)!;
    const [entry] = readManifest(await io.read(added.manifestPath)).entries;
    // Data sequence number pinned to the start (2) so the equality delete (3) stays newer; file seq inherits (4).
    expect(entry).toMatchObject({ status: 1, sequenceNumber: 2, fileSequenceNumber: null });
    expect(added).toMatchObject({ sequenceNumber: 4, minSequenceNumber: 2 });
  });

  it('ignores equality deletes of other partitions but honours global (unpartitioned) ones', async () => {
    const io = new MemoryFileIO();
    const md = await table(io);
    const start = md['current-snapshot-id']!;
    const eqOther: DataFile = { ...dataFile(path('eq-y'), 'y', 1), content: 2, equalityIds: [1] };
    const other = await run(md, rowDelta(io, { deleteFiles: [eqOther] }));
    await expect(replaceFiles(io, { remove: [path('a')], startingSnapshotId: start }).apply(other)).resolves.toBeDefined();
    const eqGlobal: DataFile = { ...dataFile(path('eq-all'), null, 1), content: 2, equalityIds: [1], specId: 1, partition: [] };
    const global = await run(md, rowDelta(io, { deleteFiles: [eqGlobal] }));
    await expect(replaceFiles(io, { remove: [path('a')], startingSnapshotId: start }).apply(global)).rejects.toThrow(/eq-all/);
  });

  it('removes delete files too, and reports them in the summary', async () => {
    const io = new MemoryFileIO();
    let md = await table(io);
    md = await run(md, rowDelta(io, { deleteFiles: [posDelete('pos-a', { referencedDataFile: path('a') })] }));
    expect(head(md).summary).toMatchObject({ 'total-delete-files': '1', 'total-position-deletes': '2' });
    // Compaction that applied the deletes: a and its delete file go, a2 comes.
    md = await run(md, replaceFiles(io, { remove: [path('a'), path('pos-a')], add: [dataFile(path('a2'), 'x', 8)] }));
    expect(head(md).summary).toMatchObject({
      'removed-delete-files': '1',
      'removed-position-delete-files': '1',
      'removed-position-deletes': '2',
      'total-delete-files': '0',
      'total-position-deletes': '0',
      'total-records': '58',
    });
  });
});
