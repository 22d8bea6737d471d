/**
 * JSON Schema (draft-07, 2019-09, 2020-12) → floe's writer model (docs/schema-mapping.md, "JSON
 * Schema"). The result is a tree of `JNode`s: `toAvro` turns it into the writer model's Avro JSON,
 * values.ts compiles the converter from payload values to the model's value shapes. Rules:
 *   type (or a type array, `null` making it optional) · properties/required → record with
 *   requiredness · additionalProperties schema (no properties) → map · items → list · enum/const
 *   of strings → string · integer → long · number → double · formats date-time / date / time /
 *   uuid → timestamptz / date / time / uuid · oneOf/anyOf/type arrays of distinct JSON types →
 *   union (a struct of optional members) · local and registry $ref/$defs · Confluent Connect hints
 *   (connect.type int8/16/32, float32, bytes; Decimal/Date/Time/Timestamp logical names) ·
 *   anything else (no type, tuples, unions of alike types) → JSON text; recursion → JSON text or, for a
 *   variant column (value.recursive), the variant of the value (json-variant.ts).
 */
import { AvroNames, avroIdent } from '../avro-names.js';

export type Json = boolean | Record<string, unknown>;

export type PrimKind =
  | 'boolean'
  | 'long'
  | 'int'
  | 'double'
  | 'float'
  | 'string'
  | 'bytes'
  | 'uuid'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'date-ms'
  | 'time-ms'
  | 'timestamp-ms'
  // exact nanoseconds (Protobuf's Timestamp): timestamptz_ns on v3 tables, floored µs on v2
  | 'timestamp-nanos'
  | { decimal: [precision: number, scale: number] };

export type JNode =
  | { kind: 'prim'; prim: PrimKind }
  | { kind: 'record'; name: string; fields: JField[] }
  | { kind: 'list'; item: JSlot }
  | { kind: 'map'; value: JSlot }
  | { kind: 'union'; branches: { json: JsonKind; node: JNode }[] }
  /** JSON text; `recursive`: the name of a recursive type (text or variant, as its column is). */
  | { kind: 'json'; recursive?: string }
  | { kind: 'null' };

export interface JSlot {
  node: JNode;
  nullable: boolean;
}

export interface JField extends JSlot {
  /** Property name in the payload. */
  prop: string;
  /** Column name (the property name, made a valid identifier). */
  column: string;
  aliases: string[];
  doc?: string;
}

export type JsonKind = 'boolean' | 'integer' | 'number' | 'string' | 'array' | 'object';

/** A document the mapper can resolve `$ref`s into: the root schema and each registry reference. */
export interface RefDocs {
  root: Json;
  /** Reference name (as registered) → schema. */
  byName: Map<string, Json>;
}

const KINDS: readonly JsonKind[] = ['boolean', 'integer', 'number', 'string', 'array', 'object'];
const DECIMAL = 'org.apache.kafka.connect.data.Decimal';
const MAX_DECIMAL_PRECISION = 38;

function obj(s: Json): Record<string, unknown> {
  return typeof s === 'object' ? s : {};
}

function decodePointer(seg: string): string {
  return decodeURIComponent(seg).replace(/~1/g, '/').replace(/~0/g, '~');
}

export class JsonSchemaMapper {
  private readonly names = new AvroNames();
  /** $ref targets being mapped: a target reached again is recursive and becomes JSON text. */
  private readonly stack: Json[] = [];

  constructor(private readonly docs: RefDocs) {}

  /** Maps the root schema; it must describe an object with properties. */
  root(): JNode & { kind: 'record' } {
    const slot = this.slot(this.docs.root, this.docs.root, this.title(this.docs.root) ?? 'Value');
    if (slot.node.kind !== 'record') throw new Error('the top-level JSON Schema must be an object with properties');
    return slot.node;
  }

  /** The record name a `{record}` table template sees: the root's title (Confluent's record name). */
  title(s: Json): string | undefined {
    const t = obj(s).title;
    return typeof t === 'string' && t.length > 0 ? t : undefined;
  }

