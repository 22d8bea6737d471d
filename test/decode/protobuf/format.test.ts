import protobuf from 'protobufjs';
import descriptor from 'protobufjs/ext/descriptor/index.js';
import { describe, expect, it } from 'vitest';
import { DecodeCode, frame, StaticSchemaSource, ValueDecoder } from '../../../src/decode/index.js';
import { protobufFormat, readIndexPath, writeIndexPath } from '../../../src/decode/protobuf/format.js';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import { compileProjector, evolveSchema } from '../../../src/schema/index.js';

const ALL = `
syntax = "proto3";
package floe.t;
import "google/protobuf/timestamp.proto";
import "google/protobuf/duration.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/type/date.proto";
enum Color { RED = 0; GREEN = 1; }
message All {
  int32 i32 = 1; sint32 s32 = 2; sfixed32 sf32 = 3;
  uint32 u32 = 4; fixed32 f32 = 5;
  int64 i64 = 6; sint64 s64 = 7; sfixed64 sf64 = 8;
  uint64 u64 = 9; fixed64 f64 = 10;
  bool b = 11; float fl = 12; double d = 13; string s = 14; bytes by = 15;
  Color color = 16;
  optional int32 maybe = 17;
  Inner inner = 18;
  repeated string tags = 19;
  map<string, int64> attrs = 20;
  oneof choice { string text = 21; int64 num = 22; }
  google.protobuf.Timestamp at = 23;
  google.protobuf.Duration took = 24;
  google.protobuf.Int64Value w64 = 25;
  google.protobuf.StringValue ws = 26;
  google.type.Date day = 27;
  google.protobuf.Struct doc = 28;
  Node tree = 29;
  map<int64, string> by_id = 30;
  message Inner { string name = 1; repeated Inner kids = 2; }
}
message Node { int32 v = 1; Node next = 2; }
`;

const PROTO2 = `
syntax = "proto2";
message P2 { required int64 id = 1; optional string name = 2; optional int32 n = 3 [default = 7]; }
`;

/** Column name → [Iceberg type, required] of the table a writer creates. */
function columns(type: Parameters<typeof evolveSchema>[1]): Record<string, [IcebergType, boolean]> {
  return Object.fromEntries(evolveSchema(undefined, type).newSchema.fields.map((f) => [f.name, [strip(f.type), f.required]]));
}

function strip(t: IcebergType): IcebergType {
  if (typeof t === 'string') return t;
  if (t.type === 'struct') return { type: 'struct', fields: t.fields.map((f) => ({ id: 0, name: f.name, required: f.required, type: strip(f.type) })) };
  if (t.type === 'list') return { ...t, 'element-id': 0, element: strip(t.element) };
  return { ...t, 'key-id': 0, 'value-id': 0, value: strip(t.value) };
}

