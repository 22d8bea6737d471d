/**
 * Conflict checks run against the fresh base on every commit attempt, following the delete
 * scoping rules of spec "Scan Planning".
 */
import { FileContent, ManifestContent, EntryStatus, type DataFile } from '../spec/types.js';
import { compareBytes } from '../spec/values.js';
import type { BaseState } from './producer.js';
import { partitionKey, readEntries, specById } from './state.js';

/** Reserved field id of `file_path` in position delete files; its bounds narrow the referenced paths. */
const POSITION_DELETE_FILE_PATH_ID = 2147483546;

const utf8 = new TextEncoder();

function pathWithinBounds(del: DataFile, path: string): boolean {
  const lower = del.lowerBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  const upper = del.upperBounds?.get(POSITION_DELETE_FILE_PATH_ID);
  const bytes = utf8.encode(path);
  // Bounds may be truncated prefixes: a path equal to a truncated upper bound's prefix still matches.
  if (lower !== undefined && compareBytes(bytes, lower) < 0) return false;
  if (upper !== undefined && compareBytes(bytes.subarray(0, upper.length), upper) > 0) return false;
  return true;
}

/** Whether delete file `del` may apply to data file `data` by scope (ignoring sequence numbers). */
export function deleteMayApply(state: BaseState, del: DataFile, data: DataFile, ignoreEqualityDeletes: boolean): boolean {
  if (del.content === FileContent.PositionDeletes) {
    if (del.referencedDataFile !== undefined) return del.referencedDataFile === data.filePath;
    return partitionKey(del) === partitionKey(data) && pathWithinBounds(del, data.filePath);
  }
  if (ignoreEqualityDeletes) return false;
  // Equality deletes in an unpartitioned spec are global.
  const global = specById(state.metadata, del.specId).fields.length === 0;
  return global || partitionKey(del) === partitionKey(data);
}

/**
 * The first live delete file added after sequence number `since` that may apply to one of
 * `dataFiles`. Only delete manifests added after `since` can hold such files.
 */
export async function findConflictingDeletes(
  state: BaseState,
  since: number,
  dataFiles: readonly DataFile[],
  ignoreEqualityDeletes: boolean,
): Promise<{ delete: DataFile; data: DataFile } | undefined> {
  if (dataFiles.length === 0) return undefined;
  for (const manifest of state.manifests) {
    if (manifest.content !== ManifestContent.Deletes || manifest.sequenceNumber <= since) continue;
    for (const entry of await readEntries(state.io, manifest)) {
      if (entry.status === EntryStatus.Deleted || (entry.fileSequenceNumber ?? 0) <= since) continue;
      const data = dataFiles.find((d) => deleteMayApply(state, entry.dataFile, d, ignoreEqualityDeletes));
      if (data !== undefined) return { delete: entry.dataFile, data };
    }
  }
  return undefined;
}

/** Paths among `paths` that are not live data files of the base snapshot. */
export async function missingDataFiles(state: BaseState, paths: readonly string[]): Promise<string[]> {
  const wanted = new Set(paths);
  if (wanted.size === 0) return [];
  for (const manifest of state.manifests) {
    if (manifest.content !== ManifestContent.Data) continue;
    for (const entry of await readEntries(state.io, manifest)) {
      if (entry.status !== EntryStatus.Deleted) wanted.delete(entry.dataFile.filePath);
    }
    if (wanted.size === 0) break;
  }
  return [...wanted];
}
