/**
 * Deterministic JSON for values of recursive records, which land in a string column. Same value,
 * same text: fields in schema order, map keys sorted, and no precision lost —
 *   long/timestamps → exact integer literals · decimal → string "123.45" (a JSON number would be
 *   read as a double) · bytes/fixed → base64 string · NaN/±Infinity → "NaN"/"Infinity"/"-Infinity"
 *   · `[null,T]` → null or the value · other unions → {"<member>": value}.
 */
import type { AvroType } from '../decode/avro.js';
import { typeNameOf } from '../decode/avro.js';
import { isFloeLogical, type DecimalType } from '../decode/logical.js';
import { floorDiv } from '../iceberg/spec/datetime.js';
import { perTypeBuilder, unionShape, type AvscInternals } from './avro-walk.js';

type Writer = (v: unknown) => string;

export function decimalText(unscaled: bigint, scale: number): string {
  if (scale === 0) return unscaled.toString();
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  return `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

function number(v: unknown): string {
  const n = v as number;
  return Number.isFinite(n) ? JSON.stringify(n) : JSON.stringify(String(n));
}

export function jsonWriter(root: AvroType): Writer {
  const build = perTypeBuilder<Writer>((type, build) => {
    const x = type as unknown as AvscInternals;
    if (isFloeLogical(type)) {
      if (type.logicalKind === 'decimal') {
        const scale = (type as DecimalType).scale;
        return (v) => JSON.stringify(decimalText(v as bigint, scale));
      }
      if (type.logicalKind === 'uuid') return (v) => JSON.stringify(v);
      if (type.logicalKind === 'date') return number;
      // bigint µs; nanosecond timestamps stay floored µs in JSON text, as before v3 (one unit per column).
      if (type.logicalKind.endsWith('-nanos')) return (v) => String(floorDiv(v as bigint, 1000n));
      return (v) => String(v);
    }
    if (x.typeName.startsWith('logical:')) return build(x.underlyingType!);
    switch (typeNameOf(type)) {
      case 'null':
        return () => 'null';
      case 'boolean':
        return (v) => (v ? 'true' : 'false');
      case 'int':
      case 'float':
      case 'double':
        return number;
      case 'long':
        return (v) => String(v);
      case 'string':
      case 'enum':
        return (v) => JSON.stringify(v);
      case 'bytes':
      case 'fixed':
        return (v) => `"${Buffer.from(v as Uint8Array).toString('base64')}"`;
      case 'array': {
        const item = build(x.itemsType!);
        return (v) => `[${(v as unknown[]).map(item).join(',')}]`;
      }
      case 'map': {
        const value = build(x.valuesType!);
        return (v) => {
          const m = v as Map<string, unknown>;
          const keys = [...m.keys()].sort();
          return `{${keys.map((k) => `${JSON.stringify(k)}:${value(m.get(k))}`).join(',')}}`;
        };
      }
      case 'record':
      case 'error': {
        const fields = x.fields!.map((f) => ({ key: JSON.stringify(f.name), name: f.name, write: build(f.type) }));
        return (v) => {
          const r = v as Record<string, unknown>;
          return `{${fields.map((f) => `${f.key}:${f.write(r[f.name])}`).join(',')}}`;
        };
      }
      default: {
        const union = unionShape(type);
        if (union.kind === 'optional') {
          const inner = build(union.inner);
          const key = union.key;
          return (v) => (v === null ? 'null' : inner(key ? (v as Record<string, unknown>)[key] : v));
        }
        const arms = union.arms.map((a) => ({ key: a.key, write: build(a.type) }));
        return (v) => {
          if (v === null) return 'null';
          const w = v as Record<string, unknown>;
          for (const a of arms) if (w[a.key] !== undefined) return `{${JSON.stringify(a.key)}:${a.write(w[a.key])}}`;
          return 'null';
        };
      }
    }
  });
  return build(root);
}
