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
import type { NestedField, Schema } from '../iceberg/spec/types.js';
import { AvroModel, type AvroFieldNode } from './avro-model.js';
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

/** How one writer field is read: which helper, with which constant. */
type ReadKind = 'boolean' | 'int' | 'long' | 'millis' | 'float' | 'double' | 'string' | 'enum' | 'bytes' | 'uuid';

/** The read kind of a writer primitive that lands unchanged in a column of `table` type; undefined when ineligible. */
function readKind(field: AvroFieldNode, table: NestedField | undefined): ReadKind | undefined {
  const node = field.node;
  if (node.kind !== 'primitive' || node.decimalScale !== undefined) return undefined;
  if (table && (typeof table.type !== 'string' || table.type !== node.type)) return undefined;
  const avro = node.avro;
  if (isFloeLogical(avro)) {
    switch (avro.logicalKind) {
      case 'date': return 'int';
      case 'timestamp-micros':
      case 'local-timestamp-micros': return 'long';
      case 'timestamp-millis':
      case 'local-timestamp-millis': return 'millis';
      case 'uuid': return typeNameOf((avro as unknown as { underlyingType: AvroType }).underlyingType) === 'string' ? 'uuid' : undefined;
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
    default: return undefined;
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
  const ids = new FieldIdAssigner({ current: values, history: options.history });
  const written = model.root.fields;
  // As structConverter: null-typed fields carry nothing and take no column.
  const matches = ids.match(values, ROOT_PARENT, written.filter((f) => f.node.kind !== 'null'));
  const target = new Map(matches.map((m) => [m.writer, m.table]));
  const columnOf = new Map(table.fields.map((f, k) => [f.id, k]));
  const lines: string[] = [];
  const consts: unknown[] = [];
  const constant = (v: unknown): string => `k[${consts.push(v) - 1}]`;
  for (const f of written) {
    if (f.node.kind === 'null') continue; // zero bytes
    const tf = target.get(f);
    const kind = readKind(f, tf);
    if (!kind || f.unwrap !== undefined) return undefined;
    const avroField = f.field.type as unknown as { types?: AvroType[] };
    // An optional field is a [null, T] union: its branch index comes first.
    const nullIndex = f.optional ? (avroField.types?.[0]?.typeName === 'null' ? 0 : 1) : -1;
    if (f.optional && avroField.types?.length !== 2) return undefined;
    const col = tf === undefined ? 'null' : `c[${columnOf.get(tf.id)}]`;
    if (tf !== undefined && columnOf.get(tf.id) === undefined) return undefined;
    // A required column with an optional writer: the general path decides what a null does there.
    if (tf?.required && f.optional) return undefined;
    const extra = kind === 'enum' ? `, ${constant((f.node as { avro: unknown } as { avro: { symbols: string[] } }).avro.symbols)}` : '';
    const read = `if (!${HELPER[kind]}(t, ${col}${extra})) return false;`;
    if (nullIndex < 0) {
      lines.push(read);
    } else {
      lines.push(`u = index(t); if (u === ${nullIndex}) { ${tf === undefined ? '' : `${col}.appendNull();`} } else if (u === ${1 - nullIndex}) { ${read} } else return false;`);
    }
  }
  const matched = new Set(matches.filter((m) => m.table).map((m) => m.table!.id));
  for (const tf of values.fields) {
    if (matched.has(tf.id)) continue;
    const d = options.defaults?.get(tf.id);
    if (tf.required || (d !== undefined && d !== null)) return undefined;
    const at = columnOf.get(tf.id);
    if (at === undefined) return undefined;
    lines.push(`c[${at}].appendNull();`);
  }
  // Every other column of the table must be the `own` one: a row must fill every column.
  const ownAt = options.own === undefined ? -1 : table.fields.findIndex((f) => f.name === options.own);
  if (table.fields.length !== values.fields.length + (ownAt < 0 ? 0 : 1)) return undefined;
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
  return factory(cursor, consts, EMPTY, ...Object.values(READERS));
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

/** The helpers the generated code calls, by the names it uses. */
const READERS = { index, boolean, int, long, millis, float, double, string, enumeration, bytes, uuid };

const HELPER: Record<ReadKind, keyof typeof READERS> = {
  boolean: 'boolean', int: 'int', long: 'long', millis: 'millis', float: 'float', double: 'double',
  string: 'string', enum: 'enumeration', bytes: 'bytes', uuid: 'uuid',
};
