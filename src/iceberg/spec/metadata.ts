/**
 * Table metadata (spec "Table Metadata", Appendix C/E): reading v1, v2 and v3 JSON into one
 * normalized `TableMetadata`, writing it back, lookups (schemas, specs, snapshots, refs) and
 * creating new tables. Changes to metadata live in updates.ts (applyUpdates, checkRequirements).
 *
 * Snapshot ids: Java engines assign random 63-bit ids. parseJson (json.ts) keeps those exact
 * as bigint, so at runtime any snapshot id here may be a number or a bigint even though the types
 * say number. Every comparison below goes through `sameId`, never `===`.
 */
import { randomBytes, randomUUID } from 'node:crypto';
import { FloeError } from '../../util/errors.js';
import { parseJson, sameId } from './json.js';
import { parsePartitionSpec, PARTITION_DATA_ID_START, unpartitioned, validatePartitionSpec } from './partition.js';
import { assignFreshIds, parseSchema, schemaToJson, validateSchema } from './schema.js';
import { parseSortOrder, unsorted, validateSortOrder } from './sort.js';
import type { PartitionSpec, Schema, Snapshot, SnapshotRef, SortOrder, TableMetadata } from './types.js';

export const MAIN_BRANCH = 'main';
/** The newest format version floe reads; it writes v2 unless asked otherwise. */
export const MAX_FORMAT_VERSION = 3;

type Id = number | bigint;

export function invalidMetadata(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('ICEBERG_INVALID_METADATA', message, details ? { details } : {});
}

export { sameId };

export function isId(v: unknown): v is Id {
  return typeof v === 'bigint' || (typeof v === 'number' && Number.isInteger(v));
}

function obj(v: unknown, what: string): Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) throw invalidMetadata(`${what} must be a JSON object`);
  return v as Record<string, unknown>;
}

function int(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalidMetadata(`${what} must be an integer, got ${String(v)}`);
  return v;
}

/** A JSON object whose values are all strings (properties, summaries): Java reads nothing else. */
function stringMap(v: unknown, what: string): Record<string, string> {
  const o = obj(v, what);
  for (const [k, x] of Object.entries(o)) if (typeof x !== 'string') throw invalidMetadata(`${what} ${k} must be a string`);
  return o as Record<string, string>;
}

function optionalId(v: unknown, what: string): void {
  if (v !== undefined && v !== null && !isId(v)) throw invalidMetadata(`invalid ${what} ${String(v)}`);
}

function parseSnapshot(raw: unknown, formatVersion: number): Snapshot {
  const o = obj(raw, 'snapshot');
  if (!isId(o['snapshot-id'])) throw invalidMetadata(`invalid snapshot-id ${String(o['snapshot-id'])}`);
  optionalId(o['parent-snapshot-id'], 'parent-snapshot-id');
  optionalId(o['sequence-number'], 'snapshot sequence-number');
  if (o['schema-id'] !== undefined && o['schema-id'] !== null) int(o['schema-id'], 'snapshot schema-id');
  // Java's SnapshotParser needs a manifest list, or (v1) an inline list of manifest paths.
  const manifests = o.manifests;
  if (typeof o['manifest-list'] !== 'string' && !(Array.isArray(manifests) && manifests.every((m) => typeof m === 'string'))) {
    throw invalidMetadata(`snapshot ${String(o['snapshot-id'])} has no manifest-list`);
  }
  if (o.summary !== undefined && o.summary !== null) {
    const summary = stringMap(o.summary, 'snapshot summary');
    if (summary.operation === undefined) throw invalidMetadata(`snapshot ${String(o['snapshot-id'])} summary has no operation`);
  }
  // Unknown keys (v1 `manifests`, future fields) are kept as they are.
  const s = { ...o } as unknown as Snapshot;
  // Appendix E: v1 snapshots read with sequence number 0.
  s['sequence-number'] = typeof o['sequence-number'] === 'number' && formatVersion > 1 ? o['sequence-number'] : 0;
  int(o['timestamp-ms'], 'snapshot timestamp-ms');
  // v1 allowed snapshots without a summary; Java then reports no operation. We need one to type
  // the summary, and 'append' is what such old snapshots were in practice.
  if (typeof o.summary !== 'object' || o.summary === null) s.summary = { operation: 'append' };
  if (o['parent-snapshot-id'] === null || o['parent-snapshot-id'] === -1) delete s['parent-snapshot-id'];
  return s;
}

