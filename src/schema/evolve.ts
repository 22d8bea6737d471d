/**
 * Avro writer schema → Iceberg table schema, fresh or evolved from the current table schema.
 *
 * Allowed (applied as a new table schema): add columns anywhere (nested too, always optional
 * because existing data files lack them), int→long, float→double, decimal precision widening at
 * the same scale, required→optional, rename through Avro aliases (or a Protobuf field number), new union branches (new
 * optional members), doc changes. A column the writer no longer has stays, made optional.
 * Anything else (string→int, decimal scale change, struct↔primitive, fixed size change, local↔UTC
 * timestamp, `[null,T]` turning into a multi-branch union...) is incompatible: with policy
 * `dead-letter` the table is left as is and this writer's records are dead-lettered; with `halt`
 * evolveSchema throws SCHEMA_INCOMPATIBLE.
 */
import { FloeError } from '../util/errors.js';
import type { IcebergType, NestedField, PrimitiveType, Schema, StructType } from '../iceberg/spec/types.js';
import type { AvroType } from '../decode/avro.js';
import { parseAvroSchema } from '../decode/avro.js';
import { AvroModel, type AvroFieldNode, type AvroNode, type Slot } from './avro-model.js';
import { FieldIdAssigner, ROOT_PARENT } from './field-ids.js';
import { collectDefaults } from './defaults.js';
import { withDefaults } from './write-default.js';
import { columnType, decimalHint, promote } from './promote.js';

export { promote };

export type IncompatiblePolicy = 'dead-letter' | 'halt';

export type SchemaChange =
  | { kind: 'add-column'; path: string; id: number; type: IcebergType }
  | { kind: 'promote-type'; path: string; id: number; from: PrimitiveType; to: PrimitiveType }
  | { kind: 'make-optional'; path: string; id: number; reason: 'writer-optional' | 'missing-from-writer' }
  | { kind: 'rename'; path: string; id: number; from: string; to: string }
  | { kind: 'update-doc'; path: string; id: number; doc: string };

export interface Incompatibility {
  path: string;
  reason: string;
}

export interface EvolveOptions {
  policy?: IncompatiblePolicy;
  /** Earlier table schemas: lets writers that still use a pre-rename name find their column. */
  history?: readonly Schema[];
  /** The table's last-column-id; ids are never reused even if the columns are gone. */
  lastColumnId?: number;
  /** Id for the new schema; defaults to current schema id + 1 (0 for a new table). */
  schemaId?: number;
  /** The table's format version (default 2): new columns of nanosecond timestamps are `_ns` on v3 only. */
  formatVersion?: number;
  /**
   * How a new column of a recursive type is stored (`value.recursive`): JSON text in a `string`
   * (default) or a v3 `variant`. An existing column keeps the storage it was made with.
   */
  recursive?: RecursiveStorage;
}

export type RecursiveStorage = 'text' | 'variant';

export interface EvolveResult {
  /** The table schema records of this writer land in (the current one when nothing changed). */
  newSchema: Schema;
  lastColumnId: number;
  changes: SchemaChange[];
  incompatible: Incompatibility[];
  /** none: table schema fits; apply: commit newSchema first; dead-letter: records of this writer cannot land. */
  action: 'none' | 'apply' | 'dead-letter';
  /** Avro defaults by field id, in row representation, for projecting writers that lack the field. */
  defaults: Map<number, unknown>;
}

export function toAvroType(schema: AvroType | string | object): AvroType {
  return typeof schema === 'object' && schema !== null && 'typeName' in schema ? (schema as AvroType) : parseAvroSchema(schema);
}

const join = (path: string, name: string) => (path ? `${path}.${name}` : name);

class Evolver {
  readonly changes: SchemaChange[] = [];
  readonly incompatible: Incompatibility[] = [];
  constructor(
    readonly ids: FieldIdAssigner,
    readonly formatVersion = 2,
    readonly recursive: RecursiveStorage = 'text',
  ) {}

