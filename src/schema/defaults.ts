/**
 * Avro field defaults, in row form, by table field id. When a record's writer schema lacks a
 * field the table has, the projector fills in the default of the newest writer schema that
 * declared one — what an Avro reader using that schema would see — and null otherwise. (Iceberg
 * v2 cannot store defaults in table metadata; on v3 tables write-default.ts also records the
 * primitive ones as `initial-default`/`write-default` of new columns.)
 */
import type { Schema, StructType } from '../iceberg/spec/types.js';
import type { AvroFieldNode, AvroModel, AvroNode, Slot } from './avro-model.js';
import { slotConverter } from './convert.js';
import type { FieldIdAssigner } from './field-ids.js';
import { ROOT_PARENT } from './field-ids.js';

interface WithUnwrap {
  unwrap(): unknown;
}

/** avsc builds defaults in its own shapes (wrapped unions, plain-object maps); bring them to decode shapes. */
export function normalizeDefault(slot: Slot, value: unknown): unknown {
  if (value === null || value === undefined) return null;
  let v: unknown = value;
  if (slot.node.kind !== 'union' && typeof (v as Partial<WithUnwrap>).unwrap === 'function') {
    v = (v as WithUnwrap).unwrap();
    if (v === null || v === undefined) return null;
  }
  if (slot.unwrap !== undefined) v = { [slot.unwrap]: v };
  return normalizeNode(slot.node, v);
}

function normalizeNode(node: AvroNode, v: unknown): unknown {
  if (v === null) return null;
  switch (node.kind) {
    case 'record': {
      const r = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const f of node.fields) out[f.name] = normalizeDefault(f, r[f.name]);
      return out;
    }
    case 'list':
      return (v as unknown[]).map((x) => normalizeDefault(node.element, x));
    case 'map': {
      const entries = v instanceof Map ? [...v.entries()] : Object.entries(v as object);
      return new Map(entries.map(([k, x]) => [k, normalizeDefault(node.value, x)]));
    }
    case 'union': {
      const w = v as Record<string, unknown>;
      const out: Record<string, unknown> = {};
      for (const m of node.members) if (w[m.branch] !== undefined) out[m.branch] = normalizeNode(m.node, w[m.branch]);
      return out;
    }
    default:
      return v;
  }
}

export function collectDefaults(model: AvroModel, schema: Schema, ids: FieldIdAssigner): Map<number, unknown> {
  const out = new Map<number, unknown>();
  const walk = (fields: readonly AvroFieldNode[], table: StructType, parentId: number) => {
    for (const m of ids.match(table, parentId, fields.filter((f) => f.node.kind !== 'null'))) {
      if (!m.table) continue;
      const f = m.writer;
      const raw = f.field.defaultValue();
      if (raw !== undefined) {
        try {
          const conv = slotConverter(f, m.table.type, m.table.id, { ids });
          const v = normalizeDefault(f, raw);
          out.set(m.table.id, v === null ? null : conv ? conv(v) : v);
        } catch {
          // A default that does not fit the column is simply not used.
        }
      }
      descend(f.node, m.table.type, m.table.id);
    }
  };
  const descend = (node: AvroNode, type: Schema['fields'][number]['type'], id: number) => {
    if (typeof type === 'string') return;
    if (node.kind === 'record' && type.type === 'struct') walk(node.fields, type, id);
    else if (node.kind === 'list' && type.type === 'list') descend(node.element.node, type.element, type['element-id']);
    else if (node.kind === 'map' && type.type === 'map') descend(node.value.node, type.value, type['value-id']);
  };
  const root = model.root;
  if (root.kind === 'record') walk(root.fields, schema, ROOT_PARENT);
  return out;
}
