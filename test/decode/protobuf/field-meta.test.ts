import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { descriptorFieldMeta, expandMessageLists } from '../../../src/decode/protobuf/field-meta.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/formats/protobuf');

describe('confluent.field_meta', () => {
  it('is read from a FileDescriptorProto protoc wrote (extension 1088, which protobufjs\'s descriptor reader drops)', () => {
    const got = new Map<string, Record<string, string>>();
    descriptorFieldMeta(Buffer.from(readFileSync(`${FIXTURES}/money.desc.b64`, 'utf8').trim(), 'base64'), got);
    expect(Object.fromEntries(got)).toEqual({
      'floe.it.Payment.amount': { precision: '7', scale: '2' },
      'floe.it.Payment.rate': { precision: '5', scale: '3' },
      'floe.it.Payment.whole': { precision: '38', scale: '0' },
      'floe.it.Payment.prices': { precision: '9', scale: '2' },
    });
  });

  it('respells a list of messages in an option value, which protobufjs 7 cannot parse, leaving strings and comments', () => {
    const text = `message M { int32 a = 1 [(confluent.field_meta) = { params: [{ key: "precision", value: "7" }, { key: "scale", value: "2" }] }]; // x: [{ y }]
  string s = 2 [(o) = { v: "k: [{ z }]" }]; }`;
    const out = expandMessageLists(text);
    expect(out).toBe(`message M { int32 a = 1 [(confluent.field_meta) = { params { key: "precision", value: "7" } params { key: "scale", value: "2" } }]; // x: [{ y }]
  string s = 2 [(o) = { v: "k: [{ z }]" }]; }`);
    const f = protobuf.parse(`syntax = "proto3"; ${out}`, new protobuf.Root(), { keepCase: true }).root.lookupType('M').fields.a!;
    expect(f.parsedOptions).toEqual([{ '(confluent.field_meta)': { params: [{ key: 'precision', value: '7' }, { key: 'scale', value: '2' }] } }]);
    // A list of scalars is protobufjs's own business.
    expect(expandMessageLists('option (x) = { v: [1, 2] };')).toBe('option (x) = { v: [1, 2] };');
    expect(expandMessageLists('a: [{ b: [{ c: 1 }] }]')).toBe('a { b { c: 1 } }');
  });
});
