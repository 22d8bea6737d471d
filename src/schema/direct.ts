/**
 * A direct reader: one Avro body decoded straight into a table's Arrow column builders, for the
 * writer schemas that allow it, compiled per (writer schema, table schema) like the projector.
 *
 * Why it exists: the general path builds a decoded object (BigInts for every long), then a row
 * object, then hands each field to its column through a keyed lookup and a type check; on small
 * records that is most of the per-record cost (docs/benchmarks.md, "A direct reader"). Here a
 * record is straight-line code: each field read from the bytes and appended to its column, longs
 * as two 32-bit words, no object at all.
 *
 * It is an accelerator, never a second semantics: it takes a body only when the general path
 * (decode/avro.ts → projector.ts → arrow/builder.ts) would take it and store the same values. On
 * anything unusual — a truncated body, trailing bytes, invalid UTF-8, a union or enum index out of
 * range, an int beyond 32 bits, a long varint the general decoder would refuse — it returns false,
 * the caller rolls the row back and runs the general path, which produces the exact dead letter
 * and reason. So only well-formed records of eligible writers go this way; test/schema/direct.test.ts
 * checks the two paths give identical Arrow data and identical refusals.
 *
 * Eligible: a record writer whose fields are, or are `[null, T]` unions of, boolean, int, long,
 * float, double, string, enum, bytes, fixed, decimal (up to 38 digits), date,
 * timestamp-millis/-micros (local too), uuid, and records, arrays and maps of those, each landing
 * in a column of exactly its Iceberg type (no promotion, no wide decimal as text, no variant);
 * table columns the writer lacks must be optional with no default to fill. Anything else (a
 * recursive record, a union of several types, time, nanosecond timestamps, a promotion):
 * compileDirect returns undefined and the general path serves the writer. The byte readers are in
 * direct-read.ts.
 */
import type { ColumnFill } from '../arrow/column.js';
import type { AvroType } from '../decode/avro.js';
import { minEncodedSize, typeNameOf } from '../decode/avro.js';
import { isFloeLogical } from '../decode/logical.js';
import { fixedLength, isKnownPrimitive, parsePrimitiveType } from '../iceberg/spec/schema.js';
import type { IcebergType, Schema, StructType } from '../iceberg/spec/types.js';
import { AvroModel, type AvroFieldNode, type AvroNode, type Slot } from './avro-model.js';
import { FieldIdAssigner, ROOT_PARENT } from './field-ids.js';
import { toAvroType } from './evolve.js';
import { EMPTY, READERS, type Cursor } from './direct-read.js';

/**
 * Appends one record (`columns` in the table schema's field order) from the body at buf[offset..],
 * and `own` to the column DirectOptions.own names; false when the record must take the general
 * path (the builder rolls the row back).
 */
export type DirectReader = ColumnFill;

export interface DirectOptions {
  /** Earlier table schemas, so writers using pre-rename names still find their columns. */
  history?: readonly Schema[];
  /** Avro defaults by field id for fields a writer lacks: a non-null one makes the writer ineligible. */
  defaults?: ReadonlyMap<number, unknown>;
  /** A top-level column outside `values` that takes the reader's `own` argument as is (bronze's Kafka metadata column). */
  own?: string;
}

/** How one primitive is read: which helper. */
type ReadKind = 'boolean' | 'int' | 'long' | 'millis' | 'float' | 'double' | 'string' | 'enum' | 'bytes' | 'uuid' | 'fixed' | 'decimal';

/** The read kind of a writer primitive stored unchanged in a column of type `table`; undefined when ineligible. */
function readKind(node: AvroNode, table: IcebergType): ReadKind | undefined {
  if (node.kind !== 'primitive' || node.decimalScale !== undefined) return undefined;
  if (typeof table !== 'string' || !sameType(table, node.type)) return undefined;
  const avro = node.avro;
  if (isFloeLogical(avro)) {
    const base = typeNameOf((avro as unknown as { underlyingType: AvroType }).underlyingType);
    switch (avro.logicalKind) {
      case 'date': return 'int';
      case 'timestamp-micros':
      case 'local-timestamp-micros': return 'long';
      case 'timestamp-millis':
      case 'local-timestamp-millis': return 'millis';
      case 'uuid': return base === 'string' ? 'uuid' : 'fixed';
      case 'decimal': return 'decimal';
      default: return undefined;
    }
  }
  switch (typeNameOf(avro)) {
    case 'boolean': return 'boolean';
    case 'int': return 'int';
    case 'long': return 'long';
    case 'float': return 'float';
    case 'double': return 'double';
    case 'string': return 'string';
    case 'enum': return 'enum';
    case 'bytes': return 'bytes';
    case 'fixed': return fixedLength(table) !== undefined ? 'fixed' : undefined;
    default: return undefined;
  }
}

