/**
 * Seeded random Avro schemas and values, with the row floe must produce for each value — computed
 * here from the mapping rules in docs/schema-mapping.md, independently of src/schema, so the
 * property test checks the implementation rather than itself. Reusable: a Parquet round-trip
 * test can take `schema`, encode `avro`, and compare what a Parquet reader returns with `row`.
 *
 * Value forms: `avro` is what avsc's writer takes (unions wrapped as {branch: v}, maps as plain
 * objects, logical types in floe's canonical form); `row` is floe's row form (see convert.ts).
 */

import { prng } from '../fixtures/prng.js';

/** Seeded draws (mulberry32, test/fixtures/prng.ts): identical on every platform, so a failing case replays. */
export class Prng {
  private readonly draw: () => number;
  constructor(seed: number) {
    this.draw = prng(seed);
  }
  next(): number {
    return this.draw();
  }
  int(lo: number, hi: number): number {
    return lo + Math.floor(this.next() * (hi - lo + 1));
  }
  bool(p = 0.5): boolean {
    return this.next() < p;
  }
  pick<T>(items: readonly T[]): T {
    return items[Math.floor(this.next() * items.length)]!;
  }
  /** Uniform 64-bit signed integer, biased toward small and extreme values now and then. */
  long(): bigint {
    const r = this.next();
    if (r < 0.1) return this.pick([0n, -1n, 1n, (1n << 63n) - 1n, -(1n << 63n), 2n ** 53n + 1n]);
    const hi = BigInt(this.int(0, 0xffffffff));
    const lo = BigInt(this.int(0, 0xffffffff));
    return BigInt.asIntN(64, (hi << 32n) | lo) >> BigInt(this.int(0, 62));
  }
  bytes(max: number): Buffer {
    return Buffer.from(Array.from({ length: this.int(0, max) }, () => this.int(0, 255)));
  }
  string(max: number): string {
    const alphabet = ['a', 'Z', '0', ' ', '"', '\\', 'é', '✓', '😀', '\u0000', '\n', '中'];
    let s = '';
    for (let i = this.int(0, max); i > 0; i--) s += this.pick(alphabet);
    return s;
  }
  /** A decimal unscaled value with at most `precision` digits. */
  decimal(precision: number): bigint {
    let digits = '';
    for (let i = this.int(1, precision); i > 0; i--) digits += String(this.int(0, 9));
    const n = BigInt(digits);
    return this.bool() ? -n : n;
  }
}

export interface Sample {
  avro: unknown;
  row: unknown;
}

/** A generated Avro type: its schema JSON and a value generator. */
export interface GenType {
  schema: unknown;
  /** The branch key avsc uses when this type is a union branch. */
  branch: string;
  /** Column name of this type as a member of a union struct. */
  member: string;
  /** Iceberg type string for primitives (for reuse by other tests); undefined for nested types. */
  iceberg?: string;
  sample(rng: Prng): Sample;
}

export interface GenOptions {
  maxDepth: number;
  maxFields: number;
}

const same = (v: unknown): Sample => ({ avro: v, row: v });

function maxDecimalPrecision(size: number): number {
  return Math.floor(Math.log10(2 ** (8 * size - 1) - 1));
}

