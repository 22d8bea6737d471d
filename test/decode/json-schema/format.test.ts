import { describe, expect, it } from 'vitest';
import { DecodeCode, frame, KeyDecoder, StaticSchemaSource, ValueDecoder } from '../../../src/decode/index.js';
import { jsonSchemaFormat } from '../../../src/decode/json-schema/format.js';
import type { ResolvedReference } from '../../../src/decode/writer.js';
import { compileProjector, evolveSchema } from '../../../src/schema/index.js';
import type { IcebergType } from '../../../src/iceberg/spec/types.js';
import { encodeVariant, VariantDecimal, type VariantValue } from '../../../src/iceberg/spec/variant.js';

const draft7 = 'http://json-schema.org/draft-07/schema#';
const draft2020 = 'https://json-schema.org/draft/2020-12/schema';

function load(schema: object, refs: ResolvedReference[] = [], id = 1) {
  return jsonSchemaFormat.load(id, JSON.stringify(schema), refs);
}

/** Column name → [Iceberg type, required] of the table a schema creates. */
function columns(schema: object, refs: ResolvedReference[] = []): Record<string, [IcebergType, boolean]> {
  const w = load(schema, refs);
  return Object.fromEntries(evolveSchema(undefined, w.type).newSchema.fields.map((f) => [f.name, [strip(f.type), f.required]]));
}

/** Types without ids, for readable expectations. */
function strip(t: IcebergType): IcebergType {
  if (typeof t === 'string') return t;
  if (t.type === 'struct') return { type: 'struct', fields: t.fields.map((f) => ({ id: 0, name: f.name, required: f.required, type: strip(f.type) })) };
  if (t.type === 'list') return { ...t, 'element-id': 0, element: strip(t.element) };
  return { ...t, 'key-id': 0, 'value-id': 0, value: strip(t.value) };
}

function decode(schema: object, payload: string, refs: ResolvedReference[] = []) {
  const w = load(schema, refs);
  const row = compileProjector(w.type, evolveSchema(undefined, w.type).newSchema);
  return row(w.read(frame(1, Buffer.from(payload)), 5).value);
}

