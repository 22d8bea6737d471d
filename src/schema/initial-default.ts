/**
 * A field's `initial-default` (Iceberg v3: the value of the column in data files written before
 * the column existed) from the spec's JSON single-value serialization to floe's canonical row value
 * (src/arrow/builder.ts). floe sets them on v3 tables from Avro defaults (write-default.ts), and
 * tables evolved by another engine may carry them; a reader that fills such a column with null
 * instead of the default would change the rows — compaction must not.
 *
 * JSON forms (spec Appendix D): boolean; int/long/float/double as numbers; decimal as a string
 * ("14.20"); date "2017-11-16"; time "22:31:08.123456"; timestamp(_ns) "2017-11-16T22:31:08.123456"
 * (with an offset for the tz variants); string; uuid as its string; fixed/binary as hex; struct as
 * an object keyed by field id; list as an array; map as {"keys": [...], "values": [...]}.
 */
import { daysFromCivil } from '../iceberg/spec/datetime.js';
import { decimalParams, primitiveKind } from '../iceberg/spec/schema.js';
import type { IcebergType, NestedField, PrimitiveType } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';

/** The value rows written before `field` existed hold for it: its initial-default, else null. */
export function initialDefault(field: NestedField): unknown {
  const raw = field['initial-default'];
  if (raw === undefined || raw === null) return null;
  return fromJson(field.type, raw, field.name);
}

function bad(path: string, type: string, value: unknown): FloeError {
  return new FloeError('SCHEMA_BAD_DEFAULT', `initial-default of ${path} is not a valid ${type}: ${JSON.stringify(value, (_k, v: unknown) => (typeof v === 'bigint' ? String(v) : v))}`);
}

export function fromJson(type: IcebergType, v: unknown, path: string): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') return primitive(type, v, path);
  switch (type.type) {
    case 'struct': {
      if (typeof v !== 'object' || Array.isArray(v)) throw bad(path, 'struct', v);
      const o = v as Record<string, unknown>;
      const row: Record<string, unknown> = {};
      for (const f of type.fields) {
        const given = o[String(f.id)];
        row[f.name] = given === undefined ? initialDefault(f) : fromJson(f.type, given, `${path}.${f.name}`);
      }
      return row;
    }
    case 'list':
      if (!Array.isArray(v)) throw bad(path, 'list', v);
      return v.map((x) => fromJson(type.element, x, `${path}.element`));
    case 'map': {
      const m = v as { keys?: unknown; values?: unknown };
      if (!Array.isArray(m.keys) || !Array.isArray(m.values) || m.keys.length !== m.values.length) throw bad(path, 'map', v);
      const values = m.values;
      return new Map(m.keys.map((k, i) => [fromJson(type.key, k, `${path}.key`), fromJson(type.value, values[i], `${path}.value`)]));
    }
  }
}

const TIME = /^(\d{2}):(\d{2})(?::(\d{2})(?:\.(\d{1,9}))?)?$/;
const TIMESTAMP = /^([+-]?\d{4,})-(\d{2})-(\d{2})T(\d{2}:\d{2}(?::\d{2}(?:\.\d{1,9})?)?)(Z|[+-]\d{2}:\d{2})?$/;
const DATE = /^([+-]?\d{4,})-(\d{2})-(\d{2})$/;

function primitive(type: PrimitiveType, v: unknown, path: string): unknown {
  const kind = primitiveKind(type);
  const num = typeof v === 'number' || typeof v === 'bigint';
  switch (kind) {
    case 'boolean':
      if (typeof v !== 'boolean') throw bad(path, type, v);
      return v;
    case 'int':
      if (!num || !Number.isInteger(Number(v))) throw bad(path, type, v);
      return Number(v);
    case 'long':
      if (!num || !Number.isInteger(Number(v))) throw bad(path, type, v);
      return BigInt(v);
    case 'float':
    case 'double':
      if (typeof v !== 'number') throw bad(path, type, v);
      return v;
    case 'decimal': {
      const { scale } = decimalParams(type)!;
      const m = typeof v === 'string' ? /^([+-]?)(\d*)(?:\.(\d*))?$/.exec(v) : null;
      if (!m || (m[2] === '' && !m[3]) || (m[3] ?? '').length > scale) throw bad(path, type, v);
      const unscaled = BigInt(`${m[2] || '0'}${(m[3] ?? '').padEnd(scale, '0')}`);
      return m[1] === '-' ? -unscaled : unscaled;
    }
    case 'date': {
      const m = typeof v === 'string' ? DATE.exec(v) : null;
      if (!m) throw bad(path, type, v);
      return daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3]));
    }
    case 'time': {
      const t = typeof v === 'string' ? timeOfDay(v, 6) : undefined;
      if (t === undefined) throw bad(path, type, v);
      return t;
    }
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns': {
      const digits = kind.endsWith('_ns') ? 9 : 6;
      const m = typeof v === 'string' ? TIMESTAMP.exec(v) : null;
      const t = m ? timeOfDay(m[4]!, digits) : undefined;
      if (!m || t === undefined) throw bad(path, type, v);
      const unit = 10n ** BigInt(digits);
      const days = BigInt(daysFromCivil(Number(m[1]), Number(m[2]), Number(m[3])));
      let offsetSeconds = 0n;
      if (m[5] && m[5] !== 'Z') {
        const sign = m[5].startsWith('-') ? -1n : 1n;
        offsetSeconds = sign * (BigInt(m[5].slice(1, 3)) * 3600n + BigInt(m[5].slice(4, 6)) * 60n);
      }
      return days * 86_400n * unit + t - offsetSeconds * unit;
    }
    case 'string':
    case 'uuid':
      if (typeof v !== 'string') throw bad(path, type, v);
      return v;
    case 'binary':
    case 'fixed':
      if (typeof v !== 'string' || !/^([0-9a-fA-F]{2})*$/.test(v)) throw bad(path, type, v);
      return new Uint8Array(Buffer.from(v, 'hex'));
  }
  throw bad(path, type, v);
}

/** "HH:MM[:SS[.fraction]]" as a count of 10^-digits seconds. */
function timeOfDay(s: string, digits: number): bigint | undefined {
  const m = TIME.exec(s);
  if (!m || (m[4] ?? '').length > digits) return undefined;
  const seconds = BigInt(m[1]!) * 3600n + BigInt(m[2]!) * 60n + BigInt(m[3] ?? '0');
  return seconds * 10n ** BigInt(digits) + BigInt((m[4] ?? '').padEnd(digits, '0') || '0');
}
