/**
 * Deleting a dropped table's files when the client asked for a purge: data and delete files
 * named by its manifests, the manifests, manifest lists and metadata files. Best effort and
 * after the pointer is gone (as Java's catalogs do): a failure here leaves garbage, never a
 * half-dropped table.
 */
import type { FileIO } from '../../src/iceberg/io/types.js';
import { readManifest } from '../../src/iceberg/manifest/manifest-reader.js';
import { readManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';

export async function purgeTableFiles(md: TableMetadata, metadataLocation: string, io: (location: string) => FileIO): Promise<void> {
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
  const all = [...files];
  // Bounded parallelism: a big table has many files, and S3 rate-limits per prefix.
  for (let i = 0; i < all.length; i += 32) {
    await Promise.all(all.slice(i, i + 32).map((f) => io(f).delete(f).catch(() => undefined)));
  }
}