  private resolve(ref: string, doc: Json): { schema: Json; doc: Json } {
    const hash = ref.indexOf('#');
    const where = hash < 0 ? ref : ref.slice(0, hash);
    const pointer = hash < 0 ? '' : ref.slice(hash + 1);
    let target: Json | undefined = doc;
    if (where !== '') {
      target = this.docs.byName.get(where);
      if (target === undefined) {
        // `$ref: "https://x/y/address.json"` against a reference registered as `address.json`.
        for (const [name, s] of this.docs.byName) if (where.endsWith(`/${name}`) || obj(s).$id === where) target = s;
      }
      if (target === undefined) throw new Error(`$ref ${ref} names no registered reference`);
    }
    const base = target;
    if (pointer !== '' && !pointer.startsWith('/')) throw new Error(`$ref ${ref}: only JSON pointers are supported, not anchors`);
    for (const seg of pointer.split('/').slice(1)) {
      const next: unknown = obj(target).hasOwnProperty(decodePointer(seg)) ? obj(target)[decodePointer(seg)] : undefined;
      if (next === undefined || (typeof next !== 'object' && typeof next !== 'boolean')) throw new Error(`$ref ${ref} does not resolve`);
      target = next as Json;
    }
    return { schema: target, doc: base };
  }

  private recordName(hint: string): string {
    return this.names.next(hint);
  }

  /** Maps a schema in its document; `hint` names records that have no title. */
  slot(schema: Json, doc: Json, hint: string): JSlot {
    if (schema === true) return { node: { kind: 'json' }, nullable: true };
    if (schema === false) return { node: { kind: 'null' }, nullable: true };
    const s = schema;
    if (typeof s.$ref === 'string') {
      const { schema: target, doc: targetDoc } = this.resolve(s.$ref, doc);
      if (this.stack.includes(target)) return { node: { kind: 'json', recursive: this.title(target) ?? hint }, nullable: true };
      this.stack.push(target);
      try {
        return this.slot(target, targetDoc, this.title(target) ?? hint);
      } finally {
        this.stack.pop();
      }
    }
    if (Array.isArray(s.allOf) && s.allOf.length > 0) return this.slot(this.mergeAllOf(s, doc), doc, hint);
    const alternatives = (Array.isArray(s.oneOf) ? s.oneOf : Array.isArray(s.anyOf) ? s.anyOf : undefined) as Json[] | undefined;
    if (alternatives) return this.union(alternatives.map((a) => ({ schema: a, doc })), hint);
    const type = s.type;
    if (Array.isArray(type)) {
      const rest = { ...s };
      delete rest.type;
      return this.union(type.map((t) => ({ schema: { ...rest, type: t }, doc })), hint);
    }
    if (Array.isArray(s.enum) || s.const !== undefined) {
      const values = Array.isArray(s.enum) ? s.enum : [s.const];
      if (values.every((v) => typeof v === 'string')) return { node: { kind: 'prim', prim: 'string' }, nullable: false };
      if (values.every((v) => typeof v === 'string' || v === null)) return { node: { kind: 'prim', prim: 'string' }, nullable: true };
      return { node: { kind: 'json' }, nullable: values.includes(null) };
    }
    const kind = typeof type === 'string' ? type : s.properties !== undefined ? 'object' : undefined;
    switch (kind) {
      case 'null':
        return { node: { kind: 'null' }, nullable: true };
      case 'boolean':
        return { node: { kind: 'prim', prim: 'boolean' }, nullable: false };
      case 'integer':
        return { node: { kind: 'prim', prim: this.integer(s) }, nullable: false };
      case 'number':
        return { node: { kind: 'prim', prim: this.number(s) }, nullable: false };
      case 'string':
        return { node: { kind: 'prim', prim: this.string(s) }, nullable: false };
      case 'array': {
        if (s.items === undefined || Array.isArray(s.items) || s.prefixItems !== undefined) return { node: { kind: 'json' }, nullable: false };
        return { node: { kind: 'list', item: this.slot(s.items as Json, doc, `${hint}_item`) }, nullable: false };
      }
      case 'object':
        return { node: this.object(s, doc, hint), nullable: false };
      default:
        return { node: { kind: 'json' }, nullable: true };
    }
  }

