/**
 * Applying REST-catalog TableUpdates to metadata and checking TableRequirements, with the
 * semantics of Java's TableMetadata.Builder (what the reference REST catalog runs server-side).
 * Used by floe's embedded catalog, and by writers to predict the metadata a commit produces.
 */
import { FloeError } from '../../util/errors.js';
import type { TableRequirement, TableUpdate } from './changes.js';
import {
  invalidMetadata,
  MAIN_BRANCH,
  MAX_FORMAT_VERSION,
  refSnapshotId,
  sameId,
  snapshotById,
  validateTableMetadata,
} from './metadata.js';
import { maxPartitionFieldId, samePartitionFields } from './partition.js';
import { maxFieldId, sameFields, validateSchema } from './schema.js';
import { sameSortFields } from './sort.js';
import { partitionStatisticsFile, removeStatistics, setStatistics, statisticsFile } from './statistics.js';
import type { PartitionSpec, Schema, Snapshot, SnapshotRef, SortOrder, TableMetadata } from './types.js';

export interface ApplyUpdatesOptions {
  /** Clock for last-updated-ms and snapshot-log entries when no snapshot supplies a time. */
  nowMs?: number;
  /**
   * Location of the metadata file being replaced; recorded in metadata-log (capped by
   * `write.metadata.previous-versions-max`, default 100) as a catalog does on each commit.
   */
  previousMetadataLocation?: string;
}

function invalidUpdate(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('ICEBERG_INVALID_UPDATE', message, details ? { details } : {});
}

function sameSchema(a: Schema, b: Schema): boolean {
  const ids = (s: Schema) => JSON.stringify([...(s['identifier-field-ids'] ?? [])].sort((x, y) => x - y));
  return sameFields(a, b) && ids(a) === ids(b);
}

/** What one change has done so far: -1 ids refer to what it added last, and its clock. */
interface ChangeState {
  md: TableMetadata;
  lastAddedSchemaId?: number;
  lastAddedSpecId?: number;
  lastAddedOrderId?: number;
  /** Java uses the time of the newest snapshot added in this change, else the clock. */
  lastUpdatedMs?: number;
  nowMs?: number;
}

const now = (c: ChangeState): number => (c.lastUpdatedMs ??= c.nowMs ?? Date.now());

/**
 * Applies updates in order and returns new metadata (the input is not modified). Throws
 * ICEBERG_INVALID_UPDATE for an update the spec forbids (unknown snapshot, removing the current
 * schema, downgrading the format, ...), and ICEBERG_INVALID_METADATA if the result is inconsistent.
 */
export function applyUpdates(base: TableMetadata, updates: readonly TableUpdate[], opts: ApplyUpdatesOptions = {}): TableMetadata {
  const md = structuredClone(base) as TableMetadata;
  md.snapshots ??= [];
  md['snapshot-log'] ??= [];
  md['metadata-log'] ??= [];
  md.properties ??= {};
  md.refs ??= {};
  const change: ChangeState = { md, ...(opts.nowMs === undefined ? {} : { nowMs: opts.nowMs }) };
  for (const u of updates) applyUpdate(change, u);

  if (updates.length > 0) md['last-updated-ms'] = now(change);
  if (opts.previousMetadataLocation) {
    md['metadata-log'].push({ 'metadata-file': opts.previousMetadataLocation, 'timestamp-ms': base['last-updated-ms'] });
    const max = Number(md.properties['write.metadata.previous-versions-max'] ?? 100);
    if (md['metadata-log'].length > max) md['metadata-log'] = md['metadata-log'].slice(-max);
  }
  validateTableMetadata(md);
  return md;
}

