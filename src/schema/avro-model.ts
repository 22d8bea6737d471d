/**
 * A parsed Avro writer schema viewed the way the Iceberg mapping needs it: optionality lifted out
 * of `[null, T]` unions, other unions as named members, recursive records marked, logical types
 * resolved to Iceberg primitives. Both the schema mapper/evolver and the projector walk this model,
 * so they can never disagree about what a writer field is.
 */
import type { AvroField, AvroType } from '../decode/avro.js';
import { typeNameOf } from '../decode/avro.js';
import { isFloeLogical, type DecimalType, type FloeRecursiveType } from '../decode/logical.js';
import type { PrimitiveType } from '../iceberg/spec/types.js';

/** Iceberg's decimal limit; wider Avro decimals become exact decimal strings. */
export const MAX_ICEBERG_DECIMAL_PRECISION = 38;

export type AvroNode =
  | { kind: 'primitive'; type: PrimitiveType; avro: AvroType; /** decimal wider than 38 digits, written as text */ decimalScale?: number }
  | { kind: 'record'; avro: AvroType; name: string; fields: AvroFieldNode[] }
  | { kind: 'list'; avro: AvroType; element: Slot }
  | { kind: 'map'; avro: AvroType; value: Slot }
  | { kind: 'union'; avro: AvroType; members: UnionMember[] }
  /** A recursive record (or a JSON Schema / Protobuf recursive type): JSON text or a variant. */
  | { kind: 'json'; avro: AvroType; name: string }
  /** `null` (or a union of only null): carries no information, gets no column. */
  | { kind: 'null' };

/** A position holding a value: a record field, a list element, a map value. */
export interface Slot {
  node: AvroNode;
  optional: boolean;
  /** Set for a single-branch union `[T]`: the decoded value arrives wrapped as {[unwrap]: v}. */
  unwrap?: string;
  /** For `[null, T]` / `[T, null]`: the null branch's index (0 or 1) in the encoded union. */
  nullIndex?: number;
}

export interface AvroFieldNode extends Slot {
  name: string;
  aliases: string[];
  doc?: string;
  field: AvroField;
}

export interface UnionMember {
  /** Column name of the member inside the union struct. */
  name: string;
  /** Key avsc uses for this branch in a wrapped union value. */
  branch: string;
  node: AvroNode;
}

interface TypeInternals {
  typeName: string;
  name?: string;
  fields?: AvroField[];
  itemsType?: AvroType;
  valuesType?: AvroType;
  types?: AvroType[];
  size?: number;
  branchName?: string;
  underlyingType?: AvroType;
}

const t = (type: AvroType) => type as unknown as TypeInternals;

/** Records that can contain themselves (directly or through other records). */
export function findRecursiveRecords(root: AvroType): Set<AvroType> {
  const recursive = new Set<AvroType>();
  const done = new Set<AvroType>();
  const stack: AvroType[] = [];
  const visit = (type: AvroType): void => {
    const x = t(type);
    const name = typeNameOf(type);
    if (name === 'record' || name === 'error') {
      const at = stack.indexOf(type);
      if (at >= 0) {
        for (const r of stack.slice(at)) recursive.add(r);
        return;
      }
      if (done.has(type)) return;
      stack.push(type);
      for (const f of x.fields!) visit(f.type);
      stack.pop();
      done.add(type);
      return;
    }
    if (x.itemsType) visit(x.itemsType);
    if (x.valuesType) visit(x.valuesType);
    if (x.types) for (const b of x.types) visit(b);
  };
  visit(root);
  return recursive;
}

function primitiveOf(type: AvroType): AvroNode | undefined {
  if (isFloeLogical(type)) {
    switch (type.logicalKind) {
      case 'decimal': {
        const d = type as DecimalType;
        if (d.precision > MAX_ICEBERG_DECIMAL_PRECISION) return { kind: 'primitive', type: 'string', avro: type, decimalScale: d.scale };
        return { kind: 'primitive', type: `decimal(${d.precision},${d.scale})`, avro: type };
      }
      case 'uuid':
        return { kind: 'primitive', type: 'uuid', avro: type };
      case 'date':
        return { kind: 'primitive', type: 'date', avro: type };
      case 'time-millis':
      case 'time-micros':
        return { kind: 'primitive', type: 'time', avro: type };
      case 'timestamp-millis':
      case 'timestamp-micros':
        return { kind: 'primitive', type: 'timestamptz', avro: type };
      // Exact nanoseconds; a v2 table (or an existing micro column) gets timestamptz, floored.
      case 'timestamp-nanos':
        return { kind: 'primitive', type: 'timestamptz_ns', avro: type };
      case 'local-timestamp-nanos':
        return { kind: 'primitive', type: 'timestamp_ns', avro: type };
      case 'floe-variant':
        return { kind: 'primitive', type: 'variant', avro: type };
      default:
        return { kind: 'primitive', type: 'timestamp', avro: type };
    }
  }
  // Logical types floe does not know (duration, big-decimal, custom) keep their underlying type.
  const base = t(type).typeName.startsWith('logical:') ? t(type).underlyingType! : type;
  switch (typeNameOf(base)) {
    case 'boolean':
      return { kind: 'primitive', type: 'boolean', avro: base };
    case 'int':
      return { kind: 'primitive', type: 'int', avro: base };
    case 'long':
      return { kind: 'primitive', type: 'long', avro: base };
    case 'float':
      return { kind: 'primitive', type: 'float', avro: base };
    case 'double':
      return { kind: 'primitive', type: 'double', avro: base };
    case 'bytes':
      return { kind: 'primitive', type: 'binary', avro: base };
    case 'string':
    case 'enum':
      return { kind: 'primitive', type: 'string', avro: base };
    case 'fixed':
      // Avro allows fixed(0); Parquet's FIXED_LEN_BYTE_ARRAY needs a positive length (parquet-wasm
      // panics on 0), so a zero-length fixed is stored as binary, always empty.
      if (t(base).size === 0) return { kind: 'primitive', type: 'binary', avro: base };
      return { kind: 'primitive', type: `fixed[${t(base).size!}]`, avro: base };
    default:
      return undefined;
  }
}

