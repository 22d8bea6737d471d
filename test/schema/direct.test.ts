/**
 * The direct reader (src/schema/direct.ts) against the general path (decode → project → append)
 * it accelerates: for every body, the direct reader either declines it or stores exactly what the
 * general path stores, and it never takes a body the general path refuses. Bodies are encoded here
 * by hand (zig-zag varints over BigInt, IEEE floats through Buffer), independently of both paths,
 * so non-canonical encodings and hostile bytes can be written too.
 */
import * as arrow from 'apache-arrow';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder } from '../../src/arrow/builder.js';
import { parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { avroToIceberg, compileDirect, compileProjector } from '../../src/schema/index.js';
import { hasEmptyRecord, Prng, randomCase } from './random-avro.js';
import { avroDouble, avroFloat, avroLong, avroString } from '../fixtures/avro-bytes.js';

const varint = avroLong;
const str = avroString;
const f32 = avroFloat;
const f64 = avroDouble;

/** A body broken one way: 0 truncated, 1 one byte too many, otherwise 1-3 bytes overwritten. */
function spoil(r: Prng, body: Buffer, how: number): Buffer {
  const m = Buffer.from(body);
  if (how === 0) return m.subarray(0, r.int(0, m.length - 1));
  if (how === 1) return Buffer.concat([m, Buffer.from([r.int(0, 255)])]);
  for (let j = r.int(1, 3); j > 0; j--) m[r.int(0, m.length - 1)] = r.pick([0, 1, 0x7f, 0x80, 0xff, 0xc3, 0xed, r.int(0, 255)]);
  return m;
}

/** Runs both paths over `bodies`; returns the Arrow IPC of each builder and how the direct reader did. */
function bothPaths(writerSchema: object, bodies: Buffer[], table?: Schema): { general: Buffer; direct: Buffer; taken: boolean[]; refused: boolean[] } {
  const type = parseAvroSchema(writerSchema);
  const schema = table ?? avroToIceberg(writerSchema).newSchema;
  const project = compileProjector(type, schema);
  const read = compileDirect(type, schema, schema);
  expect(read, 'writer is eligible').toBeDefined();
  const general = new RecordBatchBuilder(schema, { initialCapacity: 4 });
  const direct = new RecordBatchBuilder(schema, { initialCapacity: 4 });
  const taken: boolean[] = [];
  const refused: boolean[] = [];
  const viaGeneral = (b: RecordBatchBuilder, body: Buffer): boolean => {
    try {
      b.append(project(decodeBody(type, body, 0)));
      return true;
    } catch {
      return false;
    }
  };
  for (const body of bodies) {
    refused.push(!viaGeneral(general, body));
    const ok = direct.appendFilled(read!, body, 0, null);
    taken.push(ok);
    if (!ok) viaGeneral(direct, body);
  }
  const ipc = (b: RecordBatchBuilder) => Buffer.from(arrow.tableToIPC(new arrow.Table([b.finish()])));
  return { general: ipc(general), direct: ipc(direct), taken, refused };
}

/** Every stored value of an IPC stream as text, read from the raw buffers (-0, NaN and int64 exact). */
function valuesOf(ipc: Buffer): string[] {
  const hex = (b: Uint8Array) => Buffer.from(b.buffer, b.byteOffset, b.length).toString('hex');
  const raw = (d: arrow.Data, i: number): string => {
    if (!d.getValid(i)) return 'null';
    const t = d.type;
    const j = d.offset + i;
    if (arrow.DataType.isUtf8(t) || arrow.DataType.isBinary(t)) return hex((d.values as Uint8Array).subarray(d.valueOffsets[j]!, d.valueOffsets[j + 1]!));
    if (arrow.DataType.isBool(t)) return String((d.values[j >> 3]! >> (j & 7)) & 1);
    if (arrow.DataType.isFixedSizeBinary(t)) return hex((d.values as Uint8Array).subarray(j * t.byteWidth, (j + 1) * t.byteWidth));
    if (arrow.DataType.isStruct(t)) return `{${d.children.map((c) => raw(c, j)).join(',')}}`;
    if (arrow.DataType.isList(t) || arrow.DataType.isMap(t)) {
      const items: string[] = [];
      for (let x = d.valueOffsets[j]!; x < d.valueOffsets[j + 1]!; x++) items.push(raw(d.children[0]!, x));
      return `[${items.join(',')}]`;
    }
    if (arrow.DataType.isDecimal(t)) return hex(new Uint8Array((d.values as Uint32Array).buffer, (d.values as Uint32Array).byteOffset + j * 16, 16));
    const v = d.values[j] as number | bigint;
    return Object.is(v, -0) ? '-0' : String(v);
  };
  const batch = arrow.tableFromIPC(ipc).batches[0]!;
  return Array.from({ length: batch.numRows }, (_, i) => batch.schema.fields.map((f, k) => `${f.name}=${raw(batch.data.children[k]!, i)}`).join(' '));
}

const FLAT = {
  type: 'record',
  name: 'Flat',
  fields: [
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'ms', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
    { name: 'n', type: 'long' },
    { name: 'i', type: 'int' },
    { name: 'day', type: ['null', { type: 'int', logicalType: 'date' }] },
    { name: 'kind', type: { type: 'enum', name: 'K', symbols: ['A', 'B', 'C'] } },
    { name: 's', type: 'string' },
    { name: 'o', type: ['string', 'null'] },
    { name: 'b', type: 'bytes' },
    { name: 'f', type: ['null', 'float'] },
    { name: 'd', type: 'double' },
    { name: 'flag', type: 'boolean' },
    { name: 'nothing', type: 'null' },
  ],
};

interface FlatValue {
  id: string;
  ts: bigint;
  ms: bigint | null;
  n: bigint;
  i: number;
  day: number | null;
  kind: number;
  s: string;
  o: string | null;
  b: number[];
  f: number | null;
  d: number;
  flag: number;
}

function encodeFlat(v: FlatValue, pad = 0): Buffer {
  return Buffer.from([
    ...str(v.id),
    ...varint(v.ts, pad),
    ...(v.ms === null ? varint(0n) : [...varint(1n), ...varint(v.ms, pad)]),
    ...varint(v.n, pad),
    ...varint(BigInt(v.i), pad),
    ...(v.day === null ? varint(0n) : [...varint(1n), ...varint(BigInt(v.day))]),
    ...varint(BigInt(v.kind)),
    ...str(v.s),
    ...(v.o === null ? varint(1n) : [...varint(0n), ...str(v.o)]),
    ...varint(BigInt(v.b.length)),
    ...v.b,
    ...(v.f === null ? varint(0n) : [...varint(1n), ...f32(v.f)]),
    ...f64(v.d),
    v.flag,
  ]);
}

const STRINGS = ['', 'a', 'plain ascii text of some length, longer than twenty-four bytes', 'grüße', '日本語のテキスト', '😀 emoji', 'x'.repeat(300), `${'x'.repeat(21)}é${'y'.repeat(6)}`, `${'a'.repeat(17)}ß`];
const FLOATS = [0, -0, 1.5, -1e-30, 3.4028234663852886e38, Number.NaN, Number.POSITIVE_INFINITY, 1e-45];

function randomFlat(r: Prng): FlatValue {
  const h = () => r.int(0, 0xffff).toString(16).padStart(4, '0');
  const id = `${h()}${h()}-${h()}-${h()}-${h()}-${h()}${h()}${h()}`;
  return {
    id: r.bool(0.2) ? id.toUpperCase() : id,
    ts: r.long(),
    ms: r.bool(0.2) ? null : r.bool(0.2) ? r.long() : BigInt(r.int(-2e9, 2e9)) * 1000n + BigInt(r.int(0, 999)),
    n: r.long(),
    i: r.pick([0, -1, 1, 2147483647, -2147483648, r.int(-1e6, 1e6)]),
    day: r.bool(0.3) ? null : r.int(-100000, 100000),
    kind: r.int(0, 2),
    s: r.pick(STRINGS),
    o: r.bool(0.3) ? null : r.pick(STRINGS),
    b: Array.from({ length: r.int(0, 40) }, () => r.int(0, 255)),
    f: r.bool(0.2) ? null : r.pick(FLOATS),
    d: r.bool(0.5) ? r.pick(FLOATS) : (r.next() - 0.5) * 1e12,
    flag: r.pick([0, 1, 1, 2, 255]),
  };
}

describe('compileDirect: identical to decode → project → append', () => {
  it('stores what the general path stores, for every value kind and edge value', () => {
    const r = new Prng(7);
    const bodies = Array.from({ length: 2000 }, () => encodeFlat(randomFlat(r)));
    const { general, direct, taken, refused } = bothPaths(FLAT, bodies);
    // A timestamp-millis beyond int64 once in µs is the general path's refusal (and declined here).
    for (let k = 0; k < bodies.length; k++) if (refused[k]) expect(taken[k]).toBe(false);
    expect(refused.filter(Boolean).length).toBeLessThan(100);
    expect(direct.equals(general)).toBe(true);
    // Only timestamp-millis beyond ±2^43 ms (BigInt arithmetic) is left to the general path.
    expect(taken.filter((t) => !t).length).toBeLessThan(200);
    expect(taken.filter(Boolean).length).toBeGreaterThan(1800);
  });

  it('reads non-canonical varints (padded with continuation bytes) as the general path does', () => {
    const r = new Prng(11);
    const bodies = Array.from({ length: 300 }, (_, k) => encodeFlat({ ...randomFlat(r), ts: BigInt(k), ms: null, n: BigInt(-k), i: k }, 1 + (k % 3)));
    const { general, direct, refused } = bothPaths(FLAT, bodies);
    expect(refused.filter(Boolean).length).toBe(0);
    expect(direct.equals(general)).toBe(true);
  });

  it('never takes a body the general path refuses: truncated, extended and mutated bodies', () => {
    const r = new Prng(23);
    const bodies: Buffer[] = [];
    for (let k = 0; k < 3000; k++) {
      bodies.push(spoil(r, encodeFlat(randomFlat(r)), k % 4));
    }
    const { general, direct, taken, refused } = bothPaths(FLAT, bodies);
    for (let k = 0; k < bodies.length; k++) if (refused[k]) expect(taken[k], `body ${k} refused by the general path`).toBe(false);
    // Values, not bytes: rows rolled back part-way leave bits past the last row in a bitmap's
    // final byte, which Arrow leaves undefined, and the two builders roll back different rows.
    expect(valuesOf(direct)).toEqual(valuesOf(general));
    expect(refused.filter(Boolean).length).toBeGreaterThan(1500);
  });

  it('declines an int beyond 32 bits, a union or enum index out of range and invalid UTF-8', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'i', type: 'int' }, { name: 'e', type: { type: 'enum', name: 'E', symbols: ['X'] } }, { name: 'u', type: ['null', 'string'] }] };
    const ok = [...varint(5n), ...varint(0n), ...varint(1n), ...str('é')];
    const bodies = [
      Buffer.from(ok),
      Buffer.from([...varint(2n ** 31n), ...varint(0n), ...varint(0n)]),
      Buffer.from([...varint(1n), ...varint(1n), ...varint(0n)]),
      Buffer.from([...varint(1n), ...varint(0n), ...varint(2n)]),
      Buffer.from([...varint(1n), ...varint(0n), ...varint(1n), ...varint(2n), 0xc3, 0x28]),
    ];
    const { general, direct, taken, refused } = bothPaths(schema, bodies);
    expect(taken).toEqual([true, false, false, false, false]);
    expect(refused).toEqual([false, true, true, true, true]);
    expect(direct.equals(general)).toBe(true);
  });

  it('fills the column it is given the value of (bronze metadata) and leaves the general path nothing to differ on', () => {
    const writer = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'long' }] };
    const type = parseAvroSchema(writer);
    const table: Schema = { type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'a', required: false, type: 'long' },
      { id: 2, name: 'own', required: false, type: 'string' },
      { id: 3, name: 'later', required: false, type: 'double' },
    ] };
    const values: Schema = { ...table, fields: [table.fields[0]!, table.fields[2]!] };
    const read = compileDirect(type, table, values, { own: 'own' })!;
    const b = new RecordBatchBuilder(table);
    expect(b.appendFilled(read, Buffer.from(varint(-3n)), 0, 'mine')).toBe(true);
    expect(b.appendFilled(read, Buffer.from([...varint(-3n), 0]), 0, 'mine')).toBe(false);
    expect(b.length).toBe(1);
    expect(b.finish().toArray().map((r) => r.toJSON())).toEqual([{ a: -3n, own: 'mine', later: null }]);
    // Without `own`, a column outside the value columns makes the writer ineligible.
    expect(compileDirect(type, table, values)).toBeUndefined();
  });
});

