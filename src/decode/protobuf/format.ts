/**
 * Protobuf behind the format interface (Confluent wire format: magic byte, schema id, the message
 * index path, then the Protobuf payload). The index path is a zigzag varint count followed by that
 * many zigzag varint indexes (top-level message, then nested messages); a count of 0 is the
 * shorthand for [0], the file's first message. Each message a path names gets its own writer
 * (key `<id>/<path>`, the first message's writer keyed by the id alone), mapped once.
 * A path that names no message, or an index path that does not parse → DECODE_SCHEMA_MISMATCH;
 * a payload that ends early → DECODE_TRUNCATED; one protobufjs refuses (bad wire type, a missing
 * proto2 required field) or a value the model cannot hold → DECODE_SCHEMA_MISMATCH.
 */
import protobuf from 'protobufjs';
import { parseAvroSchema } from '../avro.js';
import { DecodeCode, decodeError } from '../errors.js';
import { toAvro } from '../json-schema/mapper.js';
import type { SchemaFormatLoader, WriterSchema } from '../writer.js';
import { ProtobufMapper, Violation } from './mapper.js';
import { loadProto, messageAt, type ProtoFile } from './schema.js';

/** Deeper index paths than this are not a real schema's nesting: the bytes are not a path. */
const MAX_PATH = 64;

if (!protobuf.util.Long) {
  // Without the `long` package protobufjs decodes 64-bit integers as lossy JS numbers.
  throw new Error('protobufjs has no Long support: 64-bit integers would be read inexactly');
}

/** Reads the message index path at `offset`; returns it and where the payload starts. */
export function readIndexPath(buf: Uint8Array, offset: number, id: number): { path: number[]; next: number } {
  let pos = offset;
  const varint = (): number => {
    let result = 0;
    for (let shift = 0; shift < 35; shift += 7) {
      if (pos >= buf.length) throw decodeError(DecodeCode.Truncated, `message of schema ${id} ends inside its Protobuf message index path`, { schemaId: id });
      const b = buf[pos++]!;
      result += (b & 0x7f) * 2 ** shift;
      if ((b & 0x80) === 0) return result % 2 === 0 ? result / 2 : -(result + 1) / 2;
    }
    throw decodeError(DecodeCode.SchemaMismatch, `Protobuf message index path of schema ${id} has an over-long varint`, { schemaId: id });
  };
  const count = varint();
  if (count === 0) return { path: [0], next: pos };
  if (count < 0 || count > MAX_PATH) throw decodeError(DecodeCode.SchemaMismatch, `Protobuf message index path of schema ${id} claims ${count} indexes`, { schemaId: id });
  const path: number[] = [];
  for (let i = 0; i < count; i++) {
    const n = varint();
    if (n < 0) throw decodeError(DecodeCode.SchemaMismatch, `Protobuf message index path of schema ${id} has a negative index ${n}`, { schemaId: id });
    path.push(n);
  }
  return { path, next: pos };
}

/** Writes a message index path (tests, tools): [0] as the one-byte shorthand. */
export function writeIndexPath(path: readonly number[]): Buffer {
  const out: number[] = [];
  const varint = (n: number) => {
    let z = n >= 0 ? n * 2 : -n * 2 - 1;
    while (z >= 0x80) {
      out.push((z % 0x80) | 0x80);
      z = Math.floor(z / 0x80);
    }
    out.push(z);
  };
  if (path.length === 1 && path[0] === 0) varint(0);
  else {
    varint(path.length);
    for (const i of path) varint(i);
  }
  return Buffer.from(out);
}

type PathWriter = WriterSchema & { decodeAt(buf: Buffer, at: number): unknown };

/** The writer of one message type; `read` is the schema's (any body names its own message). */
function messageWriter(id: number, key: string, type: protobuf.Type, file: ProtoFile, read: WriterSchema['read']): PathWriter {
  const mapped = new ProtobufMapper(file.mapEntries, file.fieldMeta).root(type);
  const text = JSON.stringify(toAvro(mapped.node));
  const writer: WriterSchema = {
    id,
    key,
    format: 'protobuf',
    record: type.fullName.slice(1),
    text,
    type: parseAvroSchema(text),
    read,
  };
  const decodeAt = (buf: Buffer, at: number): unknown => {
    let msg: protobuf.Message;
    try {
      // A plain Uint8Array view, not a Buffer: protobufjs's Buffer reader clamps a string that runs
      // past the end instead of failing, which would store a truncated body as a shorter string.
      msg = type.decode(new Uint8Array(buf.buffer, buf.byteOffset + at, buf.length - at));
    } catch (err) {
      const truncated = err instanceof RangeError || /index out of range/.test((err as Error).message);
      throw decodeError(
        truncated ? DecodeCode.Truncated : DecodeCode.SchemaMismatch,
        `Protobuf body of schema ${id} (${writer.record}) ${truncated ? 'ends early' : 'does not decode'}: ${(err as Error).message}`,
        { schemaId: id },
        err,
      );
    }
    try {
      return mapped.conv(msg);
    } catch (err) {
      if (!(err instanceof Violation)) throw err;
      throw decodeError(DecodeCode.SchemaMismatch, `Protobuf body of schema ${id} cannot be stored exactly: ${err.message}`, { schemaId: id }, err);
    }
  };
  return Object.assign(writer, { decodeAt });
}

export const protobufFormat: SchemaFormatLoader = {
  load(id, schema, references) {
    const { root, file } = loadProto(schema, references);
    const writers = new Map<string, PathWriter>();
    const writerFor = (path: readonly number[]): PathWriter => {
      const k = path.join('.');
      let w = writers.get(k);
      if (!w) {
        const type = messageAt(root, file, path);
        if (!type) throw decodeError(DecodeCode.SchemaMismatch, `Protobuf message index path [${k}] names no message of schema ${id}`, { schemaId: id });
        w = messageWriter(id, k === '0' ? String(id) : `${id}/${k}`, type, file, read);
        writers.set(k, w);
      }
      return w;
    };
    function read(buf: Buffer, offset: number): { writer: WriterSchema; value: unknown } {
      const { path, next } = readIndexPath(buf, offset, id);
      const writer = writerFor(path);
      return { writer, value: writer.decodeAt(buf, next) };
    }
    return writerFor([0]);
  },
};