function shortName(fullName: string): string {
  const i = fullName.lastIndexOf('.');
  return i < 0 ? fullName : fullName.slice(i + 1);
}

export class AvroModel {
  readonly recursive: Set<AvroType>;
  private readonly records = new Map<AvroType, AvroNode>();
  readonly root: AvroNode;

  constructor(readonly type: AvroType) {
    this.recursive = findRecursiveRecords(type);
    this.root = this.node(type);
    if (this.root.kind !== 'record') throw new Error(`top-level Avro schema must be a record, got ${typeNameOf(type)}`);
  }

  slot(type: AvroType): Slot {
    const x = t(type);
    if (!x.types) return { node: this.node(type), optional: false };
    const branches = x.types.filter((b) => b.typeName !== 'null');
    const optional = branches.length !== x.types.length;
    if (branches.length === 0) return { node: { kind: 'null' }, optional: true };
    if (branches.length === 1) {
      const slot: Slot = { node: this.node(branches[0]!), optional };
      // [null, T] decodes bare (see decode/avro.ts); a lone [T] stays wrapped.
      if (!optional) slot.unwrap = t(branches[0]!).branchName!;
      else if (x.types.length === 2) slot.nullIndex = x.types[0]!.typeName === 'null' ? 0 : 1;
      return slot;
    }
    return { node: this.union(type, branches), optional };
  }

  private union(type: AvroType, branches: AvroType[]): AvroNode {
    const shorts = branches.map((b) => (t(b).name ? shortName(t(b).name!) : t(b).branchName!));
    const members = branches.map((b, i) => {
      const branch = t(b).branchName!;
      // Short names read best ("inner", "int"); fall back to the full name when two namespaces collide.
      const name = shorts.indexOf(shorts[i]!) === shorts.lastIndexOf(shorts[i]!) ? shorts[i]! : branch.replace(/\./g, '_');
      return { name, branch, node: this.node(b) };
    });
    return { kind: 'union', avro: type, members };
  }

  node(type: AvroType): AvroNode {
    const x = t(type);
    const name = typeNameOf(type);
    if (name === 'null') return { kind: 'null' };
    // A JSON Schema or Protobuf recursive type: its values arrive as RecursiveValues.
    if (isFloeLogical(type) && type.logicalKind === 'floe-recursive') return { kind: 'json', avro: type, name: (type as FloeRecursiveType).recursiveName };
    if (name === 'record' || name === 'error') {
      if (this.recursive.has(type)) return { kind: 'json', avro: type, name: x.name! };
      const known = this.records.get(type);
      if (known) return known;
      const rec: AvroNode & { kind: 'record' } = { kind: 'record', avro: type, name: x.name!, fields: [] };
      this.records.set(type, rec);
      for (const f of x.fields!) {
        const field = f as AvroField;
        const fieldNode: AvroFieldNode = { ...this.slot(f.type), name: f.name, aliases: [...(f.aliases ?? [])], field };
        if (field.doc !== undefined) fieldNode.doc = field.doc;
        rec.fields.push(fieldNode);
      }
      return rec;
    }
    if (name === 'array') return { kind: 'list', avro: type, element: this.slot(x.itemsType!) };
    if (name === 'map') return { kind: 'map', avro: type, value: this.slot(x.valuesType!) };
    if (x.types) {
      const s = this.slot(type);
      // A union nested directly in a union cannot happen in Avro; reaching here means a bare union node.
      return s.node;
    }
    const p = primitiveOf(type);
    if (!p) throw new Error(`unsupported Avro type ${name}`);
    return p;
  }
}
