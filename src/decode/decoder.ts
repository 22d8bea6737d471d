/**
 * Decodes Kafka record values and keys, whatever their format: Confluent-framed (the registry's
 * schema type picks the format: Avro, JSON Schema, Protobuf) or raw (bytes, string, json, long,
 * int). Every failure is a typed FloeError (see errors.ts); nothing a producer sends can crash the
 * process. The orchestrator holds one `RecordDecoder` per configured format and never asks which.
 */
import { FloeError } from '../util/errors.js';
import { decodeRaw, isRawFormat, rawWriter, RAW_SCHEMA_ID, type JsonStorage, type RawFormat } from './raw.js';
import type { SchemaSource, WriterSchema } from './schema-source.js';
import { HEADER_SIZE, readSchemaId } from './wire.js';

export { decodeBody } from './avro-body.js';

export interface Decoded {
  schemaId: number;
  writer: WriterSchema;
  /** Decoded value with canonical leaves (see avro.ts for the shapes). */
  value: unknown;
}

/** What record values are decoded with, for any format. */
export interface RecordDecoder {
  /** Synchronous decode when the writer schema is loaded; undefined means "await decode()". */
  decodeCached(buf: Uint8Array): Decoded | undefined;
  decode(buf: Uint8Array): Promise<Decoded>;
  /**
   * The writer of an Avro body whose schema is loaded, without decoding it (for a direct reader,
   * src/schema/direct.ts); undefined for any other format or a schema not loaded yet. Throws the
   * header's DECODE_* errors.
   */
  avroWriterCached?(buf: Uint8Array): WriterSchema | undefined;
  /**
   * The writer to create a table from when a topic's first record is a tombstone: the latest one
   * registered for the topic's value subject (`<topic>-value`), undefined when there is none.
   */
  latestWriter(topic: string): Promise<WriterSchema | undefined>;
}

function asBuffer(buf: Uint8Array): Buffer {
  return Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
}

/** Confluent wire format: magic byte, schema id, then the body in the registered schema's format. */
export class ValueDecoder implements RecordDecoder {
  constructor(private readonly source: SchemaSource) {}

  decodeCached(buf: Uint8Array): Decoded | undefined {
    const id = readSchemaId(buf);
    const writer = this.source.peek(id);
    if (!writer) return undefined;
    const r = writer.read(asBuffer(buf), HEADER_SIZE);
    return { schemaId: id, writer: r.writer, value: r.value };
  }

  avroWriterCached(buf: Uint8Array): WriterSchema | undefined {
    const writer = this.source.peek(readSchemaId(buf));
    return writer?.format === 'avro' ? writer : undefined;
  }

  async decode(buf: Uint8Array): Promise<Decoded> {
    const id = readSchemaId(buf);
    const writer = this.source.peek(id) ?? (await this.source.getSchema(id));
    const r = writer.read(asBuffer(buf), HEADER_SIZE);
    return { schemaId: id, writer: r.writer, value: r.value };
  }

  async latestWriter(topic: string): Promise<WriterSchema | undefined> {
    const id = await this.source.latestId(`${topic}-value`);
    return id === undefined ? undefined : this.source.getSchema(id);
  }
}

/** A topic without a schema: every value is one `value` column of the configured raw format. */
export class RawValueDecoder implements RecordDecoder {
  readonly writer: WriterSchema;
  constructor(
    readonly format: RawFormat,
    json: JsonStorage = 'text',
  ) {
    this.writer = rawWriter(format, json);
  }
  decodeCached(buf: Uint8Array): Decoded {
    return { schemaId: RAW_SCHEMA_ID, writer: this.writer, value: this.writer.read(asBuffer(buf), 0).value };
  }
  async decode(buf: Uint8Array): Promise<Decoded> {
    return this.decodeCached(buf);
  }
  async latestWriter(): Promise<WriterSchema> {
    return this.writer;
  }
}

/** `registry`: Confluent-framed, any registered schema type. */
export type ValueFormat = 'registry' | RawFormat;

/** The decoder of a configured value format. */
export function recordDecoder(format: ValueFormat, source: SchemaSource, json: JsonStorage = 'text'): RecordDecoder {
  return format === 'registry' ? new ValueDecoder(source) : new RawValueDecoder(format, json);
}

/** `avro` is the former name of `registry` (any registered schema type is accepted). */
export type KeyFormat = 'avro' | 'registry' | RawFormat;

/** Keys: Confluent-framed (any registered type) or raw, as the topic is configured. */
export class KeyDecoder {
  private readonly values: ValueDecoder | undefined;
  constructor(
    readonly format: KeyFormat,
    source?: SchemaSource,
  ) {
    if (!isRawFormat(format)) {
      if (!source) throw new FloeError('CONFIG_INVALID', 'registry-framed keys need a schema source');
      this.values = new ValueDecoder(source);
    }
  }

  async decode(key: Uint8Array | null | undefined): Promise<unknown> {
    if (key === null || key === undefined) return null;
    if (isRawFormat(this.format)) return decodeRaw(this.format, key, 'key');
    return (await this.values!.decode(key)).value;
  }
}