  private object(s: Record<string, unknown>, doc: Json, hint: string): JNode {
    const props = s.properties as Record<string, Json> | undefined;
    const extra = s.additionalProperties;
    if (props === undefined || Object.keys(props).length === 0) {
      if (typeof extra === 'object' && extra !== null) return { kind: 'map', value: this.slot(extra as Json, doc, `${hint}_value`) };
      return { kind: 'json' };
    }
    const required = new Set(Array.isArray(s.required) ? (s.required as string[]) : []);
    const name = this.recordName(this.title(s) ?? hint);
    const columns = new Set<string>();
    const fields: JField[] = [];
    for (const [prop, sub] of Object.entries(props)) {
      const slot = this.slot(sub, doc, prop);
      let column = avroIdent(prop);
      for (let i = 2; columns.has(column); i++) column = `${avroIdent(prop)}_${i}`;
      columns.add(column);
      const o = obj(sub);
      const aliases = Array.isArray(o.aliases) ? (o.aliases as unknown[]).filter((a): a is string => typeof a === 'string') : [];
      const f: JField = { ...slot, nullable: slot.nullable || !required.has(prop), prop, column, aliases };
      if (typeof o.description === 'string') f.doc = o.description;
      fields.push(f);
    }
    return { kind: 'record', name, fields };
  }

  /** allOf of object schemas: one object with every property; anything else must be a single schema. */
  private mergeAllOf(s: Record<string, unknown>, doc: Json): Json {
    const parts = [{ ...s, allOf: undefined }, ...(s.allOf as Json[])].map((p) => {
      const o = obj(p);
      return typeof o.$ref === 'string' ? obj(this.resolve(o.$ref, doc).schema) : o;
    });
    const properties: Record<string, unknown> = {};
    const required: string[] = [];
    const merged: Record<string, unknown> = {};
    for (const p of parts) {
      for (const [k, v] of Object.entries(p)) if (k !== 'properties' && k !== 'required' && k !== 'allOf' && v !== undefined) merged[k] ??= v;
      Object.assign(properties, p.properties ?? {});
      if (Array.isArray(p.required)) required.push(...(p.required as string[]));
    }
    if (Object.keys(properties).length > 0) {
      merged.properties = properties;
      merged.required = required;
      merged.type ??= 'object';
    }
    return merged;
  }

  /** Alternatives: null ones make the slot optional; distinct JSON kinds become a union. */
  private union(alternatives: { schema: Json; doc: Json }[], hint: string): JSlot {
    let nullable = false;
    const branches: { json: JsonKind; node: JNode }[] = [];
    let mixed = false;
    for (const a of alternatives) {
      const slot = this.slot(a.schema, a.doc, hint);
      if (slot.node.kind === 'null') {
        nullable = true;
        continue;
      }
      nullable ||= slot.nullable;
      const json = jsonKindOf(slot.node, a.schema);
      if (json === undefined || branches.some((b) => b.json === json)) mixed = true;
      else branches.push({ json, node: slot.node });
    }
    if (mixed) return { node: { kind: 'json' }, nullable: true };
    if (branches.length === 0) return { node: { kind: 'null' }, nullable: true };
    if (branches.length === 1) return { node: branches[0]!.node, nullable };
    // Two alternatives whose model types share an Avro branch (a date-time string and a string)
    // cannot be told apart by their value: JSON text keeps them exact.
    const avro = branches.map((b) => avroBranch(b.node));
    if (new Set(avro).size !== avro.length) return { node: { kind: 'json' }, nullable: true };
    branches.sort((a, b) => KINDS.indexOf(a.json) - KINDS.indexOf(b.json));
    return { node: { kind: 'union', branches }, nullable };
  }

  private logicalName(s: Record<string, unknown>): string | undefined {
    const n = s['connect.name'] ?? s.title;
    return typeof n === 'string' ? n : undefined;
  }

  private integer(s: Record<string, unknown>): PrimKind {
    switch (this.logicalName(s)) {
      case 'org.apache.kafka.connect.data.Date':
        return 'date-ms';
      case 'org.apache.kafka.connect.data.Time':
        return 'time-ms';
      case 'org.apache.kafka.connect.data.Timestamp':
        return 'timestamp-ms';
    }
    const ct = s['connect.type'];
    return ct === 'int8' || ct === 'int16' || ct === 'int32' ? 'int' : 'long';
  }

  private number(s: Record<string, unknown>): PrimKind {
    if (this.logicalName(s) === DECIMAL) return this.decimal(s);
    return s['connect.type'] === 'float32' ? 'float' : 'double';
  }

