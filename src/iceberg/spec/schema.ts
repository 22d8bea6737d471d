/**
 * Helpers over Iceberg schemas and types (format/spec.md "Schemas and Data Types", Appendix C).
 * Pure functions: no IO. Other stages build schemas as plain `Schema` objects and use these to
 * index, validate and serialize them.
 */
import { FloeError } from '../../util/errors.js';
import type {
  IcebergType,
  ListType,
  MapType,
  NestedField,
  PrimitiveType,
  PrimitiveTypeName,
  Schema,
  StructType,
} from './types.js';

const PRIMITIVE_NAMES: ReadonlySet<string> = new Set<PrimitiveTypeName>([
  'boolean', 'int', 'long', 'float', 'double', 'date', 'time', 'timestamp', 'timestamptz',
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary', 'variant',
]);

/** Iceberg reserves ids above Integer.MAX_VALUE - 200 for metadata columns (_file, _pos, ...). */
export const MAX_USER_FIELD_ID = 2147483447;

function invalid(message: string, details?: Record<string, unknown>): FloeError {
  return new FloeError('ICEBERG_INVALID_SCHEMA', message, details ? { details } : {});
}

export function isPrimitive(type: IcebergType): type is PrimitiveType {
  return typeof type === 'string';
}
export function isStruct(type: IcebergType): type is StructType {
  return typeof type === 'object' && type.type === 'struct';
}
export function isList(type: IcebergType): type is ListType {
  return typeof type === 'object' && type.type === 'list';
}
export function isMap(type: IcebergType): type is MapType {
  return typeof type === 'object' && type.type === 'map';
}

// The spec asks readers to accept whitespace around parameters: "decimal(9, 2)", "fixed[ 16 ]".
const DECIMAL_RE = /^decimal\s*\(\s*(\d+)\s*,\s*(-?\d+)\s*\)$/;
const FIXED_RE = /^fixed\s*\[\s*(\d+)\s*\]$/;

/** Precision and scale of a decimal type string, or undefined when it is not a decimal. */
export function decimalParams(type: string): { precision: number; scale: number } | undefined {
  const m = DECIMAL_RE.exec(type.trim());
  if (!m) return undefined;
  return { precision: Number(m[1]), scale: Number(m[2]) };
}

/** Length of a fixed type string, or undefined when it is not fixed. */
export function fixedLength(type: string): number | undefined {
  const m = FIXED_RE.exec(type.trim());
  return m ? Number(m[1]) : undefined;
}

export function decimalType(precision: number, scale: number): PrimitiveType {
  return `decimal(${precision},${scale})`;
}
export function fixedType(length: number): PrimitiveType {
  return `fixed[${length}]`;
}

/**
 * Validates a primitive type string and returns its canonical spelling (no whitespace), so
 * that "decimal(9, 2)" written by another engine compares equal to our "decimal(9,2)".
 */
export function parsePrimitiveType(s: string): PrimitiveType {
  const t = s.trim();
  if (PRIMITIVE_NAMES.has(t)) return t as PrimitiveTypeName;
  const d = decimalParams(t);
  if (d) {
    if (d.precision < 1 || d.precision > 38) throw invalid(`decimal precision must be 1..38: ${s}`);
    return decimalType(d.precision, d.scale);
  }
  const f = fixedLength(t);
  if (f !== undefined) {
    if (f < 1) throw invalid(`fixed length must be positive: ${s}`);
    return fixedType(f);
  }
  throw invalid(`unknown primitive type: ${s}`);
}

/** Whether a string names a primitive type this implementation understands. */
export function isKnownPrimitive(s: string): s is PrimitiveType {
  try {
    parsePrimitiveType(s);
    return true;
  } catch {
    return false;
  }
}

/** The name without parameters: "decimal(9,2)" -> "decimal", "fixed[4]" -> "fixed". */
export function primitiveKind(type: PrimitiveType): PrimitiveTypeName | 'decimal' | 'fixed' {
  if (PRIMITIVE_NAMES.has(type)) return type as PrimitiveTypeName;
  if (decimalParams(type)) return 'decimal';
  if (fixedLength(type) !== undefined) return 'fixed';
  throw invalid(`unknown primitive type: ${type}`);
}

export function typeToString(type: IcebergType): string {
  if (isPrimitive(type)) return type;
  if (isStruct(type)) return `struct<${type.fields.map((f) => `${f.id}:${f.name}:${typeToString(f.type)}`).join(', ')}>`;
  if (isList(type)) return `list<${typeToString(type.element)}>`;
  return `map<${typeToString(type.key)}, ${typeToString(type.value)}>`;
}

