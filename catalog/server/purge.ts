/**
 * Deleting a dropped table's files when the client asked for a purge: data and delete files
 * named by its manifests, the manifests, manifest lists and metadata files. Best effort and
 * after the pointer is gone (as Java's catalogs do): a failure here leaves garbage, never a
 * half-dropped table.
 *
 * Only files under the table's own roots (its location and path properties) are deleted, and
 * nothing at all when those roots overlap another table's or view's: a table registered on
 * another's metadata, or pointed into its directory, must not take the other's files with it.
 * Nor is any file deleted that another table's metadata references from elsewhere — a registered
 * copy of this table's metadata at a location of its own, a table whose snapshot names this one's
 * manifest list (Iceberg's snapshot procedures make those): every other table's metadata log,
 * manifest lists, manifests and the files they list are read, and what they name is kept. When
 * another table's files cannot be read (other than missing), nothing is deleted: a purge that
 * cannot tell is skipped, since a wrong answer deletes someone's data.
 */
import { dirname } from 'node:path/posix';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { readManifest } from '../../src/iceberg/manifest/manifest-reader.js';
import { readManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import { statisticsPaths } from '../../src/iceberg/spec/statistics.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { isFloeError } from '../../src/util/errors.js';
import { canonicalOrUndefined, overlaps, PATH_PROPERTIES, within } from './locations.js';

/** The canonical directories a table's (or view's) files live in. */
export function rootsOf(md: { location?: unknown; properties?: Record<string, string> | undefined } | undefined, metadataLocation: string): string[] {
  const raw = [md?.location, ...PATH_PROPERTIES.map((k) => md?.properties?.[k]), dirname(metadataLocation)];
  return raw.map(canonicalOrUndefined).filter((r): r is string => r !== undefined && r !== '');
}

/** Another table or view of the catalog, as a purge sees it. */
export interface OtherObject {
  /** Where it keeps its files (rootsOf). */
  roots: string[];
  /** Its metadata file. */
  metadataLocation: string;
  /** A table's parsed metadata (undefined for a view, or a table whose metadata file is missing); 'unreadable' otherwise. */
  metadata: TableMetadata | 'unreadable' | undefined;
}

/** Files deleted, or why none were: 'shared' (roots overlap another object's), 'unverified' (another table's files could not be read). */
export type PurgeResult = number | 'shared' | 'unverified';

/**
 * Deletes the table's files, except those `others` (every other table and view in the catalog)
 * reference. Returns what happened, for the log.
 */
export async function purgeTableFiles(
  md: TableMetadata,
  metadataLocation: string,
  io: (location: string) => FileIO,
  others: readonly OtherObject[],
): Promise<PurgeResult> {
  // The metadata directory is a root only for the overlap check: it is inside the location or a path property.
  const roots = rootsOf(md, metadataLocation);
  if (roots.some((r) => others.some((o) => o.roots.some((x) => overlaps(r, x))))) return 'shared';
  const mine = (c: string) => roots.some((r) => within(c, r) && c !== r);
  // Canonical path → the path as written in metadata (what delete is given).
  const candidates = new Map<string, string>();
  for (const f of await referencedFiles(md, metadataLocation, io, false, new Map())) {
    const c = canonicalOrUndefined(f);
    if (c !== undefined && mine(c)) candidates.set(c, f);
  }
  const cache = new Map<string, string[]>();
  for (const o of others) {
    if (candidates.size === 0) break;
    if (o.metadata === undefined) continue; // a view names no data files; a table without metadata names none either
    if (o.metadata === 'unreadable') return 'unverified';
    let refs: Set<string>;
    try {
      refs = await referencedFiles(o.metadata, o.metadataLocation, io, true, cache);
    } catch {
      return 'unverified';
    }
    for (const f of refs) {
      const c = canonicalOrUndefined(f);
      if (c !== undefined) candidates.delete(c);
    }
  }
  const all = [...candidates.values()];
  // Bounded parallelism: a big table has many files, and S3 rate-limits per prefix.
  for (let i = 0; i < all.length; i += 32) {
    await Promise.all(all.slice(i, i + 32).map((f) => io(f).delete(f).catch(() => undefined)));
  }
  return all.length;
}

/**
 * Every file a table's metadata names: itself, its metadata log, statistics files, manifest
 * lists, manifests and the data and delete files they list. `strict`: a file that exists but
 * cannot be read throws (a missing one names nothing); otherwise it is skipped. `cache` holds the
 * paths each manifest list or manifest names, for tables that share them.
 */
async function referencedFiles(md: TableMetadata, metadataLocation: string, io: (location: string) => FileIO, strict: boolean, cache: Map<string, string[]>): Promise<Set<string>> {
  const read = async (path: string, names: (bytes: Uint8Array) => string[]): Promise<string[]> => {
    const hit = cache.get(path);
    if (hit) return hit;
    let bytes: Uint8Array | undefined;
    try {
      bytes = await io(path).read(path);
    } catch (err) {
      if (strict && !isFloeError(err, 'IO_NOT_FOUND')) throw err;
    }
    const out = bytes ? names(bytes) : [];
    cache.set(path, out);
    return out;
  };
  const files = new Set<string>([metadataLocation]);
  for (const entry of md['metadata-log'] ?? []) files.add(entry['metadata-file']);
  for (const path of statisticsPaths(md)) files.add(path);
  const manifests = new Set<string>();
  for (const snap of md.snapshots ?? []) {
    const list = snap['manifest-list'];
    if (!list) continue;
    files.add(list);
    for (const m of await read(list, (b) => readManifestList(b).manifests.map((x) => x.manifestPath))) manifests.add(m);
  }
  for (const m of manifests) {
    files.add(m);
    for (const f of await read(m, (b) => readManifest(b).entries.map((e) => e.dataFile.filePath))) files.add(f);
  }
  return files;
}
