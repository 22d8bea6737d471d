/**
 * Protobuf message types → floe's writer model (docs/schema-mapping.md, "Protobuf"), compiled
 * together with the converter from a protobufjs-decoded message to the model's value shapes
 * (decode/avro.ts). The tree is the JSON Schema mapper's `JNode`, so `toAvro` gives the model.
 * Rules: 32-bit signed → int · uint32/fixed32 → long · 64-bit signed → long (exact bigint) ·
 * uint64/fixed64 → decimal(20,0) · enum → string (an unknown number as its decimal text) ·
 * message → struct · repeated → list · map → map (keys as text) · oneof members and fields with
 * presence → optional; plain proto3 scalars → required, absent meaning the default · well-known
 * types: Timestamp → timestamptz (exact ns: timestamptz_ns on v3), Duration → long µs, wrappers → optional scalar, google.type.Date
 * → date, Struct/Value/ListValue → JSON text · field-less messages → JSON text · recursion → JSON text or,
 * for a variant column (value.recursive), a typed variant (variant.ts) ·
 * confluent.type.Decimal and google.type.Decimal with `(confluent.field_meta)` precision/scale →
 * decimal(p,s) (decimal.ts; a map field's option for its values), without them the struct of their fields.
 */
import protobuf from 'protobufjs';
import type { JField, JNode, PrimKind } from '../json-schema/mapper.js';
import { AvroNames, avroIdent } from '../avro-names.js';
import { CONFLUENT_DECIMAL, confluentDecimal, decimalOf, fieldMetaParams, GOOGLE_DECIMAL, googleDecimal } from './decimal.js';
import { Violation } from './violation.js';
import { RecursiveValue } from '../recursive-value.js';
import { messageVariant } from './variant.js';

type Type = protobuf.Type;
type Field = protobuf.Field;

export { Violation } from './violation.js';

export type Conv = (v: unknown) => unknown;

export interface PSlot {
  node: JNode;
  conv: Conv;
}

interface LongLike {
  low: number;
  high: number;
  unsigned?: boolean;
}

export function big(v: unknown, unsigned: boolean): bigint {
  if (typeof v === 'number') return BigInt(v);
  if (typeof v === 'string') return BigInt(v);
  const l = v as LongLike;
  const x = (BigInt(l.high >>> 0) << 32n) | BigInt(l.low >>> 0);
  return unsigned ? x : BigInt.asIntN(64, x);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
export function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  return era * 146097 + yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy - 719468;
}