/** Nested shapes, encoded by avsc's own writer (a client that is not floe's). */
const NESTED = {
  type: 'record',
  name: 'Event',
  fields: [
    { name: 'id', type: { type: 'fixed', name: 'Id', size: 16, logicalType: 'uuid' } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'scores', type: ['null', { type: 'array', items: ['null', 'int'] }] },
    { name: 'attrs', type: { type: 'map', values: 'string' } },
    { name: 'counts', type: { type: 'map', values: ['long', 'null'] } },
    { name: 'geo', type: ['null', { type: 'record', name: 'Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: ['null', 'float'] }] }] },
    { name: 'where', type: { type: 'record', name: 'Where', fields: [{ name: 'city', type: 'string' }, { name: 'zip', type: ['null', 'int'] }, { name: 'points', type: { type: 'array', items: 'Geo' } }] } },
    { name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }] },
    { name: 'big', type: { type: 'fixed', name: 'Big', size: 16, logicalType: 'decimal', precision: 38, scale: 0 } },
    { name: 'raw', type: { type: 'fixed', name: 'Raw', size: 3 } },
    { name: 'byKind', type: { type: 'map', values: { type: 'array', items: 'Geo' } } },
  ],
};

function randomNested(r: Prng): Record<string, unknown> {
  const geo = () => ({ lat: (r.next() - 0.5) * 180, lon: r.bool(0.3) ? null : { float: Math.fround(r.next() * 90) } });
  const map = <T>(make: () => T) => Object.fromEntries(Array.from({ length: r.int(0, 4) }, () => [r.pick(['a', 'b', 'c', 'ü', 'key with spaces', '']), make()]));
  const twos = (n: bigint, size: number) => {
    const out = Buffer.alloc(size);
    let v = BigInt.asUintN(size * 8, n);
    for (let i = size - 1; i >= 0; i--) {
      out[i] = Number(v & 0xffn);
      v >>= 8n;
    }
    return out;
  };
  return {
    id: Buffer.from(Array.from({ length: 16 }, () => r.int(0, 255))),
    tags: Array.from({ length: r.int(0, 5) }, () => r.pick(STRINGS)),
    scores: r.bool(0.3) ? null : { array: Array.from({ length: r.int(0, 4) }, () => (r.bool(0.3) ? null : { int: r.int(-1000, 1000) })) },
    attrs: map(() => r.pick(STRINGS)),
    counts: map(() => (r.bool(0.3) ? null : { long: r.int(-1e9, 1e9) })),
    geo: r.bool(0.3) ? null : { Geo: geo() },
    where: { city: r.pick(STRINGS), zip: r.bool(0.5) ? null : { int: r.int(0, 99999) }, points: Array.from({ length: r.int(0, 3) }, geo) },
    amount: r.bool(0.3) ? null : { bytes: twos(BigInt(r.int(-1e9, 1e9)), r.int(4, 6)) },
    big: twos(r.bool(0.5) ? 10n ** 37n + BigInt(r.int(0, 1e6)) : -BigInt(r.int(0, 1e9)), 16),
    raw: Buffer.from([r.int(0, 255), r.int(0, 255), r.int(0, 255)]),
    byKind: map(() => Array.from({ length: r.int(0, 2) }, geo)),
  };
}

describe('compileDirect: nested records, lists, maps, decimals and fixed', () => {
  const avsc = avro.Type.forSchema(NESTED as avro.Schema, { wrapUnions: true });

  it('stores what the general path stores', () => {
    const r = new Prng(31);
    const bodies = Array.from({ length: 1500 }, () => avsc.toBuffer(randomNested(r)));
    const { general, direct, taken, refused } = bothPaths(NESTED, bodies);
    expect(refused.filter(Boolean).length).toBe(0);
    expect(direct.equals(general)).toBe(true);
    // Maps that repeat a key are the general path's (its Map keeps one entry); every other body is taken.
    expect(taken.filter(Boolean).length).toBeGreaterThan(1000);
  });

  it('never takes a body the general path refuses', () => {
    const r = new Prng(37);
    const bodies: Buffer[] = [];
    for (let k = 0; k < 3000; k++) {
      bodies.push(spoil(r, avsc.toBuffer(randomNested(r)), k % 3 === 0 ? 0 : 2));
    }
    const { general, direct, taken, refused } = bothPaths(NESTED, bodies);
    for (let k = 0; k < bodies.length; k++) if (refused[k]) expect(taken[k], `body ${k} refused by the general path`).toBe(false);
    expect(valuesOf(direct)).toEqual(valuesOf(general));
    expect(refused.filter(Boolean).length).toBeGreaterThan(1000);
  });

  it('takes a table whose decimals a catalog spelled its own way (decimal(12, 2), as Iceberg Java writes them)', () => {
    const schema = avroToIceberg(NESTED).newSchema;
    const respell = (t: unknown): unknown =>
      typeof t === 'string' ? t.replace(/^decimal\((\d+),(\d+)\)$/, 'decimal($1, $2)')
      : Array.isArray(t) ? t.map(respell)
      : t && typeof t === 'object' ? Object.fromEntries(Object.entries(t).map(([k, v]) => [k, k === 'name' || k === 'doc' ? v : respell(v)]))
      : t;
    const spelled = respell(schema) as Schema;
    expect(JSON.stringify(spelled)).toContain('decimal(12, 2)');
    const r = new Prng(41);
    const bodies = Array.from({ length: 200 }, () => avsc.toBuffer(randomNested(r)));
    const { general, direct, taken } = bothPaths(NESTED, bodies, spelled);
    expect(direct.equals(general)).toBe(true);
    expect(taken.filter(Boolean).length).toBeGreaterThan(100);
  });

  it('declines a map that repeats a key, a block count beyond the body and a decimal beyond its precision', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'm', type: { type: 'map', values: 'int' } }, { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 2, scale: 0 } }] };
    const d = (v: number) => [...varint(1n), v & 0xff];
    const bodies = [
      Buffer.from([...varint(2n), ...str('a'), ...varint(1n), ...str('b'), ...varint(2n), ...varint(0n), ...d(99)]),
      Buffer.from([...varint(2n), ...str('a'), ...varint(1n), ...str('a'), ...varint(2n), ...varint(0n), ...d(5)]),
      Buffer.from([...varint(-1n), ...varint(4n), ...str('a'), ...varint(1n), ...varint(0n), ...d(5)]),
      Buffer.from([...varint(1000n), ...str('a'), ...varint(1n), ...varint(0n), ...d(5)]),
      Buffer.from([...varint(0n), ...varint(2n), 0x01, 0x00]),
    ];
    const { general, direct, taken, refused } = bothPaths(schema, bodies);
    expect(taken).toEqual([true, false, true, false, false]);
    expect(refused).toEqual([false, false, false, true, true]);
    expect(direct.equals(general)).toBe(true);
  });
});

