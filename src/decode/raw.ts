/**
 * Topics without a schema (`value.format` / `key.format`: bytes, string, json, long, int). The
 * value lands in one column named `value` of a fixed writer schema, so a raw topic is a bronze
 * table like any other (value column + Kafka metadata) and goes through the same mapping code.
 * `long` and `int` are what Kafka's LongSerializer / IntegerSerializer write: 8 / 4 bytes,
 * big-endian two's complement. `json` is validated (a body that is not JSON is dead-lettered) and
 * stored as its text, exactly as sent: re-serializing would round numbers beyond 2^53; or, with
 * `value.json: variant` (format-v3 tables), parsed exactly and stored as an Iceberg `variant`
 * (json-variant.ts has the number rules).
 */
import { parseAvroSchema } from './avro.js';
import { encodeVariant } from '../iceberg/spec/variant.js';
import { DecodeCode, decodeError } from './errors.js';
import { parseJsonVariant } from './json-variant.js';
import type { WriterSchema } from './writer.js';

export const RAW_FORMATS = ['bytes', 'string', 'json', 'long', 'int'] as const;
export type RawFormat = (typeof RAW_FORMATS)[number];

/** Schema id reported for raw values (no registry involved). */
export const RAW_SCHEMA_ID = -1;

const utf8 = new TextDecoder('utf-8', { fatal: true });

const AVRO_TYPE: Record<RawFormat, string> = { bytes: 'bytes', string: 'string', json: 'string', long: 'long', int: 'int' };

/** How a `json` value is stored: its text, or an Iceberg v3 variant. */
export type JsonStorage = 'text' | 'variant';

export function isRawFormat(format: string): format is RawFormat {
  return (RAW_FORMATS as readonly string[]).includes(format);
}

function text(buf: Uint8Array, what: string): string {
  try {
    return utf8.decode(buf);
  } catch (err) {
    throw decodeError(DecodeCode.SchemaMismatch, `${what} is not valid UTF-8`, {}, err);
  }
}

function width(buf: Uint8Array, n: number, format: RawFormat, what: string): Buffer {
  if (buf.length !== n) throw decodeError(DecodeCode.SchemaMismatch, `${what} of format ${format} must be ${n} bytes (big-endian), got ${buf.length}`);
  return Buffer.from(buf.buffer, buf.byteOffset, buf.length);
}

/** Decodes a raw key or value; `what` names it in error messages ("value", "key"). */
export function decodeRaw(format: RawFormat, buf: Uint8Array, what = 'value'): unknown {
  switch (format) {
    case 'bytes':
      // A copy, as avsc makes of Avro bytes: `buf` may be a view into memory the caller reuses once
      // the record is handled, and a silver row or a partition tuple keeps the value longer.
      return Buffer.from(buf);
    case 'string':
      return text(buf, what);
    case 'json': {
      const s = text(buf, what).trim();
      try {
        JSON.parse(s);
      } catch (err) {
        throw decodeError(DecodeCode.InvalidJson, `${what} is not valid JSON: ${(err as Error).message}`, {}, err);
      }
      return s;
    }
    case 'long':
      return width(buf, 8, format, what).readBigInt64BE(0);
    case 'int':
      return width(buf, 4, format, what).readInt32BE(0);
  }
}

/** The writer of a raw topic: one record `floe.raw.<Format>Value` with one field `value`. */
export function rawWriter(format: RawFormat, json: JsonStorage = 'text'): WriterSchema {
  const variant = format === 'json' && json === 'variant';
  const doc = format === 'json' ? (variant ? 'the Kafka value (JSON) as a variant' : 'the Kafka value as JSON text') : `the Kafka value (${format})`;
  const record = variant ? 'floe.raw.JsonVariantValue' : `floe.raw.${format[0]!.toUpperCase()}${format.slice(1)}Value`;
  const type = variant ? { type: 'bytes', logicalType: 'floe-variant' } : AVRO_TYPE[format];
  const text = JSON.stringify({ type: 'record', name: record, fields: [{ name: 'value', type, doc }] });
  const decode = variant ? (buf: Uint8Array) => decodeJsonVariant(buf) : (buf: Uint8Array) => decodeRaw(format, buf);
  const writer: WriterSchema = {
    id: RAW_SCHEMA_ID,
    key: variant ? 'raw:json-variant' : `raw:${format}`,
    format: 'raw',
    record,
    text,
    type: parseAvroSchema(text),
    read: (buf, offset) => ({ writer, value: { value: decode(offset === 0 ? buf : buf.subarray(offset)) } }),
  };
  return writer;
}

/** A JSON value as an encoded variant; not JSON, or not representable: a typed decode error. */
export function decodeJsonVariant(buf: Uint8Array, what = 'value'): ReturnType<typeof encodeVariant> {
  return encodeVariant(parseJsonVariant(text(buf, what)));
}
