import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, readManifestList } from '../../../src/iceberg/manifest/index.js';
import type { FileIO } from '../../../src/iceberg/io/types.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FastAppend, MergeAppend, mergeSettings, packFromEnd, replaceFiles } from '../../../src/iceberg/table/index.js';
import { readWithPyIceberg } from '../../fixtures/pyiceberg.js';
import { dataFile, DiskFileIO, MemoryFileIO, newTable, run } from './helpers.js';

const loc = 'mem://warehouse/db/events';

async function manifestsOf(io: FileIO, md: TableMetadata) {
  const head = md.snapshots!.find((s) => s['snapshot-id'] === md['current-snapshot-id'])!;
  return { snapshot: head, manifests: readManifestList(await io.read(head['manifest-list'])).manifests };
}

async function appendN(io: FileIO, md: TableMetadata, n: number, make: typeof MergeAppend | typeof FastAppend = MergeAppend, base = loc) {
  for (let i = 0; i < n; i++) {
    md = await run(md, new make(io, [dataFile(`${base}/data/f${md.snapshots!.length}.parquet`, `p${i % 2}`, 10 + i)]));
  }
  return md;
}

describe('manifest merge settings and packing', () => {
  it('reads Iceberg table properties with Iceberg defaults', () => {
    expect(mergeSettings(undefined)).toEqual({ enabled: true, minCountToMerge: 100, targetSizeBytes: 8 * 1024 * 1024 });
    expect(
      mergeSettings({ 'commit.manifest-merge.enabled': 'false', 'commit.manifest.min-count-to-merge': '5', 'commit.manifest.target-size-bytes': '1024' }),
    ).toEqual({ enabled: false, minCountToMerge: 5, targetSizeBytes: 1024 });
    expect(mergeSettings({ 'commit.manifest.min-count-to-merge': 'x' }, { targetSizeBytes: 7 })).toMatchObject({ minCountToMerge: 100, targetSizeBytes: 7 });
  });

  it('packs from the end so only the newest bin is under-filled, keeping order', () => {
    expect(packFromEnd([5, 5, 5, 5, 5], (x) => x, 10)).toEqual([[5], [5, 5], [5, 5]]);
    expect(packFromEnd(['a', 'b', 'c'], () => 20, 10)).toEqual([['a'], ['b'], ['c']]);
    expect(packFromEnd([1, 2, 3], (x) => x, 100)).toEqual([[1, 2, 3]]);
  });
});

