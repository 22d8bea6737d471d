/**
 * A recursive Protobuf message as a variant (src/decode/protobuf/variant.ts, `value.recursive:
 * variant`): each field typed as its column would be, the fields present on the wire only (those
 * the JSON text holds), maps as objects, well-known types as what they stand for.
 */
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { frame } from '../../../src/decode/index.js';
import { protobufFormat, writeIndexPath } from '../../../src/decode/protobuf/format.js';
import { encodeVariant, VariantDecimal, VariantTyped, type VariantValue } from '../../../src/iceberg/spec/variant.js';
import { compileProjector, evolveSchema } from '../../../src/schema/index.js';

const TEXT = `
syntax = "proto3";
package floe.r;
import "google/protobuf/timestamp.proto";
import "google/protobuf/wrappers.proto";
import "google/protobuf/struct.proto";
import "google/type/date.proto";
enum Color { RED = 0; GREEN = 1; }
message Node {
  int32 i32 = 1; uint32 u32 = 2; int64 i64 = 3; uint64 u64 = 4; float fl = 5; double d = 6; bool b = 7; string s = 8; bytes by = 9;
  Color color = 10; google.protobuf.Timestamp at = 11; google.protobuf.Int64Value w64 = 12; google.type.Date day = 13;
  google.protobuf.Struct doc = 14; map<int64, string> by_id = 15; repeated Node kids = 16; Node next = 17;
}
message Root { Node node = 1; }
`;

function encode(value: object): Buffer {
  const root = new protobuf.Root();
  for (const f of ['timestamp', 'wrappers', 'struct']) root.addJSON((protobuf.common.get(`google/protobuf/${f}.proto`) as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
  protobuf.parse('syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }', root, { keepCase: true });
  protobuf.parse(TEXT, root, { keepCase: true });
  root.resolveAll();
  const t = root.lookupType('floe.r.Root');
  return frame(1, Buffer.concat([writeIndexPath([1]), t.encode(t.fromObject(value)).finish()]));
}

describe('recursive Protobuf messages as variant', () => {
  const w = protobufFormat.load(1, TEXT, []);
  const read = (value: object) => w.read(encode(value), 5);
  const root = read({ node: {} }).writer;
  const table = evolveSchema(undefined, root.type, { formatVersion: 3, recursive: 'variant' }).newSchema;

  it('makes the recursive occurrences variant columns; the text columns of the same writer stay text', () => {
    const node = table.fields[0]!.type as { fields: { name: string; type: unknown }[] };
    expect(node.fields.filter((f) => f.name === 'kids' || f.name === 'next').map((f) => f.type)).toEqual([
      expect.objectContaining({ type: 'list', element: 'variant' }),
      'variant',
    ]);
    const text = evolveSchema(undefined, root.type, { formatVersion: 3 }).newSchema;
    const r = read({ node: { next: { i64: '-9007199254740993', s: 'x' } } });
    expect((compileProjector(r.writer.type, text)(r.value) as { node: { next: unknown } }).node.next).toBe('{"i64":"-9007199254740993","s":"x"}');
  });

  it('types every field as its column would be, and keeps only the fields on the wire', () => {
    const r = read({
      node: {
        next: {
          i32: -5, u32: 4294967295, i64: '-9007199254740993', u64: '18446744073709551615', fl: 1.5, d: Number.NaN, b: true, s: 'é', by: Buffer.from([0, 255]),
          color: 1, at: { seconds: '1709251199', nanos: 123456789 }, w64: { value: '7' }, day: { year: 2024, month: 2, day: 29 },
          doc: { fields: { a: { listValue: { values: [{ numberValue: 1.5 }, { boolValue: true }] } } } }, by_id: { '-3': 'neg' },
          kids: [{ s: 'kid' }], next: { i32: 1 },
        },
      },
    });
    const next = (compileProjector(r.writer.type, table)(r.value) as { node: { next: unknown } }).node.next;
    const expected = new Map<string, VariantValue>([
      ['i32', new VariantTyped('int32', -5)],
      ['u32', new VariantTyped('int64', 4294967295n)],
      ['i64', new VariantTyped('int64', -9007199254740993n)],
      ['u64', new VariantDecimal(18446744073709551615n, 0)],
      ['fl', new VariantTyped('float', 1.5)],
      ['d', Number.NaN],
      ['b', true],
      ['s', 'é'],
      ['by', new Uint8Array([0, 255])],
      ['color', 'GREEN'],
      ['at', new VariantTyped('timestamptz_ns', 1709251199123456789n)],
      ['w64', new VariantTyped('int64', 7n)],
      ['day', new VariantTyped('date', 19782)],
      ['doc', new Map<string, VariantValue>([['a', [new VariantDecimal(15n, 1), true]]])],
      ['by_id', new Map<string, VariantValue>([['-3', 'neg']])],
      ['kids', [new Map<string, VariantValue>([['s', 'kid']])]],
      ['next', new Map<string, VariantValue>([['i32', new VariantTyped('int32', 1)]])],
    ]);
    expect(next).toEqual(encodeVariant(expected));
  });
});
