import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readManifest, readManifestList } from '../../../src/iceberg/manifest/index.js';
import type { DataFile, TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FastAppend, overwriteFiles, rowDelta } from '../../../src/iceberg/table/index.js';
import { readWithPyIceberg } from '../../fixtures/pyiceberg.js';
import { dataFile, DiskFileIO, MemoryFileIO, newTable, run } from './helpers.js';

const loc = 'mem://warehouse/db/events';

function head(md: TableMetadata) {
  return md.snapshots!.find((s) => s['snapshot-id'] === md['current-snapshot-id'])!;
}

function deletes(base: string) {
  const pos: DataFile = { ...dataFile(`${base}/data/pos.parquet`, 'x', 3), content: 1, referencedDataFile: `${base}/data/a.parquet` };
  const eq: DataFile = { ...dataFile(`${base}/data/eq.parquet`, 'x', 2), content: 2, equalityIds: [1], sortOrderId: 0 };
  return { pos, eq };
}

describe('row delta', () => {
  it('adds data, position and equality deletes as one overwrite snapshot with a delete manifest', async () => {
    const io = new MemoryFileIO();
    let md = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]));
    const { pos, eq } = deletes(loc);
    const op = rowDelta(io, { dataFiles: [dataFile(`${loc}/data/upserts.parquet`, 'x', 4)], deleteFiles: [pos, eq] }, { properties: { 'floe.offsets': '{}' } });
    md = await run(md, op);
    const snap = head(md);
    expect(snap.summary).toMatchObject({
      operation: 'overwrite',
      'floe.offsets': '{}',
      'added-data-files': '1',
      'added-records': '4',
      'added-delete-files': '2',
      'added-position-delete-files': '1',
      'added-equality-delete-files': '1',
      'added-position-deletes': '3',
      'added-equality-deletes': '2',
      'total-records': '14',
      'total-data-files': '2',
      'total-delete-files': '2',
      'total-position-deletes': '3',
      'total-equality-deletes': '2',
      'changed-partition-count': '1',
    });
    const { manifests } = readManifestList(await io.read(snap['manifest-list']));
    expect(manifests.map((m) => [m.content, m.addedFilesCount, m.sequenceNumber])).toEqual([
      [0, 1, 2],
      [0, 1, 1],
      [1, 2, 2],
    ]);
    const read = readManifest(await io.read(manifests[2]!.manifestPath));
    expect(read.metadata.raw.content).toBe('deletes');
    expect(read.entries.map((e) => e.dataFile)).toEqual([pos, eq]);
  });

  it('is a delete with only delete files and an append with only data files', async () => {
    const io = new MemoryFileIO();
    let md = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]));
    md = await run(md, rowDelta(io, { deleteFiles: [deletes(loc).pos] }));
    expect(head(md).summary.operation).toBe('delete');
    md = await run(md, rowDelta(io, { dataFiles: [dataFile(`${loc}/data/b.parquet`, 'x', 1)] }));
    expect(head(md).summary.operation).toBe('append');
    expect(head(md).summary['total-delete-files']).toBe('1');
  });

  it('fails when a data file its position deletes reference was removed concurrently', async () => {
    const io = new MemoryFileIO();
    const md = await run(newTable(), new FastAppend(io, [dataFile(`${loc}/data/a.parquet`, 'x', 10)]));
    const op = rowDelta(io, { deleteFiles: [deletes(loc).pos] });
    await op.apply(md);
    const compacted = await run(md, overwriteFiles(io, { remove: [`${loc}/data/a.parquet`] }));
    await expect(op.apply(compacted)).rejects.toMatchObject({ code: 'TABLE_VALIDATION_FAILED' });
    // A delete referencing a file added in the same delta needs no check.
    const self = rowDelta(io, {
      dataFiles: [dataFile(`${loc}/data/new.parquet`, 'x', 1)],
      deleteFiles: [{ ...deletes(loc).pos, referencedDataFile: `${loc}/data/new.parquet` }],
    });
    await expect(self.apply(compacted)).resolves.toBeDefined();
  });

  it('rejects files in the wrong role', () => {
    const io = new MemoryFileIO();
    expect(() => rowDelta(io, { dataFiles: [deletes(loc).pos] })).toThrow(/wrong content/);
    expect(() => rowDelta(io, { deleteFiles: [dataFile('x', 'x', 1)] })).toThrow(/wrong content/);
    expect(() => rowDelta(io, { deleteFiles: [{ ...deletes(loc).eq, equalityIds: [] }] })).toThrow(/equality/);
  });

  it('writes delete manifests PyIceberg reads: content, equality ids, referenced file', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-rowdelta-'));
    const io = new DiskFileIO();
    let md = await run(newTable(dir), new FastAppend(io, [dataFile(`${dir}/data/a.parquet`, 'x', 10)]));
    const { pos, eq } = deletes(dir);
    md = await run(md, rowDelta(io, { deleteFiles: [pos, eq] }));
    const manifests = readWithPyIceberg(head(md)['manifest-list']);
    const del = manifests.find((m) => m.content === 1)!;
    expect(del).toMatchObject({ sequence_number: 2, min_sequence_number: 2, added_files_count: 2, added_rows_count: 5 });
    expect(del.entries.map((e) => [e.content, e.file_path, e.equality_ids, e.sequence_number, e.sort_order_id])).toEqual([
      [1, pos.filePath, null, 2, null],
      [2, eq.filePath, [1], 2, 0],
    ]);
  });
});
