import { describe, expect, it } from 'vitest';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { avroToIceberg, compileProjector, evolveSchema, type EvolveResult } from '../../src/schema/index.js';
import { FloeError } from '../../src/util/errors.js';
import { parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';

const rec = (fields: unknown[]) => ({ type: 'record', name: 'Order', namespace: 'shop', fields });
const addr = (extra: unknown[] = []) => ({ type: 'record', name: 'Addr', fields: [{ name: 'city', type: 'string' }, ...extra] });

// Six writer versions of one topic.
const v1 = rec([
  { name: 'id', type: 'long' },
  { name: 'qty', type: 'int' },
  { name: 'price', type: 'float' },
  { name: 'note', type: 'string' },
  { name: 'legacy', type: 'string' },
  { name: 'ship', type: addr() },
]);
// v2: add a nested field
const v2 = rec([...v1.fields.slice(0, 5), { name: 'ship', type: addr([{ name: 'zip', type: ['null', 'string'], default: null }]) }]);
// v3: int → long, float → double
const v3 = rec([v2.fields[0], { name: 'qty', type: 'long' }, { name: 'price', type: 'double' }, ...v2.fields.slice(3)]);
// v4: note becomes optional
const v4 = rec([...v3.fields.slice(0, 3), { name: 'note', type: ['null', 'string'], default: null }, ...v3.fields.slice(4)]);
// v5: rename note → comment through an alias
const v5 = rec([...v4.fields.slice(0, 3), { name: 'comment', aliases: ['note'], type: ['null', 'string'], default: null }, ...v4.fields.slice(4)]);
// v6: drop legacy, add a decimal
const v6 = rec([
  ...v5.fields.slice(0, 4),
  v5.fields[5],
  { name: 'total', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }], default: null },
]);

function idsByPath(schema: Schema): Record<string, number> {
  const out: Record<string, number> = {};
  const walk = (fields: Schema['fields'], prefix: string) => {
    for (const f of fields) {
      out[prefix + f.name] = f.id;
      if (typeof f.type !== 'string' && f.type.type === 'struct') walk(f.type.fields, `${prefix}${f.name}.`);
    }
  };
  walk(schema.fields, '');
  return out;
}

function evolveAll() {
  const results: EvolveResult[] = [avroToIceberg(v1)];
  const history: Schema[] = [results[0]!.newSchema];
  for (const v of [v2, v3, v4, v5, v6]) {
    const prev = results[results.length - 1]!;
    const r = evolveSchema(prev.newSchema, v, { history, lastColumnId: prev.lastColumnId });
    results.push(r);
    if (r.newSchema !== prev.newSchema) history.push(r.newSchema);
  }
  return { results, history };
}