export function validDate(y: number, m: number, d: number): boolean {
  if (y < 1 || m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

const prim = (p: PrimKind): JNode => ({ kind: 'prim', prim: p });

/** The scalar mapping of a field type name; undefined for messages and enums. */
function scalar(type: string): PSlot | undefined {
  switch (type) {
    case 'double':
      return { node: prim('double'), conv: (v) => v };
    case 'float':
      return { node: prim('float'), conv: (v) => v };
    case 'int32':
    case 'sint32':
    case 'sfixed32':
      return { node: prim('int'), conv: (v) => v };
    case 'uint32':
    case 'fixed32':
      return { node: prim('long'), conv: (v) => BigInt((v as number) >>> 0) };
    case 'int64':
    case 'sint64':
    case 'sfixed64':
      return { node: prim('long'), conv: (v) => big(v, false) };
    case 'uint64':
    case 'fixed64':
      return { node: prim({ decimal: [20, 0] }), conv: (v) => big(v, true) };
    case 'bool':
      return { node: prim('boolean'), conv: (v) => v };
    case 'string':
      return { node: prim('string'), conv: (v) => v };
    case 'bytes':
      // A copy: protobufjs gives a view into the record's value, which may itself be a view into
      // memory the caller reuses once the record is handled.
      return { node: prim('bytes'), conv: (v) => (v instanceof Uint8Array ? new Uint8Array(v) : new Uint8Array(Buffer.from(String(v), 'base64'))) };
    default:
      return undefined;
  }
}

/** The wrapper messages (`google.protobuf.*Value`) and the scalar type each wraps. */
export const WRAPPERS: Record<string, string> = {
  '.google.protobuf.DoubleValue': 'double',
  '.google.protobuf.FloatValue': 'float',
  '.google.protobuf.Int64Value': 'int64',
  '.google.protobuf.UInt64Value': 'uint64',
  '.google.protobuf.Int32Value': 'int32',
  '.google.protobuf.UInt32Value': 'uint32',
  '.google.protobuf.BoolValue': 'bool',
  '.google.protobuf.StringValue': 'string',
  '.google.protobuf.BytesValue': 'bytes',
};

/** Well-known messages that hold JSON (Struct, Value, ListValue). */
export const JSON_TYPES = new Set(['.google.protobuf.Struct', '.google.protobuf.Value', '.google.protobuf.ListValue']);

type Obj = Record<string, unknown>;

/** A message's proto3-style JSON text (64-bit integers as strings, enums by name, bytes base64). */
function protoJson(type: Type, v: unknown): string {
  return JSON.stringify(type.toObject(v as protobuf.Message, { longs: String, enums: String, bytes: String, defaults: false }));
}

/** google.protobuf.Value/Struct/ListValue as the JSON they stand for. */
export function structJson(typeName: string, v: unknown): unknown {
  const o = (v ?? {}) as Obj;
  if (typeName === '.google.protobuf.Struct') {
    const out: Obj = {};
    // A Struct is a map: its wire order is the producer's hash order, so keys are sorted to make one
    // value one text.
    const fields = (o.fields ?? {}) as Obj;
    for (const k of Object.keys(fields).sort()) out[k] = structJson('.google.protobuf.Value', fields[k]);
    return out;
  }
  if (typeName === '.google.protobuf.ListValue') return ((o.values ?? []) as unknown[]).map((x) => structJson('.google.protobuf.Value', x));
  if (Object.hasOwn(o, 'structValue')) return structJson('.google.protobuf.Struct', o.structValue);
  if (Object.hasOwn(o, 'struct_value')) return structJson('.google.protobuf.Struct', o.struct_value);
  if (Object.hasOwn(o, 'listValue')) return structJson('.google.protobuf.ListValue', o.listValue);
  if (Object.hasOwn(o, 'list_value')) return structJson('.google.protobuf.ListValue', o.list_value);
  for (const k of ['numberValue', 'number_value', 'stringValue', 'string_value', 'boolValue', 'bool_value']) if (Object.hasOwn(o, k)) return o[k];
  return null;
}

/** Map keys as text: the model's maps are keyed by strings (protobufjs keeps 64-bit keys as 8-char hashes). */
export function mapKeyText(keyType: string): (k: unknown) => string {
  if (/64$/.test(keyType)) {
    const unsigned = keyType === 'uint64' || keyType === 'fixed64';
    return (k) => {
      if (typeof k === 'string' && k.length === 8) return protobuf.util.LongBits.fromHash(k).toLong(unsigned).toString();
      return big(k, unsigned).toString();
    };
  }
  return (k) => String(k);
}

/** Whether a singular field records presence: oneof members, proto3 `optional`, messages, proto2 optional. */
function hasPresence(f: Field): boolean {
  if (f.required) return false;
  return f.resolvedType instanceof protobuf.Type || (f as Field & { hasPresence: boolean }).hasPresence;
}

export class ProtobufMapper {
  private readonly names = new AvroNames();
  /** Message types being mapped: one reached again is recursive and becomes JSON text. */
  private readonly stack: Type[] = [];

  /**
   * @param mapEntries descriptor-form map entry types
   * @param fieldMeta descriptor-form `(confluent.field_meta).params` by `message.field` (protobufjs's descriptor reader drops them)
   */
  constructor(
    private readonly mapEntries: ReadonlySet<string>,
    private readonly fieldMeta?: ReadonlyMap<string, Record<string, string>>,
  ) {}

  private recordName(hint: string): string {
    return this.names.next(hint);
  }

  /** The record a message type maps to (the top-level type must have fields). */
  root(type: Type): { node: JNode & { kind: 'record' }; conv: Conv } {
    const s = this.message(type);
    if (s.node.kind !== 'record') throw new Error(`Protobuf message ${type.fullName.slice(1)} has no fields to store`);
    return s as { node: JNode & { kind: 'record' }; conv: Conv };
  }

  private jsonText(type: Type): PSlot {
    return { node: { kind: 'json' }, conv: (v) => protoJson(type, v) };
  }

  /** A recursive message: its text or, for a variant column, its typed variant (variant.ts). */
  private recursive(type: Type): PSlot {
    const variant = messageVariant(type, this.mapEntries);
    return { node: { kind: 'json', recursive: type.fullName.slice(1) }, conv: (v) => new RecursiveValue(() => protoJson(type, v), () => variant(v)) };
  }

  private message(type: Type): PSlot {
    const full = type.fullName;
    if (full === '.google.protobuf.Timestamp') {
      // Exact nanoseconds, like Avro's timestamp-nanos: a v3 table's column is timestamptz_ns, a
      // v2 table's (or a µs column made before) timestamptz, floored by the projector.
      return { node: prim('timestamp-nanos'), conv: (v) => big((v as Obj).seconds ?? 0, false) * 1_000_000_000n + BigInt(Number((v as Obj).nanos ?? 0)) };
    }
    if (full === '.google.protobuf.Duration') {
      return { node: prim('long'), conv: (v) => big((v as Obj).seconds ?? 0, false) * 1_000_000n + BigInt(Math.trunc(Number((v as Obj).nanos ?? 0) / 1000)) };
    }
    const wrapped = WRAPPERS[full];
    if (wrapped) {
      const s = scalar(wrapped)!;
      const d = type.fields.value!;
      return { node: s.node, conv: (v) => s.conv(Object.hasOwn(v as Obj, 'value') ? (v as Obj).value : d.typeDefault) };
    }
    if (full === '.google.type.Date') {
      return {
        node: prim('date'),
        conv: (v) => {
          const o = v as Obj;
          const [y, m, d] = [Number(o.year ?? 0), Number(o.month ?? 0), Number(o.day ?? 0)];
          if (!validDate(y, m, d)) throw new Violation(`google.type.Date ${y}-${m}-${d} is not a full calendar date`);
          return daysFromCivil(y, m, d);
        },
      };
    }
    if (JSON_TYPES.has(full)) return { node: { kind: 'json' }, conv: (v) => JSON.stringify(structJson(full, v)) };
    if (this.stack.includes(type)) return this.recursive(type);
    if (type.fieldsArray.length === 0) return this.jsonText(type);
    this.stack.push(type);
    try {
      return this.record(type);
    } finally {
      this.stack.pop();
    }
  }

  private record(type: Type): PSlot {
    const name = this.recordName(type.name);
    const fields: JField[] = [];
    const convs: { name: string; column: string; conv: Conv; presence: boolean; dflt: unknown }[] = [];
    const columns = new Set<string>();
    for (const f of type.fieldsArray) {
      const s = this.field(f);
      let column = avroIdent(f.name);
      for (let i = 2; columns.has(column); i++) column = `${avroIdent(f.name)}_${i}`;
      columns.add(column);
      const single = !f.repeated && !f.map;
      const presence = single && hasPresence(f);
      // The column's doc names the field number: the id assigner (schema/field-ids.ts) matches a
      // renamed field to its column by it, as Protobuf identifies fields by number, not name.
      const jf: JField = { node: s.node, nullable: presence, prop: f.name, column, aliases: [], doc: `protobuf field ${f.id}` };
      fields.push(jf);
      // An absent implicit-presence field reads as its type's default (0, "", false, empty).
      convs.push({ name: f.name, column, conv: s.conv, presence, dflt: single ? f.typeDefault : undefined });
    }
    return {
      node: { kind: 'record', name, fields },
      conv: (v) => {
        const o = v as Obj;
        const out: Obj = {};
        for (const c of convs) {
          const here = Object.hasOwn(o, c.name) && o[c.name] !== null && o[c.name] !== undefined;
          if (here) out[c.column] = c.conv(o[c.name]);
          else if (c.presence) out[c.column] = null;
          else out[c.column] = c.conv(c.dflt ?? o[c.name] ?? []);
        }
        return out;
      },
    };
  }

  /** The slot of one field's type, before optionality. */
  /**
   * A decimal column for field `f` whose values are of message type `rt`, when `rt` is a decimal
   * message and the field's options say what the message cannot: its precision and scale. A map
   * field's options speak for its values.
   */
  private decimalSlot(f: Field, rt: unknown): PSlot | undefined {
    if (!(rt instanceof protobuf.Type) || (rt.fullName !== CONFLUENT_DECIMAL && rt.fullName !== GOOGLE_DECIMAL)) return undefined;
    const ps = decimalOf(fieldMetaParams(f, this.fieldMeta), `${f.parent?.fullName.slice(1)}.${f.name}`);
    if (!ps) return undefined;
    return { node: prim({ decimal: ps }), conv: (rt.fullName === CONFLUENT_DECIMAL ? confluentDecimal : googleDecimal)(ps[0], ps[1]) };
  }

  private field(f: Field): PSlot {
    const dec = f.map ? undefined : this.decimalSlot(f, f.resolvedType);
    if (dec) {
      if (f.repeated) return { node: { kind: 'list', item: { node: dec.node, nullable: false } }, conv: (v) => (v as unknown[]).map(dec.conv) };
      return dec;
    }
    if (f.map) {
      const mf = f as unknown as protobuf.MapField;
      const value = this.decimalSlot(f, mf.resolvedType) ?? this.valueType(mf.type, mf.resolvedType);
      const key = this.mapKey(mf.keyType);
      return { node: { kind: 'map', value: { node: value.node, nullable: false } }, conv: (v) => this.mapOf(v as Obj, key, value.conv) };
    }
    const rt = f.resolvedType;
    if (f.repeated && rt instanceof protobuf.Type && this.mapEntries.has(rt.fullName.slice(1))) {
      // Descriptor-form schemas spell a map as a repeated entry message with fields key and value.
      const k = rt.fields.key!;
      const val = rt.fields.value!;
      const value = this.decimalSlot(f, val.resolvedType) ?? this.valueType(val.type, val.resolvedType);
      const key = (x: unknown) => this.mapKey(k.type)(x === undefined ? k.typeDefault : x);
      return {
        node: { kind: 'map', value: { node: value.node, nullable: false } },
        conv: (v) => {
          const out = new Map<string, unknown>();
          for (const e of v as Obj[]) out.set(key(e.key), value.conv(Object.hasOwn(e, 'value') ? e.value : val.resolvedType ? (val.resolvedType as Type).create() : val.typeDefault));
          return out;
        },
      };
    }
    const item = this.valueType(f.type, rt);
    if (f.repeated) return { node: { kind: 'list', item: { node: item.node, nullable: false } }, conv: (v) => (v as unknown[]).map(item.conv) };
    return item;
  }

  private valueType(typeName: string, rt: protobuf.Type | protobuf.Enum | null): PSlot {
    if (rt instanceof protobuf.Enum) {
      const names = rt.valuesById;
      return { node: prim('string'), conv: (v) => names[v as number] ?? String(v) };
    }
    if (rt instanceof protobuf.Type) return this.message(rt);
    const s = scalar(typeName);
    if (!s) throw new Error(`unknown Protobuf type ${typeName}`);
    return s;
  }

  private mapKey(keyType: string): (k: unknown) => string {
    return mapKeyText(keyType);
  }

  private mapOf(o: Obj, key: (k: unknown) => string, conv: Conv): Map<string, unknown> {
    const out = new Map<string, unknown>();
    for (const [k, x] of Object.entries(o)) out.set(key(k), conv(x));
    return out;
  }
}