function decimalText(n: bigint, scale: number): string {
  const neg = n < 0n;
  const digits = (neg ? -n : n).toString().padStart(scale + 1, '0');
  return scale === 0 ? `${neg ? '-' : ''}${digits}` : `${neg ? '-' : ''}${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
}

export class AvroGenerator {
  private counter = 0;
  constructor(
    private readonly rng: Prng,
    private readonly options: GenOptions = { maxDepth: 3, maxFields: 6 },
  ) {}

  private name(prefix: string): string {
    return `${prefix}${++this.counter}`;
  }

  primitive(): GenType {
    const rng = this.rng;
    const kind = rng.int(0, 22);
    const p = (schema: unknown, branch: string, iceberg: string, sample: (r: Prng) => Sample): GenType => ({ schema, branch, member: branch, iceberg, sample });
    switch (kind) {
      case 0: return p('boolean', 'boolean', 'boolean', (r) => same(r.bool()));
      case 1: return p('int', 'int', 'int', (r) => same(r.int(-(2 ** 31), 2 ** 31 - 1)));
      case 2: return p('long', 'long', 'long', (r) => same(r.long()));
      case 3: return p('float', 'float', 'float', (r) => same(r.bool(0.05) ? r.pick([NaN, Infinity, -0]) : Math.fround((r.next() - 0.5) * 1e6)));
      case 4: return p('double', 'double', 'double', (r) => same(r.bool(0.05) ? r.pick([NaN, -Infinity, Number.MIN_VALUE]) : (r.next() - 0.5) * 1e300));
      case 5: return p('bytes', 'bytes', 'binary', (r) => same(r.bytes(20)));
      case 6: return p('string', 'string', 'string', (r) => same(r.string(20)));
      case 7: {
        const name = this.name('E');
        const symbols = Array.from({ length: rng.int(1, 5) }, (_, i) => `S${i}`);
        return { schema: { type: 'enum', name, symbols }, branch: name, member: name, iceberg: 'string', sample: (r) => same(r.pick(symbols)) };
      }
      case 8: {
        const name = this.name('F');
        const size = rng.int(0, 20);
        return { schema: { type: 'fixed', name, size }, branch: name, member: name, iceberg: size === 0 ? 'binary' : `fixed[${size}]`, sample: (r) => same(Buffer.from(Array.from({ length: size }, () => r.int(0, 255)))) };
      }
      case 9: {
        const precision = rng.int(1, 45);
        const scale = rng.int(0, precision);
        const wide = precision > 38;
        return p({ type: 'bytes', logicalType: 'decimal', precision, scale }, 'bytes', wide ? 'string' : `decimal(${precision},${scale})`, (r) => {
          const v = r.decimal(precision);
          return { avro: v, row: wide ? decimalText(v, scale) : v };
        });
      }
      case 10: {
        const precision = rng.int(1, 38);
        const scale = rng.int(0, precision);
        let size = 1;
        while (maxDecimalPrecision(size) < precision) size++;
        size += rng.int(0, 2);
        const name = this.name('D');
        return { schema: { type: 'fixed', name, size, logicalType: 'decimal', precision, scale }, branch: name, member: name, iceberg: `decimal(${precision},${scale})`, sample: (r) => same(r.decimal(precision)) };
      }
      case 11:
      case 12: {
        const onFixed = kind === 12;
        const name = this.name('U');
        const schema = onFixed ? { type: 'fixed', name, size: 16, logicalType: 'uuid' } : { type: 'string', logicalType: 'uuid' };
        const hex = () => Array.from({ length: 32 }, () => rng.pick('0123456789abcdef'.split(''))).join('');
        const gen = (r: Prng): Sample => {
          void r;
          const h = hex();
          return same(`${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`);
        };
        return { schema, branch: onFixed ? name : 'string', member: onFixed ? name : 'string', iceberg: 'uuid', sample: gen };
      }
      case 13: return p({ type: 'int', logicalType: 'date' }, 'int', 'date', (r) => same(r.int(-1_000_000, 1_000_000)));
      case 14: return p({ type: 'int', logicalType: 'time-millis' }, 'int', 'time', (r) => same(BigInt(r.int(0, 86_399_999)) * 1000n));
      case 15: return p({ type: 'long', logicalType: 'time-micros' }, 'long', 'time', (r) => same(BigInt(r.int(0, 86_399_999_999))));
      default: {
        const [logicalType, iceberg, unit] = rng.pick([
          ['timestamp-millis', 'timestamptz', 1000n],
          ['timestamp-micros', 'timestamptz', 1n],
          ['timestamp-nanos', 'timestamptz', 0n],
          ['local-timestamp-millis', 'timestamp', 1000n],
          ['local-timestamp-micros', 'timestamp', 1n],
          ['local-timestamp-nanos', 'timestamp', 0n],
        ] as const);
        // µs values the writer's unit can represent and that stay inside a signed 64-bit long.
        // Nanosecond writers (unit 0n) send ns; a v2 table's µs column holds them floored.
        return p({ type: 'long', logicalType }, 'long', iceberg, (r) => {
          const micros = (r.long() / 1_000_000n) * (unit || 1n);
          if (unit !== 0n) return same(micros);
          const nanos = micros * 1000n + BigInt(r.int(-999, 999));
          return { avro: nanos, row: nanos / 1000n - (nanos % 1000n < 0n ? 1n : 0n) };
        });
      }
    }
  }

  /** Any type at the given depth. */
  type(depth: number): GenType {
    const rng = this.rng;
    if (depth >= this.options.maxDepth) return this.primitive();
    const r = rng.next();
    if (r < 0.45) return this.primitive();
    if (r < 0.6) return this.record(depth + 1);
    if (r < 0.7) return this.array(depth + 1);
    if (r < 0.8) return this.map(depth + 1);
    if (r < 0.95) return this.union(depth + 1);
    return this.recursive();
  }

  /** A value slot: the type itself, `[null, T]`, `[T, null]` or `[T]`. Unions are not nested in unions. */
  slot(depth: number): { schema: unknown; sample(r: Prng): Sample; nullable: boolean } {
    const rng = this.rng;
    const t = this.type(depth);
    const isUnion = Array.isArray(t.schema);
    const shape = isUnion ? 0 : rng.int(0, 5);
    if (shape <= 2) return { schema: t.schema, sample: (r) => t.sample(r), nullable: false };
    if (shape === 5) {
      return { schema: [t.schema], nullable: false, sample: (r) => { const s = t.sample(r); return { avro: { [t.branch]: s.avro }, row: s.row }; } };
    }
    const schema = shape === 3 ? ['null', t.schema] : [t.schema, 'null'];
    return {
      schema,
      nullable: true,
      sample: (r) => {
        if (r.bool(0.3)) return { avro: null, row: null };
        const s = t.sample(r);
        return { avro: { [t.branch]: s.avro }, row: s.row };
      },
    };
  }

  record(depth: number): GenType {
    const name = this.name('R');
    const fields = Array.from({ length: this.rng.int(0, this.options.maxFields) }, (_, i) => {
      const withNull = this.rng.bool(0.05);
      return { name: `f${i}`, ...(withNull ? { schema: 'null', sample: () => ({ avro: null, row: undefined }), nullable: true } : this.slot(depth)) };
    });
    return {
      schema: { type: 'record', name, fields: fields.map((f) => ({ name: f.name, type: f.schema })) },
      branch: name,
      member: name,
      sample: (r) => {
        const avro: Record<string, unknown> = {};
        const row: Record<string, unknown> = {};
        for (const f of fields) {
          const s = f.sample(r);
          avro[f.name] = s.avro;
          if (f.schema !== 'null') row[f.name] = s.row; // null-typed fields get no column
        }
        return { avro, row };
      },
    };
  }

  array(depth: number): GenType {
    const el = this.slot(depth);
    return {
      schema: { type: 'array', items: el.schema },
      branch: 'array',
      member: 'array',
      sample: (r) => {
        const items = Array.from({ length: r.int(0, 4) }, () => el.sample(r));
        return { avro: items.map((s) => s.avro), row: items.map((s) => s.row) };
      },
    };
  }

  map(depth: number): GenType {
    const val = this.slot(depth);
    return {
      schema: { type: 'map', values: val.schema },
      branch: 'map',
      member: 'map',
      sample: (r) => {
        const avro: Record<string, unknown> = {};
        const row = new Map<string, unknown>();
        for (let i = r.int(0, 4); i > 0; i--) {
          const key = `${r.string(6)}#${i}`;
          const s = val.sample(r);
          avro[key] = s.avro;
          row.set(key, s.row);
        }
        return { avro, row };
      },
    };
  }

  /** A union of 2–4 distinct branches (no nested unions), with or without null. */
  union(depth: number): GenType {
    const branches: GenType[] = [];
    const used = new Set<string>();
    for (let tries = 0; branches.length < this.rng.int(2, 4) && tries < 20; tries++) {
      const t = this.type(depth);
      if (Array.isArray(t.schema) || used.has(t.branch)) continue;
      used.add(t.branch);
      branches.push(t);
    }
    if (branches.length < 2) return this.primitive();
    const withNull = this.rng.bool(0.4);
    const schema = withNull ? ['null', ...branches.map((b) => b.schema)] : branches.map((b) => b.schema);
    return {
      schema,
      branch: 'union',
      member: 'union',
      sample: (r) => {
        if (withNull && r.bool(0.2)) return { avro: null, row: null };
        const chosen = r.pick(branches);
        const s = chosen.sample(r);
        const row: Record<string, unknown> = {};
        for (const b of branches) row[b.member] = b === chosen ? s.row : null;
        return { avro: { [chosen.branch]: s.avro }, row };
      },
    };
  }

  /** A self-referencing record; floe stores it as deterministic JSON. */
  recursive(): GenType {
    const name = this.name('Node');
    const gen = (r: Prng, depth: number): Sample => {
      const label = r.string(5);
      const weight = r.long();
      const kids = depth < 3 ? Array.from({ length: r.int(0, 2) }, () => gen(r, depth + 1)) : [];
      return {
        avro: { label, weight, children: kids.map((k) => k.avro) },
        row: `{"label":${JSON.stringify(label)},"weight":${weight},"children":[${kids.map((k) => k.row).join(',')}]}`,
      };
    };
    return {
      schema: { type: 'record', name, fields: [{ name: 'label', type: 'string' }, { name: 'weight', type: 'long' }, { name: 'children', type: { type: 'array', items: name } }] },
      branch: name,
      member: name,
      sample: (r) => gen(r, 0),
    };
  }

  /** A top-level record schema. */
  topLevel(): GenType {
    return this.record(0);
  }
}

/** The schema and a value generator for property-test case `seed`. */
export function randomCase(seed: number, options?: GenOptions): { schema: object; sample(r: Prng): Sample; rng: Prng } {
  const rng = new Prng(seed);
  const t = new AvroGenerator(rng, options).topLevel();
  return { schema: t.schema as object, sample: (r) => t.sample(r), rng };
}

/** True if the schema holds a record that maps to a struct without columns. */
export function hasEmptyRecord(s: unknown): boolean {
  if (Array.isArray(s)) return s.some(hasEmptyRecord);
  if (s === null || typeof s !== 'object') return false;
  const t = s as { type: string; fields?: Array<{ type: unknown }>; items?: unknown; values?: unknown };
  if (t.type === 'record') {
    const cols = t.fields!.filter((f) => f.type !== 'null');
    return cols.length === 0 || cols.some((f) => hasEmptyRecord(f.type));
  }
  if (t.type === 'array') return hasEmptyRecord(t.items);
  if (t.type === 'map') return hasEmptyRecord(t.values);
  return false;
}
