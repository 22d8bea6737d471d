/**
 * A generic codec for Thrift's compact protocol (apache/thrift doc/specs/thrift-compact-protocol.md),
 * the encoding of a Parquet footer (FileMetaData in parquet-format's parquet.thrift). It knows no
 * schema: a struct decodes to its fields in wire order, each with its id and a typed value, unknown
 * ones included, so a caller can change one field and write everything else back as it was.
 *
 * Byte-identical re-encoding of an unchanged tree: the two header forms the protocol allows a writer
 * to choose (a field id as a delta or in full, a list size in the header byte or after it) and the
 * bytes that writers disagree on (booleans in collections are 1/0 in the spec but 1/2 in Java's and
 * Rust's libraries; their element type is 1 or 2) are kept as read. Integers are re-encoded
 * canonically; an overlong varint in the input is the one thing that does not round-trip.
 *
 * Input is untrusted (a footer can be garbled or hostile): every length and count is checked
 * against the bytes left before anything is allocated (each element takes at least one byte, so a
 * tree never has more nodes than its input has bytes), varints are bounded to their type's width,
 * and nesting is bounded (MAX_DEPTH) so a deep input cannot exhaust the stack. Every failure is a
 * FloeError THRIFT_INVALID with the byte offset.
 */
import { FloeError } from '../util/errors.js';

/** Compact-protocol type ids (field headers and, except booleans, collection element types). */
export const CompactType = {
  BOOL_TRUE: 1,
  BOOL_FALSE: 2,
  I8: 3,
  I16: 4,
  I32: 5,
  I64: 6,
  DOUBLE: 7,
  BINARY: 8,
  LIST: 9,
  SET: 10,
  MAP: 11,
  STRUCT: 12,
  UUID: 13,
} as const;

/** Nesting of structs and collections; a Parquet footer needs about 6. */
export const MAX_DEPTH = 64;

export type ThriftValue =
  /** `raw`: the byte a collection element was written as (writers differ), absent for fields. */
  | { type: 'bool'; value: boolean; raw?: number }
  | { type: 'i8'; value: number }
  | { type: 'i16'; value: number }
  | { type: 'i32'; value: number }
  | { type: 'i64'; value: bigint }
  /** The 8 little-endian bytes as read, so every NaN payload survives. */
  | { type: 'double'; bytes: Uint8Array }
  | { type: 'binary'; value: Uint8Array }
  | { type: 'uuid'; value: Uint8Array }
  | ThriftList
  | ThriftMap
  | ThriftStruct;

export interface ThriftList {
  type: 'list' | 'set';
  /** The element type nibble as written (booleans: 1 or 2). */
  elementType: number;
  items: ThriftValue[];
  /** The size was written after the header byte although it fits in it. */
  longHeader?: boolean;
}

export interface ThriftMap {
  type: 'map';
  /** Key and value type nibbles as written; 0 for an empty map (it has none on the wire). */
  keyType: number;
  valueType: number;
  entries: [ThriftValue, ThriftValue][];
}

export interface ThriftStruct {
  type: 'struct';
  fields: ThriftField[];
}

export interface ThriftField {
  id: number;
  value: ThriftValue;
  /** The id was written in full although a delta would have done. */
  longHeader?: boolean;
}

function invalid(at: number, what: string): FloeError {
  return new FloeError('THRIFT_INVALID', `thrift compact: ${what} at byte ${at}`, { details: { offset: at } });
}

class Reader {
  pos = 0;
  constructor(private readonly buf: Uint8Array) {}

  get left(): number {
    return this.buf.length - this.pos;
  }

  byte(): number {
    if (this.pos >= this.buf.length) throw invalid(this.pos, 'unexpected end of input');
    return this.buf[this.pos++]!;
  }

  take(n: number): Uint8Array {
    if (n > this.left) throw invalid(this.pos, `length ${n} exceeds the ${this.left} bytes left`);
    const out = this.buf.slice(this.pos, this.pos + n);
    this.pos += n;
    return out;
  }

