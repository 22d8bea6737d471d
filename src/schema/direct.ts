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
 * float, double, string, enum, bytes, date, timestamp-millis/-micros (local too) and uuid on a
 * string, each landing in a top-level column of exactly its Iceberg type (no promotion); table
 * columns the writer lacks must be optional with no default. Anything else: compileDirect returns
 * undefined and the general path serves the writer.
 */
import { isUtf8 } from 'node:buffer';
import type { Column, ColumnFill } from '../arrow/column.js';
import type { AvroType } from '../decode/avro.js';
import { typeNameOf } from '../decode/avro.js';
import { isFloeLogical, isLowerUuid } from '../decode/logical.js';
import type { IcebergType, Schema, StructType } from '../iceberg/spec/types.js';
import { bigintFromTwosComplement } from '../decode/logical.js';
import { AvroModel, type AvroFieldNode, type AvroNode, type Slot } from './avro-model.js';
import { FieldIdAssigner, ROOT_PARENT } from './field-ids.js';
import { toAvroType } from './evolve.js';

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

/** The reading state of one record: the body and the position in it (one per reader, reused). */
interface Cursor {
  buf: Buffer;
  pos: number;
}

/** How one primitive is read: which helper. */
type ReadKind = 'boolean' | 'int' | 'long' | 'millis' | 'float' | 'double' | 'string' | 'enum' | 'bytes' | 'uuid' | 'fixed' | 'decimal';

/** The read kind of a writer primitive stored unchanged in a column of type `table`; undefined when ineligible. */
function readKind(node: AvroNode, table: IcebergType): ReadKind | undefined {
  if (node.kind !== 'primitive' || node.decimalScale !== undefined) return undefined;
  if (typeof table !== 'string' || table !== node.type) return undefined;
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
    case 'fixed': return table.startsWith('fixed[') ? 'fixed' : undefined;
    default: return undefined;
  }
}

