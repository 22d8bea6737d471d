import { describe, expect, it } from 'vitest';
import { readManifestList } from '../../../src/iceberg/manifest/index.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';
import { expireSnapshots, FastAppend, replaceFiles } from '../../../src/iceberg/table/index.js';
import { commit, dataFile, MemoryFileIO, newTable, run } from './helpers.js';

const loc = 'mem://warehouse/db/events';
const path = (name: string) => `${loc}/data/${name}.parquet`;
const DAY = 86_400_000;
const T0 = 1_700_000_000_000;

/** s1: +a, s2: +b, s3: replace a,b by ab — a day apart each. */
async function history(io: MemoryFileIO): Promise<TableMetadata> {
  let md = await run(newTable(), new FastAppend(io, [dataFile(path('a'), 'x', 1)], { now: () => T0 }));
  md = await run(md, new FastAppend(io, [dataFile(path('b'), 'x', 1)], { now: () => T0 + DAY }));
  md = await run(md, replaceFiles(io, { remove: [path('a'), path('b')], add: [dataFile(path('ab'), 'x', 2)] }, { now: () => T0 + 2 * DAY }));
  return md;
}

describe('expire snapshots', () => {
  it('expires old ancestors and lists the files only they reached', async () => {
    const io = new MemoryFileIO();
    const md = await history(io);
    const [s1, s2, s3] = md.snapshots!;
    const result = await expireSnapshots(md, io, { olderThanMs: T0 + 2 * DAY, retainLast: 1 });
    expect(result.expiredSnapshotIds).toEqual([s1!['snapshot-id'], s2!['snapshot-id']]);
    expect(result.change).toEqual({
      requirements: [
        { type: 'assert-table-uuid', uuid: md['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': s3!['snapshot-id'] },
      ],
      updates: [{ action: 'remove-snapshots', 'snapshot-ids': [s1!['snapshot-id'], s2!['snapshot-id']] }],
    });
    const oldManifests = [
      ...readManifestList(await io.read(s1!['manifest-list'])).manifests,
      ...readManifestList(await io.read(s2!['manifest-list'])).manifests,
    ].map((m) => m.manifestPath);
    expect(result.unreachable.manifestLists.sort()).toEqual([s1!['manifest-list'], s2!['manifest-list']].sort());
    expect(result.unreachable.manifests.sort()).toEqual([...new Set(oldManifests)].sort());
    expect(result.unreachable.files.sort()).toEqual([path('a'), path('b')]);
    const after = commit(md, result.change);
    expect(after.snapshots!.map((s) => s['snapshot-id'])).toEqual([s3!['snapshot-id']]);
  });

  it('keeps min-snapshots-to-keep ancestors and young snapshots', async () => {
    const io = new MemoryFileIO();
    const md = await history(io);
    const keepTwo = await expireSnapshots(md, io, { olderThanMs: T0 + 10 * DAY, retainLast: 2 });
    expect(keepTwo.expiredSnapshotIds).toEqual([md.snapshots![0]!['snapshot-id']]);
    // Everything s1 reached (its list aside) is still reached by s2: a is live there.
    expect(keepTwo.unreachable).toEqual({ manifestLists: [md.snapshots![0]!['manifest-list']], manifests: [], files: [] });
    const young = await expireSnapshots(md, io, { olderThanMs: T0 - 1 });
    expect(young).toMatchObject({ change: { updates: [] }, expiredSnapshotIds: [] });
  });

  it('expires explicit ids but never a ref head, and defaults to the table properties', async () => {
    const io = new MemoryFileIO();
    const md = await history(io);
    const [s1, s2, s3] = md.snapshots!;
    const explicit = await expireSnapshots(md, io, { snapshotIds: [s2!['snapshot-id'], s3!['snapshot-id']], now: T0 });
    expect(explicit.expiredSnapshotIds).toEqual([s2!['snapshot-id']]);
    const byProps = await expireSnapshots(
      { ...md, properties: { 'history.expire.max-snapshot-age-ms': String(DAY), 'history.expire.min-snapshots-to-keep': '1' } },
      io,
      { now: T0 + 2 * DAY - 1 },
    );
    expect(byProps.expiredSnapshotIds).toEqual([s1!['snapshot-id']]);
  });
});