/**
 * Reads table metadata of format v1, v2 or v3 (an object, or JSON text parsed with 64-bit-exact
 * ids) into the normalized shape: v1's `schema` / `partition-spec` become `schemas` /
 * `partition-specs`, missing v2 fields get the spec's read defaults, `-1` current snapshot becomes
 * null, and a `main` ref always exists when there is a current snapshot. Unknown fields are kept.
 */
export function parseTableMetadata(json: unknown): TableMetadata {
  const o = obj(typeof json === 'string' ? parseJson(json) : json, 'table metadata');
  const fv = o['format-version'];
  if (fv !== 1 && fv !== 2 && fv !== 3) {
    throw invalidMetadata(`unsupported format-version ${String(fv)} (floe reads 1 to ${MAX_FORMAT_VERSION})`);
  }
  if (typeof o.location !== 'string') throw invalidMetadata('location is required');
  checkTopLevelShapes(o);
  const md: Record<string, unknown> = { ...o };
  delete md.schema;
  delete md['partition-spec'];

  const schemaOpts = { allowUnknownTypes: true };
  let schemas: Schema[];
  let currentSchemaId: number;
  if (Array.isArray(o.schemas) && o.schemas.length > 0) {
    schemas = o.schemas.map((s) => parseSchema(s, schemaOpts));
    currentSchemaId = o['current-schema-id'] === undefined ? schemas[0]!['schema-id'] : int(o['current-schema-id'], 'current-schema-id');
  } else if (o.schema !== undefined) {
    const s = parseSchema(o.schema, schemaOpts);
    schemas = [s];
    currentSchemaId = s['schema-id'];
  } else {
    throw invalidMetadata('metadata has no schemas');
  }

  let specs: PartitionSpec[];
  let defaultSpecId: number;
  if (Array.isArray(o['partition-specs']) && o['partition-specs'].length > 0) {
    specs = o['partition-specs'].map((s) => parsePartitionSpec(s));
    defaultSpecId = o['default-spec-id'] === undefined ? specs[0]!['spec-id'] : int(o['default-spec-id'], 'default-spec-id');
  } else if (Array.isArray(o['partition-spec'])) {
    specs = [parsePartitionSpec(o['partition-spec'], 0)];
    defaultSpecId = 0;
  } else {
    specs = [{ ...unpartitioned, fields: [] }];
    defaultSpecId = 0;
  }
  const maxPartitionId = Math.max(PARTITION_DATA_ID_START - 1, ...specs.flatMap((s) => s.fields.map((f) => f['field-id'])));

  const orders: SortOrder[] = Array.isArray(o['sort-orders']) && o['sort-orders'].length > 0
    ? o['sort-orders'].map(parseSortOrder)
    : [{ ...unsorted, fields: [] }];

  const snapshots = Array.isArray(o.snapshots) ? o.snapshots.map((s) => parseSnapshot(s, fv)) : [];
  const rawCurrent = o['current-snapshot-id'];
  // Java writes -1 for "no current snapshot" in v1/v2.
  const current = rawCurrent === undefined || rawCurrent === null || String(rawCurrent) === '-1' ? null : rawCurrent;
  if (current !== null && !isId(current)) throw invalidMetadata(`invalid current-snapshot-id ${String(current)}`);

  const refs: Record<string, SnapshotRef> = { ...((o.refs as Record<string, SnapshotRef> | undefined) ?? {}) };
  if (current !== null && !refs[MAIN_BRANCH]) refs[MAIN_BRANCH] = { 'snapshot-id': current as number, type: 'branch' };

  const maxSeq = snapshots.reduce((m, s) => Math.max(m, s['sequence-number']), 0);
  Object.assign(md, {
    'format-version': fv,
    'last-sequence-number': fv === 1 ? 0 : typeof o['last-sequence-number'] === 'number' ? o['last-sequence-number'] : maxSeq,
    'last-updated-ms': int(o['last-updated-ms'], 'last-updated-ms'),
    'last-column-id': int(o['last-column-id'], 'last-column-id'),
    schemas,
    'current-schema-id': currentSchemaId,
    'partition-specs': specs,
    'default-spec-id': defaultSpecId,
    'last-partition-id': typeof o['last-partition-id'] === 'number' ? o['last-partition-id'] : maxPartitionId,
    properties: { ...((o.properties as Record<string, string> | undefined) ?? {}) },
    'current-snapshot-id': current,
    snapshots,
    'snapshot-log': Array.isArray(o['snapshot-log']) ? o['snapshot-log'] : [],
    'metadata-log': Array.isArray(o['metadata-log']) ? o['metadata-log'] : [],
    'sort-orders': orders,
    'default-sort-order-id': typeof o['default-sort-order-id'] === 'number' ? o['default-sort-order-id'] : orders[0]!['order-id'],
    refs,
  });
  if (fv === 3 && md['next-row-id'] === undefined) md['next-row-id'] = 0;
  const result = md as TableMetadata;
  validateTableMetadata(result);
  return result;
}

