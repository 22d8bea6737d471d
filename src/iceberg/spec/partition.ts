/**
 * Partition specs (spec "Partitioning", Appendix C): building and validating them against a
 * schema, the partition struct type manifests store, the partition tuple of a row and the
 * `a=1/b=x` directory Iceberg's Java reference derives from that tuple.
 */
import { FloeError } from '../../util/errors.js';
import { findField, indexById, isPrimitive } from './schema.js';
import { applyTransform, canTransform, parseTransform, partitionPathValue, transformResultType } from './transforms.js';
import type { PartitionField, PartitionSpec, PrimitiveType, PrimitiveValue, Schema, StructType, Transform } from './types.js';

/** Partition field ids start at 1000 (v1 assigned them implicitly from there; v2 keeps the habit). */
export const PARTITION_DATA_ID_START = 1000;

/** The spec with no fields, id 0: what every unpartitioned table uses. */
export const unpartitioned: PartitionSpec = Object.freeze({ 'spec-id': 0, fields: Object.freeze([]) as unknown as PartitionField[] });

function invalid(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('ICEBERG_INVALID_PARTITION_SPEC', message, details ? { details } : {});
}

export function isUnpartitioned(spec: PartitionSpec): boolean {
  return spec.fields.every((f) => parseTransform(f.transform).kind === 'void');
}

/** Java's default partition field names: `id_bucket`, `name_trunc`, `ts_day`, `x_null` for void. */
export function defaultPartitionFieldName(sourceName: string, transform: Transform): string {
  const t = parseTransform(transform);
  switch (t.kind) {
    case 'identity':
      return sourceName;
    case 'bucket':
      return `${sourceName}_bucket`;
    case 'truncate':
      return `${sourceName}_trunc`;
    case 'void':
      return `${sourceName}_null`;
    case 'unknown':
      throw invalid(`unknown transform: ${t.name}`);
    default:
      return `${sourceName}_${t.kind}`;
  }
}

export interface PartitionFieldInput {
  /** Source column: a dotted name ("location.lat") or a field id. */
  source: string | number;
  transform: Transform;
  /** Defaults to defaultPartitionFieldName. */
  name?: string;
  /** Reuse an existing partition field id (spec evolution); otherwise assigned after lastPartitionId. */
  fieldId?: number;
}

/**
 * Builds a spec from source columns and transforms. New partition field ids continue after
 * `lastPartitionId` (999 for a new table, so the first is 1000), and the result is validated.
 */
export function buildPartitionSpec(
  schema: Schema,
  fields: PartitionFieldInput[],
  opts: { specId?: number; lastPartitionId?: number } = {},
): PartitionSpec {
  let nextId = (opts.lastPartitionId ?? PARTITION_DATA_ID_START - 1) + 1;
  const out: PartitionField[] = fields.map((input) => {
    const source = findField(schema, input.source);
    if (!source) throw invalid(`partition source column ${String(input.source)} not found`);
    const sourceName = source.path.join('.');
    return {
      'source-id': source.field.id,
      'field-id': input.fieldId ?? nextId++,
      name: input.name ?? defaultPartitionFieldName(sourceName, input.transform),
      transform: parseTransformString(input.transform),
    };
  });
  const spec: PartitionSpec = { 'spec-id': opts.specId ?? 0, fields: out };
  validatePartitionSpec(spec, schema);
  return spec;
}

function parseTransformString(t: Transform): Transform {
  const p = parseTransform(t);
  if (p.kind === 'unknown') throw invalid(`unknown transform: ${p.name}`);
  return t.trim() as Transform;
}

/**
 * Checks a spec against a schema as Java's PartitionSpec.Builder would: sources exist, are
 * primitive, are not inside a list or map, accept the transform; names and field ids are unique;
 * a partition name may only equal a column name when it is the identity of that same column;
 * no source has the same transform twice (redundant partitions).
 */
export function validatePartitionSpec(spec: PartitionSpec, schema: Schema): void {
  const byId = indexById(schema);
  const columnNames = new Map<string, number>();
  for (const [id, f] of byId) columnNames.set(f.path.join('.'), id);
  const names = new Set<string>();
  const ids = new Set<number>();
  const seenTransforms = new Set<string>();
  for (const field of spec.fields) {
    const { name } = field;
    if (!name) throw invalid('partition field name must not be empty');
    if (names.has(name)) throw invalid(`duplicate partition field name ${name}`);
    names.add(name);
    if (ids.has(field['field-id'])) throw invalid(`duplicate partition field id ${field['field-id']}`);
    ids.add(field['field-id']);
    const transform = parseTransform(field.transform);
    const source = byId.get(field['source-id']);
    if (!source) {
      // Dropped source columns are allowed behind void (v1-style removal) only.
      if (transform.kind === 'void') continue;
      throw invalid(`partition ${name}: source field ${field['source-id']} not found`);
    }
    if (!isPrimitive(source.field.type)) throw invalid(`partition ${name}: source ${source.path.join('.')} is not a primitive`);
    if (source.inRepeated) throw invalid(`partition ${name}: source ${source.path.join('.')} is inside a list or map`);
    if (!canTransform(transform, source.field.type)) {
      throw invalid(`partition ${name}: ${field.transform} cannot apply to ${source.field.type}`);
    }
    const sameColumn = columnNames.get(name);
    if (sameColumn !== undefined && !(transform.kind === 'identity' && sameColumn === field['source-id'])) {
      throw invalid(`partition name ${name} conflicts with a schema column`);
    }
    if (transform.kind !== 'void') {
      // year/month/day/hour on one column are alternatives of the same kind, as in Java's dedup.
      const dedup = ['year', 'month', 'day', 'hour'].includes(transform.kind) ? 'time' : field.transform;
      const key = `${field['source-id']}:${dedup}`;
      if (seenTransforms.has(key)) throw invalid(`redundant partition ${name}: ${field.transform} of the same source twice`);
      seenTransforms.add(key);
    }
  }
}