describe('evolution across six writer versions', () => {
  it('keeps every column id stable and reports each change', () => {
    const { results } = evolveAll();
    const ids = results.map((r) => idsByPath(r.newSchema));
    expect(ids[0]).toEqual({ id: 1, qty: 2, price: 3, note: 4, legacy: 5, ship: 6, 'ship.city': 7 });
    expect(results[1]!.changes).toEqual([{ kind: 'add-column', path: 'ship.zip', id: 8, type: 'string' }]);
    expect(results[2]!.changes).toEqual([
      { kind: 'promote-type', path: 'qty', id: 2, from: 'int', to: 'long' },
      { kind: 'promote-type', path: 'price', id: 3, from: 'float', to: 'double' },
    ]);
    expect(results[3]!.changes).toEqual([{ kind: 'make-optional', path: 'note', id: 4, reason: 'writer-optional' }]);
    expect(results[4]!.changes).toEqual([{ kind: 'rename', path: 'comment', id: 4, from: 'note', to: 'comment' }]);
    expect(results[5]!.changes).toEqual([
      { kind: 'make-optional', path: 'legacy', id: 5, reason: 'missing-from-writer' },
      { kind: 'add-column', path: 'total', id: 9, type: 'decimal(12,2)' },
    ]);
    expect(ids[5]).toEqual({ id: 1, qty: 2, price: 3, comment: 4, legacy: 5, ship: 6, 'ship.city': 7, 'ship.zip': 8, total: 9 });
    expect(results.map((r) => r.newSchema['schema-id'])).toEqual([0, 1, 2, 3, 4, 5]);
    expect(results[5]!.lastColumnId).toBe(9);
  });

  it('re-seeing an older writer changes nothing', () => {
    const { results, history } = evolveAll();
    const last = results[5]!;
    for (const v of [v1, v2, v3, v4, v5, v6]) {
      const r = evolveSchema(last.newSchema, v, { history, lastColumnId: last.lastColumnId });
      expect(r.action).toBe('none');
      expect(r.newSchema).toBe(last.newSchema);
    }
  });

  it('records of all six versions project onto the final table by field id', () => {
    const { results, history } = evolveAll();
    const table = results[5]!.newSchema;
    const values = [
      { id: 1n, qty: 1, price: 1.5, note: 'a', legacy: 'L', ship: { city: 'X' } },
      { id: 2n, qty: 2, price: 2.5, note: 'b', legacy: 'L', ship: { city: 'Y', zip: { string: '123' } } },
      { id: 3n, qty: 2n ** 40n, price: 0.1, note: 'c', legacy: 'L', ship: { city: 'Z', zip: null } },
      { id: 4n, qty: 4n, price: 4, note: null, legacy: 'L', ship: { city: 'W', zip: null } },
      { id: 5n, qty: 5n, price: 5, comment: { string: 'e' }, legacy: 'L', ship: { city: 'V', zip: null } },
      { id: 6n, qty: 6n, price: 6, comment: null, ship: { city: 'U', zip: null }, total: { bytes: 12345n } },
    ];
    const rows = [v1, v2, v3, v4, v5, v6].map((v, i) => {
      const type = parseAvroSchema(v);
      return compileProjector(type, table, { history })(decodeBody(type, type.toBuffer(values[i]), 0));
    });
    expect(rows[0]).toEqual({ id: 1n, qty: 1n, price: 1.5, comment: 'a', legacy: 'L', ship: { city: 'X', zip: null }, total: null });
    expect(rows[1]!.ship).toEqual({ city: 'Y', zip: '123' });
    expect(rows[2]!.qty).toBe(2n ** 40n);
    expect(rows[3]!.comment).toBeNull();
    expect(rows[4]!.comment).toBe('e');
    expect(rows[5]).toEqual({ id: 6n, qty: 6n, price: 6, comment: null, legacy: null, ship: { city: 'U', zip: null }, total: 12345n });
    for (const r of rows) expect(Object.keys(r)).toEqual(['id', 'qty', 'price', 'comment', 'legacy', 'ship', 'total']);
  });

  it('an old writer still using a pre-rename name finds the renamed column (history)', () => {
    const { results, history } = evolveAll();
    const table = results[5]!.newSchema;
    const type = parseAvroSchema(v1);
    const row = compileProjector(type, table, { history })(decodeBody(type, type.toBuffer({ id: 1n, qty: 1, price: 1, note: 'n', legacy: 'l', ship: { city: 'c' } }), 0));
    expect(row.comment).toBe('n');
    // without history the old name would have been a new column
    const r = evolveSchema(table, v1, { lastColumnId: 9 });
    expect(r.changes).toContainEqual(expect.objectContaining({ kind: 'add-column', path: 'note', id: 10 }));
  });

  it('never reuses the id of a removed column', () => {
    const t1 = avroToIceberg(rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }])).newSchema;
    // An operator dropped b (id 2) from the table; last-column-id stays 2.
    const dropped: Schema = { ...t1, 'schema-id': 1, fields: t1.fields.filter((f) => f.name !== 'b') };
    const r = evolveSchema(dropped, rec([{ name: 'a', type: 'int' }, { name: 'b', type: 'int' }]), { lastColumnId: 2 });
    expect(r.changes).toEqual([{ kind: 'add-column', path: 'b', id: 3, type: 'int' }]);
  });

  it('widens decimal precision, nested lists and maps, union members', () => {
    const a = rec([
      { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
      { name: 'l', type: { type: 'array', items: 'int' } },
      { name: 'm', type: { type: 'map', values: addr() } },
      { name: 'u', type: ['int', 'string'] },
    ]);
    const b = rec([
      { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 18, scale: 2 } },
      { name: 'l', type: { type: 'array', items: ['null', 'long'] } },
      { name: 'm', type: { type: 'map', values: addr([{ name: 'zip', type: 'string' }]) } },
      { name: 'u', type: ['int', 'string', 'boolean'] },
    ]);
    const t = avroToIceberg(a);
    const r = evolveSchema(t.newSchema, b, { lastColumnId: t.lastColumnId });
    expect(r.incompatible).toEqual([]);
    expect(r.changes.map((c) => `${c.kind} ${c.path}`)).toEqual([
      'promote-type d',
      'make-optional l.element',
      'promote-type l.element',
      'add-column m.value.zip',
      'add-column u.boolean',
    ]);
  });
});