/**
 * Field types Java's TableMetadataParser insists on and floe's normalization would otherwise carry
 * through unchecked: a file with a numeric property or a ref without a snapshot id is one no
 * engine can load.
 */
function checkTopLevelShapes(o: Record<string, unknown>): void {
  if (o['table-uuid'] !== undefined && typeof o['table-uuid'] !== 'string') throw invalidMetadata('table-uuid must be a string');
  optionalId(o['last-sequence-number'], 'last-sequence-number');
  if (o.properties !== undefined && o.properties !== null) stringMap(o.properties, 'property');
  if (o.snapshots !== undefined && o.snapshots !== null && !Array.isArray(o.snapshots)) throw invalidMetadata('snapshots must be a list');
  if (o.refs !== undefined && o.refs !== null) {
    for (const [name, ref] of Object.entries(obj(o.refs, 'refs'))) {
      const r = obj(ref, `ref ${name}`);
      if (!isId(r['snapshot-id'])) throw invalidMetadata(`ref ${name} has invalid snapshot-id ${String(r['snapshot-id'])}`);
      if (r.type !== 'branch' && r.type !== 'tag') throw invalidMetadata(`ref ${name} has invalid type ${String(r.type)}`);
    }
  }
  for (const [key, idField, what] of [['snapshot-log', 'snapshot-id', 'snapshot'], ['metadata-log', 'metadata-file', 'metadata']] as const) {
    const log = o[key];
    if (log === undefined || log === null) continue;
    if (!Array.isArray(log)) throw invalidMetadata(`${key} must be a list`);
    for (const e of log) {
      const entry = obj(e, `${key} entry`);
      int(entry['timestamp-ms'], `${key} timestamp-ms`);
      const ok = what === 'snapshot' ? isId(entry[idField]) : typeof entry[idField] === 'string';
      if (!ok) throw invalidMetadata(`${key} entry has invalid ${idField}`);
    }
  }
}

/** Cross-checks ids inside metadata; a violation means corrupt metadata that engines reject too. */
export function validateTableMetadata(md: TableMetadata): void {
  if (!schemaById(md, md['current-schema-id'])) throw invalidMetadata(`current schema ${md['current-schema-id']} not found`);
  if (!specById(md, md['default-spec-id'])) throw invalidMetadata(`default spec ${md['default-spec-id']} not found`);
  if (!sortOrderById(md, md['default-sort-order-id'])) {
    throw invalidMetadata(`default sort order ${md['default-sort-order-id']} not found`);
  }
  const current = md['current-snapshot-id'];
  if (current !== null && current !== undefined && !snapshotById(md, current)) {
    throw invalidMetadata(`current snapshot ${String(current)} not found`);
  }
  for (const [name, ref] of Object.entries(md.refs ?? {})) {
    if (!snapshotById(md, ref['snapshot-id'])) throw invalidMetadata(`ref ${name} points to unknown snapshot ${String(ref['snapshot-id'])}`);
  }
  const main = md.refs?.[MAIN_BRANCH];
  if (main && !sameId(main['snapshot-id'], current ?? null)) {
    throw invalidMetadata(`main ref ${String(main['snapshot-id'])} differs from current-snapshot-id ${String(current)}`);
  }
}

// ---------------------------------------------------------------------------------------------
// Lookups

export function schemaById(md: TableMetadata, id: number): Schema | undefined {
  return md.schemas.find((s) => s['schema-id'] === id);
}

export function currentSchema(md: TableMetadata): Schema {
  const s = schemaById(md, md['current-schema-id']);
  if (!s) throw invalidMetadata(`current schema ${md['current-schema-id']} not found`);
  return s;
}

