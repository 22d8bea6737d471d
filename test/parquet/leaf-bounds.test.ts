/**
 * The per-kind bound loops of src/parquet/leaf-bounds.ts against a reference that knows nothing
 * of Arrow: seeded random rows (ties, shared prefixes, -0/+0, NaN, nulls at leaf and struct level,
 * bytes ≥ 0x80), the bounds computed by sorting the input values with compareValues, and the
 * metrics of the file written from those rows — whole, and sliced (Arrow offsets ≠ 0).
 */
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import type { PrimitiveType, PrimitiveValue, Schema } from '../../src/iceberg/spec/types.js';
import { compareValues, serializeValue, truncateLowerBound, truncateUpperBound } from '../../src/iceberg/spec/values.js';
import { writeDataFile } from '../../src/parquet/data-file.js';
import { compareBytes } from '../../src/parquet/leaf-bounds.js';
import { prng } from '../fixtures/prng.js';

const FLAT: Array<[string, PrimitiveType]> = [
  ['b', 'boolean'], ['i', 'int'], ['l', 'long'], ['f', 'float'], ['d', 'double'], ['dec', 'decimal(38,3)'],
  ['date', 'date'], ['time', 'time'], ['ts', 'timestamptz'], ['s', 'string'], ['u', 'uuid'], ['fx', 'fixed[5]'], ['bin', 'binary'],
];

const SCHEMA: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    ...FLAT.map(([name, type], k) => ({ id: k + 1, name, required: false, type })),
    {
      id: 100, name: 'st', required: false,
      type: { type: 'struct', fields: FLAT.map(([name, type], k) => ({ id: 101 + k, name, required: false, type })) },
    },
  ],
};

function randomValue(type: PrimitiveType, r: () => number): unknown {
  const pick = <T>(xs: T[]): T => xs[Math.floor(r() * xs.length)]!;
  // Few distinct magnitudes so ties and equal high words are common.
  const small = () => pick([0, 1, -1, 2, -2, 255, -256, 65536, 2147483647, -2147483648]) + Math.floor(r() * 3);
  const bytes = (n: number) => Uint8Array.from({ length: n }, () => pick([0, 1, 0x7f, 0x80, 0xfe, 0xff, Math.floor(r() * 256)]));
  switch (type) {
    case 'boolean': return r() < 0.5;
    case 'int': return small() | 0;
    case 'date': return small() | 0;
    case 'long': return BigInt.asIntN(64, BigInt(small()) * pick([1n, 1n << 32n, -(1n << 32n), 1n << 40n]) + BigInt(small()));
    case 'time': return BigInt(Math.floor(r() * 86_400_000_000));
    case 'timestamptz': return BigInt.asIntN(64, BigInt(small()) * pick([1n, 1n << 31n, 1n << 33n, -(1n << 33n)]));
    case 'float': case 'double': return pick([0, -0, NaN, 1.5, -1.5, Infinity, -Infinity, 1e-300, r() * 10 - 5]);
    case 'decimal(38,3)': return BigInt(small()) * pick([1n, 1n << 64n, -(1n << 64n), 1n << 32n]) + BigInt(small());
    case 'string': {
      const prefix = pick(['', 'https://example.com/', 'https://example.com/a', 'é€', '\u{10FFFF}']);
      return prefix + String.fromCodePoint(...Array.from({ length: Math.floor(r() * 7) }, () => pick([0x41, 0x61, 0xe9, 0x20ac, 0x1f600, 0x7a])));
    }
    case 'uuid': return [...bytes(16)].map((b) => b.toString(16).padStart(2, '0')).join('').replace(/^(.{8})(.{4})(.{4})(.{4})/, '$1-$2-$3-$4-');
    case 'fixed[5]': return bytes(5);
    case 'binary': return Uint8Array.from([...pick([[], [0x68, 0x74, 0x74, 0x70, 0x73, 0x3a], [0xff, 0xff, 0xff, 0xff]]), ...bytes(Math.floor(r() * 9))]);
  }
  throw new Error(type);
}

function randomRows(seed: number, n: number): Record<string, unknown>[] {
  const r = prng(seed);
  const nullRate = r() * 0.6;
  const flat = (): Record<string, unknown> => Object.fromEntries(FLAT.map(([name, type]) => [name, r() < nullRate ? null : randomValue(type, r)]));
  return Array.from({ length: n }, () => ({ ...flat(), st: r() < nullRate ? null : flat() }));
}

function canonical(type: PrimitiveType, v: unknown): PrimitiveValue {
  return type === 'float' ? Math.fround(v as number) : (v as PrimitiveValue);
}

/** Iceberg bounds (truncate(16)) by sorting the input values. */
function referenceBounds(rows: Record<string, unknown>[]) {
  const lower = new Map<number, Uint8Array>();
  const upper = new Map<number, Uint8Array>();
  const add = (id: number, type: PrimitiveType, values: unknown[]) => {
    const vs = values.filter((v) => v != null && !(typeof v === 'number' && Number.isNaN(v))).map((v) => canonical(type, v));
    if (vs.length === 0) return;
    vs.sort((a, b) => compareValues(type, a, b));
    lower.set(id, serializeValue(type, truncateLowerBound(type, vs[0]!)));
    const hi = truncateUpperBound(type, vs.at(-1)!);
    if (hi !== undefined) upper.set(id, serializeValue(type, hi));
  };
  FLAT.forEach(([name, type], k) => {
    add(k + 1, type, rows.map((row) => row[name]));
    add(101 + k, type, rows.map((row) => (row.st as Record<string, unknown> | null)?.[name]));
  });
  return { lower, upper };
}

describe('leaf bounds', () => {
  it('equal bounds from sorting the input values, for random rows, whole and sliced', () => {
    for (let seed = 1; seed <= 60; seed++) {
      const rows = randomRows(seed, 1 + (seed % 7) * 9);
      const table = rowsToTable(SCHEMA, rows);
      const cuts: Array<[number, number]> = [[0, rows.length], [Math.floor(rows.length / 3), rows.length], [1, Math.max(1, rows.length - 2)]];
      for (const [a, b] of cuts) {
        const m = writeDataFile(table.slice(a, b), SCHEMA).metrics;
        const ref = referenceBounds(rows.slice(a, b));
        expect(m.lowerBounds, `seed ${seed} slice ${a}..${b}`).toEqual(ref.lower);
        expect(m.upperBounds, `seed ${seed} slice ${a}..${b}`).toEqual(ref.upper);
      }
    }
  });

  it('compareBytes orders like an unsigned byte-by-byte comparison, at any offset and length', () => {
    const r = prng(7);
    const naive = (x: Uint8Array, y: Uint8Array): number => {
      for (let k = 0; k < Math.min(x.length, y.length); k++) if (x[k] !== y[k]) return x[k]! - y[k]!;
      return x.length - y.length;
    };
    for (let t = 0; t < 5000; t++) {
      const buf = Uint8Array.from({ length: 64 }, () => (r() < 0.7 ? 0x80 : Math.floor(r() * 256)));
      const view = new DataView(buf.buffer);
      const as = Math.floor(r() * 20);
      const bs = Math.floor(r() * 20);
      const ae = as + Math.floor(r() * 20);
      const be = bs + Math.floor(r() * 20);
      const got = Math.sign(compareBytes(buf, view, as, ae, bs, be));
      expect(got).toBe(Math.sign(naive(buf.subarray(as, ae), buf.subarray(bs, be))));
    }
  });
});
