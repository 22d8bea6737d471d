/**
 * Decodes Kafka record values (Confluent-framed Avro) and keys (Avro, UTF-8 string or raw bytes).
 * Every failure is a typed FloeError (see errors.ts); nothing a producer sends can crash the process.
 */
import { createRequire } from 'node:module';
import { FloeError } from '../util/errors.js';
import type { AvroType } from './avro.js';
import { DecodeCode, decodeError } from './errors.js';
import type { Tap } from './long.js';
import type { SchemaSource, WriterSchema } from './schema-source.js';
import { HEADER_SIZE, readSchemaId } from './wire.js';

export interface Decoded {
  schemaId: number;
  writer: WriterSchema;
  /** avsc-decoded value with canonical leaves (see avro.ts for the shapes). */
  value: unknown;
}

interface ReadableType {
  _read(tap: Tap): unknown;
}

/**
 * Decodes one Avro body with a writer type. avsc's `fromBuffer` does the same read but reports
 * only "truncated"/"trailing data"; reading through the tap here tells a body that ended early
 * (the reader ran past the end, whatever it threw) from one that does not match its schema.
 */
export function decodeBody(type: AvroType, buf: Uint8Array, offset: number, schemaId?: number): unknown {
  const b = Buffer.isBuffer(buf) ? buf : Buffer.from(buf.buffer, buf.byteOffset, buf.length);
  const tap = new AvscTap(b, offset);
  let value: unknown;
  try {
    value = (type as unknown as ReadableType)._read(tap);
  } catch (err) {
    if (tap.pos > b.length) throw truncated(b, schemaId, err);
    throw decodeError(DecodeCode.SchemaMismatch, `body does not match schema ${schemaId ?? ''}: ${(err as Error).message}`, { schemaId }, err);
  }
  if (tap.pos > b.length) throw truncated(b, schemaId);
  if (tap.pos < b.length) {
    throw decodeError(DecodeCode.SchemaMismatch, `${b.length - tap.pos} trailing bytes after the value (schema ${schemaId ?? ''})`, { schemaId });
  }
  return value;
}

function truncated(b: Buffer, schemaId: number | undefined, cause?: unknown): FloeError {
  return decodeError(DecodeCode.Truncated, `body of ${b.length} bytes ended before the value (schema ${schemaId ?? ''})`, { schemaId }, cause);
}

// avsc's own Tap (buffer + position + typed readers) is what its compiled readers expect.
const require = createRequire(import.meta.url);
const AvscTap = (require('avsc/lib/utils.js') as { Tap: new (buf: Buffer, pos: number) => Tap }).Tap;

export class ValueDecoder {
  constructor(private readonly source: SchemaSource) {}

  /** Synchronous decode when the writer schema is loaded; undefined means "await decode()". */
  decodeCached(buf: Uint8Array): Decoded | undefined {
    const id = readSchemaId(buf);
    const writer = this.source.peek(id);
    if (!writer) return undefined;
    return { schemaId: id, writer, value: decodeBody(writer.type, buf, HEADER_SIZE, id) };
  }

  async decode(buf: Uint8Array): Promise<Decoded> {
    const id = readSchemaId(buf);
    const writer = this.source.peek(id) ?? (await this.source.getSchema(id));
    return { schemaId: id, writer, value: decodeBody(writer.type, buf, HEADER_SIZE, id) };
  }
}

export type KeyFormat = 'avro' | 'string' | 'bytes';

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Keys: Confluent-framed Avro, a UTF-8 string, or the raw bytes, as the topic is configured. */
export class KeyDecoder {
  private readonly values: ValueDecoder | undefined;
  constructor(
    readonly format: KeyFormat,
    source?: SchemaSource,
  ) {
    if (format === 'avro') {
      if (!source) throw new FloeError('CONFIG_INVALID', 'Avro keys need a schema source');
      this.values = new ValueDecoder(source);
    }
  }

  async decode(key: Uint8Array | null | undefined): Promise<unknown> {
    if (key === null || key === undefined) return null;
    if (this.format === 'bytes') return key;
    if (this.format === 'string') {
      try {
        return utf8.decode(key);
      } catch (err) {
        throw decodeError(DecodeCode.SchemaMismatch, 'key is not valid UTF-8', {}, err);
      }
    }
    return (await this.values!.decode(key)).value;
  }
}