describe('merge append', () => {
  it('keeps manifests apart below commit.manifest.min-count-to-merge', async () => {
    const io = new MemoryFileIO();
    const md = await appendN(io, newTable(loc, { 'commit.manifest.min-count-to-merge': '4' }), 3);
    expect((await manifestsOf(io, md)).manifests).toHaveLength(3);
  });

  it('merges into one manifest at the threshold: older files become EXISTING with their original ids and sequence numbers', async () => {
    const io = new MemoryFileIO();
    let md = await appendN(io, newTable(loc, { 'commit.manifest.min-count-to-merge': '3' }), 2);
    const before = md.snapshots!.map((s) => s['snapshot-id']);
    const op = new MergeAppend(io, [dataFile(`${loc}/data/new.parquet`, 'p0', 100)]);
    md = await run(md, op);
    const { snapshot, manifests } = await manifestsOf(io, md);
    expect(manifests).toHaveLength(1);
    const [merged] = manifests;
    expect(merged).toMatchObject({
      addedSnapshotId: op.snapshotId,
      sequenceNumber: 3,
      minSequenceNumber: 1,
      addedFilesCount: 1,
      existingFilesCount: 2,
      addedRowsCount: 100,
      existingRowsCount: 21,
    });
    const { entries } = readManifest(await io.read(merged!.manifestPath));
    expect(entries.map((e) => [e.dataFile.filePath.split('/').pop(), e.status, e.snapshotId, e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      ['new.parquet', 1, op.snapshotId, null, null],
      ['f1.parquet', 0, before[1], 2, 2],
      ['f0.parquet', 0, before[0], 1, 1],
    ]);
    expect(snapshot.summary).toMatchObject({ 'manifests-created': '1', 'manifests-kept': '0', 'manifests-replaced': '2', 'total-data-files': '3' });
  });

  it('does not merge with merging disabled, and fast append never merges', async () => {
    const io = new MemoryFileIO();
    const props = { 'commit.manifest.min-count-to-merge': '2' };
    const off = await appendN(io, newTable(loc, { ...props, 'commit.manifest-merge.enabled': 'false' }), 3);
    expect((await manifestsOf(io, off)).manifests).toHaveLength(3);
    const fast = await appendN(io, newTable(loc, props), 3, FastAppend);
    expect((await manifestsOf(io, fast)).manifests).toHaveLength(3);
  });

  it('merges older full bins even below the count threshold when manifests exceed the target size', async () => {
    const io = new MemoryFileIO();
    let md = await appendN(io, newTable(loc), 4, FastAppend);
    const sizes = (await manifestsOf(io, md)).manifests.map((m) => m.manifestLength);
    // Room for two manifests per bin, packed from the oldest: [new], [m4, m3], [m2, m1]. Both full
    // bins merge although 2 < min-count-to-merge (100): the count only guards the newest bin.
    const target = Math.max(...sizes) * 2 + 10;
    const op = new MergeAppend(io, [dataFile(`${loc}/data/new.parquet`, 'p0', 1)], { merge: { targetSizeBytes: target } });
    md = await run(md, op);
    const { manifests, snapshot } = await manifestsOf(io, md);
    expect(manifests.map((m) => [m.addedFilesCount, m.existingFilesCount])).toEqual([
      [1, 0],
      [0, 2],
      [0, 2],
    ]);
    expect(snapshot.summary['manifests-replaced']).toBe('4');
  });

  it('drops DELETED entries of earlier snapshots when merging', async () => {
    const io = new MemoryFileIO();
    let md = await appendN(io, newTable(loc), 2, FastAppend);
    md = await run(md, replaceFiles(io, { remove: [`${loc}/data/f0.parquet`], add: [dataFile(`${loc}/data/c.parquet`, 'p0', 10)] }));
    const op = new MergeAppend(io, [dataFile(`${loc}/data/new.parquet`, 'p1', 1)], { merge: { minCountToMerge: 2 } });
    md = await run(md, op);
    const { manifests } = await manifestsOf(io, md);
    expect(manifests).toHaveLength(1);
    const { entries } = readManifest(await io.read(manifests[0]!.manifestPath));
    expect(entries.map((e) => [e.dataFile.filePath.split('/').pop(), e.status])).toEqual([
      ['new.parquet', 1],
      ['c.parquet', 0],
      ['f1.parquet', 0],
    ]);
  });

  it('a merging replace retried against appends reads each committed manifest once, and stops merging after three attempts', async () => {
    const io = new MemoryFileIO();
    let md = await appendN(io, newTable(loc), 4, FastAppend);
    const op = replaceFiles(io, { remove: [`${loc}/data/f0.parquet`], add: [dataFile(`${loc}/data/c.parquet`, 'p0', 10)] }, { merge: { minCountToMerge: 2 } });
    const merged: number[] = [];
    const readsPerAttempt: number[] = [];
    for (let attempt = 0; attempt < 5; attempt++) {
      // Each attempt loses to an append that lands first, as against a busy ingest.
      md = await appendN(io, md, 1, FastAppend);
      const before = io.reads;
      const change = await op.apply(md);
      readsPerAttempt.push(io.reads - before);
      const list = (change.updates[0] as { snapshot: { 'manifest-list': string } }).snapshot['manifest-list'];
      merged.push(readManifestList(await io.read(list)).manifests.length);
    }
    // One manifest while merging; afterwards every append's manifest is carried as it is (8 and
    // 9 appends, f0's rewritten in place, plus the replace's own).
    expect(merged.slice(0, 3)).toEqual([1, 1, 1]);
    expect(merged.slice(3)).toEqual([9, 10]);
    // The manifest list, the one new manifest (rewritten by the replace, then merged): nothing read twice.
    expect(readsPerAttempt.slice(1)).toEqual([2, 2, 2, 2]);
    md = await run(md, op);
    expect(md.snapshots!.at(-1)!.summary.operation).toBe('replace');
  });

  it('produces merged manifests PyIceberg reads with the right inherited values', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-merge-'));
    const io = new DiskFileIO();
    const md = await appendN(io, newTable(dir, { 'commit.manifest.min-count-to-merge': '3' }), 3, MergeAppend, dir);
    const { snapshot } = await manifestsOf(io, md);
    const [m] = readWithPyIceberg(snapshot['manifest-list']);
    expect(m).toMatchObject({ sequence_number: 3, min_sequence_number: 1, added_files_count: 1, existing_files_count: 2 });
    expect(m!.entries.map((e) => [e.status, e.sequence_number, e.file_sequence_number, e.snapshot_id])).toEqual([
      [1, 3, 3, String(snapshot['snapshot-id'])],
      [0, 2, 2, String(md.snapshots![1]!['snapshot-id'])],
      [0, 1, 1, String(md.snapshots![0]!['snapshot-id'])],
    ]);
  });
});