/** The same primitive, however spelled: catalogs write `decimal(12, 2)` where floe writes `decimal(12,2)`. */
function sameType(table: string, writer: string): boolean {
  return table === writer || (isKnownPrimitive(table) && parsePrimitiveType(table) === parsePrimitiveType(writer));
}

/** Thrown while compiling: the writer takes the general path. */
class Ineligible extends Error {}

/** Generates the code of one reader; `column` expressions name the builders values go to. */
class Generator {
  readonly consts: unknown[] = [];
  private names = 0;
  constructor(
    private readonly ids: FieldIdAssigner,
    private readonly defaults: ReadonlyMap<number, unknown> | undefined,
  ) {}

  constant(v: unknown): string {
    return `k[${this.consts.push(v) - 1}]`;
  }

  name(prefix: string): string {
    return `${prefix}${this.names++}`;
  }

  /**
   * The fields of a record into the struct `table` whose child columns are `children[k]` (a JS
   * expression per table field), matched by field id as structConverter matches them.
   */
  fields(fields: readonly AvroFieldNode[], table: StructType, parentId: number, children: (k: number) => string): string[] {
    // A `null` field is zero bytes and no column; a union of only null (`["null"]`, the model's
    // optional null) is no column but one branch-index byte, which the generated code would not
    // read: left to the general path.
    if (fields.some((f) => f.node.kind === 'null' && f.optional)) throw new Ineligible();
    const live = fields.filter((f) => f.node.kind !== 'null');
    const matches = this.ids.match(table, parentId, live);
    const target = new Map(matches.map((m) => [m.writer, m.table]));
    const lines: string[] = [];
    for (const f of live) {
      const tf = target.get(f);
      if (tf === undefined) {
        lines.push(this.skip(f));
        continue;
      }
      // A required column with an optional writer: the general path decides what a null does there.
      if (tf.required && f.optional) throw new Ineligible();
      lines.push(this.slot(f, tf.type, tf.id, children(table.fields.indexOf(tf))));
    }
    const matched = new Set(matches.filter((m) => m.table).map((m) => m.table!.id));
    table.fields.forEach((tf, k) => {
      if (matched.has(tf.id)) return;
      const d = this.defaults?.get(tf.id);
      if (tf.required || (d !== undefined && d !== null)) throw new Ineligible();
      lines.push(`${children(k)}.appendNull();`);
    });
    return lines;
  }

  /** A value slot (a field, a list element, a map value) into `column`: its union index first when optional. */
  slot(slot: Slot, type: IcebergType, id: number, column: string): string {
    if (slot.unwrap !== undefined) throw new Ineligible();
    const read = this.value(slot.node, type, id, column);
    if (!slot.optional) return read;
    const nullIndex = slot.nullIndex;
    if (nullIndex === undefined) throw new Ineligible();
    return `u = index(t); if (u === ${nullIndex}) ${column}.appendNull(); else if (u === ${1 - nullIndex}) { ${read} } else return false;`;
  }

  private value(node: AvroNode, type: IcebergType, id: number, column: string): string {
    switch (node.kind) {
      case 'primitive': {
        const kind = readKind(node, type);
        if (!kind) throw new Ineligible();
        return `if (!${HELPER[kind]}(t, ${column}${this.extra(kind, node)})) return false;`;
      }
      case 'record': {
        if (typeof type === 'string' || type.type !== 'struct') throw new Ineligible();
        const s = this.name('s');
        const c = this.name('c');
        const inner = this.fields(node.fields, type, id, (k) => `${c}[${k}]`);
        return `{ const ${s} = ${column}; const ${c} = ${s}.children; ${inner.join(' ')} ${s}.appendPresent(); }`;
      }
      case 'list': {
        if (typeof type === 'string' || type.type !== 'list') throw new Ineligible();
        if (type['element-required'] && node.element.optional) throw new Ineligible();
        // Items of no bytes (null, empty records) would let a hostile count loop for nothing.
        if (minEncodedSize((node.avro as unknown as { itemsType: AvroType }).itemsType) < 1) throw new Ineligible();
        const l = this.name('l');
        const e = this.name('e');
        const n = this.name('n');
        const item = this.slot(node.element, type.element, type['element-id'], e);
        return `{ const ${l} = ${column}; const ${e} = ${l}.element; for (let ${n} = blockCount(t); ${n} !== 0; ${n} = blockCount(t)) { if (${n} < 0) return false; while (${n}-- > 0) { ${item} } } ${l}.appendPresent(); }`;
      }
      case 'map': {
        if (typeof type === 'string' || type.type !== 'map' || type.key !== 'string') throw new Ineligible();
        if (type['value-required'] && node.value.optional) throw new Ineligible();
        const m = this.name('m');
        const v = this.name('v');
        const n = this.name('n');
        const keys = this.constant(new Set<string>());
        const item = this.slot(node.value, type.value, type['value-id'], v);
        const first = this.name('k');
        return `{ const ${m} = ${column}; const ${v} = ${m}.value; const ${first} = ${m}.key.length; ${keys}.clear(); for (let ${n} = blockCount(t); ${n} !== 0; ${n} = blockCount(t)) { if (${n} < 0) return false; while (${n}-- > 0) { if (!mapKey(t, ${m}.key, ${keys}, ${first})) return false; ${item} } } ${m}.appendPresent(); }`;
      }
      default:
        throw new Ineligible();
    }
  }

