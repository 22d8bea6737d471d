/**
 * In-process pipeline benchmark, no services: Confluent-framed Avro → decode → project onto the
 * table schema → Arrow record batch → Parquet (zstd) + Iceberg metrics; and, side by side on the
 * same batches, the direct reader the daemon uses for eligible writers (body → Arrow columns). Single-threaded, so the
 * rates are per core. Two workloads (`WORKLOADS`): `event`, ~1 KiB with 20 top-level fields and a
 * ~500-byte opaque payload, and `small` (bench/small.ts), 212 bytes with 17 fields.
 */
import avro from 'avsc';
import { RecordBatchBuilder } from '../src/arrow/builder.js';
import { HEADER_SIZE, StaticSchemaSource, ValueDecoder, frame } from '../src/decode/index.js';
import { avroToIceberg, compileDirect, compileProjector } from '../src/schema/index.js';
import { writeDataFile } from '../src/parquet/index.js';
import { SMALL_SCHEMA, makeSmallRecords } from './small.js';

export const EVENT_SCHEMA = {
  type: 'record',
  name: 'PageEvent',
  namespace: 'bench',
  fields: [
    { name: 'event_id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'ts', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'user_id', type: 'long' },
    { name: 'session', type: 'string' },
    { name: 'event', type: { type: 'enum', name: 'Kind', symbols: ['VIEW', 'CLICK', 'BUY', 'SIGNUP'] } },
    { name: 'url', type: 'string' },
    { name: 'referrer', type: ['null', 'string'], default: null },
    { name: 'user_agent', type: 'string' },
    { name: 'country', type: ['null', 'string'], default: null },
    { name: 'city', type: ['null', 'string'], default: null },
    { name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 12, scale: 2 }], default: null },
    { name: 'price', type: 'double' },
    { name: 'quantity', type: 'int' },
    { name: 'is_mobile', type: 'boolean' },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'tags', type: { type: 'array', items: 'string' } },
    { name: 'attributes', type: { type: 'map', values: 'string' } },
    {
      name: 'geo',
      type: { type: 'record', name: 'Geo', fields: [{ name: 'lat', type: 'double' }, { name: 'lon', type: 'double' }] },
    },
    { name: 'score', type: 'float' },
    { name: 'payload', type: 'bytes' },
  ],
};

function decimalBytes(unscaled: number): Buffer {
  const b = Buffer.alloc(8);
  b.writeBigInt64BE(BigInt(unscaled));
  return b;
}

/** Deterministic, varied events (so compression ratios are realistic, not trivially small). */
export function makeEvents(n: number): Buffer[] {
  const type = avro.Type.forSchema(EVENT_SCHEMA as avro.Schema);
  const out: Buffer[] = [];
  for (let k = 0; k < n; k++) {
    const h = ((k * 2654435761) >>> 0).toString(16).padStart(8, '0');
    const value = {
      event_id: `${h}-${h.slice(0, 4)}-4${h.slice(1, 4)}-8${h.slice(5, 8)}-${h}${h.slice(0, 4)}`,
      ts: 1_700_000_000_000_000 + k * 1000,
      user_id: (k * 7919) % 1_000_003,
      session: `sess-${(k * 31) % 50_000}-${h}`,
      event: ['VIEW', 'CLICK', 'BUY', 'SIGNUP'][k % 4],
      url: `https://shop.example.com/category/${k % 97}/product/${(k * 13) % 10_007}?utm_source=news&utm_campaign=c${k % 41}&position=${k % 12}`,
      referrer: k % 3 === 0 ? null : `https://search.example.org/results?q=item+${(k * 17) % 5003}&page=${k % 9}`,
      user_agent: `Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/${100 + (k % 30)}.0.${k % 5000}.${k % 200} Safari/537.36`,
      country: k % 10 === 0 ? null : ['DE', 'US', 'FR', 'JP', 'BR', 'IN', 'GB'][k % 7],
      city: k % 5 === 0 ? null : `city-${(k * 101) % 4999}`,
      amount: k % 4 === 2 ? decimalBytes((k * 37) % 1_000_000) : null,
      price: ((k * 37) % 100_000) / 100,
      quantity: k % 17,
      is_mobile: k % 3 === 1,
      day: 19_000 + (k % 365),
      tags: Array.from({ length: k % 5 }, (_, i) => `tag-${(k + i) % 61}`),
      attributes: { plan: ['free', 'pro', 'team'][k % 3]!, ab: `variant-${k % 7}`, build: `b${(k * 3) % 977}` },
      geo: { lat: ((k * 7) % 18_000) / 100 - 90, lon: ((k * 11) % 36_000) / 100 - 180 },
      score: (k % 1000) / 7,
      // Opaque blob of ~500 bytes (half repetitive, like most real payloads) brings the record to ~1 KiB.
      payload: Buffer.from(`${h}:${k % 977}:`.repeat(24) + `${'x'.repeat(240)}`, 'utf8'),
    };
    out.push(frame(1, type.toBuffer(value)));
  }
  return out;
}