  /** Unsigned LEB128 of at most 5 bytes (32 bits). */
  varint32(): number {
    const start = this.pos;
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      const b = this.byte();
      if (shift === 28 && b > 0x0f) throw invalid(start, 'varint exceeds 32 bits');
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result;
    }
    throw invalid(start, 'varint exceeds 32 bits');
  }

  /** Unsigned LEB128 of at most 10 bytes (64 bits). */
  varint64(): bigint {
    const start = this.pos;
    let result = 0n;
    for (let shift = 0n; shift < 70n; shift += 7n) {
      const b = this.byte();
      if (shift === 63n && b > 0x01) throw invalid(start, 'varint exceeds 64 bits');
      result |= BigInt(b & 0x7f) << shift;
      if ((b & 0x80) === 0) return result;
    }
    throw invalid(start, 'varint exceeds 64 bits');
  }

  zigzag32(): number {
    const n = this.varint32();
    return n % 2 === 0 ? n / 2 : -(n + 1) / 2;
  }

  zigzag64(): bigint {
    const n = this.varint64();
    return (n >> 1n) ^ -(n & 1n);
  }
}

/** A collection's count: each element takes at least one byte, so more than the bytes left is garbage. */
function count(r: Reader, n: number, at: number): number {
  if (n > r.left) throw invalid(at, `collection of ${n} elements in ${r.left} bytes`);
  return n;
}

function readValue(r: Reader, type: number, depth: number, inCollection: boolean): ThriftValue {
  const at = r.pos;
  switch (type) {
    case CompactType.BOOL_TRUE:
    case CompactType.BOOL_FALSE: {
      if (!inCollection) return { type: 'bool', value: type === CompactType.BOOL_TRUE };
      const raw = r.byte();
      if (raw > 2) throw invalid(at, `boolean element ${raw}`);
      return { type: 'bool', value: raw === 1, raw };
    }
    case CompactType.I8: {
      const b = r.byte();
      return { type: 'i8', value: b > 127 ? b - 256 : b };
    }
    case CompactType.I16: {
      const value = r.zigzag32();
      if (value < -32768 || value > 32767) throw invalid(at, `i16 out of range: ${value}`);
      return { type: 'i16', value };
    }
    case CompactType.I32:
      return { type: 'i32', value: r.zigzag32() };
    case CompactType.I64:
      return { type: 'i64', value: r.zigzag64() };
    case CompactType.DOUBLE:
      return { type: 'double', bytes: r.take(8) };
    case CompactType.BINARY:
      return { type: 'binary', value: r.take(r.varint32()) };
    case CompactType.UUID:
      return { type: 'uuid', value: r.take(16) };
    case CompactType.LIST:
    case CompactType.SET:
      return readList(r, type === CompactType.LIST ? 'list' : 'set', depth + 1);
    case CompactType.MAP:
      return readMap(r, depth + 1);
    case CompactType.STRUCT:
      return readStruct(r, depth + 1);
    default:
      throw invalid(at, `unknown type ${type}`);
  }
}

function checkDepth(r: Reader, depth: number): void {
  if (depth > MAX_DEPTH) throw invalid(r.pos, `nesting deeper than ${MAX_DEPTH}`);
}

function readList(r: Reader, type: 'list' | 'set', depth: number): ThriftList {
  checkDepth(r, depth);
  const at = r.pos;
  const header = r.byte();
  const elementType = header & 0x0f;
  const short = header >> 4;
  const longHeader = short === 15;
  const size = count(r, longHeader ? r.varint32() : short, at);
  if (size > 0 && (elementType === 0 || elementType > CompactType.UUID)) throw invalid(at, `unknown element type ${elementType}`);
  const items: ThriftValue[] = [];
  for (let k = 0; k < size; k++) items.push(readValue(r, elementType, depth, true));
  return longHeader && size < 15 ? { type, elementType, items, longHeader } : { type, elementType, items };
}

