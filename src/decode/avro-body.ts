/**
 * Decodes one Avro body with a writer type, telling a truncated body from one that does not match.
 */
import { createRequire } from 'node:module';
import type { FloeError } from '../util/errors.js';
import { ExpansionLimitError, type AvroType } from './avro.js';
import { DecodeCode, decodeError } from './errors.js';
import type { Tap } from './long.js';

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
    if (err instanceof ExpansionLimitError) throw decodeError(DecodeCode.TooLarge, `${err.message} (schema ${schemaId ?? ''})`, { schemaId }, err);
    if (tap.pos > b.length) throw truncated(b, schemaId, err);
    if (err instanceof RangeError && /call stack/i.test(err.message)) {
      // A recursive record nested deeper than the stack: bounded by the body's size, still hostile.
      throw decodeError(DecodeCode.TooLarge, `value nests too deeply to decode (schema ${schemaId ?? ''})`, { schemaId }, err);
    }
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