// ---------------------------------------------------------------------------------------------
// Indexing

export interface IndexedField {
  field: NestedField;
  /** Names from the root: ['location', 'lat']; list elements are 'element', maps 'key'/'value'. */
  path: string[];
  /** True when the field sits (at any depth) inside a list or map: not usable as a partition source. */
  inRepeated: boolean;
  /** True when an enclosing struct is optional: the field can be null even if required. */
  inOptional: boolean;
}

/**
 * Visits every field, including list elements and map keys/values, which the spec gives ids but
 * no NestedField; we synthesize one so callers can treat every id uniformly.
 */
function walk(type: IcebergType, path: string[], inRepeated: boolean, inOptional: boolean, visit: (f: IndexedField) => void): void {
  if (isStruct(type)) {
    for (const field of type.fields) {
      const p = [...path, field.name];
      visit({ field, path: p, inRepeated, inOptional });
      walk(field.type, p, inRepeated, inOptional || !field.required, visit);
    }
  } else if (isList(type)) {
    const field: NestedField = { id: type['element-id'], name: 'element', required: type['element-required'], type: type.element };
    const p = [...path, 'element'];
    visit({ field, path: p, inRepeated: true, inOptional });
    walk(type.element, p, true, inOptional || !field.required, visit);
  } else if (isMap(type)) {
    const key: NestedField = { id: type['key-id'], name: 'key', required: true, type: type.key };
    const value: NestedField = { id: type['value-id'], name: 'value', required: type['value-required'], type: type.value };
    for (const f of [key, value]) {
      const p = [...path, f.name];
      visit({ field: f, path: p, inRepeated: true, inOptional });
      walk(f.type, p, true, inOptional || !f.required, visit);
    }
  }
}

/** Field id -> field and its path. Throws on duplicate ids, which would corrupt projection. */
export function indexById(type: IcebergType): Map<number, IndexedField> {
  const index = new Map<number, IndexedField>();
  walk(type, [], false, false, (f) => {
    if (index.has(f.field.id)) {
      throw invalid(`duplicate field id ${f.field.id} at ${f.path.join('.')}`, { id: f.field.id });
    }
    index.set(f.field.id, f);
  });
  return index;
}

/** Dotted full name ("location.lat", "tags.element", "props.value") -> field id. */
export function indexByName(type: IcebergType): Map<string, number> {
  const index = new Map<string, number>();
  walk(type, [], false, false, (f) => {
    index.set(f.path.join('.'), f.field.id);
  });
  return index;
}

/** Finds a field by id or by dotted name. */
export function findField(type: IcebergType, idOrName: number | string): IndexedField | undefined {
  const byId = indexById(type);
  if (typeof idOrName === 'number') return byId.get(idOrName);
  const id = indexByName(type).get(idOrName);
  return id === undefined ? undefined : byId.get(id);
}

/** Highest field id anywhere in the type (0 when there is none). */
export function maxFieldId(type: IcebergType): number {
  let max = 0;
  walk(type, [], false, false, (f) => {
    if (f.field.id > max) max = f.field.id;
  });
  return max;
}

// ---------------------------------------------------------------------------------------------
// Evolution

/**
 * Whether a column of type `from` may be read as `to` (spec "Schema Evolution"). v3 also allows
 * date -> timestamp / timestamp_ns; never to the tz variants because that would shift values.
 */
export function promotionAllowed(from: PrimitiveType, to: PrimitiveType, formatVersion = 2): boolean {
  if (from === to) return true;
  if (from === 'int' && to === 'long') return true;
  if (from === 'float' && to === 'double') return true;
  if (formatVersion >= 3 && from === 'date' && (to === 'timestamp' || to === 'timestamp_ns')) return true;
  const a = decimalParams(from);
  const b = decimalParams(to);
  return !!a && !!b && a.scale === b.scale && b.precision >= a.precision;
}

// ---------------------------------------------------------------------------------------------
// Validation and JSON (Appendix C)

function isFloating(t: IcebergType): boolean {
  return t === 'float' || t === 'double';
}

/**
 * Checks what other engines rely on: unique field ids, unique names per struct, and identifier
 * fields that are required, primitive, not floating point, not in a list/map or optional struct.
 */