function readMap(r: Reader, depth: number): ThriftMap {
  checkDepth(r, depth);
  const at = r.pos;
  const size = count(r, r.varint32(), at);
  if (size === 0) return { type: 'map', keyType: 0, valueType: 0, entries: [] };
  const types = r.byte();
  const keyType = types >> 4;
  const valueType = types & 0x0f;
  for (const t of [keyType, valueType]) if (t === 0 || t > CompactType.UUID) throw invalid(at, `unknown element type ${t}`);
  const entries: [ThriftValue, ThriftValue][] = [];
  for (let k = 0; k < size; k++) entries.push([readValue(r, keyType, depth, true), readValue(r, valueType, depth, true)]);
  return { type: 'map', keyType, valueType, entries };
}

function readStruct(r: Reader, depth: number): ThriftStruct {
  checkDepth(r, depth);
  const fields: ThriftField[] = [];
  let last = 0;
  for (;;) {
    const at = r.pos;
    const header = r.byte();
    if (header === 0) return { type: 'struct', fields };
    const type = header & 0x0f;
    const delta = header >> 4;
    let id: number;
    if (delta === 0) {
      id = r.zigzag32();
      if (id < -32768 || id > 32767) throw invalid(at, `field id out of range: ${id}`);
    } else {
      id = last + delta;
    }
    if (id > 32767) throw invalid(at, `field id out of range: ${id}`);
    const value = readValue(r, type, depth, false);
    // A delta of 1..15 would have fit: the writer chose the long form, keep it.
    fields.push(delta === 0 && id - last >= 1 && id - last <= 15 ? { id, value, longHeader: true } : { id, value });
    last = id;
  }
}

/**
 * Decodes one struct starting at `offset`; returns it and the offset just past its stop byte.
 * Throws FloeError THRIFT_INVALID on anything that is not a well-formed compact struct.
 */
export function decodeStruct(bytes: Uint8Array, offset = 0): { value: ThriftStruct; end: number } {
  const r = new Reader(bytes);
  r.pos = offset;
  const value = readStruct(r, 1);
  return { value, end: r.pos };
}

class Writer {
  private buf = new Uint8Array(256);
  len = 0;

  private room(n: number): void {
    if (this.len + n <= this.buf.length) return;
    let size = this.buf.length * 2;
    while (size < this.len + n) size *= 2;
    const next = new Uint8Array(size);
    next.set(this.buf.subarray(0, this.len));
    this.buf = next;
  }

  byte(b: number): void {
    this.room(1);
    this.buf[this.len++] = b;
  }

  bytes(b: Uint8Array): void {
    this.room(b.length);
    this.buf.set(b, this.len);
    this.len += b.length;
  }

  varint(n: number): void {
    while (n >= 0x80) {
      this.byte((n % 0x80) | 0x80);
      n = Math.floor(n / 0x80);
    }
    this.byte(n);
  }

  varint64(n: bigint): void {
    while (n >= 0x80n) {
      this.byte(Number(n & 0x7fn) | 0x80);
      n >>= 7n;
    }
    this.byte(Number(n));
  }

  zigzag32(n: number): void {
    this.varint(n >= 0 ? n * 2 : -n * 2 - 1);
  }

  zigzag64(n: bigint): void {
    this.varint64(BigInt.asUintN(64, (n << 1n) ^ (n >> 63n)));
  }

  result(): Uint8Array {
    return this.buf.slice(0, this.len);
  }
}

function typeOf(v: ThriftValue): number {
  switch (v.type) {
    case 'bool':
      return v.value ? CompactType.BOOL_TRUE : CompactType.BOOL_FALSE;
    case 'i8':
      return CompactType.I8;
    case 'i16':
      return CompactType.I16;
    case 'i32':
      return CompactType.I32;
    case 'i64':
      return CompactType.I64;
    case 'double':
      return CompactType.DOUBLE;
    case 'binary':
      return CompactType.BINARY;
    case 'uuid':
      return CompactType.UUID;
    case 'list':
      return CompactType.LIST;
    case 'set':
      return CompactType.SET;
    case 'map':
      return CompactType.MAP;
    case 'struct':
      return CompactType.STRUCT;
  }
}

