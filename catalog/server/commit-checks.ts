/**
 * What the server checks before it writes a table metadata file: the change is well-formed and
 * bounded, and the metadata it produces is one a reader accepts (floe's parser, which follows
 * Java's TableMetadataParser), whose locations stay inside the warehouse, and whose new snapshots
 * name a manifest list that exists and parses. A commit that fails any of these is a 400 and
 * changes nothing; without them one request could leave a table no engine can load.
 */
import type { TableChange, TableRequirement, TableUpdate } from '../../src/iceberg/spec/changes.js';
import { parseJson, stringifyJson } from '../../src/iceberg/spec/json.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { readManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import { parseTableMetadata, tableMetadataToJson } from '../../src/iceberg/spec/metadata.js';
import { statisticsPaths } from '../../src/iceberg/spec/statistics.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { FloeError } from '../../src/util/errors.js';
import { badRequest, CatalogError } from './errors.js';
import { PATH_PROPERTIES, type LocationPolicy } from './locations.js';

/** Updates one commit may carry (a create transaction sends about ten; Spark's commits fewer). */
export const DEFAULT_MAX_UPDATES = 100;

/** The requirements and updates of a change, shape-checked and capped at `maxUpdates` each. */
export function checkChange(change: unknown, maxUpdates: number): { requirements: TableRequirement[]; updates: TableUpdate[] } {
  if (change === null || typeof change !== 'object' || Array.isArray(change)) throw badRequest('a table change must be a JSON object');
  const c = change as Partial<TableChange>;
  const requirements = c.requirements ?? [];
  const updates = c.updates ?? [];
  if (!Array.isArray(requirements) || !Array.isArray(updates)) throw badRequest('requirements and updates must be lists');
  if (updates.length > maxUpdates || requirements.length > maxUpdates) {
    throw badRequest(`a commit may carry at most ${maxUpdates} updates and ${maxUpdates} requirements`);
  }
  for (const u of updates as unknown[]) {
    if (!isObject(u) || typeof u.action !== 'string') throw badRequest('every update must be an object with an action');
  }
  for (const r of requirements as unknown[]) {
    if (!isObject(r) || typeof r.type !== 'string') throw badRequest('every requirement must be an object with a type');
  }
  return { requirements, updates };
}

/**
 * Runs metadata code on client input: anything it throws that is not already a typed error
 * (a TypeError from a field of the wrong shape) is the client's fault, so a 400 rather than a
 * 500 that clients read as "commit state unknown".
 */
export function clientInput<T>(what: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof CatalogError || err instanceof FloeError) throw err;
    throw badRequest(`invalid ${what}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/**
 * The metadata as a reader will see it: serialized exactly as it will be written and parsed back
 * with the reader's checks. Returns the parsed form.
 */
export function readerView(md: TableMetadata): TableMetadata {
  return clientInput('table metadata', () => parseTableMetadata(parseJson(stringifyJson(tableMetadataToJson(md)))));
}

/**
 * Locations of `next` that differ from `base` (all of them for a new table) must be inside the
 * warehouse or an allowed root. Unchanged ones are left alone, so a table registered before a
 * policy change keeps committing.
 */
export function checkLocations(next: TableMetadata, base: TableMetadata | undefined, policy: LocationPolicy): void {
  if (next.location !== base?.location) policy.check(next.location, 'table location');
  for (const key of PATH_PROPERTIES) {
    const v = next.properties?.[key];
    if (v !== undefined && v !== base?.properties?.[key]) policy.check(v, `property ${key}`);
  }
  // A statistics file is deleted with the table (purge) and its snapshot (expiry): one outside
  // the warehouse would let a client have the catalog delete any object it can reach.
  const known = new Set(base ? statisticsPaths(base) : []);
  for (const path of statisticsPaths(next)) if (!known.has(path)) policy.check(path, 'statistics-path');
}

/**
 * Snapshots added by this commit must name a manifest list inside the allowed roots that exists
 * and parses: a snapshot pointing at nothing (or at another file) makes every scan of the table
 * fail. One read per added snapshot; the manifests themselves are not opened (bounded work).
 */
export async function checkAddedSnapshots(
  next: TableMetadata,
  base: TableMetadata | undefined,
  policy: LocationPolicy,
  io: (location: string) => FileIO,
): Promise<void> {
  const known = new Set((base?.snapshots ?? []).map((s) => String(s['snapshot-id'])));
  for (const s of next.snapshots ?? []) {
    if (known.has(String(s['snapshot-id']))) continue;
    const list = s['manifest-list'];
    if (typeof list !== 'string') throw badRequest(`snapshot ${String(s['snapshot-id'])} has no manifest-list`);
    policy.check(list, `manifest-list of snapshot ${String(s['snapshot-id'])}`);
    let bytes: Uint8Array;
    try {
      bytes = await io(list).read(list);
    } catch (err) {
      if (err instanceof FloeError && err.code === 'IO_NOT_FOUND') throw badRequest(`manifest-list of snapshot ${String(s['snapshot-id'])} does not exist`);
      throw err;
    }
    try {
      readManifestList(bytes);
    } catch {
      throw badRequest(`manifest-list of snapshot ${String(s['snapshot-id'])} is not a readable manifest list`);
    }
  }
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}