describe('JSON Schema mapping', () => {
  it('maps types, requiredness, formats and integer → long (draft-07)', () => {
    const cols = columns({
      $schema: draft7,
      title: 'Order',
      type: 'object',
      required: ['id', 'at'],
      properties: {
        id: { type: 'integer' },
        price: { type: 'number' },
        ok: { type: ['boolean', 'null'] },
        name: { type: 'string' },
        at: { type: 'string', format: 'date-time' },
        day: { type: 'string', format: 'date' },
        clock: { type: 'string', format: 'time' },
        ref: { type: 'string', format: 'uuid' },
        kind: { enum: ['A', 'B'] },
        tags: { type: 'array', items: { type: 'string' } },
        attrs: { type: 'object', additionalProperties: { type: 'integer' } },
        address: { type: 'object', required: ['zip'], properties: { zip: { type: 'string' }, 'street-name': { type: 'string' } } },
        anything: {},
      },
    });
    expect(cols).toEqual({
      id: ['long', true],
      price: ['double', false],
      ok: ['boolean', false],
      name: ['string', false],
      at: ['timestamptz', true],
      day: ['date', false],
      clock: ['time', false],
      ref: ['uuid', false],
      kind: ['string', false],
      tags: [{ type: 'list', 'element-id': 0, element: 'string', 'element-required': true }, false],
      attrs: [{ type: 'map', 'key-id': 0, key: 'string', 'value-id': 0, value: 'long', 'value-required': true }, false],
      address: [{ type: 'struct', fields: [{ id: 0, name: 'zip', required: true, type: 'string' }, { id: 0, name: 'street_name', required: false, type: 'string' }] }, false],
      anything: ['string', false],
    });
  });

  it('oneOf / type arrays of distinct types become a struct of optional members; alike types JSON text', () => {
    const cols = columns({
      $schema: draft2020,
      type: 'object',
      properties: {
        v: { oneOf: [{ type: 'null' }, { type: 'integer' }, { type: 'string' }] },
        w: { type: ['integer', 'string', 'null'] },
        x: { anyOf: [{ type: 'string' }, { type: 'string', format: 'date' }] },
      },
    });
    const union = { type: 'struct', fields: [{ id: 0, name: 'long', required: false, type: 'long' }, { id: 0, name: 'string', required: false, type: 'string' }] };
    expect(cols).toEqual({ v: [union, false], w: [union, false], x: ['string', false] });
    expect(decode({ type: 'object', properties: { v: { oneOf: [{ type: 'integer' }, { type: 'string' }] } } }, '{"v": "a"}')).toEqual({ v: { long: null, string: 'a' } });
  });

  it('resolves local $defs and registry references; recursion is JSON text', () => {
    const refs: ResolvedReference[] = [
      { name: 'address.json', subject: 'address', version: 1, schema: JSON.stringify({ type: 'object', properties: { zip: { type: 'string' } } }) },
    ];
    const schema = {
      $schema: draft2020,
      type: 'object',
      $defs: { node: { type: 'object', properties: { v: { type: 'integer' }, next: { $ref: '#/$defs/node' } } }, money: { type: 'integer' } },
      properties: { home: { $ref: 'address.json' }, amount: { $ref: '#/$defs/money' }, list: { $ref: '#/$defs/node' } },
    };
    const cols = columns(schema, refs);
    expect(cols.home![0]).toEqual({ type: 'struct', fields: [{ id: 0, name: 'zip', required: false, type: 'string' }] });
    expect(cols.amount).toEqual(['long', false]);
    expect(cols.list![0]).toEqual({ type: 'struct', fields: [{ id: 0, name: 'v', required: false, type: 'long' }, { id: 0, name: 'next', required: false, type: 'string' }] });
    expect(decode(schema, '{"home": {"zip": "1"}, "list": {"v": 1, "next": {"v": 2}}}', refs)).toMatchObject({
      home: { zip: '1' },
      list: { v: 1n, next: '{"v":2}' },
    });
  });

  it('recursion as variant (value.recursive: variant on v3): the same value as the text, numbers exact', () => {
    const schema = {
      type: 'object',
      $defs: { node: { type: 'object', properties: { v: { type: 'number' }, next: { $ref: '#/$defs/node' } } } },
      properties: { list: { $ref: '#/$defs/node' } },
    };
    const w = load(schema);
    const table = evolveSchema(undefined, w.type, { formatVersion: 3, recursive: 'variant' }).newSchema;
    expect(strip(table.fields[0]!.type)).toEqual({ type: 'struct', fields: [{ id: 0, name: 'v', required: false, type: 'double' }, { id: 0, name: 'next', required: false, type: 'variant' }] });
    const payload = '{"list": {"v": 1, "next": {"v": 12345678901234567890.5, "next": {"v": 1.50, "k": [true, null, "é"]}}}}';
    const row = compileProjector(w.type, table)(w.read(frame(1, Buffer.from(payload)), 5).value) as { list: { next: unknown } };
    const inner = new Map<string, VariantValue>([['v', new VariantDecimal(15n, 1)], ['k', [true, null, 'é']]]);
    expect(row.list.next).toEqual(encodeVariant(new Map<string, VariantValue>([['v', new VariantDecimal(123456789012345678905n, 1)], ['next', inner]])));
    // The text column of the same writer is unchanged.
    expect((decode(schema, payload) as { list: { next: unknown } }).list.next).toBe('{"v":12345678901234567890.5,"next":{"v":1.5,"k":[true,null,"é"]}}');
  });

  it('honours Confluent connect.type hints and Connect logical types', () => {
    const cols = columns({
      type: 'object',
      properties: {
        i8: { type: 'integer', 'connect.type': 'int8' },
        i32: { type: 'integer', 'connect.type': 'int32' },
        i64: { type: 'integer', 'connect.type': 'int64' },
        f: { type: 'number', 'connect.type': 'float32' },
        b: { type: 'string', 'connect.type': 'bytes' },
        d: { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '10' } },
        ts: { type: 'integer', title: 'org.apache.kafka.connect.data.Timestamp', 'connect.type': 'int64' },
        day: { type: 'integer', title: 'org.apache.kafka.connect.data.Date', 'connect.type': 'int32' },
      },
    });
    expect(Object.fromEntries(Object.entries(cols).map(([k, v]) => [k, v[0]]))).toEqual({
      i8: 'int',
      i32: 'int',
      i64: 'long',
      f: 'float',
      b: 'binary',
      d: 'decimal(10,2)',
      ts: 'timestamptz',
      day: 'date',
    });
  });
});

