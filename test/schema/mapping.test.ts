/**
 * One test per row of the mapping table in docs/schema-mapping.md: the Iceberg type each Avro type
 * maps to, and the row value a record of it projects to.
 */
import { describe, expect, it } from 'vitest';
import { avroToIceberg, evolveSchema } from '../../src/schema/index.js';
import { oneField, roundTrip } from './helpers.js';
import { encodeVariant, type EncodedVariant, type VariantValue } from '../../src/iceberg/spec/variant.js';

function fieldOf(avroType: unknown) {
  const f = avroToIceberg(oneField(avroType)).newSchema.fields[0]!;
  return f;
}

const uuid = '0e9d3f8a-5b1c-4c2d-8e7f-123456789abc';

describe('Avro → Iceberg mapping, one row at a time', () => {
  const rows: [string, unknown, string, unknown, unknown][] = [
    // [label, avro type, iceberg type, avro value to encode, expected row value]
    ['boolean', 'boolean', 'boolean', true, true],
    ['int', 'int', 'int', -2147483648, -2147483648],
    ['long beyond 2^53', 'long', 'long', 2n ** 62n + 3n, 2n ** 62n + 3n],
    ['long min', 'long', 'long', -(2n ** 63n), -(2n ** 63n)],
    ['float', 'float', 'float', 1.5, 1.5],
    ['double', 'double', 'double', Math.PI, Math.PI],
    ['bytes → binary', 'bytes', 'binary', Buffer.from([0, 255, 7]), Buffer.from([0, 255, 7])],
    ['string', 'string', 'string', 'héllo ✓', 'héllo ✓'],
    ['enum → string', { type: 'enum', name: 'E', symbols: ['A', 'B'] }, 'string', 'B', 'B'],
    ['fixed(L) → fixed[L]', { type: 'fixed', name: 'F', size: 3 }, 'fixed[3]', Buffer.from([1, 2, 3]), Buffer.from([1, 2, 3])],
    ['fixed(0) → binary (Parquet has no zero-length fixed)', { type: 'fixed', name: 'F0', size: 0 }, 'binary', Buffer.alloc(0), Buffer.alloc(0)],
    ['decimal on bytes', { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }, 'decimal(9,2)', -12345n, -12345n],
    ['decimal on fixed', { type: 'fixed', name: 'D', size: 16, logicalType: 'decimal', precision: 38, scale: 10 }, 'decimal(38,10)', 10n ** 37n + 1n, 10n ** 37n + 1n],
    ['decimal wider than 38 → exact text', { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 3 }, 'string', -(10n ** 39n) - 5n, '-1000000000000000000000000000000000000.005'],
    ['uuid on string', { type: 'string', logicalType: 'uuid' }, 'uuid', uuid.toUpperCase(), uuid],
    ['uuid on fixed(16)', { type: 'fixed', name: 'U', size: 16, logicalType: 'uuid' }, 'uuid', uuid, uuid],
    ['date', { type: 'int', logicalType: 'date' }, 'date', -719162, -719162],
    ['time-millis → time µs', { type: 'int', logicalType: 'time-millis' }, 'time', 86_399_999_000n, 86_399_999_000n],
    ['time-micros → time', { type: 'long', logicalType: 'time-micros' }, 'time', 45_296_000_001n, 45_296_000_001n],
    ['timestamp-millis → timestamptz µs', { type: 'long', logicalType: 'timestamp-millis' }, 'timestamptz', 1_700_000_000_123_000n, 1_700_000_000_123_000n],
    ['timestamp-micros → timestamptz', { type: 'long', logicalType: 'timestamp-micros' }, 'timestamptz', -1n, -1n],
    ['timestamp-nanos → timestamptz (v2: floored to µs)', { type: 'long', logicalType: 'timestamp-nanos' }, 'timestamptz', 1_700_000_000_123_456_789n, 1_700_000_000_123_456n],
    ['local-timestamp-millis → timestamp', { type: 'long', logicalType: 'local-timestamp-millis' }, 'timestamp', 86_400_000_000n, 86_400_000_000n],
    ['local-timestamp-micros → timestamp', { type: 'long', logicalType: 'local-timestamp-micros' }, 'timestamp', 123n, 123n],
    ['local-timestamp-nanos → timestamp (v2: floored to µs)', { type: 'long', logicalType: 'local-timestamp-nanos' }, 'timestamp', 7_999n, 7n],
    ['invalid logical type → underlying', { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 5 }, 'binary', Buffer.from([9]), Buffer.from([9])],
    ['unknown logical type → underlying', { type: 'fixed', name: 'Dur', size: 12, logicalType: 'duration' }, 'fixed[12]', Buffer.alloc(12, 1), Buffer.alloc(12, 1)],
  ];

  for (const [label, avroType, icebergType, value, expected] of rows) {
    it(label, () => {
      const f = fieldOf(avroType);
      expect(f.type).toBe(icebergType);
      expect(f.required).toBe(true);
      const { row } = roundTrip(oneField(avroType), { f: value });
      expect(row.f).toEqual(expected);
    });
  }

  it('timestamp-nanos floors toward the past on v2 (ordering kept before the epoch)', () => {
    const t = { type: 'long', logicalType: 'timestamp-nanos' };
    expect(roundTrip(oneField(t), { f: -1n }).row.f).toBe(-1n); // -1 ns is in the µs before the epoch
    expect(roundTrip(oneField(t), { f: -1000n }).row.f).toBe(-1n);
    expect(roundTrip(oneField(t), { f: -1001n }).row.f).toBe(-2n);
  });

  it('v3: timestamp-nanos → timestamptz_ns and local-timestamp-nanos → timestamp_ns, exact', () => {
    for (const [logicalType, type] of [['timestamp-nanos', 'timestamptz_ns'], ['local-timestamp-nanos', 'timestamp_ns']] as const) {
      const schema = oneField({ type: 'long', logicalType });
      const table = avroToIceberg(schema, 3).newSchema;
      expect(table.fields[0]!.type).toBe(type);
      for (const ns of [1_700_000_000_123_456_789n, -1n, -(2n ** 63n), 2n ** 63n - 1n]) expect(roundTrip(schema, { f: ns }, table).row.f).toBe(ns);
    }
  });

  it('v3: a micro column keeps its type for a nanosecond writer (floored); a micro writer into a ns column is exact', () => {
    const nanos = oneField({ type: 'long', logicalType: 'timestamp-nanos' });
    const micros = oneField({ type: 'long', logicalType: 'timestamp-micros' });
    const v2Table = avroToIceberg(nanos).newSchema;
    expect(v2Table.fields[0]!.type).toBe('timestamptz');
    const evolved = evolveSchema(v2Table, nanos, { formatVersion: 3 });
    expect(evolved.action).toBe('none');
    expect(roundTrip(nanos, { f: 1_999n }, v2Table).row.f).toBe(1n);
    const nsTable = avroToIceberg(nanos, 3).newSchema;
    expect(evolveSchema(nsTable, micros, { formatVersion: 3 }).action).toBe('none');
    expect(roundTrip(micros, { f: 5n }, nsTable).row.f).toBe(5_000n);
    // local ↔ UTC stays incompatible in either unit
    expect(evolveSchema(nsTable, oneField({ type: 'long', logicalType: 'local-timestamp-micros' }), { formatVersion: 3 }).action).toBe('dead-letter');
  });

  it('v3: a nanosecond column added by evolution is timestamptz_ns; on v2 it is timestamptz', () => {
    const before = oneField('long');
    const after = { type: 'record', name: 'R', fields: [{ name: 'f', type: 'long' }, { name: 'at', type: ['null', { type: 'long', logicalType: 'timestamp-nanos' }], default: null }] };
    const table = avroToIceberg(before).newSchema;
    expect(evolveSchema(table, after, { formatVersion: 3 }).newSchema.fields[1]!.type).toBe('timestamptz_ns');
    expect(evolveSchema(table, after, { formatVersion: 2 }).newSchema.fields[1]!.type).toBe('timestamptz');
  });

  it('record → struct with nested ids and docs', () => {
    const schema = oneField({ type: 'record', name: 'In', fields: [{ name: 'a', type: 'int', doc: 'the a' }, { name: 'b', type: ['null', 'string'] }] }, { doc: 'outer doc' });
    const f = avroToIceberg(schema).newSchema.fields[0]!;
    expect(f.doc).toBe('outer doc');
    expect(f.type).toEqual({
      type: 'struct',
      fields: [
        { id: 2, name: 'a', required: true, type: 'int', doc: 'the a' },
        { id: 3, name: 'b', required: false, type: 'string' },
      ],
    });
    expect(roundTrip(schema, { f: { a: 1, b: { string: 'x' } } }).row.f).toEqual({ a: 1, b: 'x' });
  });

  it('array → list', () => {
    const schema = oneField({ type: 'array', items: ['null', 'long'] });
    expect(fieldOf({ type: 'array', items: ['null', 'long'] }).type).toEqual({ type: 'list', 'element-id': 2, element: 'long', 'element-required': false });
    expect(roundTrip(schema, { f: [{ long: 1n }, null] }).row.f).toEqual([1n, null]);
  });

  it('map → map<string, V>', () => {
    expect(fieldOf({ type: 'map', values: 'int' }).type).toEqual({ type: 'map', 'key-id': 2, key: 'string', 'value-id': 3, value: 'int', 'value-required': true });
    expect(roundTrip(oneField({ type: 'map', values: 'int' }), { f: { a: 1, b: 2 } }).row.f).toEqual(new Map([['a', 1], ['b', 2]]));
  });

  it('[null, T] and [T, null] → optional T', () => {
    for (const u of [['null', 'int'], ['int', 'null']]) {
      const f = fieldOf(u);
      expect([f.type, f.required]).toEqual(['int', false]);
      expect(roundTrip(oneField(u), { f: { int: 5 } }).row.f).toBe(5);
      expect(roundTrip(oneField(u), { f: null }).row.f).toBeNull();
    }
  });

  it('single-branch union [T] → required T', () => {
    const f = fieldOf(['string']);
    expect([f.type, f.required]).toEqual(['string', true]);
    expect(roundTrip(oneField(['string']), { f: { string: 'x' } }).row.f).toBe('x');
  });

  it('null and [null] fields get no column', () => {
    const s = { type: 'record', name: 'R', fields: [{ name: 'n', type: 'null' }, { name: 'm', type: ['null'] }, { name: 'k', type: 'int' }] };
    expect(avroToIceberg(s).newSchema.fields.map((f) => f.name)).toEqual(['k']);
    expect(roundTrip(s, { n: null, m: null, k: 1 }).row).toEqual({ k: 1 });
  });

  it('multi-type union → struct of optional members named by branch', () => {
    const u = ['int', 'string', { type: 'record', name: 'ns.Point', fields: [{ name: 'x', type: 'int' }] }];
    const f = fieldOf(u);
    expect(f.required).toBe(true);
    expect(f.type).toMatchObject({ type: 'struct', fields: [{ name: 'int', required: false }, { name: 'string', required: false }, { name: 'Point', required: false }] });
    expect(roundTrip(oneField(u), { f: { 'ns.Point': { x: 3 } } }).row.f).toEqual({ int: null, string: null, Point: { x: 3 } });
    expect(roundTrip(oneField(u), { f: { string: 's' } }).row.f).toEqual({ int: null, string: 's', Point: null });
  });

  it('union with null and several types → optional struct', () => {
    const u = ['null', 'boolean', 'double'];
    const f = fieldOf(u);
    expect(f.required).toBe(false);
    expect(roundTrip(oneField(u), { f: null }).row.f).toBeNull();
    expect(roundTrip(oneField(u), { f: { double: 2.5 } }).row.f).toEqual({ boolean: null, double: 2.5 });
  });

  it('branches with the same short name in different namespaces keep full names', () => {
    const u = [
      { type: 'record', name: 'a.P', fields: [{ name: 'x', type: 'int' }] },
      { type: 'record', name: 'b.P', fields: [{ name: 'x', type: 'int' }] },
    ];
    expect((fieldOf(u).type as { fields: { name: string }[] }).fields.map((x) => x.name)).toEqual(['a_P', 'b_P']);
  });

  it('recursive record → JSON string column', () => {
    const node = { type: 'record', name: 'Node', fields: [{ name: 'label', type: 'string' }, { name: 'big', type: 'long' }, { name: 'children', type: { type: 'array', items: 'Node' } }] };
    expect(fieldOf(node).type).toBe('string');
    const v = { label: 'root', big: 2n ** 60n, children: [{ label: 'c"1', big: -1n, children: [] }] };
    expect(roundTrip(oneField(node), { f: v }).row.f).toBe(
      '{"label":"root","big":1152921504606846976,"children":[{"label":"c\\"1","big":-1,"children":[]}]}',
    );
  });

  it('recursive record: nanosecond timestamps inside the JSON stay floored µs on every format version', () => {
    const node = { type: 'record', name: 'N', fields: [{ name: 'at', type: { type: 'long', logicalType: 'timestamp-nanos' } }, { name: 'next', type: ['null', 'N'] }] };
    const v = { at: -1_001n, next: { N: { at: 1_999n, next: null } } };
    const expected = '{"at":-2,"next":{"at":1,"next":null}}';
    expect(roundTrip(oneField(node), { f: v }).row.f).toBe(expected);
    expect(roundTrip(oneField(node), { f: v }, avroToIceberg(oneField(node), 3).newSchema).row.f).toBe(expected);
  });

  it('recursive record with value.recursive: variant → variant column (v3 only); a column keeps the storage it was made with', () => {
    const node = { type: 'record', name: 'Node', fields: [{ name: 'label', type: 'string' }, { name: 'children', type: { type: 'array', items: 'Node' } }] };
    const v = { label: 'root', children: [{ label: 'c', children: [] }] };
    const variant = evolveSchema(undefined, oneField(node), { formatVersion: 3, recursive: 'variant' }).newSchema;
    expect(variant.fields[0]!.type).toBe('variant');
    const row = roundTrip(oneField(node), { f: v }, variant).row.f as EncodedVariant;
    expect(row.metadata).toBeInstanceOf(Uint8Array);
    expect(row).toEqual(encodeVariant(new Map<string, VariantValue>([['label', 'root'], ['children', [new Map<string, VariantValue>([['label', 'c'], ['children', []]])]]])));
    // v2 has no variant (the configuration refuses the combination; this is the last guard).
    expect(() => evolveSchema(undefined, oneField(node), { formatVersion: 2, recursive: 'variant' })).toThrow(/variant columns need a format-version 3 table/);
    // Flipping the option on an existing table changes no column: a string column keeps its JSON text,
    // a variant column its variants (Iceberg cannot change one into the other); new columns follow the option.
    const text = avroToIceberg(oneField(node), 3).newSchema;
    const flipped = evolveSchema(text, oneField(node), { formatVersion: 3, recursive: 'variant' });
    expect(flipped.action).toBe('none');
    expect(roundTrip(oneField(node), { f: v }, text).row.f).toBe('{"label":"root","children":[{"label":"c","children":[]}]}');
    expect(evolveSchema(variant, oneField(node), { formatVersion: 3, recursive: 'text' }).action).toBe('none');
    const two = { type: 'record', name: 'R', fields: [{ name: 'f', type: node }, { name: 'g', type: ['null', 'Node'] }] };
    const added = evolveSchema(text, two, { formatVersion: 3, recursive: 'variant' });
    expect(added.newSchema.fields.map((f) => [f.name, f.type])).toEqual([['f', 'string'], ['g', 'variant']]);
    // A record becoming recursive is still a struct → variant change: incompatible.
    const flat = { type: 'record', name: 'Node', fields: [{ name: 'label', type: 'string' }] };
    const was = evolveSchema(undefined, oneField(flat), { formatVersion: 3, recursive: 'variant' }).newSchema;
    expect(evolveSchema(was, oneField(node), { formatVersion: 3, recursive: 'variant' }).incompatible).toEqual([
      { path: 'f', reason: 'recursive record Node (a variant) cannot replace struct' },
    ]);
  });

  it('defaults: Avro default fills a field an older writer lacks', () => {
    const v1 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
    const v2 = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }, { name: 'b', type: 'long', default: 42 }, { name: 'c', type: ['null', 'string'], default: null }] };
    const r = avroToIceberg(v2);
    expect(r.defaults.get(2)).toBe(42n);
    expect(r.defaults.get(3)).toBeNull();
  });

  it('doc on a field becomes the column doc', () => {
    expect(avroToIceberg(oneField('int', { doc: 'hello' })).newSchema.fields[0]!.doc).toBe('hello');
  });
});