export function validateSchema(schema: Schema): void {
  const byId = indexById(schema);
  const checkNames = (type: IcebergType, path: string): void => {
    if (isStruct(type)) {
      const seen = new Set<string>();
      for (const f of type.fields) {
        if (!Number.isInteger(f.id) || f.id < 0) throw invalid(`invalid field id ${f.id} for ${path}${f.name}`);
        if (typeof f.name !== 'string' || f.name === '') throw invalid(`field ${f.id} has no name`);
        if (seen.has(f.name)) throw invalid(`duplicate field name ${path}${f.name}`);
        seen.add(f.name);
        checkNames(f.type, `${path}${f.name}.`);
      }
    } else if (isList(type)) {
      checkNames(type.element, `${path}element.`);
    } else if (isMap(type)) {
      checkNames(type.key, `${path}key.`);
      checkNames(type.value, `${path}value.`);
    }
  };
  checkNames(schema, '');
  for (const id of schema['identifier-field-ids'] ?? []) {
    const f = byId.get(id);
    if (!f) throw invalid(`identifier field ${id} does not exist`);
    const name = f.path.join('.');
    if (!isPrimitive(f.field.type) || f.field.type === 'variant') throw invalid(`identifier field ${name} is not a primitive`);
    if (isFloating(f.field.type)) throw invalid(`identifier field ${name} is floating point`);
    if (!f.field.required) throw invalid(`identifier field ${name} is optional`);
    if (f.inRepeated) throw invalid(`identifier field ${name} is nested in a list or map`);
    if (f.inOptional) throw invalid(`identifier field ${name} is nested in an optional struct`);
  }
}

export interface ParseSchemaOptions {
  /**
   * Keep type strings this implementation does not know (v3 `geometry(...)`, `geography(...)`,
   * `unknown`) instead of failing: reading a table must not fail because of a column floe never
   * writes. Writers must not use such schemas.
   */
  allowUnknownTypes?: boolean;
}

function asObject(json: unknown, what: string): Record<string, unknown> {
  if (typeof json !== 'object' || json === null || Array.isArray(json)) throw invalid(`${what} must be a JSON object`);
  return json as Record<string, unknown>;
}

function asInt(v: unknown, what: string): number {
  if (typeof v !== 'number' || !Number.isInteger(v)) throw invalid(`${what} must be an integer, got ${String(v)}`);
  return v;
}

function asBool(v: unknown, what: string): boolean {
  if (typeof v !== 'boolean') throw invalid(`${what} must be a boolean, got ${String(v)}`);
  return v;
}

export function parseType(json: unknown, opts: ParseSchemaOptions = {}): IcebergType {
  if (typeof json === 'string') {
    if (opts.allowUnknownTypes && !isKnownPrimitive(json)) return json as PrimitiveType;
    return parsePrimitiveType(json);
  }
  const o = asObject(json, 'type');
  switch (o.type) {
    case 'struct': {
      if (!Array.isArray(o.fields)) throw invalid('struct fields must be a list');
      return { type: 'struct', fields: o.fields.map((f) => parseField(f, opts)) };
    }
    case 'list':
      return {
        type: 'list',
        'element-id': asInt(o['element-id'], 'element-id'),
        element: parseType(o.element, opts),
        'element-required': asBool(o['element-required'], 'element-required'),
      };
    case 'map':
      return {
        type: 'map',
        'key-id': asInt(o['key-id'], 'key-id'),
        key: parseType(o.key, opts),
        'value-id': asInt(o['value-id'], 'value-id'),
        value: parseType(o.value, opts),
        'value-required': asBool(o['value-required'], 'value-required'),
      };
    default:
      throw invalid(`unknown nested type: ${String(o.type)}`);
  }
}

function parseField(json: unknown, opts: ParseSchemaOptions): NestedField {
  const o = asObject(json, 'field');
  const field: NestedField = {
    id: asInt(o.id, 'field id'),
    name: typeof o.name === 'string' ? o.name : '',
    required: asBool(o.required, `required of field ${String(o.id)}`),
    type: parseType(o.type, opts),
  };
  if (typeof o.doc === 'string') field.doc = o.doc;
  if ('initial-default' in o) field['initial-default'] = o['initial-default'];
  if ('write-default' in o) field['write-default'] = o['write-default'];
  return field;
}

