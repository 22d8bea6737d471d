/**
 * Avro Object Container Files, in memory.
 *
 * We frame the container ourselves (magic, metadata map, sync marker, blocks) and let avsc encode
 * only the records, for two reasons:
 * - the header's `avro.schema` must be the schema JSON exactly as we built it: avsc drops custom
 *   attributes (`field-id`, `element-id`, `logicalType: map`) when it serializes a parsed Type, and
 *   Iceberg readers resolve manifest columns by those ids;
 * - manifests are small and written once, so a synchronous Buffer-in/Buffer-out API is simpler for
 *   callers that upload through file IO than avsc's stream encoders.
 */
import { randomBytes } from 'node:crypto';
import * as zlib from 'node:zlib';
import avro from 'avsc';
import { FloeError } from '../../util/errors.js';

const MAGIC = Buffer.from([0x4f, 0x62, 0x6a, 0x01]); // "Obj" 1
const SYNC_SIZE = 16;
/** Records per block: keeps blocks near Iceberg's usual sizes without buffering everything twice. */
const RECORDS_PER_BLOCK = 1000;

export type AvroCodec = 'null' | 'deflate';

/**
 * Avro longs decoded losslessly: a JS number when it is a safe integer, otherwise a bigint.
 * Snapshot ids written by Java engines are random 63-bit values; avsc's default long type throws
 * on them ("potential precision loss") and a plain number would silently corrupt them when a
 * manifest or manifest list is rewritten. Both numbers and bigints are accepted when writing.
 */
function losslessLongType(): avro.Type {
  return avro.types.LongType.__with({
    fromBuffer(buf: Buffer): number | bigint {
      const n = buf.readBigInt64LE(0);
      return n >= BigInt(Number.MIN_SAFE_INTEGER) && n <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(n) : n;
    },
    toBuffer(n: number | bigint): Buffer {
      const buf = Buffer.alloc(8);
      buf.writeBigInt64LE(BigInt(n));
      return buf;
    },
    fromJSON(json: unknown): number | bigint {
      return typeof json === 'string' ? BigInt(json) : (json as number);
    },
    toJSON(n: number | bigint): unknown {
      return typeof n === 'bigint' ? n.toString() : n;
    },
    isValid(n: unknown): boolean {
      return typeof n === 'bigint' || (typeof n === 'number' && Number.isSafeInteger(n));
    },
    compare(a: number | bigint, b: number | bigint): number {
      const x = BigInt(a);
      const y = BigInt(b);
      return x < y ? -1 : x > y ? 1 : 0;
    },
  }) as unknown as avro.Type;
}

/** Parses an Avro schema (JSON) into an avsc type with lossless longs; unknown logical types are ignored. */
export function avroType(schema: unknown): avro.Type {
  const long = losslessLongType();
  return avro.Type.forSchema(schema as avro.Schema, {
    // A hook rather than the registry: the registry only covers the bare name "long", not
    // annotated longs such as {"type": "long", "logicalType": "timestamp-micros"}.
    typeHook: (s: unknown) =>
      s === 'long' || (typeof s === 'object' && s !== null && (s as { type?: unknown }).type === 'long') ? long : undefined,
    wrapUnions: false,
  } as Partial<avro.ForSchemaOptions>);
}

/**
 * Parsed reader types by schema text. Every manifest of a table carries the same few schema texts,
 * and compiling one with avsc cost 13-15 % of a compaction's CPU when done per file. Types are
 * immutable once built, so sharing them is safe; the bound keeps a long-lived daemon that reads
 * many tables' manifests from growing without limit.
 */
const readerTypes = new Map<string, avro.Type>();
const READER_TYPES_MAX = 256;

function readerType(text: string, schema: unknown): avro.Type {
  let type = readerTypes.get(text);
  if (!type) {
    if (readerTypes.size >= READER_TYPES_MAX) readerTypes.clear();
    type = avroType(schema);
    readerTypes.set(text, type);
  }
  return type;
}

const metadataType = avro.Type.forSchema({ type: 'map', values: 'bytes' });
const longType = avro.Type.forSchema('long');

export interface AvroWriteOptions {
  codec?: AvroCodec;
}