export function specById(md: TableMetadata, id: number): PartitionSpec | undefined {
  return md['partition-specs'].find((s) => s['spec-id'] === id);
}

export function defaultSpec(md: TableMetadata): PartitionSpec {
  const s = specById(md, md['default-spec-id']);
  if (!s) throw invalidMetadata(`default spec ${md['default-spec-id']} not found`);
  return s;
}

export function sortOrderById(md: TableMetadata, id: number): SortOrder | undefined {
  return md['sort-orders'].find((s) => s['order-id'] === id);
}

export function defaultSortOrder(md: TableMetadata): SortOrder {
  const s = sortOrderById(md, md['default-sort-order-id']);
  if (!s) throw invalidMetadata(`default sort order ${md['default-sort-order-id']} not found`);
  return s;
}

export function snapshotById(md: TableMetadata, id: Id): Snapshot | undefined {
  return (md.snapshots ?? []).find((s) => sameId(s['snapshot-id'], id));
}

/** The snapshot id a ref points to; `main` falls back to current-snapshot-id. */
export function refSnapshotId(md: TableMetadata, ref = MAIN_BRANCH): number | undefined {
  const r = md.refs?.[ref];
  if (r) return r['snapshot-id'];
  if (ref === MAIN_BRANCH) return md['current-snapshot-id'] ?? undefined;
  return undefined;
}

export function currentSnapshot(md: TableMetadata): Snapshot | undefined {
  const id = refSnapshotId(md, MAIN_BRANCH);
  return id === undefined ? undefined : snapshotById(md, id);
}

/** The snapshot and its ancestors, newest first, until a parent is missing (expired) or absent. */
export function snapshotsAncestry(md: TableMetadata, snapshotId: Id): Snapshot[] {
  const out: Snapshot[] = [];
  const seen = new Set<string>();
  let s = snapshotById(md, snapshotId);
  while (s && !seen.has(String(s['snapshot-id']))) {
    seen.add(String(s['snapshot-id']));
    out.push(s);
    const parent = s['parent-snapshot-id'];
    s = parent === undefined || parent === null ? undefined : snapshotById(md, parent);
  }
  return out;
}

/** Whether `ancestorId` is `snapshotId` or one of its (still present) ancestors. */
export function isAncestorOf(md: TableMetadata, snapshotId: Id, ancestorId: Id): boolean {
  return snapshotsAncestry(md, snapshotId).some((s) => sameId(s['snapshot-id'], ancestorId));
}

/**
 * A new snapshot id: uniformly random in [1, 2^53). Java uses the full positive 63-bit range, but
 * floe's types carry ids as JS numbers and many JSON tools (and JSON.parse) round integers above
 * 2^53; staying below keeps every id floe writes exact everywhere. Collision odds are still
 * negligible (53 bits), and we re-draw if the table already has the id.
 */
export function newSnapshotId(md?: TableMetadata): number {
  for (;;) {
    const id = Number(randomBytes(8).readBigUInt64BE() & ((1n << 53n) - 1n));
    if (id !== 0 && !(md && snapshotById(md, id))) return id;
  }
}

// ---------------------------------------------------------------------------------------------
// Creation and serialization

export interface NewTableOptions {
  location: string;
  /** Field ids are reassigned from 1 (as Java's catalog does); spec and order are remapped. */
  schema: Schema;
  spec?: PartitionSpec;
  sortOrder?: SortOrder;
  properties?: Record<string, string>;
  /** Defaults to 2; a `format-version` table property also sets it (and is not stored). */
  formatVersion?: 1 | 2 | 3;
  tableUuid?: string;
  nowMs?: number;
}

