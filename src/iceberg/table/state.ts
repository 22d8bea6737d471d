/**
 * Read-side helpers over table metadata and the manifest tree that every snapshot operation needs.
 */
import { FloeError } from '../../util/errors.js';
import type { FileIO } from '../io/types.js';
import { inheritFromManifest, readManifest, readManifestList } from '../manifest/index.js';
import {
  currentSchema,
  newSnapshotId,
  refSnapshotId,
  sameId,
  snapshotById,
  specById as findSpec,
} from '../spec/metadata.js';
import type {
  DataFile,
  ManifestEntry,
  ManifestFile,
  PartitionSpec,
  PrimitiveValue,
  Snapshot,
  TableMetadata,
} from '../spec/types.js';

export { currentSchema, newSnapshotId, sameId, snapshotById };

/** The snapshot a branch points at; `main` falls back to current-snapshot-id (-1 means none). */
export function branchSnapshot(metadata: TableMetadata, branch = 'main'): Snapshot | undefined {
  const id = refSnapshotId(metadata, branch);
  if (id === null || id === undefined || sameId(id, -1)) return undefined;
  return snapshotById(metadata, id);
}

export function specById(metadata: TableMetadata, specId: number): PartitionSpec {
  const spec = findSpec(metadata, specId);
  if (spec === undefined) throw new FloeError('TABLE_METADATA_INVALID', `partition spec ${specId} is not in the table metadata`);
  return spec;
}

/** Where metadata files go: `write.metadata.path` if set, else `<location>/metadata`. */
export function metadataDir(metadata: TableMetadata): string {
  const custom = metadata.properties?.['write.metadata.path'];
  return (custom ?? `${metadata.location.replace(/\/+$/, '')}/metadata`).replace(/\/+$/, '');
}

export async function readManifests(io: FileIO, snapshot: Snapshot | undefined): Promise<ManifestFile[]> {
  if (snapshot === undefined) return [];
  const list = snapshot['manifest-list'];
  if (!list) throw new FloeError('TABLE_METADATA_INVALID', `snapshot ${snapshot['snapshot-id']} has no manifest list (v1 "manifests" is not supported)`);
  return readManifestList(await io.read(list)).manifests;
}

/**
 * What a manifest's inherited entries depend on, for caches that outlive one commit attempt: its
 * path and, on v3, the first_row_id its list entry gives it. A manifest's file never changes, but a
 * v2-era manifest of an upgraded table has no first_row_id until the table's first v3 commit
 * assigns one; a retry across that commit must not reuse entries (or merges and rewrites of them)
 * read without it, or the rows it lists would get new ids (a row id never changes).
 */
export function manifestKey(manifest: ManifestFile): string {
  return manifest.firstRowId === undefined ? manifest.manifestPath : `${manifest.manifestPath}#first_row_id=${manifest.firstRowId}`;
}

/** Entries of a manifest with snapshot ids and sequence numbers inherited from the list entry. */
export async function readEntries(io: FileIO, manifest: ManifestFile): Promise<ManifestEntry[]> {
  const { entries } = readManifest(await io.read(manifest.manifestPath));
  return inheritFromManifest(entries, manifest).map((e) => ({
    ...e,
    // The list entry is authoritative for the spec id (headers of old writers may lack it).
    dataFile: { ...e.dataFile, specId: manifest.partitionSpecId },
  }));
}

function valueKey(v: PrimitiveValue | null): string {
  if (v === null) return 'null';
  if (v instanceof Uint8Array) return `b:${Buffer.from(v).toString('hex')}`;
  if (typeof v === 'number') return `n:${Number.isNaN(v) ? 'NaN' : Object.is(v, -0) ? '-0' : String(v)}`;
  return `${typeof v}:${String(v)}`;
}

/** Identity of a partition (spec id and tuple), for counting changed partitions and delete scoping. */
export function partitionKey(file: Pick<DataFile, 'specId' | 'partition'>): string {
  // int/long values may arrive as number or bigint; normalize integers so 3 and 3n are one partition.
  const norm = file.partition.map((v) => (typeof v === 'bigint' ? valueKey(Number.isSafeInteger(Number(v)) ? Number(v) : v) : valueKey(v)));
  return `${file.specId}|${norm.join('|')}`;
}