/** Encodes records as a complete container file. `metadata` holds the user key-value pairs. */
export function writeAvroFile(
  schema: unknown,
  metadata: Record<string, string>,
  records: readonly unknown[],
  options: AvroWriteOptions = {},
): Buffer {
  const codec = options.codec ?? 'deflate';
  const type = avroType(schema);
  const meta: Record<string, Buffer> = {
    'avro.schema': Buffer.from(JSON.stringify(schema), 'utf8'),
    'avro.codec': Buffer.from(codec, 'utf8'),
  };
  for (const [key, value] of Object.entries(metadata)) meta[key] = Buffer.from(value, 'utf8');
  const sync = randomBytes(SYNC_SIZE);
  const parts: Buffer[] = [MAGIC, metadataType.toBuffer(meta), sync];
  for (let start = 0; start < records.length; start += RECORDS_PER_BLOCK) {
    const chunk = records.slice(start, start + RECORDS_PER_BLOCK);
    let raw: Buffer;
    try {
      raw = Buffer.concat(chunk.map((record) => type.toBuffer(record)));
    } catch (cause) {
      throw new FloeError('AVRO_ENCODE_FAILED', `cannot encode an Avro record: ${String(cause)}`, { cause });
    }
    const body = codec === 'deflate' ? zlib.deflateRawSync(raw) : raw;
    parts.push(longType.toBuffer(chunk.length), longType.toBuffer(body.length), body, sync);
  }
  return Buffer.concat(parts);
}

export interface AvroFileContents {
  /** The writer schema from the header, as JSON (custom attributes intact). */
  schema: AvroSchemaJson;
  metadata: Record<string, string>;
  records: unknown[];
}

/** Avro schema JSON, loosely typed: readers walk it to find Iceberg field ids. */
export type AvroSchemaJson = string | AvroSchemaJson[] | { [key: string]: unknown };

function decompress(codec: string, body: Buffer): Buffer {
  switch (codec) {
    case 'null':
      return body;
    case 'deflate':
      return zlib.inflateRawSync(body);
    case 'zstandard':
      // Avro writes one zstd frame per block (node:zlib reads only the first frame of a buffer).
      return zlib.zstdDecompressSync(body);
  }
  throw new FloeError('AVRO_CODEC_UNSUPPORTED', `unsupported Avro codec "${codec}"`);
}

/** Decodes a complete container file with its own writer schema. */
export function readAvroFile(bytes: Uint8Array): AvroFileContents {
  const buf = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < MAGIC.length + SYNC_SIZE || !buf.subarray(0, 4).equals(MAGIC)) {
    throw new FloeError('AVRO_INVALID_FILE', 'not an Avro object container file');
  }
  try {
    const header = metadataType.decode(buf, 4);
    if (header.offset < 0) throw new Error('truncated header');
    const rawMeta = header.value as Record<string, Buffer>;
    let pos = header.offset;
    const sync = buf.subarray(pos, pos + SYNC_SIZE);
    pos += SYNC_SIZE;
    const schemaText = rawMeta['avro.schema']?.toString('utf8');
    if (schemaText === undefined) throw new Error('header has no avro.schema');
    const schema = JSON.parse(schemaText) as AvroSchemaJson;
    const codec = rawMeta['avro.codec']?.toString('utf8') ?? 'null';
    const metadata: Record<string, string> = {};
    for (const [key, value] of Object.entries(rawMeta)) {
      if (!key.startsWith('avro.')) metadata[key] = value.toString('utf8');
    }
    const type = readerType(schemaText, schema);
    const records: unknown[] = [];
    while (pos < buf.length) {
      const count = longType.decode(buf, pos);
      const size = longType.decode(buf, count.offset);
      if (count.offset < 0 || size.offset < 0) throw new Error('truncated block header');
      pos = size.offset;
      const body = buf.subarray(pos, pos + (size.value as number));
      pos += size.value as number;
      if (!buf.subarray(pos, pos + SYNC_SIZE).equals(sync)) throw new Error('sync marker mismatch');
      pos += SYNC_SIZE;
      const data = decompress(codec, body);
      let offset = 0;
      for (let i = 0; i < (count.value as number); i++) {
        const decoded = type.decode(data, offset);
        if (decoded.offset < 0) throw new Error('truncated record');
        records.push(decoded.value);
        offset = decoded.offset;
      }
    }
    return { schema, metadata, records };
  } catch (cause) {
    if (cause instanceof FloeError) throw cause;
    throw new FloeError('AVRO_INVALID_FILE', `cannot read Avro container file: ${String(cause)}`, { cause });
  }
}
