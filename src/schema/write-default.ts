/**
 * Avro field defaults as Iceberg v3 `initial-default` / `write-default` (the inverse of
 * initial-default.ts): a row-form default (src/arrow/builder.ts shapes) in the spec's JSON
 * single-value serialization. Only primitive defaults are written: Iceberg Java (the reference
 * catalog and Spark) reads field defaults as literals, which have no struct, list or map form, so a
 * nested default there would make the table unreadable to it. A nested default stays in floe's
 * projector only (a writer that lacks the field gets it), as on v2.
 */
import { isoDate, isoTimestampFromMicros, isoTimestampFromNanos } from '../iceberg/spec/datetime.js';
import { decimalParams, primitiveKind } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, StructType } from '../iceberg/spec/types.js';
import { decimalText } from './json.js';

const SAFE = BigInt(Number.MAX_SAFE_INTEGER);

/** The JSON single value of a primitive default, or undefined when it has none (nested, NaN, ...). */
export function defaultJson(type: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined || typeof type !== 'string') return undefined;
  switch (primitiveKind(type)) {
    case 'boolean':
      return typeof v === 'boolean' ? v : undefined;
    case 'int':
    case 'date':
      if (typeof v !== 'number' || !Number.isInteger(v)) return undefined;
      return primitiveKind(type) === 'date' ? isoDate(v) : v;
    case 'float':
    case 'double':
      // JSON has no NaN or Infinity, and the spec gives them no string form.
      return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
    case 'long': {
      if (typeof v !== 'bigint') return undefined;
      // Metadata JSON keeps integers beyond 2^53 as bare digits (src/iceberg/spec/json.ts).
      return v >= -SAFE && v <= SAFE ? Number(v) : v;
    }
    case 'decimal': {
      // Avro does not check a bytes default against the precision; Iceberg Java refuses one that
      // does not fit, which would fail the schema commit, so such a default is not written.
      const { precision, scale } = decimalParams(type)!;
      if (typeof v !== 'bigint' || (v < 0n ? -v : v).toString().length > precision) return undefined;
      return decimalText(v, scale);
    }
    case 'time':
      return typeof v === 'bigint' ? isoTimestampFromMicros(v).slice('1970-01-01T'.length) : undefined;
    case 'timestamp':
      return typeof v === 'bigint' ? isoTimestampFromMicros(v) : undefined;
    case 'timestamptz':
      return typeof v === 'bigint' ? `${isoTimestampFromMicros(v)}+00:00` : undefined;
    case 'timestamp_ns':
      return typeof v === 'bigint' ? isoTimestampFromNanos(v) : undefined;
    case 'timestamptz_ns':
      return typeof v === 'bigint' ? `${isoTimestampFromNanos(v)}+00:00` : undefined;
    case 'string':
    case 'uuid':
      return typeof v === 'string' ? v : undefined;
    case 'binary':
    case 'fixed':
      // Upper case: Iceberg Java decodes with Guava's base16, which accepts no lower-case digits.
      return v instanceof Uint8Array ? Buffer.from(v).toString('hex').toUpperCase() : undefined;
  }
  return undefined;
}

/**
 * The schema with defaults on its new fields (ids above `oldLastColumnId`): `write-default` on each
 * new field whose writer declared a default, and `initial-default` too where the field was added to
 * an existing struct (`added`: the spec sets initial-default only when a field is added, so rows
 * written before it read the default). Existing fields keep what they have: initial-default never
 * changes.
 */
export function withDefaults<T extends StructType>(schema: T, defaults: ReadonlyMap<number, unknown>, oldLastColumnId: number, added: ReadonlySet<number>): T {
  const field = (f: NestedField): NestedField => {
    let out = f;
    const type = nested(f.type);
    if (type !== f.type) out = { ...out, type };
    if (f.id <= oldLastColumnId || !defaults.has(f.id)) return out;
    const json = defaultJson(f.type, defaults.get(f.id));
    if (json === undefined) return out;
    out = { ...out, 'write-default': json };
    if (added.has(f.id)) out['initial-default'] = json;
    return out;
  };
  const nested = (t: IcebergType): IcebergType => {
    if (typeof t === 'string') return t;
    switch (t.type) {
      case 'struct': {
        const fields = t.fields.map(field);
        return fields.every((f, i) => f === t.fields[i]) ? t : { ...t, fields };
      }
      case 'list': {
        const element = nested(t.element);
        return element === t.element ? t : { ...t, element };
      }
      case 'map': {
        const value = nested(t.value);
        return value === t.value ? t : { ...t, value };
      }
    }
  };
  const fields = schema.fields.map(field);
  return fields.every((f, i) => f === schema.fields[i]) ? schema : { ...schema, fields };
}
