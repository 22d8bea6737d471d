/**
 * The Confluent wire format: magic byte 0, a 4-byte big-endian schema id, then the Avro body.
 */
import { DecodeCode, decodeError } from './errors.js';

export const MAGIC_BYTE = 0;
export const HEADER_SIZE = 5;

/** Reads the schema id of a framed message; throws DECODE_BAD_MAGIC / DECODE_TRUNCATED. */
export function readSchemaId(buf: Uint8Array): number {
  if (buf.length === 0) throw decodeError(DecodeCode.Truncated, 'empty message: no Confluent header');
  if (buf[0] !== MAGIC_BYTE) {
    throw decodeError(DecodeCode.BadMagic, `magic byte is ${buf[0]}, expected 0 (not Confluent-framed)`, {
      magic: buf[0],
    });
  }
  if (buf.length < HEADER_SIZE) {
    throw decodeError(DecodeCode.Truncated, `message of ${buf.length} bytes is shorter than the 5-byte header`);
  }
  // >>> 0: ids are unsigned on the wire.
  return ((buf[1]! << 24) | (buf[2]! << 16) | (buf[3]! << 8) | buf[4]!) >>> 0;
}

/** Frames an Avro body with a schema id (used by tests and the dead-letter re-encoder). */
export function frame(schemaId: number, body: Uint8Array): Buffer {
  const out = Buffer.allocUnsafe(HEADER_SIZE + body.length);
  out[0] = MAGIC_BYTE;
  out.writeUInt32BE(schemaId >>> 0, 1);
  out.set(body, HEADER_SIZE);
  return out;
}