  private extra(kind: ReadKind, node: AvroNode & { kind: 'primitive' }): string {
    const avro = node.avro as unknown as { symbols?: string[]; size?: number; underlyingType?: { size?: number }; precision?: number };
    switch (kind) {
      case 'float': return ', 4';
      case 'double': return ', 8';
      case 'enum': return `, ${this.constant(avro.symbols)}`;
      case 'fixed': return `, ${avro.size ?? avro.underlyingType?.size}`;
      case 'decimal': return `, ${avro.underlyingType?.size ?? -1}, ${this.constant(10n ** BigInt(avro.precision!))}`;
      default: return '';
    }
  }

  /** A writer field the table has no column for: read past it (primitives only). */
  private skip(f: AvroFieldNode): string {
    if (f.unwrap !== undefined || f.node.kind !== 'primitive') throw new Ineligible();
    const kind = readKind(f.node, f.node.type);
    if (!kind) throw new Ineligible();
    const read = `if (!${HELPER[kind]}(t, null${this.extra(kind, f.node)})) return false;`;
    if (!f.optional) return read;
    if (f.nullIndex === undefined) throw new Ineligible();
    return `u = index(t); if (u === ${1 - f.nullIndex}) { ${read} } else if (u !== ${f.nullIndex}) return false;`;
  }
}

/**
 * Compiles the direct reader of `writer` for `table` (the full schema the builder was made for,
 * field order = column order) whose value columns are `values` (the table without the columns
 * floe fills itself). Undefined when the writer is not eligible.
 */
export function compileDirect(writer: AvroType | string | object, table: Schema, values: Schema, options: DirectOptions = {}): DirectReader | undefined {
  let model: AvroModel;
  try {
    model = new AvroModel(toAvroType(writer));
  } catch {
    return undefined;
  }
  if (model.root.kind !== 'record') return undefined;
  // Every column but the `own` one must be a value column: a row fills every column.
  const ownAt = options.own === undefined ? -1 : table.fields.findIndex((f) => f.name === options.own);
  if (table.fields.length !== values.fields.length + (ownAt < 0 ? 0 : 1)) return undefined;
  const columnOf = new Map(table.fields.map((f, k) => [f.id, k]));
  const gen = new Generator(new FieldIdAssigner({ current: values, history: options.history }), options.defaults);
  let lines: string[];
  try {
    lines = gen.fields(model.root.fields, values, ROOT_PARENT, (k) => {
      const at = columnOf.get(values.fields[k]!.id);
      if (at === undefined) throw new Ineligible();
      return `c[${at}]`;
    });
  } catch (err) {
    if (err instanceof Ineligible) return undefined;
    throw err;
  }
  const body = [
    'return function direct(c, buf, offset, own) {',
    '  t.buf = buf; t.pos = offset;',
    '  let u = 0;',
    ...lines.map((l) => `  ${l}`),
    '  const end = t.pos;',
    '  t.buf = EMPTY;', // no reference kept to the last record's bytes
    '  if (end !== buf.length) return false;', // trailing bytes: the general path's refusal
    ownAt < 0 ? '' : `  c[${ownAt}].append(own);`,
    '  return true;',
    '};',
  ].join('\n');
  // eslint-disable-next-line @typescript-eslint/no-implied-eval -- generated from the writer's shape only; names never enter the code
  const factory = new Function('t', 'k', 'EMPTY', ...Object.keys(READERS), body) as (...a: unknown[]) => DirectReader;
  const cursor: Cursor = { buf: EMPTY, pos: 0 };
  return factory(cursor, gen.consts, EMPTY, ...Object.values(READERS));
}

const HELPER: Record<ReadKind, keyof typeof READERS> = {
  boolean: 'boolean', int: 'int', long: 'long', millis: 'millis', float: 'ieee', double: 'ieee',
  string: 'string', enum: 'enumeration', bytes: 'bytes', uuid: 'uuid', fixed: 'fixed', decimal: 'decimal',
};
