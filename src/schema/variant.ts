/**
 * Values of recursive records as Iceberg v3 variants (`value.recursive: variant`), the typed twin
 * of json.ts: the same value semantics as the JSON text, but every leaf keeps the type the writer
 * schema gives it, as the Variant encoding (parquet-format VariantEncoding.md) can say it:
 *   int → int32 · long → int64 · float → float · double → double (NaN/±Infinity included) ·
 *   boolean · string/enum → string · bytes/fixed → binary · decimal(p≤38) → decimal with the
 *   schema's scale · decimal(p>38) → string, its exact text (as the column mapping does) · uuid →
 *   uuid · date → date · time-millis/micros → time (µs) · timestamp-millis/micros → timestamp
 *   with time zone (µs) · local-timestamp-millis/micros → timestamp without time zone (µs) ·
 *   timestamp-nanos / local-timestamp-nanos → the nanosecond timestamps · record → object of
 *   every field (a null field is a variant null) · map → object · array → array · `[null, T]` →
 *   null or the value · other unions → {"<branch>": value}, as in the JSON text.
 * Nesting deeper than MAX_DEPTH is refused (VARIANT_UNREPRESENTABLE), as for JSON documents.
 */
import type { AvroType } from '../decode/avro.js';
import { typeNameOf } from '../decode/avro.js';
import { isFloeLogical, type DecimalType } from '../decode/logical.js';
import { encodeVariant, VariantDecimal, VariantTyped, type EncodedVariant, type VariantValue } from '../iceberg/spec/variant.js';
import { FloeError } from '../util/errors.js';
import { MAX_ICEBERG_DECIMAL_PRECISION } from './avro-model.js';
import { perTypeBuilder, unionShape, type AvscInternals } from './avro-walk.js';
import { decimalText } from './json.js';

/** Deepest nesting of records, arrays, maps and unions a value may have (as json-variant.ts). */
export const MAX_VARIANT_DEPTH = 1000;

type Conv = (v: unknown, depth: number) => VariantValue;

function tooDeep(): never {
  throw new FloeError('VARIANT_UNREPRESENTABLE', `a recursive value nested deeper than ${MAX_VARIANT_DEPTH} levels cannot be stored as a variant`);
}

const uuidBytes = (v: unknown): Uint8Array => Buffer.from((v as string).replace(/-/g, ''), 'hex');

function logical(type: AvroType): Conv | undefined {
  if (!isFloeLogical(type)) return undefined;
  switch (type.logicalKind) {
    case 'decimal': {
      const d = type as DecimalType;
      // Variant decimals stop at 38 digits, like Iceberg's: wider ones are exact text, as their columns are.
      if (d.precision > MAX_ICEBERG_DECIMAL_PRECISION) return (v) => decimalText(v as bigint, d.scale);
      return (v) => new VariantDecimal(v as bigint, d.scale);
    }
    case 'uuid':
      return (v) => new VariantTyped('uuid', uuidBytes(v));
    case 'date':
      return (v) => new VariantTyped('date', v as number);
    case 'time-millis':
    case 'time-micros':
      return (v) => new VariantTyped('time', v as bigint);
    case 'timestamp-millis':
    case 'timestamp-micros':
      return (v) => new VariantTyped('timestamptz', v as bigint);
    case 'local-timestamp-millis':
    case 'local-timestamp-micros':
      return (v) => new VariantTyped('timestamp', v as bigint);
    case 'timestamp-nanos':
      return (v) => new VariantTyped('timestamptz_ns', v as bigint);
    case 'local-timestamp-nanos':
      return (v) => new VariantTyped('timestamp_ns', v as bigint);
    default:
      return undefined;
  }
}

/** The variant value of a decoded Avro value of `root` (shapes: decode/avro.ts). */
export function variantValueOf(root: AvroType): (v: unknown) => VariantValue {
  const build = perTypeBuilder<Conv>((type, build) => {
    const x = type as unknown as AvscInternals;
    const known = logical(type);
    if (known) return known;
    if (x.typeName.startsWith('logical:')) return build(x.underlyingType!);
    switch (typeNameOf(type)) {
      case 'null':
        return () => null;
      case 'boolean':
        return (v) => v as boolean;
      case 'int':
        return (v) => new VariantTyped('int32', v as number);
      case 'long':
        return (v) => new VariantTyped('int64', v as bigint);
      case 'float':
        return (v) => new VariantTyped('float', v as number);
      case 'double':
        return (v) => v as number;
      case 'string':
      case 'enum':
        return (v) => v as string;
      case 'bytes':
      case 'fixed':
        return (v) => v as Uint8Array;
      case 'array': {
        const item = build(x.itemsType!);
        return (v, depth) => {
          if (depth >= MAX_VARIANT_DEPTH) tooDeep();
          return (v as unknown[]).map((e) => item(e, depth + 1));
        };
      }
      case 'map': {
        const value = build(x.valuesType!);
        return (v, depth) => {
          if (depth >= MAX_VARIANT_DEPTH) tooDeep();
          const out = new Map<string, VariantValue>();
          for (const [k, e] of v as Map<string, unknown>) out.set(k, value(e, depth + 1));
          return out;
        };
      }
      case 'record':
      case 'error': {
        const fields = x.fields!.map((f) => ({ name: f.name, conv: build(f.type) }));
        return (v, depth) => {
          if (depth >= MAX_VARIANT_DEPTH) tooDeep();
          const r = v as Record<string, unknown>;
          const out = new Map<string, VariantValue>();
          for (const f of fields) out.set(f.name, f.conv(r[f.name] ?? null, depth + 1));
          return out;
        };
      }
      default: {
        const union = unionShape(type);
        if (union.kind === 'optional') {
          const inner = build(union.inner);
          const key = union.key;
          return (v, depth) => (v === null || v === undefined ? null : inner(key ? (v as Record<string, unknown>)[key] : v, depth));
        }
        const arms = union.arms.map((a) => ({ key: a.key, conv: build(a.type) }));
        return (v, depth) => {
          if (v === null || v === undefined) return null;
          if (depth >= MAX_VARIANT_DEPTH) tooDeep();
          const w = v as Record<string, unknown>;
          for (const a of arms) if (w[a.key] !== undefined) return new Map([[a.key, a.conv(w[a.key], depth + 1)]]);
          return null;
        };
      }
    }
  });
  const conv = build(root);
  return (v) => conv(v, 0);
}

/** Decoded Avro values of `root` → encoded variants (metadata + value). */
export function variantWriter(root: AvroType): (v: unknown) => EncodedVariant {
  const value = variantValueOf(root);
  return (v) => encodeVariant(value(v));
}
