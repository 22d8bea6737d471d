/**
 * Seeded property test to Parquet: for 1,000 random Avro schemas (test/schema/random-avro.ts),
 * random values are encoded by avsc, decoded and projected by floe, built into an Arrow batch by
 * `RecordBatchBuilder`, written to Parquet bytes (zstd), and read back by hyparquet — a reader
 * that shares no code with floe or parquet-wasm. Every value must equal the row the generator
 * predicted from the mapping rules, exactly: hyparquet's own decimal conversion goes through a
 * double, so decimal columns are read as their raw unscaled integers and compared as bigints.
 * A failure names its seed; rerun just that seed with FLOE_SEED=<n>.
 *
 * Schemas containing a record with no columns (no fields, or only `null` fields) are skipped and
 * counted: Parquet cannot store an empty group (parquet-wasm and parquet-mr both refuse), so floe
 * refuses such writer schemas as incompatible (docs/schema-mapping.md); the test checks that
 * avroToIceberg refuses exactly those.
 * Seeds are taken in order until 1,000 schemas have round-tripped.
 */
import { zstdDecompressSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder } from '../../src/arrow/builder.js';
import { parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import { decimalParams, fixedLength } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, Schema } from '../../src/iceberg/spec/types.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { avroToIceberg, compileProjector } from '../../src/schema/index.js';
import { hasEmptyRecord, randomCase } from '../schema/random-avro.js';

const CASES = 1000;
const ROWS_PER_CASE = 8;

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

/** Reads every row; DECIMAL annotations are dropped from the footer so values stay exact. */
async function readExact(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  const file = arrayBuffer(bytes);
  const metadata: FileMetaData = parquetMetadata(file);
  for (const el of metadata.schema) {
    if (el.converted_type === 'DECIMAL' || el.logical_type?.type === 'DECIMAL') {
      el.converted_type = undefined;
      el.logical_type = undefined;
    }
  }
  return parquetReadObjects({
    file,
    metadata,
    utf8: false,
    compressors: { ZSTD: (input: Uint8Array) => zstdDecompressSync(input) },
    // Temporal values as raw counts: a Date would drop microseconds.
    parsers: { timestampFromMicroseconds: (v: bigint) => v, timestampFromNanoseconds: (v: bigint) => v, dateFromDays: (d: number) => d },
  });
}

/** Big-endian two's complement bytes → bigint (Parquet's FIXED/BINARY decimal encoding). */
function unscaled(b: Uint8Array): bigint {
  if (b.length === 0) return 0n;
  let n = 0n;
  for (const x of b) n = (n << 8n) | BigInt(x);
  return BigInt.asIntN(8 * b.length, n);
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');
const floatKey = (n: number): unknown => (Number.isNaN(n) ? 'NaN' : Object.is(n, -0) ? '-0' : n);

/**
 * One comparable form for both sides, guided by the column type: the generator's row form
 * (bigint, Map, Buffer) and hyparquet's (bigint or number, plain objects, Uint8Array).
 */
function canonical(type: IcebergType, v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') {
    if (decimalParams(type)) return v instanceof Uint8Array ? unscaled(v).toString() : BigInt(v as number | bigint).toString();
    if (fixedLength(type) !== undefined || type === 'binary') return hex(v as Uint8Array);
    switch (type) {
      case 'uuid': return typeof v === 'string' ? v.replace(/-/g, '').toLowerCase() : hex(v as Uint8Array);
      case 'float': return floatKey(Math.fround(v as number));
      case 'double': return floatKey(v as number);
      case 'string': return typeof v === 'string' ? v : Buffer.from(v as Uint8Array).toString('utf8');
      case 'boolean': return v;
      default: return String(v); // int, long, date, time, timestamps: exact integers
    }
  }
  switch (type.type) {
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, canonical(f.type, o[f.name])]));
    }
    case 'list':
      return (v as unknown[]).map((e) => canonical(type.element, e));
    case 'map': {
      const entries = v instanceof Map ? [...v] : Object.entries(v as object);
      return entries.map(([k, x]) => [String(k), canonical(type.value, x)]).sort((a, b) => (a[0]! < b[0]! ? -1 : a[0]! > b[0]! ? 1 : 0));
    }
  }
}

const rowsOf = (schema: Schema, rows: unknown[]) => rows.map((r) => canonical({ type: 'struct', fields: schema.fields }, r));

describe('random Avro schemas: encode → decode → project → Arrow → Parquet → hyparquet', () => {
  it(`${CASES} schemas × ${ROWS_PER_CASE} rows read back exactly`, async () => {
    const only = process.env.FLOE_SEED;
    let done = 0;
    let skipped = 0;
    for (let seed = only ? Number(only) : 1; done < (only ? 1 : CASES); seed++) {
      const c = randomCase(seed);
      const mapped = avroToIceberg(c.schema);
      // floe refuses such writers (SCHEMA_INCOMPATIBLE → dead letters), so no table ever has one.
      expect(mapped.action, `seed ${seed}`).toBe(hasEmptyRecord(c.schema) ? 'dead-letter' : 'apply');
      if (mapped.action === 'dead-letter') {
        skipped++;
        if (only) break;
        continue;
      }
      done++;
      const type = parseAvroSchema(c.schema);
      const schema = mapped.newSchema;
      const project = compileProjector(type, schema);
      const builder = new RecordBatchBuilder(schema);
      const expected: unknown[] = [];
      for (let i = 0; i < ROWS_PER_CASE; i++) {
        const s = c.sample(c.rng);
        builder.append(project(decodeBody(type, type.toBuffer(s.avro), 0)) as Record<string, unknown>);
        expected.push(s.row);
      }
      const label = `seed ${seed}: ${JSON.stringify(c.schema)}`;
      let bytes: Uint8Array;
      try {
        bytes = writeParquetBytes(builder.finishTable(), { compression: 'zstd' });
      } catch (err) {
        throw new Error(`${label}: ${String(err)}`, { cause: err });
      }
      const got = await readExact(bytes);
      expect(got.length, label).toBe(ROWS_PER_CASE);
      expect(rowsOf(schema, got), label).toEqual(rowsOf(schema, expected));
    }
    expect(done + skipped).toBeGreaterThan(0);
  }, 120_000);
});