/** Fewest bytes a value of the slot takes (0 only for records of nothing): list and map items must take at least one. */
function minSize(slot: Slot): number {
  if (slot.optional || slot.unwrap !== undefined) return 1;
  const node = slot.node;
  switch (node.kind) {
    case 'null': return 0;
    case 'record': return node.fields.reduce((n, f) => n + minSize(f), 0);
    case 'primitive': {
      const name = typeNameOf(isFloeLogical(node.avro) ? (node.avro as unknown as { underlyingType: AvroType }).underlyingType : node.avro);
      return name === 'float' ? 4 : name === 'double' ? 8 : name === 'fixed' ? (node.avro as unknown as { size: number }).size ?? 0 : 1;
    }
    default: return 1;
  }
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
    const live = fields.filter((f) => f.node.kind !== 'null'); // null-typed fields: zero bytes, no column
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
        if (minSize(node.element) < 1) throw new Ineligible();
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
        return `{ const ${m} = ${column}; const ${v} = ${m}.value; ${keys}.clear(); for (let ${n} = blockCount(t); ${n} !== 0; ${n} = blockCount(t)) { if (${n} < 0) return false; while (${n}-- > 0) { if (!mapKey(t, ${m}.key, ${keys})) return false; ${item} } } ${m}.appendPresent(); }`;
      }
      default:
        throw new Ineligible();
    }
  }

  private extra(kind: ReadKind, node: AvroNode & { kind: 'primitive' }): string {
    const avro = node.avro as unknown as { symbols?: string[]; size?: number; underlyingType?: { size?: number }; precision?: number };
    switch (kind) {
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

const EMPTY = Buffer.alloc(0);

/**
 * An Avro int (zig-zag varint) as avsc's Tap.readLong reads it, or NaN when the general path must
 * judge it (a varint longer than 5 bytes, or bytes past the end).
 */
function readVarint(t: Cursor): number {
  const buf = t.buf;
  const len = buf.length;
  let pos = t.pos;
  if (pos >= len) return NaN;
  let b = buf[pos++]!;
  let n = b & 0x7f;
  if (b & 0x80) {
    if (pos >= len) return NaN;
    b = buf[pos++]!;
    n |= (b & 0x7f) << 7;
    if (b & 0x80) {
      if (pos >= len) return NaN;
      b = buf[pos++]!;
      n |= (b & 0x7f) << 14;
      if (b & 0x80) {
        if (pos >= len) return NaN;
        b = buf[pos++]!;
        n |= (b & 0x7f) << 21;
        if (b & 0x80) {
          if (pos >= len) return NaN;
          b = buf[pos++]!;
          if (b & 0x80) return NaN;
          t.pos = pos;
          // avsc's float arithmetic past 28 bits, to the same value.
          const f = n + (b & 0x7f) * 268435456;
          return (f % 2 ? -(f + 1) : f) / 2;
        }
      }
    }
  }
  t.pos = pos;
  return (n >> 1) ^ -(n & 1);
}

/** A union branch index; NaN when unreadable. */
function index(t: Cursor): number {
  return readVarint(t);
}

function boolean(t: Cursor, c: Column | null): boolean {
  if (t.pos >= t.buf.length) return false;
  const v = t.buf[t.pos++]! !== 0;
  if (c) c.append(v);
  return true;
}

function int(t: Cursor, c: Column | null): boolean {
  const v = readVarint(t);
  if ((v | 0) !== v) return false; // NaN, or beyond 32 bits: the general path refuses it with its reason
  if (c) c.append(v);
  return true;
}

interface WordsColumn extends Column {
  appendWords(lo: number, hi: number): void;
}

/** The high word of the last readWords, kept outside so that call allocates nothing. */
let wordHi = 0;

/**
 * An Avro long as two 32-bit words (low returned, high in wordHi), exactly as decode/long.ts
 * reads it: the 64-bit zig-zag value, bits past 64 in a tenth byte ignored. Undefined for a
 * varint of more than 10 bytes or one running past the end.
 */
function readWords(t: Cursor): number | undefined {
  const buf = t.buf;
  let pos = t.pos;
  const len = buf.length;
  let lo = 0;
  let hi = 0;
  let b = 0x80;
  let shift = 0;
  // Bytes 1-4: 28 bits of the low word.
  for (; shift < 28 && b & 0x80; shift += 7) {
    if (pos >= len) return undefined;
    b = buf[pos++]!;
    lo |= (b & 0x7f) << shift;
  }
  if (b & 0x80) {
    // Byte 5: 4 bits of the low word, 3 of the high.
    if (pos >= len) return undefined;
    b = buf[pos++]!;
    lo |= (b & 0x0f) << 28;
    hi = (b & 0x7f) >>> 4;
    // Bytes 6-9: 7 bits each of the high word; byte 10: its top bit.
    for (shift = 3; b & 0x80; shift += 7) {
      if (shift > 31) return undefined; // an 11th byte: not an Avro long
      if (pos >= len) return undefined;
      b = buf[pos++]!;
      hi |= shift === 31 ? (b & 0x01) << 31 : (b & 0x7f) << shift;
    }
  }
  t.pos = pos;
  // Zig-zag: (u >>> 1) ^ -(u & 1) over 64 bits.
  const neg = lo & 1;
  let l = (lo >>> 1) | (hi << 31);
  let h = hi >>> 1;
  if (neg) {
    l = ~l;
    h = ~h;
  }
  wordHi = h | 0;
  return l | 0;
}

function long(t: Cursor, c: Column | null): boolean {
  const lo = readWords(t);
  if (lo === undefined) return false;
  if (c) (c as WordsColumn).appendWords(lo, wordHi);
  return true;
}

/** |ms| below this: ms × 1000 < 2^53, exact as a double. */
const MAX_EXACT_MS = 2 ** 43;

function millis(t: Cursor, c: Column | null): boolean {
  const lo = readWords(t);
  if (lo === undefined) return false;
  const ms = wordHi * 4294967296 + (lo >>> 0);
  if (ms >= MAX_EXACT_MS || ms <= -MAX_EXACT_MS) return false; // BigInt arithmetic is the general path's
  if (c) c.append(ms * 1000);
  return true;
}

function float(t: Cursor, c: Column | null): boolean {
  const pos = t.pos;
  if (pos + 4 > t.buf.length) return false;
  t.pos = pos + 4;
  if (c) c.append(t.buf.readFloatLE(pos));
  return true;
}

function double(t: Cursor, c: Column | null): boolean {
  const pos = t.pos;
  if (pos + 8 > t.buf.length) return false;
  t.pos = pos + 8;
  if (c) c.append(t.buf.readDoubleLE(pos));
  return true;
}

/** A string as decode/avro.ts's readStringStrict reads it; undefined where that one would refuse it or read past the end. */
function text(t: Cursor): string | undefined {
  const len = readVarint(t);
  if (!(len >= 0)) return undefined;
  const start = t.pos;
  const end = start + len;
  const buf = t.buf;
  if (end > buf.length) return undefined;
  t.pos = end;
  const s = (buf as unknown as { utf8Slice(a: number, b: number): string }).utf8Slice(start, end);
  if (s.includes('\uFFFD') && !isUtf8(buf.subarray(start, end))) return undefined;
  return s;
}

function string(t: Cursor, c: Column | null): boolean {
  const at = t.pos;
  const len = readVarint(t);
  if (!(len >= 0)) return false;
  const start = t.pos;
  const end = start + len;
  const buf = t.buf;
  if (end > buf.length) return false;
  let i = start;
  while (i < end && buf[i]! < 0x80) i++;
  if (i === end) {
    t.pos = end;
    if (c) (c as SliceColumn).appendSlice(buf, start, end);
    return true;
  }
  t.pos = at;
  const s = text(t);
  if (s === undefined) return false;
  if (c) c.append(s);
  return true;
}

function uuid(t: Cursor, c: Column | null): boolean {
  let s = text(t);
  if (s === undefined) return false;
  if (!isLowerUuid(s)) {
    s = s.toLowerCase();
    if (!isLowerUuid(s)) return false;
  }
  if (c) c.append(s);
  return true;
}

function enumeration(t: Cursor, c: Column | null, symbols: readonly string[]): boolean {
  const i = readVarint(t);
  const s = symbols[i];
  if (s === undefined || !Number.isInteger(i)) return false;
  if (c) c.append(s);
  return true;
}

interface SliceColumn extends Column {
  appendSlice(buf: Buffer, start: number, end: number): void;
}

function bytes(t: Cursor, c: Column | null): boolean {
  const len = readVarint(t);
  if (!(len >= 0)) return false;
  const start = t.pos;
  const end = start + len;
  if (end > t.buf.length) return false;
  t.pos = end;
  if (c) (c as SliceColumn).appendSlice(t.buf, start, end);
  return true;
}

function fixed(t: Cursor, c: Column | null, size: number): boolean {
  const start = t.pos;
  const end = start + size;
  if (end > t.buf.length) return false;
  t.pos = end;
  if (c) c.append(t.buf.subarray(start, end));
  return true;
}

/** A decimal on bytes (size -1) or fixed: two's complement, as DecimalType reads it; false past `limit` (10^precision), the column's refusal. */
function decimal(t: Cursor, c: Column | null, size: number, limit: bigint): boolean {
  const len = size < 0 ? readVarint(t) : size;
  if (!(len >= 0)) return false;
  const start = t.pos;
  const end = start + len;
  if (end > t.buf.length) return false;
  t.pos = end;
  const v = bigintFromTwosComplement(t.buf.subarray(start, end));
  if (v >= limit || v <= -limit) return false;
  if (c) c.append(v);
  return true;
}

/**
 * The item count of the next block of an array or map (0 ends it); -1 where the general path must
 * judge: an unreadable count or size, or more items than bytes left (every item eligible here
 * takes at least one byte), so a hostile count cannot make the loop run long.
 */
function blockCount(t: Cursor): number {
  let n = readVarint(t);
  if (n < 0) {
    n = -n;
    if (Number.isNaN(readVarint(t))) return -1; // the block's size in bytes, only for skipping
  }
  if (!(n >= 0) || n > t.buf.length - t.pos) return -1;
  return n;
}

/** A map key into `c`; false for a key seen before in this map (the general path's Map keeps one entry). */
function mapKey(t: Cursor, c: Column, seen: Set<string>): boolean {
  const s = text(t);
  if (s === undefined || seen.has(s)) return false;
  seen.add(s);
  c.append(s);
  return true;
}

/** The helpers the generated code calls, by the names it uses. */
const READERS = { index, boolean, int, long, millis, float, double, string, enumeration, bytes, uuid, fixed, decimal, blockCount, mapKey };

const HELPER: Record<ReadKind, keyof typeof READERS> = {
  boolean: 'boolean', int: 'int', long: 'long', millis: 'millis', float: 'float', double: 'double',
  string: 'string', enum: 'enumeration', bytes: 'bytes', uuid: 'uuid', fixed: 'fixed', decimal: 'decimal',
};
