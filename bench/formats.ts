/**
 * The same logical record in each format floe reads, through decode → project → Arrow → Parquet:
 * `npm run bench -- --formats`. The event workload (bench/pipeline.ts) as Confluent-framed Avro,
 * as Confluent-framed JSON Schema (the JSON a JSONSerializer would write for it), as
 * Confluent-framed Protobuf (EVENT_PROTO, encoded by protobufjs, message index path [0]) and, for
 * the raw path, as a `json` topic without a schema (one JSON text column). Rates are per CPU second.
 */
import avro from 'avsc';
import protobuf from 'protobufjs';
import { protobufFormat, writeIndexPath } from '../src/decode/protobuf/format.js';
import { RecordBatchBuilder } from '../src/arrow/builder.js';
import { frame, rawWriter, type WriterSchema } from '../src/decode/index.js';
import { avroWriter } from '../src/decode/avro-format.js';
import { parseAvroSchema } from '../src/decode/avro.js';
import { jsonSchemaFormat } from '../src/decode/json-schema/format.js';
import { avroToIceberg, compileDirect, compileProjector } from '../src/schema/index.js';
import { writeDataFile } from '../src/parquet/index.js';
import { EVENT_SCHEMA, makeEvents } from './pipeline.js';

const nullable = (t: object) => ({ ...t, type: [(t as { type: string }).type, 'null'] });
const DECIMAL = { title: 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '12' } };

/** EVENT_SCHEMA as JSON Schema (draft-07), type for type. */
export const EVENT_JSON_SCHEMA = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'PageEvent',
  type: 'object',
  required: ['event_id', 'ts', 'user_id', 'session', 'event', 'url', 'user_agent', 'price', 'quantity', 'is_mobile', 'day', 'tags', 'attributes', 'geo', 'score', 'payload'],
  properties: {
    event_id: { type: 'string', format: 'uuid' },
    ts: { type: 'string', format: 'date-time' },
    user_id: { type: 'integer' },
    session: { type: 'string' },
    event: { enum: ['VIEW', 'CLICK', 'BUY', 'SIGNUP'] },
    url: { type: 'string' },
    referrer: nullable({ type: 'string' }),
    user_agent: { type: 'string' },
    country: nullable({ type: 'string' }),
    city: nullable({ type: 'string' }),
    amount: nullable({ type: 'number', ...DECIMAL }),
    price: { type: 'number' },
    quantity: { type: 'integer', 'connect.type': 'int32' },
    is_mobile: { type: 'boolean' },
    day: { type: 'string', format: 'date' },
    tags: { type: 'array', items: { type: 'string' } },
    attributes: { type: 'object', additionalProperties: { type: 'string' } },
    geo: { type: 'object', required: ['lat', 'lon'], properties: { lat: { type: 'number' }, lon: { type: 'number' } } },
    score: { type: 'number', 'connect.type': 'float32' },
    payload: { type: 'string', 'connect.type': 'bytes' },
  },
};

/**
 * EVENT_SCHEMA as Protobuf, field for field: uuid as string (Protobuf has no uuid), Timestamp,
 * enum, proto3 `optional` for the nullable fields, google.type.Date, a map, a nested message. The
 * decimal `amount` is its unscaled cents in an int64 (`amount_cents`): a Protobuf decimal has no
 * fixed scale to make a column of.
 */
export const EVENT_PROTO = `
syntax = "proto3";
package bench;
import "google/protobuf/timestamp.proto";
import "google/type/date.proto";
message PageEvent {
  enum Kind { VIEW = 0; CLICK = 1; BUY = 2; SIGNUP = 3; }
  message Geo { double lat = 1; double lon = 2; }
  string event_id = 1; google.protobuf.Timestamp ts = 2; int64 user_id = 3; string session = 4;
  Kind event = 5; string url = 6; optional string referrer = 7; string user_agent = 8;
  optional string country = 9; optional string city = 10; optional int64 amount_cents = 11;
  double price = 12; int32 quantity = 13; bool is_mobile = 14; google.type.Date day = 15;
  repeated string tags = 16; map<string, string> attributes = 17; Geo geo = 18; float score = 19;
  bytes payload = 20;
}
`;