  /** A brand-new Iceberg type for an Avro node (ids breadth-first per struct, as Iceberg does). */
  fresh(node: AvroNode): IcebergType {
    switch (node.kind) {
      case 'primitive':
        return columnType(node.type, this.formatVersion);
      case 'json':
        // columnType refuses a variant on a v2 table (the configuration already does).
        return this.recursive === 'variant' ? columnType('variant', this.formatVersion) : 'string';
      case 'null':
        throw new Error('null has no Iceberg type');
      case 'record':
        return this.freshStruct(node.fields.filter((f) => f.node.kind !== 'null'));
      case 'union':
        return this.freshStruct(node.members.map((m) => ({ name: m.name, node: m.node, optional: true, aliases: [] })));
      case 'list': {
        const id = this.ids.next();
        return { type: 'list', 'element-id': id, element: this.fresh(node.element.node), 'element-required': !node.element.optional };
      }
      case 'map': {
        const keyId = this.ids.next();
        const valueId = this.ids.next();
        return { type: 'map', 'key-id': keyId, key: 'string', 'value-id': valueId, value: this.fresh(node.value.node), 'value-required': !node.value.optional };
      }
    }
  }

  private freshStruct(fields: { name: string; node: AvroNode; optional: boolean; doc?: string }[]): StructType {
    const ids = fields.map(() => this.ids.next());
    return {
      type: 'struct',
      fields: fields.map((f, i) => {
        const nf: NestedField = { id: ids[i]!, name: f.name, required: !f.optional, type: this.fresh(f.node) };
        if (f.doc !== undefined) nf.doc = f.doc;
        return nf;
      }),
    };
  }

  /** Merges writer fields into a table struct; new fields are optional in an existing struct. */
  struct(table: StructType, parentId: number, fields: readonly AvroFieldNode[] | readonly (Slot & { name: string; aliases: string[] })[], path: string): StructType {
    const live = (fields as readonly (Slot & { name: string; aliases: readonly string[]; doc?: string })[]).filter((f) => f.node.kind !== 'null');
    const matches = this.ids.match(table, parentId, live);
    const byTableId = new Map(matches.filter((m) => m.table).map((m) => [m.table!.id, m]));
    const out: NestedField[] = [];
    for (const tf of table.fields) {
      const m = byTableId.get(tf.id);
      const p = join(path, tf.name);
      if (!m) {
        if (tf.required) this.changes.push({ kind: 'make-optional', path: p, id: tf.id, reason: 'missing-from-writer' });
        out.push(tf.required ? { ...tf, required: false } : tf);
        continue;
      }
      const w = m.writer;
      const nf: NestedField = { ...tf };
      if (m.how === 'alias' || m.how === 'number') {
        this.changes.push({ kind: 'rename', path: join(path, w.name), id: tf.id, from: tf.name, to: w.name });
        nf.name = w.name;
      }
      const np = join(path, nf.name);
      if (tf.required && w.optional) {
        this.changes.push({ kind: 'make-optional', path: np, id: tf.id, reason: 'writer-optional' });
        nf.required = false;
      }
      if (w.doc !== undefined && w.doc !== tf.doc) {
        this.changes.push({ kind: 'update-doc', path: np, id: tf.id, doc: w.doc });
        nf.doc = w.doc;
      }
      nf.type = this.type(tf.type, tf.id, w.node, np);
      out.push(nf);
    }
    for (const m of matches) {
      if (m.table) continue;
      const w = m.writer;
      const id = this.ids.next();
      const nf: NestedField = { id, name: w.name, required: false, type: this.fresh(w.node) };
      if (w.doc !== undefined) nf.doc = w.doc;
      this.changes.push({ kind: 'add-column', path: join(path, w.name), id, type: nf.type });
      out.push(nf);
    }
    return { type: 'struct', fields: out };
  }