describe('compileDirect: map keys compared as bytes, then through a Set past 32', () => {
  it('takes distinct keys and declines a repeated one, in small and large maps, ASCII or not', () => {
    const schema = { type: 'record', name: 'R', fields: [{ name: 'm', type: { type: 'map', values: 'int' } }, { name: 'after', type: 'int' }] };
    const body = (keys: string[]) => Buffer.from([...varint(BigInt(keys.length)), ...keys.flatMap((k, i) => [...str(k), ...varint(BigInt(i))]), ...varint(0n), ...varint(7n)]);
    const many = (n: number) => Array.from({ length: n }, (_, i) => `key-${i}`);
    const cases: Array<[string[], boolean]> = [
      [['a', 'b', 'ab', 'ba', ''], true],
      [['grüße', 'grüsse', '日本', '日本語'], true],
      [['grüße', 'x', 'grüße'], false],
      [['', 'a', ''], false],
      [many(32), true],
      [many(33), true],
      [many(80), true],
      [[...many(40), 'key-3'], false], // repeats a key seen before the Set took over
      [[...many(40), 'key-35'], false], // repeats a key the Set holds
      [[...many(31), 'key-0'], false],
      [[...many(32), 'ü', 'ü'], false],
    ];
    // Each map also follows another record's map in the same batch: keys are compared within a map only.
    const bodies = cases.flatMap(([keys]) => [body(['key-0', 'a', 'ü']), body(keys)]);
    const { general, direct, taken, refused } = bothPaths(schema, bodies);
    expect(refused.every((x) => !x)).toBe(true);
    expect(taken).toEqual(cases.flatMap(([, distinct]) => [true, distinct]));
    expect(direct.equals(general)).toBe(true);
  });
});