function applyUpdate(c: ChangeState, u: TableUpdate): void {
  const md = c.md;
  switch (u.action) {
    case 'assign-uuid':
      md['table-uuid'] = u.uuid;
      return;
    case 'upgrade-format-version':
      return upgradeFormatVersion(md, u['format-version']);
    case 'add-schema':
      // Java 1.10 ignores the deprecated last-column-id of add-schema and keeps the larger of the
      // table's and the schema's highest id: a schema that drops the newest column sends a
      // lower value (its highest id), and that must not fail the commit.
      c.lastAddedSchemaId = addSchema(md.schemas, u.schema);
      md['last-column-id'] = Math.max(md['last-column-id'], u['last-column-id'] ?? 0, maxFieldId(u.schema));
      return;
    case 'set-current-schema': {
      const id = u['schema-id'] === -1 ? c.lastAddedSchemaId : u['schema-id'];
      if (id === undefined) throw invalidUpdate('set-current-schema -1 without a schema added in this change');
      if (!md.schemas.some((s) => s['schema-id'] === id)) throw invalidUpdate(`schema ${id} does not exist`);
      md['current-schema-id'] = id;
      return;
    }
    case 'add-spec':
      c.lastAddedSpecId = addSpec(md, u.spec);
      return;
    case 'set-default-spec': {
      const id = u['spec-id'] === -1 ? c.lastAddedSpecId : u['spec-id'];
      if (id === undefined) throw invalidUpdate('set-default-spec -1 without a spec added in this change');
      if (!md['partition-specs'].some((s) => s['spec-id'] === id)) throw invalidUpdate(`partition spec ${id} does not exist`);
      md['default-spec-id'] = id;
      return;
    }
    case 'add-sort-order':
      c.lastAddedOrderId = addSortOrder(md, u['sort-order']);
      return;
    case 'set-default-sort-order': {
      const id = u['sort-order-id'] === -1 ? c.lastAddedOrderId : u['sort-order-id'];
      if (id === undefined) throw invalidUpdate('set-default-sort-order -1 without an order added in this change');
      if (!md['sort-orders'].some((s) => s['order-id'] === id)) throw invalidUpdate(`sort order ${id} does not exist`);
      md['default-sort-order-id'] = id;
      return;
    }
    case 'add-snapshot':
      addSnapshot(md, u.snapshot);
      c.lastUpdatedMs = u.snapshot['timestamp-ms'];
      return;
    case 'set-snapshot-ref': {
      const { action: _a, 'ref-name': name, ...ref } = u;
      return setSnapshotRef(c, name, ref as SnapshotRef);
    }
    case 'remove-snapshots':
      return removeSnapshots(md, u['snapshot-ids']);
    case 'remove-snapshot-ref':
      delete md.refs![u['ref-name']];
      if (u['ref-name'] === MAIN_BRANCH) md['current-snapshot-id'] = null;
      return;
    case 'set-location':
    case 'set-properties':
    case 'remove-properties':
      return applyCommonUpdate(md as CommonMetadata, u);
    case 'remove-partition-specs':
      if (u['spec-ids'].includes(md['default-spec-id'])) throw invalidUpdate('cannot remove the default partition spec');
      md['partition-specs'] = md['partition-specs'].filter((s) => !u['spec-ids'].includes(s['spec-id']));
      return;
    case 'remove-schemas':
      if (u['schema-ids'].includes(md['current-schema-id'])) throw invalidUpdate('cannot remove the current schema');
      md.schemas = md.schemas.filter((s) => !u['schema-ids'].includes(s['schema-id']));
      return;
    case 'set-statistics':
      return setStatistics(md, 'statistics', statisticsFile(u.statistics));
    case 'remove-statistics':
      return removeStatistics(md, 'statistics', u['snapshot-id']);
    case 'set-partition-statistics':
      return setStatistics(md, 'partition-statistics', partitionStatisticsFile(u['partition-statistics']));
    case 'remove-partition-statistics':
      return removeStatistics(md, 'partition-statistics', u['snapshot-id']);
    default: {
      // Only the action: the update is client input whose values may not serialize (bigint ids).
      const unknown: never = u;
      throw invalidUpdate(`unknown update action ${String((unknown as { action: unknown }).action).slice(0, 100)}`);
    }
  }
}

function upgradeFormatVersion(md: TableMetadata, v: number): void {
  if (v < md['format-version']) throw invalidUpdate(`cannot downgrade format-version ${md['format-version']} to ${v}`);
  if (v > MAX_FORMAT_VERSION) throw invalidUpdate(`unsupported format-version ${v}`);
  md['format-version'] = v as 1 | 2 | 3;
  md['last-sequence-number'] ??= 0;
  if (v >= 3 && md['next-row-id'] === undefined) md['next-row-id'] = 0;
}

