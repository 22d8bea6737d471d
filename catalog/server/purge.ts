/**
 * Deleting a dropped table's files when the client asked for a purge: data and delete files
 * named by its manifests, the manifests, manifest lists and metadata files. Best effort and
 * after the pointer is gone (as Java's catalogs do): a failure here leaves garbage, never a
 * half-dropped table.
 *
 * Only files under the table's own roots (its location and path properties) are deleted, and
 * nothing at all when those roots overlap another table's or view's: a table registered on
 * another's metadata, or pointed into its directory, must not take the other's files with it.
 */
import { dirname } from 'node:path/posix';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { readManifest } from '../../src/iceberg/manifest/manifest-reader.js';
import { readManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { canonicalOrUndefined, overlaps, PATH_PROPERTIES, within } from './locations.js';

/** The canonical directories a table's (or view's) files live in. */
export function rootsOf(md: { location?: unknown; properties?: Record<string, string> | undefined } | undefined, metadataLocation: string): string[] {
  const raw = [md?.location, ...PATH_PROPERTIES.map((k) => md?.properties?.[k]), dirname(metadataLocation)];
  return raw.map(canonicalOrUndefined).filter((r): r is string => r !== undefined && r !== '');
}

/**
 * Deletes the table's files. `others`: the roots of every other table and view in the catalog.
 * Returns what happened, for the log: files deleted, or 'shared' when nothing was deleted.
 */
export async function purgeTableFiles(
  md: TableMetadata,
  metadataLocation: string,
  io: (location: string) => FileIO,
  others: readonly string[],
): Promise<number | 'shared'> {
  // The metadata directory is a root only for the overlap check: it is inside the location or a path property.
  const roots = rootsOf(md, metadataLocation);
  if (roots.some((r) => others.some((o) => overlaps(r, o)))) return 'shared';
  const mine = (f: string) => {
    const c = canonicalOrUndefined(f);
    return c !== undefined && roots.some((r) => within(c, r) && c !== r);
  };
  const files = new Set<string>();
  const manifests = new Set<string>();
  for (const snap of md.snapshots ?? []) {
    const list = snap['manifest-list'];
    if (!list) continue;
    files.add(list);
    const bytes = await io(list).read(list).catch(() => undefined);
    if (bytes) for (const m of readManifestList(bytes).manifests) manifests.add(m.manifestPath);
  }
  for (const m of manifests) {
    files.add(m);
    const bytes = await io(m).read(m).catch(() => undefined);
    if (bytes) for (const e of readManifest(bytes).entries) files.add(e.dataFile.filePath);
  }
  for (const entry of md['metadata-log'] ?? []) files.add(entry['metadata-file']);
  files.add(metadataLocation);
  const all = [...files].filter(mine);
  // Bounded parallelism: a big table has many files, and S3 rate-limits per prefix.
  for (let i = 0; i < all.length; i += 32) {
    await Promise.all(all.slice(i, i + 32).map((f) => io(f).delete(f).catch(() => undefined)));
  }
  return all.length;
}
