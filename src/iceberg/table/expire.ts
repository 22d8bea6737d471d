/**
 * Snapshot expiration (spec "Snapshot Retention Policy"): which snapshots to remove, the
 * `remove-snapshots` change, and which files only the removed snapshots reached — candidates for
 * physical deletion once the change is committed.
 */
import type { TableChange } from '../spec/changes.js';
import type { FileIO } from '../io/types.js';
import { EntryStatus, type LongId, type Snapshot, type TableMetadata } from '../spec/types.js';
import { readEntries, readManifests, sameId } from './state.js';

export interface ExpireOptions {
  /** Snapshots older than this may expire; default now − history.expire.max-snapshot-age-ms (5 days). */
  olderThanMs?: number;
  /** Ancestors of each branch always kept, its head included; default history.expire.min-snapshots-to-keep (1). */
  retainLast?: number;
  /** Snapshots to expire regardless of age (never a branch or tag head). */
  snapshotIds?: readonly LongId[];
  now?: number;
}

export interface ExpireResult {
  /** Empty updates when nothing expires. */
  change: TableChange;
  expiredSnapshotIds: LongId[];
  /** Files reachable only from expired snapshots; delete them after the change is committed. */
  unreachable: { manifestLists: string[]; manifests: string[]; files: string[] };
}

const DAY_MS = 24 * 60 * 60 * 1000;

function prop(metadata: TableMetadata, key: string, fallback: number): number {
  const n = Number(metadata.properties?.[key]);
  return metadata.properties?.[key] !== undefined && Number.isFinite(n) ? n : fallback;
}

/** The snapshots the retention policy keeps (spec steps 1–4; refs are never removed here). */
function retainedIds(metadata: TableMetadata, options: ExpireOptions): Set<string> {
  const now = options.now ?? Date.now();
  const snapshots = new Map((metadata.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]));
  const maxAge = prop(metadata, 'history.expire.max-snapshot-age-ms', 5 * DAY_MS);
  const minKeep = options.retainLast ?? prop(metadata, 'history.expire.min-snapshots-to-keep', 1);
  const retained = new Set<string>();
  const refs = { ...(metadata.refs ?? {}) };
  const current = metadata['current-snapshot-id'];
  if (refs.main === undefined && current !== undefined && current !== null && !sameId(current, -1)) {
    refs.main = { 'snapshot-id': current, type: 'branch' };
  }
  for (const ref of Object.values(refs)) {
    const head = String(ref['snapshot-id']);
    retained.add(head);
    if (ref.type !== 'branch') continue;
    const cutoff = options.olderThanMs ?? now - (ref['max-snapshot-age-ms'] ?? maxAge);
    const keep = options.retainLast ?? ref['min-snapshots-to-keep'] ?? minKeep;
    let snapshot: Snapshot | undefined = snapshots.get(head);
    for (let depth = 0; snapshot !== undefined; depth++) {
      if (depth >= keep && snapshot['timestamp-ms'] < cutoff) break;
      retained.add(String(snapshot['snapshot-id']));
      const parent = snapshot['parent-snapshot-id'];
      snapshot = parent === undefined || parent === null ? undefined : snapshots.get(String(parent));
    }
  }
  // Explicitly expired ids go unless they are a ref's head.
  const heads = new Set(Object.values(refs).map((r) => String(r['snapshot-id'])));
  for (const id of options.snapshotIds ?? []) if (!heads.has(String(id))) retained.delete(String(id));
  return retained;
}

async function reachable(io: FileIO, snapshots: readonly Snapshot[], liveOnly: boolean) {
  const lists = new Set<string>();
  const manifests = new Map<string, Awaited<ReturnType<typeof readManifests>>[number]>();
  for (const s of snapshots) {
    lists.add(s['manifest-list']);
    for (const m of await readManifests(io, s)) manifests.set(m.manifestPath, m);
  }
  const files = new Set<string>();
  for (const m of manifests.values()) {
    for (const e of await readEntries(io, m)) {
      if (!liveOnly || e.status !== EntryStatus.Deleted) files.add(e.dataFile.filePath);
    }
  }
  return { lists, manifests, files };
}

export async function expireSnapshots(metadata: TableMetadata, io: FileIO, options: ExpireOptions = {}): Promise<ExpireResult> {
  const retained = retainedIds(metadata, options);
  const all = metadata.snapshots ?? [];
  const expired = all.filter((s) => !retained.has(String(s['snapshot-id'])));
  const empty: ExpireResult = {
    change: { requirements: [], updates: [] },
    expiredSnapshotIds: [],
    unreachable: { manifestLists: [], manifests: [], files: [] },
  };
  if (expired.length === 0) return empty;
  const kept = all.filter((s) => retained.has(String(s['snapshot-id'])));
  const keep = await reachable(io, kept, true);
  const gone = await reachable(io, expired, false);
  const mainHead = metadata.refs?.main?.['snapshot-id'] ?? metadata['current-snapshot-id'] ?? null;
  return {
    change: {
      requirements: [
        { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
        // Pin main so reachability, computed from this metadata, cannot be outdated by a commit.
        { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': mainHead === null || sameId(mainHead, -1) ? null : mainHead },
      ],
      updates: [{ action: 'remove-snapshots', 'snapshot-ids': expired.map((s) => s['snapshot-id']) }],
    },
    expiredSnapshotIds: expired.map((s) => s['snapshot-id']),
    unreachable: {
      manifestLists: [...gone.lists].filter((p) => !keep.lists.has(p)),
      manifests: [...gone.manifests.keys()].filter((p) => !keep.manifests.has(p)),
      files: [...gone.files].filter((p) => !keep.files.has(p)),
    },
  };
}
