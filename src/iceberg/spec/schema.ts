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
  'timestamp_ns', 'timestamptz_ns', 'string', 'uuid', 'binary',
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