/** Java reuses a spec with the same fields (ignoring field ids) and keeps field ids as given. */
function addSpec(md: TableMetadata, spec: PartitionSpec): number {
  const existing = md['partition-specs'].find((s) => samePartitionFields(s, spec, false));
  const id = existing ? existing['spec-id'] : md['partition-specs'].reduce((m, s) => Math.max(m, s['spec-id'] + 1), 0);
  if (!existing) md['partition-specs'].push({ ...spec, 'spec-id': id });
  md['last-partition-id'] = Math.max(md['last-partition-id'], maxPartitionFieldId(spec));
  return id;
}

function addSortOrder(md: TableMetadata, order: SortOrder): number {
  const existing = md['sort-orders'].find((s) => sameSortFields(s, order));
  if (existing) return existing['order-id'];
  // 0 is reserved for unsorted; new orders count up from 1.
  const id = order.fields.length === 0 ? 0 : md['sort-orders'].reduce((m, s) => Math.max(m, s['order-id'] + 1), 1);
  md['sort-orders'].push({ ...order, 'order-id': id });
  return id;
}

function addSnapshot(md: TableMetadata, s: Snapshot): void {
  if (snapshotById(md, s['snapshot-id'])) throw invalidUpdate(`snapshot ${String(s['snapshot-id'])} already exists`);
  const lastSeq = md['last-sequence-number'] ?? 0;
  const hasParent = s['parent-snapshot-id'] !== undefined && s['parent-snapshot-id'] !== null;
  // Sequence numbers order data and deletes; a stale one would apply deletes to newer data.
  if (md['format-version'] > 1 && s['sequence-number'] <= lastSeq && hasParent) {
    throw invalidUpdate(`snapshot sequence number ${s['sequence-number']} is not above last-sequence-number ${lastSeq}`);
  }
  if (md['format-version'] >= 3) {
    const nextRowId = Number(md['next-row-id'] ?? 0);
    if (s['first-row-id'] === undefined || s['added-rows'] === undefined) throw invalidUpdate('v3 snapshots need first-row-id and added-rows');
    if (s['first-row-id'] < nextRowId) throw invalidUpdate(`first-row-id ${s['first-row-id']} is below next-row-id ${nextRowId}`);
    md['next-row-id'] = nextRowId + s['added-rows'];
  }
  md.snapshots!.push(structuredClone(s));
  md['last-sequence-number'] = Math.max(lastSeq, s['sequence-number']);
}

function setSnapshotRef(c: ChangeState, name: string, ref: SnapshotRef): void {
  const md = c.md;
  if (!snapshotById(md, ref['snapshot-id'])) throw invalidUpdate(`ref ${name} points to unknown snapshot ${String(ref['snapshot-id'])}`);
  if (name === MAIN_BRANCH && ref.type !== 'branch') throw invalidUpdate('main must be a branch');
  const existing = md.refs![name];
  if (existing && JSON.stringify(existing, replacer) === JSON.stringify(ref, replacer)) return;
  md.refs![name] = ref;
  if (name === MAIN_BRANCH) {
    md['current-snapshot-id'] = ref['snapshot-id'];
    md['snapshot-log']!.push({ 'timestamp-ms': now(c), 'snapshot-id': ref['snapshot-id'] });
  }
}

/** The part of table and view metadata that the updates both know change the same way. */
export interface CommonMetadata {
  location: string;
  properties: Record<string, string>;
  schemas: Schema[];
}

export type CommonUpdate =
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] };

/**
 * Updates tables and views share, applied the same way for both (floe's catalog server applies
 * view updates with this too). A location is kept without trailing slashes (`s3://b/t/` and
 * `s3://b/t` are one place; files are addressed as `<location>/data/...`), except the `//` of a
 * bare scheme root.
 */
export function applyCommonUpdate(md: CommonMetadata, u: CommonUpdate): void {
  switch (u.action) {
    case 'set-location':
      md.location = stripTrailingSlash(u.location);
      return;
    case 'set-properties':
      Object.assign(md.properties, u.updates);
      return;
    case 'remove-properties':
      for (const k of u.removals) delete md.properties[k];
      return;
  }
}

export function stripTrailingSlash(location: string): string {
  let out = location;
  while (out.endsWith('/') && !out.endsWith('://')) out = out.slice(0, -1);
  return out;
}

/**
 * Adds a schema (validated) and returns its id: a schema equal to an existing one (same fields and
 * identifier fields) reuses that one's id instead of adding a duplicate, as Java's table and view
 * builders both do.
 */