describe('compileDirect: random Avro schemas (test/schema/random-avro.ts)', () => {
  it('wherever it compiles, 2000 schemas × 5 values and their truncations store what the general path stores', () => {
    let eligible = 0;
    let taken = 0;
    for (let seed = 1; seed <= 2000; seed++) {
      const c = randomCase(seed);
      if (hasEmptyRecord(c.schema)) continue;
      const type = parseAvroSchema(c.schema);
      const schema = avroToIceberg(c.schema).newSchema;
      const read = compileDirect(type, schema, schema);
      if (!read) continue;
      eligible++;
      const project = compileProjector(type, schema);
      const general = new RecordBatchBuilder(schema, { initialCapacity: 4 });
      const direct = new RecordBatchBuilder(schema, { initialCapacity: 4 });
      for (let i = 0; i < 5; i++) {
        const full = type.toBuffer(c.sample(c.rng).avro);
        for (const body of [full, full.subarray(0, c.rng.int(0, Math.max(0, full.length - 1)))]) {
          let refused = false;
          try {
            general.append(project(decodeBody(type, body, 0)));
          } catch {
            refused = true;
          }
          const ok = direct.appendFilled(read, body, 0, null);
          if (ok) taken++;
          expect(ok && refused, `seed ${seed}: the direct reader took a body the general path refuses: ${JSON.stringify(c.schema)}`).toBe(false);
          if (!ok && !refused) direct.append(project(decodeBody(type, body, 0)));
        }
      }
      const ipc = (b: RecordBatchBuilder) => Buffer.from(arrow.tableToIPC(new arrow.Table([b.finish()])));
      expect(ipc(direct).equals(ipc(general)), `seed ${seed}: ${JSON.stringify(c.schema)}`).toBe(true);
    }
    // The generator draws every Avro shape; enough of them are eligible for this to mean something.
    expect(eligible).toBeGreaterThan(150);
    expect(taken).toBeGreaterThan(eligible * 4);
  });
});

