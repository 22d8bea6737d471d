/**
 * A recursive Protobuf message as a variant value (`value.recursive: variant`): the fields its JSON
 * text holds (those present on the wire, by their .proto names), each typed as the column mapping
 * types it (mapper.ts), so nothing is a string that JSON forced into one:
 *   int32/sint32/sfixed32 → int32 · uint32/fixed32, int64/sint64/sfixed64 → int64 ·
 *   uint64/fixed64 → decimal of scale 0 (as its decimal(20,0) column) · float → float · double,
 *   bool, string · bytes → binary · enum → its name (an undeclared number as its decimal text) ·
 *   repeated → array · map (either schema form) → object keyed by the key's text · message →
 *   object · google.protobuf.Timestamp → timestamp with time zone, nanoseconds · google.type.Date
 *   → date · wrappers → the wrapped scalar · Struct/Value/ListValue → the JSON they stand for.
 * Other well-known messages (Duration, decimals) are objects of their fields, as in the text.
 */
import protobuf from 'protobufjs';
import { VariantDecimal, VariantTyped, type VariantValue } from '../../iceberg/spec/variant.js';
import { FloeError } from '../../util/errors.js';
import { parsedJsonVariant } from '../json-variant.js';
import { big, daysFromCivil, JSON_TYPES, mapKeyText, structJson, validDate, WRAPPERS } from './mapper.js';
import { Violation } from './violation.js';

type Obj = Record<string, unknown>;
type Conv = (v: unknown, depth: number) => VariantValue;

const MAX_DEPTH = 1000;

function tooDeep(): never {
  throw new FloeError('VARIANT_UNREPRESENTABLE', `a recursive message nested deeper than ${MAX_DEPTH} levels cannot be stored as a variant`);
}

function scalar(type: string): Conv {
  switch (type) {
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return (v) => new VariantTyped('int32', v as number);
    case 'uint32':
    case 'fixed32':
      return (v) => new VariantTyped('int64', BigInt((v as number) >>> 0));
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return (v) => new VariantTyped('int64', big(v, false));
    case 'uint64':
    case 'fixed64':
      return (v) => new VariantDecimal(big(v, true), 0);
    case 'float':
      return (v) => new VariantTyped('float', v as number);
    case 'double':
      return (v) => v as number;
    case 'bool':
      return (v) => v as boolean;
    case 'string':
      return (v) => v as string;
    case 'bytes':
      return (v) => (v instanceof Uint8Array ? new Uint8Array(v.buffer, v.byteOffset, v.length) : new Uint8Array(Buffer.from(String(v), 'base64')));
    default:
      throw new Error(`unknown Protobuf type ${type}`);
  }
}

/** The variant value of messages of `root` (protobufjs-decoded); `mapEntries`: descriptor-form map entry types. */
export function messageVariant(root: protobuf.Type, mapEntries: ReadonlySet<string>): (v: unknown) => VariantValue {
  const cache = new Map<protobuf.Type, Conv>();

  const valueOf = (typeName: string, rt: protobuf.Type | protobuf.Enum | null): Conv => {
    if (rt instanceof protobuf.Enum) {
      const names = rt.valuesById;
      return (v) => names[v as number] ?? String(v);
    }
    if (rt instanceof protobuf.Type) return message(rt);
    return scalar(typeName);
  };

  const message = (type: protobuf.Type): Conv => {
    const hit = cache.get(type);
    if (hit) return hit;
    // Placeholder first: recursive messages refer to themselves.
    let impl: Conv = () => null;
    cache.set(type, (v, depth) => impl(v, depth));
    impl = build(type);
    return cache.get(type)!;
  };

  const build = (type: protobuf.Type): Conv => {
    const full = type.fullName;
    if (full === '.google.protobuf.Timestamp') {
      return (v) => new VariantTyped('timestamptz_ns', big((v as Obj).seconds ?? 0, false) * 1_000_000_000n + BigInt(Number((v as Obj).nanos ?? 0)));
    }
    if (full === '.google.type.Date') {
      return (v) => {
        const o = v as Obj;
        const [y, m, d] = [Number(o.year ?? 0), Number(o.month ?? 0), Number(o.day ?? 0)];
        // As for a date column: a partial or impossible date is not a date.
        if (!validDate(y, m, d)) throw new Violation(`google.type.Date ${y}-${m}-${d} is not a full calendar date`);
        return new VariantTyped('date', daysFromCivil(y, m, d));
      };
    }
    const wrapped = WRAPPERS[full];
    if (wrapped) {
      const conv = scalar(wrapped);
      const d = type.fields.value!;
      return (v, depth) => conv(Object.hasOwn(v as Obj, 'value') ? (v as Obj).value : d.typeDefault, depth);
    }
    if (JSON_TYPES.has(full)) return (v, depth) => parsedJsonVariant(structJson(full, v), depth);
    const fields = type.fieldsArray.map((f) => field(f));
    return (v, depth) => {
      if (depth >= MAX_DEPTH) tooDeep();
      const o = v as Obj;
      const out = new Map<string, VariantValue>();
      for (const f of fields) {
        const x = o[f.name];
        // What protobufjs's toObject({defaults: false}) keeps, so the variant holds the text's fields.
        if (x === null || x === undefined || !Object.hasOwn(o, f.name)) continue;
        if (f.many && (Array.isArray(x) ? x.length === 0 : Object.keys(x as Obj).length === 0)) continue;
        out.set(f.name, f.conv(x, depth + 1));
      }
      return out;
    };
  };

  const field = (f: protobuf.Field): { name: string; many: boolean; conv: Conv } => {
    if (f.map) {
      const mf = f as unknown as protobuf.MapField;
      const key = mapKeyText(mf.keyType);
      const value = valueOf(mf.type, mf.resolvedType);
      return {
        name: f.name,
        many: true,
        conv: (v, depth) => {
          const out = new Map<string, VariantValue>();
          for (const [k, x] of Object.entries(v as Obj)) out.set(key(k), value(x, depth + 1));
          return out;
        },
      };
    }
    const rt = f.resolvedType;
    if (f.repeated && rt instanceof protobuf.Type && mapEntries.has(rt.fullName.slice(1))) {
      // Descriptor-form schemas spell a map as a repeated entry message: an object here too.
      const k = rt.fields.key!;
      const val = rt.fields.value!;
      const key = mapKeyText(k.type);
      const value = valueOf(val.type, val.resolvedType);
      return {
        name: f.name,
        many: true,
        conv: (v, depth) => {
          const out = new Map<string, VariantValue>();
          for (const e of v as Obj[]) {
            const x = Object.hasOwn(e, 'value') ? e.value : val.resolvedType instanceof protobuf.Type ? val.resolvedType.create() : val.typeDefault;
            out.set(key(e.key === undefined ? k.typeDefault : e.key), value(x, depth + 1));
          }
          return out;
        },
      };
    }
    const item = valueOf(f.type, rt);
    if (f.repeated) return { name: f.name, many: true, conv: (v, depth) => (v as unknown[]).map((x) => item(x, depth + 1)) };
    return { name: f.name, many: false, conv: item };
  };

  const conv = message(root);
  return (v) => conv(v, 0);
}