describe('JSON Schema values', () => {
  const schema = {
    $schema: draft7,
    type: 'object',
    required: ['id'],
    properties: {
      id: { type: 'integer' },
      at: { type: 'string', format: 'date-time' },
      day: { type: 'string', format: 'date' },
      clock: { type: 'string', format: 'time' },
      ref: { type: 'string', format: 'uuid' },
      amount: { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '20' } },
      attrs: { type: 'object', additionalProperties: { type: 'string' } },
      raw: { type: 'object' },
    },
  };

  it('decodes exactly: 64-bit integers, decimals, timestamps with offsets, dates, times, uuids, maps, JSON text', () => {
    const row = decode(
      schema,
      '{"id": 9223372036854775807, "at": "2024-02-29T23:59:59.123456789+01:00", "day": "1969-12-31", "clock": "12:00:00.5Z", "ref": "A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11", "amount": 123456789012345678.91, "attrs": {"k": "v"}, "raw": {"n": 12345678901234567890, "s": [1]}}',
    );
    expect(row).toEqual({
      id: 9223372036854775807n,
      at: 1709247599123456n, // 22:59:59.123456Z: the offset applied, nanoseconds truncated
      day: -1,
      clock: 43_200_500_000n,
      ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
      amount: 12345678901234567891n,
      attrs: new Map([['k', 'v']]),
      raw: '{"n":12345678901234567890,"s":[1]}',
    });
  });

  it('dead-letters invalid JSON, schema violations and values the model cannot hold, with the reason', () => {
    const code = (payload: string) => {
      try {
        decode(schema, payload);
        return 'ok';
      } catch (err) {
        return `${(err as { code: string }).code}: ${(err as Error).message}`;
      }
    };
    expect(code('{"id": ')).toMatch(/^DECODE_INVALID_JSON/);
    expect(code('{"id": "x"}')).toMatch(/^DECODE_SCHEMA_VIOLATION: .*\/id must be integer/);
    expect(code('{}')).toMatch(/^DECODE_SCHEMA_VIOLATION: .*must have required property 'id'/);
    expect(code('{"id": 9223372036854775808}')).toMatch(/^DECODE_SCHEMA_VIOLATION: .*id: an integer within 64 bits/);
    expect(code('{"id": 1, "at": "2024-02-30T00:00:00Z"}')).toMatch(/DECODE_SCHEMA_VIOLATION: .*at: an RFC 3339 date-time/);
    expect(code('{"id": 1, "amount": 1.234}')).toMatch(/at most 2 fraction digits/);
    expect(code('{"id": 1}')).toBe('ok');
  });

  it('goes through the registry-framed decoder like any format', async () => {
    const source = new StaticSchemaSource();
    source.put(load(schema, [], 4));
    const d = await new ValueDecoder(source).decode(frame(4, Buffer.from('{"id": 5}')));
    expect(d.writer.format).toBe('json-schema');
    expect(d.value).toMatchObject({ id: 5n, at: null });
    await expect(new ValueDecoder(source).decode(frame(4, Buffer.from([0xff])))).rejects.toMatchObject({ code: DecodeCode.InvalidJson });
  });

  it('keys: key.format registry reads JSON Schema keys into the row shape silver keys match', async () => {
    const source = new StaticSchemaSource();
    source.put(load({ type: 'object', required: ['id'], properties: { id: { type: 'integer' }, region: { type: 'string' } } }, [], 9));
    expect(await new KeyDecoder('registry', source).decode(frame(9, Buffer.from('{"id": 1234567890123456789, "region": "eu"}')))).toEqual({ id: 1234567890123456789n, region: 'eu' });
  });

  it('refuses a top-level schema that is not an object with properties', () => {
    expect(() => load({ type: 'string' })).toThrow(/top-level JSON Schema must be an object/);
  });
});

describe('JSON Schema evolution', () => {
  it('matches properties by name: added columns, int → long stays, renames through aliases', () => {
    const v1 = load({ type: 'object', required: ['id'], properties: { id: { type: 'integer', 'connect.type': 'int32' }, name: { type: 'string' } } });
    const v2 = load({ type: 'object', required: ['id'], properties: { id: { type: 'integer' }, label: { type: 'string', aliases: ['name'] }, extra: { type: 'boolean' } } });
    const t1 = evolveSchema(undefined, v1.type).newSchema;
    const r = evolveSchema(t1, v2.type, { history: [t1] });
    expect(r.changes.map((c) => `${c.kind} ${c.path}`)).toEqual(['promote-type id', 'rename label', 'add-column extra']);
    expect(r.newSchema.fields.map((f) => [f.id, f.name, f.type])).toEqual([
      [1, 'id', 'long'],
      [2, 'label', 'string'],
      [3, 'extra', 'boolean'],
    ]);
  });
});