describe('incompatible changes', () => {
  const base = rec([
    { name: 's', type: 'string' },
    { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'r', type: addr() },
    { name: 'f', type: { type: 'fixed', name: 'F', size: 4 } },
  ]);
  const t = avroToIceberg(base);
  const cases: [string, unknown, string, RegExp][] = [
    ['string → int', { name: 's', type: 'int' }, 's', /int cannot replace string/],
    ['decimal scale change', { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 3 } }, 'd', /scale/],
    ['UTC → local timestamp', { name: 'ts', type: { type: 'long', logicalType: 'local-timestamp-micros' } }, 'ts', /timestamp cannot replace timestamptz/],
    ['struct → primitive', { name: 'r', type: 'string' }, 'r', /cannot replace struct/],
    ['fixed size change', { name: 'f', type: { type: 'fixed', name: 'F', size: 8 } }, 'f', /fixed\[8\] cannot replace fixed\[4\]/],
    ['nested type change', { name: 'r', type: { type: 'record', name: 'Addr', fields: [{ name: 'city', type: 'long' }] } }, 'r.city', /long cannot replace string/],
  ];
  for (const [label, field, path, reason] of cases) {
    it(`${label}: reported with path and reason; dead-letter by default`, () => {
      const name = (field as { name: string }).name;
      const next = rec(base.fields.map((f) => ((f as { name: string }).name === name ? field : f)));
      const r = evolveSchema(t.newSchema, next, { lastColumnId: t.lastColumnId });
      expect(r.action).toBe('dead-letter');
      expect(r.newSchema).toBe(t.newSchema);
      expect(r.lastColumnId).toBe(t.lastColumnId);
      expect(r.incompatible).toHaveLength(1);
      expect(r.incompatible[0]!.path).toBe(path);
      expect(r.incompatible[0]!.reason).toMatch(reason);
      expect(() => evolveSchema(t.newSchema, next, { policy: 'halt' })).toThrow(expect.objectContaining({ code: 'SCHEMA_INCOMPATIBLE', retryable: false }));
      expect(() => compileProjector(next, t.newSchema)).toThrow();
    });
  }
});

describe('records with no columns (Parquet has no empty struct)', () => {
  const empty = { type: 'record', name: 'Empty', fields: [] };
  const nullOnly = { type: 'record', name: 'Nothing', fields: [{ name: 'n', type: 'null' }] };
  const refused = (r: EvolveResult) => ({ action: r.action, paths: r.incompatible.map((i) => i.path) });

  it('refuses a writer whose record, at any depth, maps to a struct without columns', () => {
    expect(refused(avroToIceberg(empty))).toEqual({ action: 'dead-letter', paths: ['(record)'] });
    expect(refused(avroToIceberg({ ...nullOnly, name: 'Top' }))).toEqual({ action: 'dead-letter', paths: ['(record)'] });
    expect(refused(avroToIceberg(rec([{ name: 'id', type: 'long' }, { name: 'e', type: empty }])))).toEqual({ action: 'dead-letter', paths: ['e'] });
    expect(refused(avroToIceberg(rec([{ name: 'id', type: 'long' }, { name: 'e', type: ['null', nullOnly] }])))).toEqual({ action: 'dead-letter', paths: ['e'] });
    expect(refused(avroToIceberg(rec([{ name: 'l', type: { type: 'array', items: empty } }])))).toEqual({ action: 'dead-letter', paths: ['l.element'] });
    expect(refused(avroToIceberg(rec([{ name: 'm', type: { type: 'map', values: { type: 'record', name: 'W', fields: [{ name: 'e', type: empty }] } } }])))).toEqual({
      action: 'dead-letter',
      paths: ['m.value.e'],
    });
    // A multi-branch union becomes a struct: an empty record branch is an empty member struct.
    expect(refused(avroToIceberg(rec([{ name: 'u', type: ['null', 'long', empty] }])))).toEqual({ action: 'dead-letter', paths: ['u.Empty'] });
    const r = avroToIceberg(empty);
    expect(r.incompatible[0]!.reason).toMatch(/no columns/);
  });

  it('refuses a new column that is an empty record when evolving, and leaves the table as is', () => {
    const table = avroToIceberg(rec([{ name: 'id', type: 'long' }])).newSchema;
    const r = evolveSchema(table, rec([{ name: 'id', type: 'long' }, { name: 'e', type: ['null', empty], default: null }]));
    expect(refused(r)).toEqual({ action: 'dead-letter', paths: ['e'] });
    expect(r.newSchema).toBe(table);
  });

  it('accepts a writer whose record lost all its fields when the table struct still has columns', () => {
    const table = avroToIceberg(rec([{ name: 'id', type: 'long' }, { name: 'ship', type: addr() }])).newSchema;
    const r = evolveSchema(table, rec([{ name: 'id', type: 'long' }, { name: 'ship', type: { type: 'record', name: 'Addr', fields: [] } }]));
    expect(r.action).toBe('apply');
    expect(r.changes).toEqual([expect.objectContaining({ kind: 'make-optional', path: 'ship.city' })]);
  });

  it('throws SCHEMA_INCOMPATIBLE under policy halt', () => {
    expect(() => evolveSchema(undefined, rec([{ name: 'e', type: empty }]), { policy: 'halt' })).toThrow(FloeError);
    const table = avroToIceberg(rec([{ name: 'id', type: 'long' }])).newSchema;
    expect(() => evolveSchema(table, rec([{ name: 'id', type: 'long' }, { name: 'e', type: ['null', empty], default: null }]), { policy: 'halt' })).toThrow(/no columns/);
  });
});