  /** Merges one writer node into the table type at `path`; records incompatibilities. */
  type(table: IcebergType, ownerId: number, node: AvroNode, path: string): IcebergType {
    const kindOf = (ty: IcebergType) => (typeof ty === 'string' ? 'primitive' : ty.type);
    const bad = (reason: string) => {
      this.incompatible.push({ path, reason });
      return table;
    };
    switch (node.kind) {
      case 'null':
        return table;
      case 'json':
        // A column keeps the storage it was made with (Iceberg changes neither string nor variant
        // into the other): flipping value.recursive affects columns made afterwards only.
        if (table === 'string' || table === 'variant') return table;
        return bad(`recursive record ${node.name} (${this.recursive === 'variant' ? 'a variant' : 'a JSON string'}) cannot replace ${describe(table)}`);
      case 'primitive': {
        if (typeof table !== 'string') return bad(`${node.type} cannot replace ${describe(table)}`);
        const p = promote(table, node.type);
        if (p === 'incompatible') return bad(`${node.type} cannot replace ${table}${decimalHint(table, node.type)}`);
        if (p !== table) this.changes.push({ kind: 'promote-type', path, id: ownerId, from: table, to: p });
        return p;
      }
      case 'record':
        if (kindOf(table) !== 'struct') return bad(`record ${node.name} cannot replace ${describe(table)}`);
        return this.struct(table as StructType, ownerId, node.fields, path);
      case 'union':
        if (kindOf(table) !== 'struct') return bad(`a ${node.members.length}-branch union cannot replace ${describe(table)}`);
        return this.struct(
          table as StructType,
          ownerId,
          node.members.map((m) => ({ name: m.name, aliases: [], node: m.node, optional: true })),
          path,
        );
      case 'list': {
        if (typeof table === 'string' || table.type !== 'list') return bad(`array cannot replace ${describe(table)}`);
        const ep = `${path}.element`;
        let required = table['element-required'];
        if (required && node.element.optional) {
          this.changes.push({ kind: 'make-optional', path: ep, id: table['element-id'], reason: 'writer-optional' });
          required = false;
        }
        return { ...table, 'element-required': required, element: this.type(table.element, table['element-id'], node.element.node, ep) };
      }
      case 'map': {
        if (typeof table === 'string' || table.type !== 'map') return bad(`map cannot replace ${describe(table)}`);
        if (table.key !== 'string') return bad(`Avro map keys are strings, table key is ${describe(table.key)}`);
        const vp = `${path}.value`;
        let required = table['value-required'];
        if (required && node.value.optional) {
          this.changes.push({ kind: 'make-optional', path: vp, id: table['value-id'], reason: 'writer-optional' });
          required = false;
        }
        return { ...table, 'value-required': required, value: this.type(table.value, table['value-id'], node.value.node, vp) };
      }
    }
  }
}

function describe(type: IcebergType): string {
  return typeof type === 'string' ? type : type.type;
}

/**
 * Computes the table schema for records of `avroSchema`. With no table schema this is the
 * initial mapping (Avro's required flags kept, ids from 1).
 */