  private decimal(s: Record<string, unknown>): PrimKind {
    const params = obj((s['connect.parameters'] ?? {}) as Json);
    const scale = Number(params.scale ?? 0);
    const precision = Number(params['connect.decimal.precision'] ?? MAX_DECIMAL_PRECISION);
    if (!Number.isInteger(scale) || !Number.isInteger(precision) || scale < 0 || precision < 1 || scale > precision || precision > MAX_DECIMAL_PRECISION) {
      throw new Error(`Connect decimal with precision ${String(precision)} and scale ${String(scale)} cannot be an Iceberg decimal`);
    }
    return { decimal: [precision, scale] };
  }

  private string(s: Record<string, unknown>): PrimKind {
    if (this.logicalName(s) === DECIMAL) return this.decimal(s); // decimal.format BASE64 is a string
    if (s['connect.type'] === 'bytes' || s.contentEncoding === 'base64') return 'bytes';
    switch (s.format) {
      case 'date-time':
        return 'timestamp';
      case 'date':
        return 'date';
      case 'time':
        return 'time';
      case 'uuid':
        return 'uuid';
      default:
        return 'string';
    }
  }
}

/** The JSON kind of values a node accepts (for routing a union value); undefined: any. */
function jsonKindOf(node: JNode, schema: Json): JsonKind | undefined {
  switch (node.kind) {
    case 'record':
    case 'map':
      return 'object';
    case 'list':
      return 'array';
    case 'prim': {
      const p = node.prim;
      if (p === 'boolean') return 'boolean';
      if (p === 'long' || p === 'int' || p === 'date-ms' || p === 'time-ms' || p === 'timestamp-ms') return 'integer';
      if (p === 'double' || p === 'float') return 'number';
      if (typeof p === 'object') return obj(schema).type === 'string' ? 'string' : 'number';
      return 'string';
    }
    default:
      return undefined;
  }
}

/** The Avro branch name of a node's model type (unions need distinct ones). */
export function avroBranch(node: JNode): string {
  switch (node.kind) {
    case 'record':
      return `floe.json.${node.name}`;
    case 'list':
      return 'array';
    case 'map':
      return 'map';
    case 'prim':
      return avroPrim(node.prim).branch;
    default:
      return 'string';
  }
}

export function avroPrim(p: PrimKind): { type: unknown; branch: string } {
  if (typeof p === 'object') return { type: { type: 'bytes', logicalType: 'decimal', precision: p.decimal[0], scale: p.decimal[1] }, branch: 'bytes' };
  switch (p) {
    case 'uuid':
      return { type: { type: 'string', logicalType: 'uuid' }, branch: 'string' };
    case 'date':
    case 'date-ms':
      return { type: { type: 'int', logicalType: 'date' }, branch: 'int' };
    case 'time':
    case 'time-ms':
      return { type: { type: 'long', logicalType: 'time-micros' }, branch: 'long' };
    case 'timestamp':
    case 'timestamp-ms':
      return { type: { type: 'long', logicalType: 'timestamp-micros' }, branch: 'long' };
    case 'timestamp-nanos':
      return { type: { type: 'long', logicalType: 'timestamp-nanos' }, branch: 'long' };
    default:
      return { type: p, branch: p };
  }
}

/** The writer model (Avro JSON) of a mapped tree. */
export function toAvro(node: JNode): unknown {
  switch (node.kind) {
    case 'prim':
      return avroPrim(node.prim).type;
    case 'json':
      return node.recursive === undefined ? 'string' : { type: 'string', logicalType: 'floe-recursive', 'floe.name': node.recursive };
    case 'null':
      return 'null';
    case 'list':
      return { type: 'array', items: slotAvro(node.item) };
    case 'map':
      return { type: 'map', values: slotAvro(node.value) };
    case 'union':
      return node.branches.map((b) => toAvro(b.node));
    case 'record':
      return {
        type: 'record',
        name: node.name,
        namespace: 'floe.json',
        fields: node.fields.map((f) => ({
          name: f.column,
          type: slotAvro(f),
          ...(f.aliases.length > 0 ? { aliases: f.aliases } : {}),
          ...(f.doc !== undefined ? { doc: f.doc } : {}),
        })),
      };
  }
}

function slotAvro(slot: JSlot): unknown {
  const t = toAvro(slot.node);
  if (!slot.nullable || slot.node.kind === 'null') return t;
  return Array.isArray(t) ? ['null', ...t] : ['null', t];
}
