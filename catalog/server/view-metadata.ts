/**
 * Iceberg view metadata (view spec, format version 1) and the REST catalog's view updates, with
 * the semantics of Java's ViewMetadata.Builder: identical schemas and versions are reused, -1 means
 * "the one added last", the version log follows the current version, old versions expire beyond
 * `version.history.num-entries`, and replacing a view may not drop a SQL dialect unless
 * `replace.drop-dialect.allowed` is true.
 */
import { randomUUID } from 'node:crypto';
import { addSchema, applyCommonUpdate } from '../../src/iceberg/spec/updates.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { CatalogError } from './errors.js';

/**
 * Java's builder fails with IllegalArgumentException, and its REST client rethrows a 400 of that
 * type as IllegalArgumentException again (clients and the compatibility kit expect exactly that).
 */
const badRequest = (m: string) => new CatalogError(400, 'IllegalArgumentException', m);

export interface ViewRepresentation {
  type: string;
  sql: string;
  dialect: string;
}

export interface ViewVersion {
  'version-id': number;
  'timestamp-ms': number;
  'schema-id': number;
  summary: Record<string, string>;
  representations: ViewRepresentation[];
  'default-catalog'?: string;
  'default-namespace': string[];
}

export interface ViewMetadata {
  'view-uuid': string;
  'format-version': 1;
  location: string;
  'current-version-id': number;
  versions: ViewVersion[];
  'version-log': { 'timestamp-ms': number; 'version-id': number }[];
  schemas: Schema[];
  properties: Record<string, string>;
}

export type ViewUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; 'format-version': number }
  | { action: 'add-schema'; schema: Schema }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] }
  | { action: 'add-view-version'; 'view-version': ViewVersion }
  | { action: 'set-current-view-version'; 'view-version-id': number };

export function emptyView(location: string): ViewMetadata {
  return { 'view-uuid': randomUUID(), 'format-version': 1, location, 'current-version-id': -1, versions: [], 'version-log': [], schemas: [], properties: {} };
}

const sameVersion = (a: ViewVersion, b: ViewVersion): boolean =>
  JSON.stringify([a.representations, a['default-catalog'] ?? null, a['default-namespace'], a['schema-id']]) ===
  JSON.stringify([b.representations, b['default-catalog'] ?? null, b['default-namespace'], b['schema-id']]);

const dialects = (v: ViewVersion | undefined): Set<string> =>
  new Set((v?.representations ?? []).filter((r) => r.type === 'sql').map((r) => r.dialect.toLowerCase()));

/** Applies updates in order; returns new metadata (the input is not modified). */
export function applyViewUpdates(base: ViewMetadata, updates: readonly ViewUpdate[], nowMs = Date.now()): ViewMetadata {
  const md = structuredClone(base);
  const previousCurrent = md.versions.find((v) => v['version-id'] === md['current-version-id']);
  let lastSchema: number | undefined;
  let lastVersion: number | undefined;
  let currentChanged = false;
  for (const u of updates) {
    switch (u.action) {
      case 'assign-uuid':
        if (base.versions.length > 0 && base['view-uuid'] !== u.uuid) throw badRequest('Cannot reassign uuid');
        md['view-uuid'] = u.uuid;
        break;
      case 'upgrade-format-version':
        if (u['format-version'] !== 1) throw badRequest(`Unsupported format version: ${u['format-version']}`);
        break;
      case 'add-schema':
        lastSchema = addSchema(md.schemas, u.schema);
        break;
      case 'set-location':
      case 'set-properties':
      case 'remove-properties':
        applyCommonUpdate(md, u);
        break;
      case 'add-view-version': {
        const v = structuredClone(u['view-version']);
        if (v['schema-id'] === -1) {
          if (lastSchema === undefined) throw badRequest('Cannot set last added schema: no schema has been added');
          v['schema-id'] = lastSchema;
        }
        if (!md.schemas.some((s) => s['schema-id'] === v['schema-id'])) throw badRequest(`Cannot add version with unknown schema: ${v['schema-id']}`);
        const seen = new Set<string>();
        for (const r of v.representations) {
          const d = r.dialect.toLowerCase();
          if (seen.has(d)) throw badRequest(`Invalid view version: Cannot add multiple queries for dialect ${d}`);
          seen.add(d);
        }
        const existing = md.versions.find((x) => sameVersion(x, v));
        if (existing) lastVersion = existing['version-id'];
        else {
          v['version-id'] = md.versions.reduce((m, x) => Math.max(m, x['version-id']), 0) + 1;
          md.versions.push(v);
          lastVersion = v['version-id'];
        }
        break;
      }
      case 'set-current-view-version': {
        const id = u['view-version-id'] === -1 ? lastVersion : u['view-version-id'];
        if (id === undefined) throw badRequest('Cannot set last version id: no current version has been added');
        const v = md.versions.find((x) => x['version-id'] === id);
        if (!v) throw badRequest(`Cannot set current version to unknown version: ${id}`);
        md['current-version-id'] = id;
        md['version-log'].push({ 'timestamp-ms': v['timestamp-ms'] ?? nowMs, 'version-id': id });
        currentChanged = true;
        break;
      }
      default:
        throw badRequest(`Cannot apply unknown view update: ${JSON.stringify(u)}`);
    }
  }
  if (md['current-version-id'] === -1) throw badRequest('Cannot create view metadata without a current version');
  const current = md.versions.find((v) => v['version-id'] === md['current-version-id']);
  if (currentChanged && previousCurrent && md.properties['replace.drop-dialect.allowed'] !== 'true') {
    const now = dialects(current);
    const before = [...dialects(previousCurrent)];
    if (before.some((d) => !now.has(d))) {
      throw badRequest(
        `Cannot replace view due to loss of view dialects (replace.drop-dialect.allowed=false):\nPrevious dialects: [${before.join(', ')}]\nNew dialects: [${[...now].join(', ')}]`,
      );
    }
  }
  expireVersions(md);
  return md;
}

/** Keeps the newest `version.history.num-entries` versions (always the current one). */
function expireVersions(md: ViewMetadata): void {
  const keep = Number(md.properties['version.history.num-entries'] ?? 10);
  if (!Number.isInteger(keep) || keep < 1) throw badRequest(`version.history.num-entries must be positive but was ${keep}`);
  if (md.versions.length <= keep) return;
  const ids = md.versions.map((v) => v['version-id']).sort((a, b) => b - a).slice(0, keep);
  if (!ids.includes(md['current-version-id'])) ids[ids.length - 1] = md['current-version-id'];
  const retained = new Set(ids);
  md.versions = md.versions.filter((v) => retained.has(v['version-id']));
  md['version-log'] = md['version-log'].filter((e) => retained.has(e['version-id']));
}