export function evolveSchema(
  tableSchema: Schema | undefined,
  avroSchema: AvroType | string | object,
  options: EvolveOptions = {},
): EvolveResult {
  const model = new AvroModel(toAvroType(avroSchema));
  const root = model.root as AvroNode & { kind: 'record' };
  const ids = new FieldIdAssigner({ current: tableSchema, history: options.history, lastColumnId: options.lastColumnId });
  const startLastColumnId = ids.lastColumnId;
  const ev = new Evolver(ids, options.formatVersion, options.recursive);

  if (!tableSchema) {
    const struct = ev.fresh(root) as StructType;
    const newSchema: Schema = { type: 'struct', 'schema-id': options.schemaId ?? 0, fields: struct.fields };
    const empty = emptyStructs(newSchema, '');
    if (empty.length > 0) {
      // newSchema is returned for inspection only: a table with it cannot be written.
      return { ...incompatibleResult(empty, options), newSchema, lastColumnId: ids.lastColumnId };
    }
    const defaults = collectDefaults(model, newSchema, ids);
    const withDefault = v3Defaults(newSchema, defaults, startLastColumnId, new Set(), options);
    return { newSchema: withDefault, lastColumnId: ids.lastColumnId, changes: [], incompatible: [], action: 'apply', defaults };
  }

  const merged = ev.struct(tableSchema, ROOT_PARENT, root.fields, '');
  // A new column (or a new union branch) of a record with no columns would add an empty struct.
  if (ev.incompatible.length === 0) ev.incompatible.push(...emptyStructs(merged, ''));
  if (ev.incompatible.length > 0) {
    if ((options.policy ?? 'dead-letter') === 'halt') {
      const list = ev.incompatible.map((i) => `${i.path}: ${i.reason}`).join('; ');
      throw new FloeError('SCHEMA_INCOMPATIBLE', `writer schema is incompatible with the table: ${list}`, {
        retryable: false,
        details: { incompatible: ev.incompatible },
      });
    }
    return {
      newSchema: tableSchema,
      lastColumnId: startLastColumnId,
      changes: [],
      incompatible: ev.incompatible,
      action: 'dead-letter',
      defaults: new Map(),
    };
  }
  const changed = ev.changes.length > 0;
  const newSchema: Schema = changed
    ? { ...tableSchema, 'schema-id': options.schemaId ?? tableSchema['schema-id'] + 1, fields: merged.fields }
    : tableSchema;
  const defaults = collectDefaults(model, newSchema, ids);
  const added = new Set(ev.changes.flatMap((c) => (c.kind === 'add-column' ? [c.id] : [])));
  return {
    newSchema: changed ? v3Defaults(newSchema, defaults, startLastColumnId, added, options) : newSchema,
    lastColumnId: ids.lastColumnId,
    changes: ev.changes,
    incompatible: [],
    action: changed ? 'apply' : 'none',
    defaults,
  };
}

/** v3 tables carry the Avro defaults of new fields in the schema (write-default, initial-default). */
function v3Defaults(schema: Schema, defaults: ReadonlyMap<number, unknown>, oldLastColumnId: number, added: ReadonlySet<number>, options: EvolveOptions): Schema {
  return (options.formatVersion ?? 2) >= 3 ? withDefaults(schema, defaults, oldLastColumnId, added) : schema;
}

function incompatibleResult(incompatible: Incompatibility[], options: EvolveOptions): Omit<EvolveResult, 'newSchema' | 'lastColumnId'> {
  if ((options.policy ?? 'dead-letter') === 'halt') {
    const list = incompatible.map((i) => `${i.path}: ${i.reason}`).join('; ');
    throw new FloeError('SCHEMA_INCOMPATIBLE', `writer schema cannot be mapped: ${list}`, { retryable: false, details: { incompatible } });
  }
  return { changes: [], incompatible, action: 'dead-letter', defaults: new Map() };
}

/**
 * Structs with no fields, at any depth (struct fields, list elements, map values): what a record
 * with no fields, or only `null` fields, maps to. Parquet has no empty group (parquet-wasm and
 * parquet-mr refuse to write one), so a table with such a column could never be flushed.
 */
export function emptyStructs(type: IcebergType, path: string): Incompatibility[] {
  if (typeof type === 'string') return [];
  switch (type.type) {
    case 'struct':
      if (type.fields.length === 0) {
        return [{ path: path || '(record)', reason: 'a record with no columns (no fields, or only null fields) cannot be stored: Parquet has no empty struct' }];
      }
      return type.fields.flatMap((f) => emptyStructs(f.type, join(path, f.name)));
    case 'list':
      return emptyStructs(type.element, `${path}.element`);
    case 'map':
      return emptyStructs(type.value, `${path}.value`);
    default:
      return [];
  }
}

/** The initial Iceberg schema for an Avro schema (a new table). */
export function avroToIceberg(avroSchema: AvroType | string | object, formatVersion = 2): EvolveResult {
  return evolveSchema(undefined, avroSchema, { formatVersion });
}