/** Metadata for a new, empty table, as a catalog creates it. */
export function newTableMetadata(opts: NewTableOptions): TableMetadata {
  const properties = { ...(opts.properties ?? {}) };
  const fvProp = properties['format-version'];
  delete properties['format-version'];
  const formatVersion = opts.formatVersion ?? (fvProp !== undefined ? Number(fvProp) : 2);
  if (formatVersion !== 1 && formatVersion !== 2 && formatVersion !== 3) throw invalidMetadata(`unsupported format-version ${String(fvProp)}`);

  validateSchema(opts.schema);
  const fresh = assignFreshIds(opts.schema);
  const schema: Schema = { ...fresh.schema, 'schema-id': 0 };
  const remap = (id: number): number => {
    const mapped = fresh.idMap.get(id);
    if (mapped === undefined) throw invalidMetadata(`source field ${id} not found in schema`);
    return mapped;
  };
  const spec: PartitionSpec = {
    'spec-id': 0,
    fields: (opts.spec ?? unpartitioned).fields.map((f, i) => ({ ...f, 'source-id': remap(f['source-id']), 'field-id': PARTITION_DATA_ID_START + i })),
  };
  validatePartitionSpec(spec, schema);
  const orderFields = (opts.sortOrder ?? unsorted).fields.map((f) => ({ ...f, 'source-id': remap(f['source-id']) }));
  const order: SortOrder = { 'order-id': orderFields.length > 0 ? 1 : 0, fields: orderFields };
  validateSortOrder(order, schema);

  const md: TableMetadata = {
    'format-version': formatVersion,
    'table-uuid': opts.tableUuid ?? randomUUID(),
    location: opts.location.replace(/\/+$/, ''),
    'last-sequence-number': 0,
    'last-updated-ms': opts.nowMs ?? Date.now(),
    'last-column-id': fresh.lastColumnId,
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': [spec],
    'default-spec-id': 0,
    'last-partition-id': PARTITION_DATA_ID_START - 1 + spec.fields.length,
    properties,
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'metadata-log': [],
    'sort-orders': [order],
    'default-sort-order-id': order['order-id'],
    refs: {},
  };
  if (formatVersion === 3) md['next-row-id'] = 0;
  return md;
}

/**
 * Metadata with nothing in it yet, for building a table purely from TableUpdates (the REST
 * "create transaction" flow: assert-create, add-schema, set-current-schema -1, ...).
 */
export function emptyTableMetadata(formatVersion: 1 | 2 | 3 = 2, location = ''): TableMetadata {
  const md: TableMetadata = {
    'format-version': formatVersion, 'table-uuid': randomUUID(), location, 'last-sequence-number': 0,
    'last-updated-ms': 0, 'last-column-id': 0, schemas: [], 'current-schema-id': -1, 'partition-specs': [],
    'default-spec-id': -1, 'last-partition-id': PARTITION_DATA_ID_START - 1, properties: {},
    'current-snapshot-id': null, snapshots: [], 'snapshot-log': [], 'metadata-log': [], 'sort-orders': [],
    'default-sort-order-id': -1, refs: {},
  };
  if (formatVersion === 3) md['next-row-id'] = 0;
  return md;
}

const KEY_ORDER = [
  'format-version', 'table-uuid', 'location', 'last-sequence-number', 'last-updated-ms', 'last-column-id',
  'current-schema-id', 'schemas', 'default-spec-id', 'partition-specs', 'last-partition-id',
  'default-sort-order-id', 'sort-orders', 'properties', 'current-snapshot-id', 'refs', 'snapshots',
  'statistics', 'partition-statistics', 'snapshot-log', 'metadata-log',
];

/**
 * The metadata as the JSON object to write (serialize with the catalog's stringifyJson so bigint
 * ids stay exact). v1 gets its required legacy `schema` / `partition-spec` and no sequence numbers
 * (Appendix E); v1/v2 write -1 for "no current snapshot" as Java does, v3 writes null.
 */
export function tableMetadataToJson(md: TableMetadata): Record<string, unknown> {
  const fv = md['format-version'];
  const src: Record<string, unknown> = {
    ...md,
    schemas: md.schemas.map(schemaToJson),
    'current-snapshot-id': md['current-snapshot-id'] ?? (fv >= 3 ? null : -1),
    snapshots: (md.snapshots ?? []).map((s) => {
      const out: Record<string, unknown> = { ...s };
      if (fv === 1) delete out['sequence-number'];
      return out;
    }),
  };
  if (fv === 1) {
    delete src['last-sequence-number'];
    src.schema = schemaToJson(currentSchema(md));
    src['partition-spec'] = defaultSpec(md).fields;
  }
  const out: Record<string, unknown> = {};
  for (const k of KEY_ORDER) if (src[k] !== undefined) out[k] = src[k];
  for (const [k, v] of Object.entries(src)) if (!(k in out) && v !== undefined) out[k] = v;
  return out;
}