function checkInt(v: number, min: number, max: number, what: string): void {
  if (!Number.isInteger(v) || v < min || v > max) throw new FloeError('THRIFT_INVALID', `thrift compact: ${what} ${v} out of range`);
}

function writeValue(w: Writer, v: ThriftValue, inCollection: boolean): void {
  switch (v.type) {
    case 'bool':
      if (inCollection) w.byte(v.raw ?? (v.value ? 1 : 0));
      return; // a field's boolean is its header's type
    case 'i8':
      checkInt(v.value, -128, 127, 'i8');
      w.byte(v.value & 0xff);
      return;
    case 'i16':
      checkInt(v.value, -32768, 32767, 'i16');
      w.zigzag32(v.value);
      return;
    case 'i32':
      checkInt(v.value, -(2 ** 31), 2 ** 31 - 1, 'i32');
      w.zigzag32(v.value);
      return;
    case 'i64':
      w.zigzag64(BigInt.asIntN(64, v.value));
      return;
    case 'double':
      if (v.bytes.length !== 8) throw new FloeError('THRIFT_INVALID', `thrift compact: a double is 8 bytes, not ${v.bytes.length}`);
      w.bytes(v.bytes);
      return;
    case 'binary':
      w.varint(v.value.length);
      w.bytes(v.value);
      return;
    case 'uuid':
      if (v.value.length !== 16) throw new FloeError('THRIFT_INVALID', `thrift compact: a uuid is 16 bytes, not ${v.value.length}`);
      w.bytes(v.value);
      return;
    case 'list':
    case 'set': {
      const n = v.items.length;
      if (n < 15 && !v.longHeader) {
        w.byte((n << 4) | v.elementType);
      } else {
        w.byte(0xf0 | v.elementType);
        w.varint(n);
      }
      for (const item of v.items) writeValue(w, item, true);
      return;
    }
    case 'map':
      w.varint(v.entries.length);
      if (v.entries.length === 0) return;
      w.byte((v.keyType << 4) | v.valueType);
      for (const [k, x] of v.entries) {
        writeValue(w, k, true);
        writeValue(w, x, true);
      }
      return;
    case 'struct':
      writeFields(w, v.fields);
  }
}

function writeFields(w: Writer, fields: readonly ThriftField[]): void {
  let last = 0;
  for (const f of fields) {
    checkInt(f.id, -32768, 32767, 'field id');
    const type = typeOf(f.value);
    const delta = f.id - last;
    if (!f.longHeader && delta >= 1 && delta <= 15) {
      w.byte((delta << 4) | type);
    } else {
      w.byte(type);
      w.zigzag32(f.id);
    }
    writeValue(w, f.value, false);
    last = f.id;
  }
  w.byte(0);
}

/** Encodes a struct (its fields in the given order, then the stop byte). */
export function encodeStruct(s: ThriftStruct): Uint8Array {
  const w = new Writer();
  writeFields(w, s.fields);
  return w.result();
}

/** The value of field `id` of `s`, if present. */
export function fieldOf(s: ThriftStruct, id: number): ThriftValue | undefined {
  return s.fields.find((f) => f.id === id)?.value;
}

/** Inserts (or replaces) field `id`, keeping ascending ids where they were ascending. */
export function setField(s: ThriftStruct, id: number, value: ThriftValue): void {
  const at = s.fields.findIndex((f) => f.id === id);
  if (at >= 0) {
    s.fields[at] = { id, value };
    return;
  }
  const next = s.fields.findIndex((f) => f.id > id);
  s.fields.splice(next < 0 ? s.fields.length : next, 0, { id, value });
}
