/**
 * Snapshot expiry and orphan file cleanup.
 *
 * Expiry keeps the last N snapshots of main and every snapshot younger than T — and always the
 * newest snapshot carrying `floe.offsets` in main's ancestry, which is where a restarting daemon
 * reads its Kafka offsets (commit/offsets.ts walks the ancestry to it). Files only expired
 * snapshots reached are deleted after the catalog accepted the change.
 *
 * Orphans are files under the table location, older than T, that no snapshot still in the
 * metadata references (manifest lists, manifests, data and delete files — including entries a
 * manifest records as deleted, to stay on the safe side). Metadata JSON files are never touched:
 * the catalog owns them (write.metadata.previous-versions-max).
 */
import { OFFSETS_PROPERTY } from '../commit/offsets.js';
import { commitWithRetry, type LoadedTable, type RestCatalogClient, type TableIdentifier } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { statisticsPaths } from '../iceberg/spec/statistics.js';
import type { Snapshot, TableMetadata } from '../iceberg/spec/types.js';
import { expireSnapshots, type ExpireResult } from '../iceberg/table/expire.js';
import { branchSnapshot, readEntries, readManifests, sameId } from '../iceberg/table/state.js';
import type { Logger } from '../util/log.js';
import type { ProgressFn } from './progress.js';

export interface ExpireRequest {
  retainLast: number;
  maxAgeMs: number;
  dryRun: boolean;
  now?: number;
  /** Told after each file deleted. */
  progress?: ProgressFn;
}

export interface ExpireOutcome {
  expiredSnapshotIds: Array<number | bigint>;
  /** Files deleted (or, in a dry run, that would be). */
  files: string[];
}

/** How many of main's newest ancestors must stay so the newest one with offsets stays. */
export function depthToOffsets(metadata: TableMetadata): number {
  const byId = new Map((metadata.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]));
  let s: Snapshot | undefined = branchSnapshot(metadata);
  for (let depth = 1; s !== undefined; depth++) {
    if (s.summary?.[OFFSETS_PROPERTY] !== undefined) return depth;
    const parent = s['parent-snapshot-id'];
    s = parent === undefined || parent === null ? undefined : byId.get(String(parent));
  }
  return 0;
}

export async function expireTable(catalog: RestCatalogClient, io: (t: LoadedTable) => FileIO, id: TableIdentifier, req: ExpireRequest, log: Logger): Promise<ExpireOutcome> {
  const table = await catalog.loadTable(id);
  const fio = io(table);
  const plan = async (metadata: TableMetadata): Promise<ExpireResult> => {
    const now = req.now ?? Date.now();
    const retainLast = Math.max(req.retainLast, depthToOffsets(metadata), 1);
    return expireSnapshots(metadata, fio, { retainLast, olderThanMs: now - req.maxAgeMs, now });
  };
  if (req.dryRun) {
    const r = await plan(table.metadata);
    return { expiredSnapshotIds: r.expiredSnapshotIds, files: unreachableFiles(r) };
  }
  let last: ExpireResult | undefined;
  await commitWithRetry(
    catalog,
    id,
    async (metadata) => {
      last = await plan(metadata);
      return last.change;
    },
    { logger: log },
  );
  if (!last || last.expiredSnapshotIds.length === 0) return { expiredSnapshotIds: [], files: [] };
  const files = unreachableFiles(last);
  // Only now that the catalog no longer lists the snapshots is deleting their files safe.
  let done = 0;
  req.progress?.({ phase: 'delete', done, total: files.length });
  for (const f of files) {
    await fio.delete(f);
    req.progress?.({ phase: 'delete', done: ++done, total: files.length });
  }
  log.info({ table: id.name, expired: last.expiredSnapshotIds.length, files: files.length }, 'snapshots expired');
  return { expiredSnapshotIds: last.expiredSnapshotIds, files };
}

function unreachableFiles(r: ExpireResult): string[] {
  return [...r.unreachable.files, ...r.unreachable.manifests, ...r.unreachable.manifestLists];
}

export interface OrphanRequest {
  olderThanMs: number;
  dryRun: boolean;
  now?: number;
  /** Told while listing (total unknown) and after each file deleted. */
  progress?: ProgressFn;
}

export interface OrphanOutcome {
  /** Files deleted (or, in a dry run, that would be). */
  files: string[];
  /** Their total size. */
  bytes: number;
}

/** Every file some snapshot in the metadata references. */
export async function referencedFiles(io: FileIO, metadata: TableMetadata): Promise<Set<string>> {
  const out = new Set<string>();
  const seenManifests = new Set<string>();
  for (const s of metadata.snapshots ?? []) {
    out.add(s['manifest-list']);
    for (const m of await readManifests(io, s)) {
      out.add(m.manifestPath);
      if (seenManifests.has(m.manifestPath)) continue;
      seenManifests.add(m.manifestPath);
      for (const e of await readEntries(io, m)) out.add(e.dataFile.filePath);
    }
  }
  for (const path of statisticsPaths(metadata)) out.add(path);
  return out;
}

/** Same file, whatever scheme spelling a listing and the metadata use (s3:// vs s3a://). */
function normal(path: string): string {
  return path.replace(/^s3[an]?:\/\//, 's3://').replace(/^file:(\/\/)?/, '');
}

export async function removeOrphans(catalog: RestCatalogClient, io: (t: LoadedTable) => FileIO, id: TableIdentifier, req: OrphanRequest, log: Logger): Promise<OrphanOutcome> {
  const table = await catalog.loadTable(id);
  const fio = io(table);
  const refs = new Set([...(await referencedFiles(fio, table.metadata))].map(normal));
  const cutoff = (req.now ?? Date.now()) - req.olderThanMs;
  const location = table.metadata.location.replace(/\/+$/, '');
  const orphans: string[] = [];
  const sizes = new Map<string, number>();
  let listed = 0;
  for await (const f of fio.list(`${location}/`)) {
    if (++listed % 100 === 0) req.progress?.({ phase: 'list', done: listed });
    if (f.lastModified.getTime() >= cutoff) continue;
    if (/\.metadata\.json$|version-hint\.text$/.test(f.path)) continue;
    if (refs.has(normal(f.path))) continue;
    orphans.push(f.path);
    sizes.set(f.path, f.size);
  }
  // A commit that landed while we listed may reference a file we are about to delete: re-check
  // against the newest metadata just before deleting.
  if (!req.dryRun && orphans.length > 0) {
    const fresh = await catalog.loadTable(id);
    if (!sameId(fresh.metadata['current-snapshot-id'] ?? -1, table.metadata['current-snapshot-id'] ?? -1)) {
      const again = new Set([...(await referencedFiles(fio, fresh.metadata))].map(normal));
      for (let i = orphans.length - 1; i >= 0; i--) if (again.has(normal(orphans[i]!))) orphans.splice(i, 1);
    }
    let done = 0;
    const total = orphans.length;
    for (const f of orphans) {
      await fio.delete(f);
      req.progress?.({ phase: 'delete', done: ++done, total });
    }
    log.info({ table: id.name, files: orphans.length }, 'orphan files removed');
  }
  return { files: orphans, bytes: orphans.reduce((n, f) => n + (sizes.get(f) ?? 0), 0) };
}