/** The Avro frames of makeEvents, re-encoded as Confluent-framed Protobuf of EVENT_PROTO. */
export function eventsAsProtobuf(avroFrames: Buffer[]): Buffer[] {
  const root = new protobuf.Root();
  root.addJSON((protobuf.common.get('google/protobuf/timestamp.proto') as { nested: Record<string, protobuf.AnyNestedObject> }).nested);
  protobuf.parse('syntax = "proto3"; package google.type; message Date { int32 year = 1; int32 month = 2; int32 day = 3; }', root, { keepCase: true });
  protobuf.parse(EVENT_PROTO, root, { keepCase: true });
  root.resolveAll();
  const msg = root.lookupType('bench.PageEvent');
  const type = avro.Type.forSchema(EVENT_SCHEMA as avro.Schema);
  const header = Buffer.concat([frame(1, Buffer.alloc(0)), writeIndexPath([0])]);
  return avroFrames.map((f) => {
    const v = type.fromBuffer(f.subarray(5)) as Record<string, unknown>;
    const ts = BigInt(v.ts as number);
    const day = new Date((v.day as number) * 86_400_000);
    const amount = v.amount as Buffer | null;
    const body = msg
      .encode(
        msg.fromObject({
          ...v,
          ts: { seconds: String(ts / 1_000_000n), nanos: Number(ts % 1_000_000n) * 1000 },
          amount_cents: amount === null ? undefined : String(amount.readBigInt64BE()),
          amount: undefined,
          day: { year: day.getUTCFullYear(), month: day.getUTCMonth() + 1, day: day.getUTCDate() },
          attributes: Object.fromEntries(v.attributes instanceof Map ? v.attributes : Object.entries(v.attributes as object)),
          referrer: v.referrer ?? undefined,
          country: v.country ?? undefined,
          city: v.city ?? undefined,
        }),
      )
      .finish();
    return Buffer.concat([header, body]);
  });
}

function iso(micros: bigint): string {
  const ms = Number(micros / 1000n);
  return `${new Date(ms).toISOString().slice(0, 19)}.${(micros % 1_000_000n).toString().padStart(6, '0')}Z`;
}

/** The Avro frames of makeEvents, re-encoded as the JSON a JSON Schema producer sends. */
export function eventsAsJson(avroFrames: Buffer[]): Buffer[] {
  const type = avro.Type.forSchema(EVENT_SCHEMA as avro.Schema);
  return avroFrames.map((f) => {
    const v = type.fromBuffer(f.subarray(5)) as Record<string, unknown>;
    const amount = v.amount as Buffer | null;
    const json = {
      ...v,
      ts: iso(BigInt(v.ts as number)),
      amount: amount === null ? null : Number(amount.readBigInt64BE()) / 100,
      day: new Date((v.day as number) * 86_400_000).toISOString().slice(0, 10),
      payload: (v.payload as Buffer).toString('base64'),
    };
    return frame(1, Buffer.from(JSON.stringify(json)));
  });
}

export interface FormatResult {
  format: string;
  records: number;
  inputBytes: number;
  seconds: number;
}

function cpu(): number {
  const u = process.cpuUsage();
  return (u.user + u.system) / 1e6;
}

/**
 * decode → project → Arrow → Parquet (zstd) for one writer, in batches; CPU seconds in total.
 * `direct`: through the direct reader instead (src/schema/direct.ts, Avro only), as a bronze daemon does.
 */
export function runFormat(format: string, writer: WriterSchema, frames: Buffer[], offset: number, direct = false, batchRows = 50_000): FormatResult {
  const { newSchema } = avroToIceberg(writer.type);
  const project = compileProjector(writer.type, newSchema);
  const read = direct ? compileDirect(writer.type, newSchema, newSchema) : undefined;
  if (direct && !read) throw new Error(`${format}: the writer is not eligible for the direct reader`);
  const builder = new RecordBatchBuilder(newSchema);
  let inputBytes = 0;
  const t0 = cpu();
  for (let start = 0; start < frames.length; start += batchRows) {
    const slice = frames.slice(start, start + batchRows);
    for (const f of slice) {
      inputBytes += f.length;
      if (read) {
        if (!builder.appendFilled(read, f, offset, null)) throw new Error(`${format}: the direct reader declined a record`);
      } else {
        builder.append(project(writer.read(f, offset).value));
      }
    }
    writeDataFile(builder.finishTable(), newSchema, { compression: 'zstd' });
  }
  return { format, records: frames.length, inputBytes, seconds: cpu() - t0 };
}

/** The four formats on the same n events (a warm-up pass each first). */
export function runFormats(n: number): FormatResult[] {
  const avroFrames = makeEvents(n);
  const jsonFrames = eventsAsJson(avroFrames);
  const text = JSON.stringify(EVENT_SCHEMA);
  const avroEvent = avroWriter(1, text, parseAvroSchema(text));
  const cases: Array<[string, WriterSchema, Buffer[], number, boolean?]> = [
    ['avro', avroEvent, avroFrames, 5],
    ['avro, direct reader (bronze)', avroEvent, avroFrames, 5, true],
    ['json-schema', jsonSchemaFormat.load(1, JSON.stringify(EVENT_JSON_SCHEMA), []), jsonFrames, 5],
    ['protobuf', protobufFormat.load(1, EVENT_PROTO, []), eventsAsProtobuf(avroFrames), 5],
    ['raw json (value.format json)', rawWriter('json'), jsonFrames.map((f) => f.subarray(5)), 0],
  ];
  return cases.map(([name, writer, frames, offset, direct]) => {
    runFormat(name, writer, frames.slice(0, Math.min(10_000, n)), offset, direct);
    return runFormat(name, writer, frames, offset, direct);
  });
}
