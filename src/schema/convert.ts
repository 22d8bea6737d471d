/**
 * Compiles converters from decoded Avro values (shapes: see decode/avro.ts) to table rows:
 *   struct → plain object keyed by the table's current field names (every field present, null
 *   when absent) · list → array · map → Map · union struct → object with exactly one member set
 *   · recursive record → JSON string or variant, as its column is · int written into a long column → bigint · decimal wider
 *   than 38 digits → decimal text. Everything else passes through untouched, and lists and maps
 *   whose contents need no conversion are reused rather than copied.
 */
import type { IcebergType, StructType } from '../iceberg/spec/types.js';
import type { AvroFieldNode, AvroNode, Slot } from './avro-model.js';
import type { FieldIdAssigner } from './field-ids.js';
import { decimalText, jsonWriter } from './json.js';
import { promote } from './promote.js';
import { variantWriter } from './variant.js';
import { isFloeLogical } from '../decode/logical.js';
import type { RecursiveValue } from '../decode/recursive-value.js';
import { encodeVariant } from '../iceberg/spec/variant.js';
import { floorDiv } from '../iceberg/spec/datetime.js';

/** A value converter; `undefined` stands for identity so callers can skip the call entirely. */
export type Conv = ((v: any) => unknown) | undefined;

export interface ConvertContext {
  ids: FieldIdAssigner;
  /** Avro defaults by table field id, already in row form. */
  defaults?: ReadonlyMap<number, unknown>;
}

export class ProjectionError extends Error {}

export function slotConverter(slot: Slot, table: IcebergType, ownerId: number, ctx: ConvertContext): Conv {
  const inner = nodeConverter(slot.node, table, ownerId, ctx);
  const key = slot.unwrap;
  if (!inner && key === undefined) return undefined;
  if (key === undefined) return (v) => (v === null || v === undefined ? null : inner!(v));
  return (v) => {
    if (v === null || v === undefined) return null;
    const x = v[key];
    return inner ? inner(x) : x;
  };
}

export function nodeConverter(node: AvroNode, table: IcebergType, ownerId: number, ctx: ConvertContext): Conv {
  switch (node.kind) {
    case 'null':
      return () => null;
    case 'primitive':
      if (node.decimalScale !== undefined) {
        if (table !== 'string') throw new ProjectionError(`wide decimal text cannot be written to ${describe(table)}`);
        const scale = node.decimalScale;
        return (v: bigint) => decimalText(v, scale);
      }
      if (typeof table !== 'string' || promote(table, node.type) !== table) {
        throw new ProjectionError(`${node.type} cannot be written to ${describe(table)}`);
      }
      if (table === 'long' && node.type === 'int') return (v: number) => BigInt(v);
      if (node.type.endsWith('_ns') && !table.endsWith('_ns')) return floorMicros; // ns into a µs column
      if (table.endsWith('_ns') && !node.type.endsWith('_ns')) return (v: bigint) => v * 1000n; // µs into ns, exact
      return undefined;
    case 'json':
      // The column's type says how it was made (value.recursive when it was added): text or variant.
      if (isFloeLogical(node.avro) && node.avro.logicalKind === 'floe-recursive') {
        // JSON Schema / Protobuf: the decoder made both forms available.
        if (table === 'string') return (v: RecursiveValue) => v.text();
        if (table === 'variant') return (v: RecursiveValue) => encodeVariant(v.variant());
      } else {
        if (table === 'string') return jsonWriter(node.avro);
        if (table === 'variant') return variantWriter(node.avro);
      }
      throw new ProjectionError(`recursive ${node.name} cannot be written to ${describe(table)}`);
    case 'record':
      return structConverter(node.fields, asStruct(table), ownerId, ctx);
    case 'union': {
      const struct = asStruct(table);
      const members = node.members.map((m) => ({ name: m.name, aliases: [] as string[], node: m.node, optional: true, branch: m.branch }));
      const matches = ctx.ids.match(struct, ownerId, members);
      const arms = matches
        .filter((m) => m.table)
        .map((m) => ({ branch: m.writer.branch, name: m.table!.name, conv: nodeConverter(m.writer.node, m.table!.type, m.table!.id, ctx) }));
      const names = struct.fields.map((f) => f.name);
      return (v: Record<string, unknown>) => {
        const out: Record<string, unknown> = {};
        for (let i = 0; i < names.length; i++) out[names[i]!] = null;
        for (let i = 0; i < arms.length; i++) {
          const a = arms[i]!;
          const x = v[a.branch];
          if (x !== undefined) {
            out[a.name] = a.conv ? a.conv(x) : x;
            break;
          }
        }
        return out;
      };
    }
    case 'list': {
      if (typeof table === 'string' || table.type !== 'list') throw new ProjectionError(`array cannot be written to ${describe(table)}`);
      const el = slotConverter(node.element, table.element, table['element-id'], ctx);
      if (!el) return undefined;
      return (v: unknown[]) => {
        const out = new Array(v.length);
        for (let i = 0; i < v.length; i++) out[i] = el(v[i]);
        return out;
      };
    }
    case 'map': {
      if (typeof table === 'string' || table.type !== 'map') throw new ProjectionError(`map cannot be written to ${describe(table)}`);
      const val = slotConverter(node.value, table.value, table['value-id'], ctx);
      if (!val) return undefined;
      return (v: Map<string, unknown>) => {
        const out = new Map<string, unknown>();
        for (const [k, x] of v) out.set(k, val(x));
        return out;
      };
    }
  }
}

/** Floor, not truncation toward zero: instants before 1970 keep their order. */
const floorMicros = (v: bigint): bigint => floorDiv(v, 1000n);

function describe(t: IcebergType): string {
  return typeof t === 'string' ? t : t.type;
}

function asStruct(table: IcebergType): StructType {
  if (typeof table === 'string' || table.type !== 'struct') throw new ProjectionError(`record cannot be written to ${describe(table)}`);
  return table;
}

/**
 * A struct converter compiled to one object literal per record, so every row object of a
 * (writer, table) pair has the same hidden class and no per-field branching happens at run time.
 */
export function structConverter(fields: readonly AvroFieldNode[], table: StructType, parentId: number, ctx: ConvertContext): (v: any) => Record<string, unknown> {
  const live = fields.filter((f) => f.node.kind !== 'null');
  const matches = ctx.ids.match(table, parentId, live);
  const byId = new Map(matches.filter((m) => m.table).map((m) => [m.table!.id, m.writer]));
  const args: unknown[] = [];
  const props: string[] = [];
  for (const tf of table.fields) {
    const w = byId.get(tf.id);
    if (!w) {
      args.push(ctx.defaults?.get(tf.id) ?? null);
      props.push(`${JSON.stringify(tf.name)}: a[${args.length - 1}]`);
      continue;
    }
    const conv = slotConverter(w, tf.type, tf.id, ctx);
    const read = `v[${JSON.stringify(w.name)}]`;
    if (conv) {
      args.push(conv);
      props.push(`${JSON.stringify(tf.name)}: a[${args.length - 1}](${read})`);
    } else {
      // Optional fields may be absent (undefined) in hand-built values; rows always say null.
      props.push(`${JSON.stringify(tf.name)}: ${read} ?? null`);
    }
  }
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from field names only, all JSON-quoted
  const factory = new Function('a', `return function project(v) { return { ${props.join(', ')} }; };`) as (a: unknown[]) => (v: any) => Record<string, unknown>;
  return factory(args);
}