export function addSchema(schemas: Schema[], schema: Schema): number {
  validateSchema(schema);
  const existing = schemas.find((s) => sameSchema(s, schema));
  if (existing) return existing['schema-id'];
  const id = schemas.reduce((m, s) => Math.max(m, s['schema-id'] + 1), 0);
  schemas.push({ ...schema, 'schema-id': id });
  return id;
}

function replacer(_k: string, v: unknown): unknown {
  return typeof v === 'bigint' ? v.toString() : v;
}

/**
 * Drops snapshots, refs that pointed at them (main too: the table then has no current snapshot),
 * statistics files of them, and snapshot-log entries up to the last removed one: the spec says
 * entries before an expired snapshot are removed, since history through it is no longer valid.
 */
function removeSnapshots(md: TableMetadata, ids: readonly (number | bigint)[]): void {
  const removed = new Set(ids.map(String));
  md.snapshots = (md.snapshots ?? []).filter((s) => !removed.has(String(s['snapshot-id'])));
  for (const [name, ref] of Object.entries(md.refs ?? {})) {
    if (removed.has(String(ref['snapshot-id']))) {
      delete md.refs![name];
      if (name === MAIN_BRANCH) md['current-snapshot-id'] = null;
    }
  }
  const log = md['snapshot-log'] ?? [];
  let keepFrom = 0;
  log.forEach((e, i) => {
    if (!snapshotById(md, e['snapshot-id'])) keepFrom = i + 1;
  });
  md['snapshot-log'] = log.slice(keepFrom);
  for (const key of ['statistics', 'partition-statistics']) {
    const list = md[key];
    if (Array.isArray(list)) {
      md[key] = list.filter((e: { 'snapshot-id'?: unknown }) => !removed.has(String(e['snapshot-id'])));
    }
  }
}

/** A requirement that does not hold, and why. */
export interface RequirementFailure {
  requirement: TableRequirement;
  message: string;
}

/**
 * Checks requirements against the current metadata (undefined: the table does not exist) and
 * returns the first that fails, as the catalog would report it with a 409.
 */
export function checkRequirements(md: TableMetadata | undefined, reqs: readonly TableRequirement[]): RequirementFailure | undefined {
  for (const r of reqs) {
    const message = failure(md, r);
    if (message !== undefined) return { requirement: r, message };
  }
  return undefined;
}

function failure(md: TableMetadata | undefined, r: TableRequirement): string | undefined {
  if (r.type === 'assert-create') return md ? 'table already exists' : undefined;
  if (!md) return 'table does not exist';
  const mismatch = (what: string, expected: unknown, actual: unknown) =>
    String(expected) === String(actual) ? undefined : `${what}: expected ${String(expected)}, found ${String(actual)}`;
  switch (r.type) {
    case 'assert-table-uuid':
      return String(md['table-uuid']).toLowerCase() === r.uuid.toLowerCase() ? undefined : mismatch('table uuid', r.uuid, md['table-uuid']);
    case 'assert-ref-snapshot-id': {
      const actual = refSnapshotId(md, r.ref);
      if (r['snapshot-id'] === null) return actual === undefined ? undefined : `ref ${r.ref} was created concurrently (now ${String(actual)})`;
      if (actual === undefined) return `ref ${r.ref} does not exist (expected ${String(r['snapshot-id'])})`;
      return sameId(actual, r['snapshot-id']) ? undefined : mismatch(`ref ${r.ref} snapshot`, r['snapshot-id'], actual);
    }
    case 'assert-last-assigned-field-id':
      return mismatch('last assigned field id', r['last-assigned-field-id'], md['last-column-id']);
    case 'assert-current-schema-id':
      return mismatch('current schema id', r['current-schema-id'], md['current-schema-id']);
    case 'assert-last-assigned-partition-id':
      return mismatch('last assigned partition id', r['last-assigned-partition-id'], md['last-partition-id']);
    case 'assert-default-spec-id':
      return mismatch('default spec id', r['default-spec-id'], md['default-spec-id']);
    case 'assert-default-sort-order-id':
      return mismatch('default sort order id', r['default-sort-order-id'], md['default-sort-order-id']);
    default: {
      const unknown: never = r;
      return `unknown requirement type ${String((unknown as { type: unknown }).type).slice(0, 100)}`;
    }
  }
}