describe('compileDirect: which writers are eligible', () => {
  const ineligible: Array<[string, object, Schema?]> = [
    ['a recursive record', { type: 'record', name: 'R', fields: [{ name: 'n', type: { type: 'record', name: 'Node', fields: [{ name: 'next', type: ['null', 'Node'] }] } }] }],
    ['an array of records of nothing', { type: 'record', name: 'R', fields: [{ name: 'a', type: { type: 'array', items: { type: 'record', name: 'E', fields: [] } } }] }],
    ['a decimal wider than 38 digits', { type: 'record', name: 'R', fields: [{ name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 40, scale: 2 } }] }],
    ['a skipped record field', { type: 'record', name: 'R', fields: [{ name: 'r', type: { type: 'record', name: 'S', fields: [{ name: 'x', type: 'int' }] } }] }, { type: 'struct', 'schema-id': 0, fields: [] }],
    ['a union of only null (no column, but a branch index on the wire)', { type: 'record', name: 'R', fields: [{ name: 'n', type: ['null'] }, { name: 'a', type: 'int' }] }],
    ['a three-branch union', { type: 'record', name: 'R', fields: [{ name: 'u', type: ['null', 'int', 'string'] }] }],
    ['a single-branch union', { type: 'record', name: 'R', fields: [{ name: 'u', type: ['int'] }] }],
    ['time-micros (range checked by its column)', { type: 'record', name: 'R', fields: [{ name: 't', type: { type: 'long', logicalType: 'time-micros' } }] }],
    ['timestamp-nanos', { type: 'record', name: 'R', fields: [{ name: 't', type: { type: 'long', logicalType: 'timestamp-nanos' } }] }],
    ['a fixed of size 0 (stored as binary)', { type: 'record', name: 'R', fields: [{ name: 'f', type: { type: 'fixed', name: 'F', size: 0 } }] }],
    ['an int promoted into a long column', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] }, { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'long' }] }],
    ['an optional writer into a required column', { type: 'record', name: 'R', fields: [{ name: 'a', type: ['null', 'int'] }] }, { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: true, type: 'int' }] }],
    ['a required column the writer lacks', { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] }, { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'b', required: true, type: 'int' }] }],
  ];
  for (const [what, writer, table] of ineligible) {
    it(`not for ${what}`, () => {
      const schema = table ?? avroToIceberg(writer).newSchema;
      expect(compileDirect(parseAvroSchema(writer), schema, schema)).toBeUndefined();
    });
  }

  it('not when a column the writer lacks has a default to fill', () => {
    const writer = { type: 'record', name: 'R', fields: [{ name: 'a', type: 'int' }] };
    const table: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'a', required: false, type: 'int' }, { id: 2, name: 'b', required: false, type: 'int' }] };
    expect(compileDirect(parseAvroSchema(writer), table, table, { defaults: new Map([[2, 7]]) })).toBeUndefined();
    expect(compileDirect(parseAvroSchema(writer), table, table, { defaults: new Map([[2, null]]) })).toBeDefined();
  });

  it('skips writer fields the table lacks, and reads columns by their former names', () => {
    const writer = { type: 'record', name: 'R', fields: [{ name: 'gone', type: ['null', 'string'] }, { name: 'old', type: 'long' }, { name: 'x', type: 'boolean' }] };
    const history: Schema = { type: 'struct', 'schema-id': 0, fields: [{ id: 2, name: 'old', required: false, type: 'long' }, { id: 3, name: 'x', required: false, type: 'boolean' }] };
    const table: Schema = { type: 'struct', 'schema-id': 1, fields: [{ id: 2, name: 'new', required: false, type: 'long' }, { id: 3, name: 'x', required: false, type: 'boolean' }] };
    const read = compileDirect(parseAvroSchema(writer), table, table, { history: [history, table] })!;
    expect(read).toBeDefined();
    const b = new RecordBatchBuilder(table);
    expect(b.appendFilled(read, Buffer.from([...varint(1n), ...str('dropped'), ...varint(42n), 1]), 0, null)).toBe(true);
    expect(b.finish().toArray().map((r) => r.toJSON())).toEqual([{ new: 42n, x: true }]);
  });
});
