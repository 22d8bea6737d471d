/**
 * Seeded, bounded fuzzing of the value decoder: random and mutated bodies against schemas chosen
 * for their hostile shapes (zero-byte items, nesting, recursion, unions, logical types). Every
 * body either decodes to a value no bigger than its bytes allow or fails with a typed,
 * non-retryable decode error; nothing else escapes, and memory stays bounded. Valid seeds are
 * encoded with avsc's stock types, not floe's decoder.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { MAX_EMPTY_ITEMS, parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import { DecodeCode } from '../../src/decode/errors.js';
import { isFloeError } from '../../src/util/errors.js';
import { prng } from '../fixtures/prng.js';

const Empty = { type: 'record', name: 'Empty', fields: [] };
const SCHEMAS: { name: string; schema: object; sample: unknown }[] = [
  { name: 'array<null>', schema: { type: 'array', items: 'null' }, sample: [null, null] },
  { name: 'map<empty record>', schema: { type: 'map', values: Empty }, sample: { a: {}, b: {} } },
  { name: 'array<array<null>>', schema: { type: 'array', items: { type: 'array', items: 'null' } }, sample: [[null], []] },
  {
    name: 'recursive list',
    schema: { type: 'record', name: 'Node', fields: [{ name: 'v', type: 'long' }, { name: 'next', type: ['null', 'Node'] }] },
    sample: { v: 1, next: { Node: { v: 2, next: null } } },
  },
  {
    name: 'mixed record',
    schema: {
      type: 'record', name: 'Mixed', fields: [
        { name: 's', type: 'string' },
        { name: 'b', type: 'bytes' },
        { name: 'f', type: { type: 'fixed', name: 'F4', size: 4 } },
        { name: 'e', type: { type: 'enum', name: 'E', symbols: ['A', 'B'] } },
        { name: 'u', type: ['null', 'int', 'string'] },
        { name: 'd', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
        { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
        { name: 'm', type: { type: 'map', values: { type: 'array', items: 'double' } } },
      ],
    },
    sample: { s: 'x', b: Buffer.from([1]), f: Buffer.from([1, 2, 3, 4]), e: 'B', u: { int: 3 }, d: Buffer.from([1, 0]), ts: 1, m: { k: [1.5] } },
  },
];
const CODES = new Set<string>(Object.values(DecodeCode));
const ITERATIONS = 4000;

/** Leaves and containers in a decoded value: what it costs in memory, roughly. */
function size(v: unknown, depth = 0): number {
  if (depth > 10_000) return 1;
  if (Array.isArray(v)) return v.reduce((n: number, x) => n + size(x, depth + 1), 1);
  if (v instanceof Map) return [...v.values()].reduce((n: number, x) => n + size(x, depth + 1), 1);
  if (v !== null && typeof v === 'object' && !Buffer.isBuffer(v)) return Object.values(v).reduce((n: number, x) => n + size(x, depth + 1), 1);
  return 1;
}

function zigzag(n: number): number[] {
  let z = BigInt(n) >= 0n ? BigInt(n) << 1n : (-BigInt(n) << 1n) - 1n;
  const out: number[] = [];
  do {
    let b = Number(z & 0x7fn);
    z >>= 7n;
    if (z > 0n) b |= 0x80;
    out.push(b);
  } while (z > 0n);
  return out;
}

describe('decoder fuzz (seeded, bounded)', () => {
  it.each(SCHEMAS)('$name: every body decodes within its size budget or fails with a typed error', ({ schema, sample }) => {
    const type = parseAvroSchema(schema);
    const valid = avro.Type.forSchema(schema as avro.Schema, { wrapUnions: true }).toBuffer(sample);
    // The valid seed decodes: the fuzz below is about rejecting, not about rejecting everything.
    expect(() => decodeBody(type, valid, 0)).not.toThrow();
    const rand = prng(0xf10e + valid.length);
    const heapBefore = process.memoryUsage().heapUsed;
    let decoded = 0;
    for (let i = 0; i < ITERATIONS; i++) {
      let body: Buffer;
      const mode = rand();
      if (mode < 0.4) {
        body = Buffer.from(Array.from({ length: Math.floor(rand() * 64) }, () => Math.floor(rand() * 256)));
      } else if (mode < 0.8) {
        body = Buffer.from(valid);
        for (let k = 0, n = 1 + Math.floor(rand() * 4); k < n && body.length > 0; k++) body[Math.floor(rand() * body.length)] = Math.floor(rand() * 256);
      } else {
        // Big block counts, the shape of the expansion attack, in random places.
        const counts = Array.from({ length: 1 + Math.floor(rand() * 8) }, () => zigzag(Math.floor(rand() * 2_000_000) * (rand() < 0.3 ? -1 : 1)));
        body = Buffer.from([...counts.flat(), 0]);
      }
      try {
        const value = decodeBody(type, body, 0);
        decoded++;
        // Zero-byte items are capped; every other node costs at least one byte of the body.
        expect(size(value)).toBeLessThanOrEqual(MAX_EMPTY_ITEMS + 8 * body.length + 8);
      } catch (err) {
        if (!isFloeError(err)) throw new Error(`untyped ${String(err)} for body ${body.toString('hex')}`);
        expect(CODES.has(err.code), err.code).toBe(true);
        expect(err.retryable).toBe(false);
      }
    }
    expect(decoded).toBeGreaterThan(0);
    // A generous ceiling: before the per-value cap one 246-byte body alone took 3 GiB.
    expect(process.memoryUsage().heapUsed - heapBefore).toBeLessThan(512 * 1024 * 1024);
  });

  it('the expansion attack (many blocks of a million zero-byte items) is DECODE_TOO_LARGE, not 10 million nulls', () => {
    const type = parseAvroSchema({ type: 'array', items: 'null' });
    const body = Buffer.from([...Array.from({ length: 40 }, () => zigzag(1_000_000)).flat(), 0]);
    let caught: unknown;
    try {
      decodeBody(type, body, 0);
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught) && caught.code).toBe(DecodeCode.TooLarge);
    expect((caught as Error).message).toMatch(/more than 100000 zero-byte/);
  });

  it('a value just under the limit still decodes', () => {
    const type = parseAvroSchema({ type: 'array', items: 'null' });
    const body = Buffer.from([...zigzag(MAX_EMPTY_ITEMS / 2), ...zigzag(MAX_EMPTY_ITEMS / 2), 0]);
    expect((decodeBody(type, body, 0) as unknown[]).length).toBe(MAX_EMPTY_ITEMS);
  });

  it('a recursive record nested past the stack is a typed error', () => {
    const type = parseAvroSchema(SCHEMAS[3]!.schema);
    // Each level: v = 0 (one byte), union branch 1 (one byte); 200k levels then null.
    const levels = 200_000;
    const body = Buffer.alloc(levels * 2 + 2);
    for (let i = 0; i < levels; i++) body[i * 2 + 1] = 2; // zigzag(1) = 2 → branch Node
    let caught: unknown;
    try {
      decodeBody(type, body, 0);
    } catch (err) {
      caught = err;
    }
    expect(isFloeError(caught) && [DecodeCode.TooLarge, DecodeCode.SchemaMismatch].includes(caught.code as never)).toBe(true);
  });
});