function encode(text: string, name: string, value: object): Uint8Array {
  const root = new protobuf.Root();
  for (const f of ['timestamp', 'duration', 'wrappers', 'struct']) root.addJSON((protobuf.common.get(`google/protobuf/${f}.proto`) as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
  protobuf.parse('syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }', root, { keepCase: true });
  protobuf.parse(text, root, { keepCase: true });
  root.resolveAll();
  const t = root.lookupType(name);
  return t.encode(t.fromObject(value)).finish();
}

function body(path: number[], payload: Uint8Array, id = 1): Buffer {
  return frame(id, Buffer.concat([writeIndexPath(path), payload]));
}

function row(text: string, path: number[], payload: Uint8Array) {
  const w = protobufFormat.load(1, text, []);
  const r = w.read(body(path, payload), 5);
  return compileProjector(r.writer.type, evolveSchema(undefined, r.writer.type).newSchema)(r.value);
}

describe('Protobuf mapping', () => {
  it('maps scalars by width and signedness, presence, enums, messages, lists, maps, oneofs and well-known types', () => {
    const w = protobufFormat.load(1, ALL, []);
    expect(w.format).toBe('protobuf');
    expect(w.record).toBe('floe.t.All');
    const cols = columns(w.type);
    expect(Object.fromEntries(Object.entries(cols).map(([k, [t, r]]) => [k, [typeof t === 'string' ? t : t.type, r]]))).toEqual({
      i32: ['int', true], s32: ['int', true], sf32: ['int', true],
      u32: ['long', true], f32: ['long', true],
      i64: ['long', true], s64: ['long', true], sf64: ['long', true],
      u64: ['decimal(20,0)', true], f64: ['decimal(20,0)', true],
      b: ['boolean', true], fl: ['float', true], d: ['double', true], s: ['string', true], by: ['binary', true],
      color: ['string', true],
      maybe: ['int', false],
      inner: ['struct', false],
      tags: ['list', true],
      attrs: ['map', true],
      text: ['string', false], num: ['long', false],
      at: ['timestamptz', false], took: ['long', false], w64: ['long', false], ws: ['string', false],
      day: ['date', false], doc: ['string', false], tree: ['struct', false],
      by_id: ['map', true],
    });
    // The recursive occurrence (Inner.kids inside Inner, Node.next inside Node) is JSON text.
    expect(cols.inner![0]).toMatchObject({ fields: [{ name: 'name', type: 'string' }, { name: 'kids', type: { type: 'list', element: 'string' } }] });
    expect(cols.tree![0]).toMatchObject({ fields: [{ name: 'v', type: 'int' }, { name: 'next', type: 'string' }] });
  });

  it('a bytes field is a copy, not a view into the record (a fetch response the daemon reuses, src/source/fetch-buffers.ts)', () => {
    const text = 'syntax = "proto3"; package floe.t; message B { bytes by = 1; }';
    const w = protobufFormat.load(1, text, []);
    const input = body([0], encode(text, 'floe.t.B', { by: Buffer.from([7, 8, 9]) }));
    const value = w.read(input, 5).value as { by: Uint8Array };
    input.fill(0);
    expect([...value.by]).toEqual([7, 8, 9]);
  });

  it('a Timestamp keeps its nanoseconds: timestamptz_ns on a v3 table, floored µs on v2 (as Avro timestamp-nanos)', () => {
    const text = 'syntax = "proto3"; package floe.t; import "google/protobuf/timestamp.proto"; message E { google.protobuf.Timestamp at = 1; }';
    const w = protobufFormat.load(1, text, []);
    const read = (seconds: string, nanos: number) => w.read(body([0], encode(text, 'floe.t.E', { at: { seconds, nanos } })), 5);
    const r = read('1709251199', 123_456_789);
    expect(r.value).toEqual({ at: 1709251199123456789n });
    // -1 s + 999999999 ns is 1 ns before the epoch: exact on v3, floored to the µs before the epoch on v2.
    const before = read('-1', 999_999_999);
    for (const [formatVersion, type, value, early] of [
      [3, 'timestamptz_ns', 1709251199123456789n, -1n],
      [2, 'timestamptz', 1709251199123456n, -1n],
    ] as const) {
      const table = evolveSchema(undefined, r.writer.type, { formatVersion }).newSchema;
      expect(table.fields.map((f) => [f.name, f.type])).toEqual([['at', type]]);
      expect(compileProjector(r.writer.type, table)(r.value)).toEqual({ at: value });
      expect(compileProjector(r.writer.type, table)(before.value)).toEqual({ at: early });
    }
  });

  it('decodes every value exactly: 64-bit as bigint, unsigned 64-bit as decimal, defaults of absent proto3 scalars', () => {
    const payload = encode(ALL, 'floe.t.All', {
      i32: -5, s32: -2147483648, sf32: 7, u32: 4294967295, f32: 1,
      i64: '-9223372036854775808', s64: '9223372036854775807', sf64: '-1',
      u64: '18446744073709551615', f64: '9007199254740993',
      b: true, fl: 1.5, d: -0.25, s: 'é', by: Buffer.from([0, 255]),
      color: 1, inner: { name: 'x', kids: [{ name: 'y' }] }, tags: ['a', 'b'], attrs: { k: '9007199254740993' },
      num: '42',
      at: { seconds: '1709251199', nanos: 123456789 }, took: { seconds: '-1', nanos: -500000 },
      w64: { value: '0' }, ws: {}, day: { year: 2024, month: 2, day: 29 },
      doc: { fields: { a: { listValue: { values: [{ numberValue: 1 }, { boolValue: true }, { nullValue: 0 }] } }, b: { stringValue: 's' } } },
      tree: { v: 1, next: { v: 2 } },
      by_id: { '-3': 'neg' },
    });
    const r = row(ALL, [0], payload) as Record<string, unknown>;
    expect(r).toMatchObject({
      i32: -5, s32: -2147483648, sf32: 7, u32: 4294967295n, f32: 1n,
      i64: -9223372036854775808n, s64: 9223372036854775807n, sf64: -1n,
      u64: 18446744073709551615n, f64: 9007199254740993n,
      b: true, fl: 1.5, d: -0.25, s: 'é',
      color: 'GREEN', maybe: null, inner: { name: 'x', kids: ['{"name":"y"}'] }, tags: ['a', 'b'],
      text: null, num: 42n,
      // Timestamp: nanos floored to µs; Duration: µs, truncated toward zero.
      at: 1709251199123456n, took: -1000500n,
      w64: 0n, ws: '', doc: '{"a":[1,true,null],"b":"s"}', tree: { v: 1, next: '{"v":2}' },
    });
    expect([...(r.attrs as Map<string, unknown>)]).toEqual([['k', 9007199254740993n]]);
    expect([...(r.by_id as Map<string, unknown>)]).toEqual([['-3', 'neg']]);
    expect(Buffer.from(r.by as Uint8Array)).toEqual(Buffer.from([0, 255]));
    expect(r.day).toBe(19782);

    // Absent proto3 scalars are their defaults; absent presence fields and messages are null.
    const empty = row(ALL, [0], encode(ALL, 'floe.t.All', {})) as Record<string, unknown>;
    expect(empty).toMatchObject({ i32: 0, u64: 0n, s: '', color: 'RED', maybe: null, inner: null, tags: [], at: null, w64: null, text: null, num: null, b: false });
  });

  it('keeps an unknown enum number as its decimal text', () => {
    const text = 'syntax = "proto3"; enum E { A = 0; } message M { E e = 1; }';
    // Field 1, varint 9: a number E does not declare (a newer writer's value).
    expect(row(text, [0], Uint8Array.from([0x08, 9]))).toMatchObject({ e: '9' });
  });

  it('reads proto2 required and optional as declared', () => {
    const w = protobufFormat.load(1, PROTO2, []);
    expect(columns(w.type)).toEqual({ id: ['long', true], name: ['string', false], n: ['int', false] });
    expect(row(PROTO2, [0], encode(PROTO2, 'P2', { id: '1' }))).toMatchObject({ id: 1n, name: null, n: null });
  });

  it('picks the message the index path names, and reads descriptor-form schemas (what Apicurio returns)', () => {
    const text = 'syntax = "proto3"; package p; message A { string a = 1; } message B { int32 b = 1; map<string, string> m = 2; message C { bool c = 1; } }';
    const root = protobuf.parse(text, { keepCase: true }).root;
    const set = (root as unknown as { toDescriptor(e: string): { file: unknown[] } }).toDescriptor('proto3');
    const file = descriptor.FileDescriptorProto.encode(set.file[0] as protobuf.Message).finish();
    for (const schema of [text, Buffer.from(file).toString('base64')]) {
      const w = protobufFormat.load(1, schema, []);
      const b = w.read(body([1], encode(text, 'p.B', { b: 3, m: { x: 'y' } })), 5);
      expect(b.writer.record).toBe('p.B');
      expect(b.writer.key).toBe('1/1');
      expect((b.value as { b: number }).b).toBe(3);
      expect([...((b.value as { m: Map<string, string> }).m)]).toEqual([['x', 'y']]);
      const a = w.read(body([0], encode(text, 'p.A', { a: 'z' })), 5);
      expect(a.writer).toBe(w);
      expect(a.value).toEqual({ a: 'z' });
    }
    // Nested: the map entry is nested type 0 and C is 1, in text form as in descriptor form
    // (protoc's descriptor, which Confluent's serializers count in, lists the entry type).
    const nested = protobufFormat.load(1, text, []).read(body([1, 1], Uint8Array.from([0x08, 1])), 5);
    expect(nested.writer.record).toBe('p.B.C');
    expect(nested.value).toEqual({ c: true });
    expect(() => protobufFormat.load(1, text, []).read(body([1, 0], Uint8Array.from([0x08, 1])), 5)).toThrow(/names no message/);
  });

  it('counts map entry types in nested index paths of a text schema where protoc puts them, as Confluent\'s serializers do', () => {
    // The paths are what confluent-kafka 2.12.1's Python ProtobufSerializer (_create_index_array)
    // writes for this file compiled by protoc: Outer's nested types are CountsEntry, Inner,
    // ByNameEntry, Last (source order, map entries included) and Last's are MEntry, Deep.
    const text = `syntax = "proto3";
package floe.nest;
// a comment naming message Fake { } and map<string, int32> is not a declaration
message Outer {
  map<string, int32> counts = 1;
  message Inner { int64 id = 1; }
  map<string, Inner> by_name = 2;
  oneof pick { string a = 4; int32 b = 5; }
  message Last { string s = 1; map<int32, string> m = 2; message Deep { bool ok = 1; } }
  Inner inner = 3;
  string note = 6 [json_name = "message Fake"];
}
message Second { int32 x = 1; }`;
    const w = protobufFormat.load(1, text, []);
    const named = (path: number[]) => w.read(body(path, Uint8Array.from([])), 5).writer.record;
    expect(named([0, 1])).toBe('floe.nest.Outer.Inner');
    expect(named([0, 3])).toBe('floe.nest.Outer.Last');
    expect(named([0, 3, 1])).toBe('floe.nest.Outer.Last.Deep');
    expect(named([1])).toBe('floe.nest.Second');
    for (const entry of [[0, 0], [0, 2], [0, 3, 0], [0, 4]]) expect(() => named(entry)).toThrow(/names no message/);
    // A proto2 group's type is a nested type too, where the group is declared.
    const g = protobufFormat.load(1, 'syntax = "proto2"; package g; message M { optional group Grp = 1 { optional int32 x = 2; } map<string, string> m = 3; message N { optional int32 y = 1; } }', []);
    expect(g.read(body([0, 0], Uint8Array.from([])), 5).writer.record).toBe('g.M.Grp');
    expect(g.read(body([0, 2], Uint8Array.from([])), 5).writer.record).toBe('g.M.N');
  });

  it('reads the index path: the 0 shorthand, explicit paths, and refuses what is not a path', () => {
    expect(readIndexPath(Buffer.from([0]), 0, 1)).toEqual({ path: [0], next: 1 });
    expect(readIndexPath(writeIndexPath([1, 0]), 0, 1)).toEqual({ path: [1, 0], next: 3 });
    expect(readIndexPath(Buffer.from([4, 0, 2]), 0, 1)).toEqual({ path: [0, 1], next: 3 });
    expect(() => readIndexPath(Buffer.from([4, 0]), 0, 1)).toThrow(expect.objectContaining({ code: DecodeCode.Truncated }));
    expect(() => readIndexPath(Buffer.from([1]), 0, 1)).toThrow(expect.objectContaining({ code: DecodeCode.SchemaMismatch }));
    expect(() => readIndexPath(Buffer.from([0xfe, 0x01]), 0, 1)).toThrow(expect.objectContaining({ code: DecodeCode.SchemaMismatch }));
  });

  it('dead-letters a wrong index path, a truncated payload and an impossible date with typed codes', async () => {
    const src = new StaticSchemaSource();
    src.put(protobufFormat.load(7, ALL, []));
    const dec = new ValueDecoder(src);
    await expect(dec.decode(body([5], Uint8Array.from([]), 7))).rejects.toMatchObject({ code: DecodeCode.SchemaMismatch, message: expect.stringMatching(/names no message/) });
    const full = encode(ALL, 'floe.t.All', { s: 'hello world' });
    await expect(dec.decode(body([0], full.subarray(0, full.length - 3), 7))).rejects.toMatchObject({ code: DecodeCode.Truncated });
    await expect(dec.decode(body([0], encode(ALL, 'floe.t.All', { day: { year: 2023, month: 2, day: 29 } }), 7))).rejects.toMatchObject({ code: DecodeCode.SchemaMismatch });
    const ok = await dec.decode(body([0], encode(ALL, 'floe.t.All', { i32: 1 }), 7));
    expect(ok.schemaId).toBe(7);
  });

  it('keeps a column by field number: a field renamed under its number keeps its id, an older writer does not rename it back', () => {
    const v1 = protobufFormat.load(1, 'syntax = "proto3"; message R { int32 id = 1; string name = 2; }', []);
    const v2 = protobufFormat.load(2, 'syntax = "proto3"; message R { int32 id = 1; string label = 2; }', []);
    const t1 = evolveSchema(undefined, v1.type).newSchema;
    const e2 = evolveSchema(t1, v2.type, { history: [t1] });
    expect(e2.changes).toEqual([{ kind: 'rename', path: 'label', id: 2, from: 'name', to: 'label' }]);
    expect(e2.newSchema.fields.map((f) => [f.id, f.name, f.doc])).toEqual([
      [1, 'id', 'protobuf field 1'],
      [2, 'label', 'protobuf field 2'],
    ]);
    const old = evolveSchema(e2.newSchema, v1.type, { history: [t1, e2.newSchema] });
    expect(old.action).toBe('none');
    // The older writer's value lands in the renamed column.
    const r = v1.read(body([0], encode('syntax = "proto3"; message R { int32 id = 1; string name = 2; }', 'R', { id: 1, name: 'x' })), 5);
    expect(compileProjector(v1.type, e2.newSchema)(r.value)).toMatchObject({ id: 1, label: 'x' });
  });

  it('evolves by field number: added numbers are new columns, int32 → int64 widens, removed numbers are soft drops', () => {
    const v1 = protobufFormat.load(1, 'syntax = "proto3"; message R { int32 id = 1; string name = 2; }', []);
    const v2 = protobufFormat.load(2, 'syntax = "proto3"; message R { int64 id = 1; double score = 3; }', []);
    const t1 = evolveSchema(undefined, v1.type).newSchema;
    const t2 = evolveSchema(t1, v2.type).newSchema;
    expect(t2.fields.map((f) => [f.id, f.name, f.type, f.required])).toEqual([
      [1, 'id', 'long', true],
      [2, 'name', 'string', false],
      [3, 'score', 'double', false],
    ]);
  });
});