export interface PipelineResult {
  records: number;
  inputBytes: number;
  decodeProjectSeconds: number;
  arrowSeconds: number;
  /** The daemon's path for eligible writers (src/schema/direct.ts): body → Arrow columns in one step; undefined when the writer is not eligible. */
  directSeconds: number | undefined;
  parquetSeconds: number;
  parquetBytes: number;
}

/** Runs the stages over `frames` (schema id 1 = `schema`) in batches; CPU seconds of each stage. */
export function runPipeline(frames: Buffer[], schema: object = EVENT_SCHEMA, batchRows = 50_000): PipelineResult {
  const source = new StaticSchemaSource({ 1: schema });
  const decoder = new ValueDecoder(source);
  const { newSchema } = avroToIceberg(schema);
  const project = compileProjector(schema, newSchema);
  const direct = compileDirect(decoder.decodeCached(frames[0]!)!.writer.type, newSchema, newSchema);
  const builder = new RecordBatchBuilder(newSchema);
  const directBuilder = new RecordBatchBuilder(newSchema);
  // CPU time of this process (user + system), not wall time: on a shared, loaded machine the
  // wall clock measures the neighbours. GC helper threads are included, as they are a cost.
  const cpu = (): number => {
    const u = process.cpuUsage();
    return (u.user + u.system) / 1e6;
  };
  let decodeProject = 0;
  let arrowBuild = 0;
  let directSeconds = 0;
  let parquet = 0;
  let parquetBytes = 0;
  let inputBytes = 0;
  for (let start = 0; start < frames.length; start += batchRows) {
    const slice = frames.slice(start, start + batchRows);
    const rows = new Array(slice.length);
    let t = cpu();
    for (let i = 0; i < slice.length; i++) {
      inputBytes += slice[i]!.length;
      rows[i] = project(decoder.decodeCached(slice[i]!)!.value);
    }
    let t2 = cpu();
    decodeProject += t2 - t;
    t = t2;
    for (const row of rows) builder.append(row);
    let table = builder.finishTable();
    t2 = cpu();
    arrowBuild += t2 - t;
    t = t2;
    if (direct) {
      // Both paths over the same batch, side by side; the direct one's table is the one encoded.
      for (let i = 0; i < slice.length; i++) {
        if (!directBuilder.appendFilled(direct, slice[i]!, HEADER_SIZE, null)) throw new Error(`the direct reader declined record ${start + i}`);
      }
      table = directBuilder.finishTable();
      t2 = cpu();
      directSeconds += t2 - t;
      t = t2;
    }
    parquetBytes += writeDataFile(table, newSchema, { compression: 'zstd' }).bytes.length;
    parquet += cpu() - t;
  }
  return {
    records: frames.length,
    inputBytes,
    decodeProjectSeconds: decodeProject,
    arrowSeconds: arrowBuild,
    directSeconds: direct ? directSeconds : undefined,
    parquetSeconds: parquet,
    parquetBytes,
  };
}

export interface Workload {
  name: 'event' | 'small';
  title: string;
  schema: object;
  make(n: number): Buffer[];
  /** Partitions of the end-to-end topic. */
  partitions: number;
  /**
   * Default records for the end-to-end run: enough for a window of ~15 s. A fresh daemon spends
   * a fixed ~1 CPU s on V8's background threads whatever the backlog, which a 200,000-event run
   * (a 4 s window) measured more than the steady state (benchmarks.md, "The 964-byte event in
   * steady state").
   */
  e2eRecords: number;
}

export const WORKLOADS: Workload[] = [
  { name: 'event', title: '20-field Avro event (~964 B)', schema: EVENT_SCHEMA, make: makeEvents, partitions: 6, e2eRecords: 1_000_000 },
  { name: 'small', title: '17-field Avro record (~212 B)', schema: SMALL_SCHEMA, make: makeSmallRecords, partitions: 4, e2eRecords: 1_000_000 },
];

/** `--workload event,small` → those workloads; `all` (the default) → every one. */
export function selectWorkloads(spec: string): Workload[] {
  if (spec === 'all') return WORKLOADS;
  const names = spec.split(',').map((x) => x.trim());
  const unknown = names.filter((n) => !WORKLOADS.some((w) => w.name === n));
  if (unknown.length > 0) throw new Error(`unknown workload ${unknown.join(', ')}: one of ${WORKLOADS.map((w) => w.name).join(', ')}, all`);
  return WORKLOADS.filter((w) => names.includes(w.name));
}