/** Highest partition field id in the spec, or 999 when it has none. */
export function maxPartitionFieldId(spec: PartitionSpec): number {
  return spec.fields.reduce((m, f) => Math.max(m, f['field-id']), PARTITION_DATA_ID_START - 1);
}

/** Same fields (source, transform, name, in order), ignoring spec id. Field ids are compared too unless told not to. */
export function samePartitionFields(a: PartitionSpec, b: PartitionSpec, compareFieldIds = true): boolean {
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => {
    const g = b.fields[i]!;
    return f['source-id'] === g['source-id'] && f.transform === g.transform && f.name === g.name &&
      (!compareFieldIds || f['field-id'] === g['field-id']);
  });
}

function sourceType(schema: Schema, field: PartitionField): PrimitiveType {
  const f = findField(schema, field['source-id']);
  if (!f || !isPrimitive(f.field.type)) {
    // A void field of a dropped column still occupies a slot; Java types it int.
    if (parseTransform(field.transform).kind === 'void') return 'int';
    throw invalid(`partition ${field.name}: source field ${field['source-id']} not found`);
  }
  return f.field.type;
}

/** The partition struct manifests store: one optional field per partition field, typed by its result. */
export function partitionType(spec: PartitionSpec, schema: Schema): StructType {
  return {
    type: 'struct',
    fields: spec.fields.map((f) => ({
      id: f['field-id'],
      name: f.name,
      required: false,
      type: transformResultType(f.transform, sourceType(schema, f)),
    })),
  };
}

/** The partition tuple of a row, given the row's source values by field id (absent means null). */
export function partitionTuple(
  spec: PartitionSpec,
  schema: Schema,
  row: ReadonlyMap<number, PrimitiveValue | null>,
): (PrimitiveValue | null)[] {
  return spec.fields.map((f) => applyTransform(f.transform, sourceType(schema, f), row.get(f['source-id']) ?? null));
}

/**
 * java.net.URLEncoder.encode(s, UTF-8), which Iceberg uses for partition paths: letters, digits
 * and `.-*_` stay, space becomes '+', every other UTF-8 byte is %XX (upper-case hex).
 */
export function escapePathComponent(s: string): string {
  let out = '';
  for (const ch of s) {
    if (/^[A-Za-z0-9.\-*_]$/.test(ch)) out += ch;
    else if (ch === ' ') out += '+';
    else for (const b of new TextEncoder().encode(ch)) out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
  }
  return out;
}

/** The data-file directory of a partition, e.g. `ts_day=2024-01-02/id_bucket=3` ("" when unpartitioned). */
export function partitionPath(spec: PartitionSpec, schema: Schema, tuple: readonly (PrimitiveValue | null)[]): string {
  const type = partitionType(spec, schema);
  return spec.fields
    .map((f, i) => {
      const text = partitionPathValue(f.transform, type.fields[i]!.type as PrimitiveType, tuple[i] ?? null);
      return `${escapePathComponent(f.name)}=${escapePathComponent(text)}`;
    })
    .join('/');
}

/** Validates and normalizes a partition spec read from JSON (v1 specs lack field ids: 1000, 1001, ...). */
export function parsePartitionSpec(json: unknown, specId?: number): PartitionSpec {
  const fieldsJson = Array.isArray(json) ? json : (json as { fields?: unknown })?.fields;
  if (!Array.isArray(fieldsJson)) throw invalid('partition spec fields must be a list');
  const id = specId ?? (Array.isArray(json) ? 0 : Number((json as Record<string, unknown>)['spec-id'] ?? 0));
  const fields = fieldsJson.map((raw, i): PartitionField => {
    const f = raw as Record<string, unknown>;
    // v3 multi-argument transforms write source-ids; keep the first as source-id so reading works.
    const sourceIds = f['source-ids'];
    const sourceId = typeof f['source-id'] === 'number' ? f['source-id'] : Array.isArray(sourceIds) ? Number(sourceIds[0]) : NaN;
    if (!Number.isInteger(sourceId) || typeof f.name !== 'string' || typeof f.transform !== 'string') {
      throw invalid(`invalid partition field ${JSON.stringify(raw)}`);
    }
    const field: PartitionField = {
      'source-id': sourceId,
      'field-id': typeof f['field-id'] === 'number' ? f['field-id'] : PARTITION_DATA_ID_START + i,
      name: f.name,
      transform: f.transform as Transform,
    };
    if (Array.isArray(sourceIds)) (field as unknown as Record<string, unknown>)['source-ids'] = sourceIds;
    return field;
  });
  return { 'spec-id': id, fields };
}