/** Parses and validates a schema from its JSON form; `schema-id` defaults to 0 (v1). */
export function parseSchema(json: unknown, opts: ParseSchemaOptions = {}): Schema {
  const o = asObject(json, 'schema');
  if (o.type !== undefined && o.type !== 'struct') throw invalid(`schema type must be struct, got ${String(o.type)}`);
  if (!Array.isArray(o.fields)) throw invalid('schema fields must be a list');
  const schema: Schema = {
    type: 'struct',
    'schema-id': o['schema-id'] === undefined ? 0 : asInt(o['schema-id'], 'schema-id'),
    fields: o.fields.map((f) => parseField(f, opts)),
  };
  const ids = o['identifier-field-ids'];
  if (ids !== undefined && ids !== null) {
    if (!Array.isArray(ids)) throw invalid('identifier-field-ids must be a list');
    schema['identifier-field-ids'] = ids.map((i) => asInt(i, 'identifier field id'));
  }
  validateSchema(schema);
  return schema;
}

function typeToJson(type: IcebergType): unknown {
  if (isPrimitive(type)) return type;
  if (isStruct(type)) return { type: 'struct', fields: type.fields.map(fieldToJson) };
  if (isList(type)) {
    return { type: 'list', 'element-id': type['element-id'], element: typeToJson(type.element), 'element-required': type['element-required'] };
  }
  return {
    type: 'map',
    'key-id': type['key-id'],
    key: typeToJson(type.key),
    'value-id': type['value-id'],
    value: typeToJson(type.value),
    'value-required': type['value-required'],
  };
}

function fieldToJson(f: NestedField): Record<string, unknown> {
  const out: Record<string, unknown> = { id: f.id, name: f.name, required: f.required, type: typeToJson(f.type) };
  if (f.doc !== undefined) out.doc = f.doc;
  if (f['initial-default'] !== undefined) out['initial-default'] = f['initial-default'];
  if (f['write-default'] !== undefined) out['write-default'] = f['write-default'];
  return out;
}

/** The schema's JSON object (Appendix C), with only the spec's keys in the spec's order. */
export function schemaToJson(schema: Schema): Record<string, unknown> {
  const out: Record<string, unknown> = { type: 'struct', 'schema-id': schema['schema-id'] };
  if (schema['identifier-field-ids']?.length) out['identifier-field-ids'] = [...schema['identifier-field-ids']];
  out.fields = schema.fields.map(fieldToJson);
  return out;
}

/** Structural equality of two types or schemas' fields (ids, names, types, requiredness, docs). */
export function sameFields(a: IcebergType, b: IcebergType): boolean {
  return JSON.stringify(typeToJson(a)) === JSON.stringify(typeToJson(b));
}

/**
 * Renumbers every field id from `firstId` (default 1) the way Java's TypeUtil.assignFreshIds does:
 * a struct's own fields first, then their children, so top-level columns get 1..n. Returns the
 * old -> new id mapping so partition specs, sort orders and identifier ids can be remapped.
 */
export function assignFreshIds(schema: Schema | StructType, firstId = 1): { schema: Schema; idMap: Map<number, number>; lastColumnId: number } {
  let next = firstId;
  const idMap = new Map<number, number>();
  const fresh = (old: number): number => {
    const id = next++;
    idMap.set(old, id);
    return id;
  };
  const visit = (type: IcebergType): IcebergType => {
    if (isStruct(type)) {
      const ids = type.fields.map((f) => fresh(f.id));
      return { type: 'struct', fields: type.fields.map((f, i) => ({ ...f, id: ids[i]!, type: visit(f.type) })) };
    }
    if (isList(type)) {
      const id = fresh(type['element-id']);
      return { ...type, 'element-id': id, element: visit(type.element) };
    }
    if (isMap(type)) {
      const keyId = fresh(type['key-id']);
      const valueId = fresh(type['value-id']);
      return { ...type, 'key-id': keyId, 'value-id': valueId, key: visit(type.key), value: visit(type.value) };
    }
    return type;
  };
  const struct = visit({ type: 'struct', fields: schema.fields }) as StructType;
  const out: Schema = { type: 'struct', 'schema-id': 'schema-id' in schema ? schema['schema-id'] : 0, fields: struct.fields };
  const identifiers = 'identifier-field-ids' in schema ? schema['identifier-field-ids'] : undefined;
  if (identifiers) {
    out['identifier-field-ids'] = identifiers.map((id) => {
      const mapped = idMap.get(id);
      if (mapped === undefined) throw invalid(`identifier field ${id} does not exist`);
      return mapped;
    });
  }
  return { schema: out, idMap, lastColumnId: next - 1 };
}
