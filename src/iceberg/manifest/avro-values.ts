/**
 * Conversions between floe's JS value representation (PrimitiveValue in spec/types.ts) and what
 * avsc reads and writes for the Avro encoding of each Iceberg type (spec Appendix A).
 */
import type { PrimitiveType, PrimitiveValue } from '../spec/types.js';
import type { AvroSchemaJson } from './avro-file.js';
import { decimalFromBytes, uuidFromBytes, uuidToBytes } from '../spec/values.js';
import { decimalRequiredBytes } from './schemas.js';

/** Two's complement big-endian bytes of `value`, sign-extended to `size` bytes. */
function bigintToFixed(value: bigint, size: number): Buffer {
  const out = Buffer.alloc(size, value < 0n ? 0xff : 0x00);
  let v = value;
  for (let i = size - 1; i >= 0; i--) {
    out[i] = Number(v & 0xffn);
    v >>= 8n;
  }
  if (v !== 0n && v !== -1n) throw new RangeError(`decimal ${value} does not fit in ${size} bytes`);
  return out;
}

/** A JS value of an Iceberg primitive type → the value avsc encodes for its Avro schema. */
export function toAvroValue(type: PrimitiveType, value: PrimitiveValue | null): unknown {
  if (value === null) return null;
  switch (type) {
    case 'binary':
      return Buffer.from(value as Uint8Array);
    case 'uuid':
      return Buffer.from(uuidToBytes(value));
    case 'long':
    case 'time':
    case 'timestamp':
    case 'timestamptz':
    case 'timestamp_ns':
    case 'timestamptz_ns':
      return value as bigint | number;
    default:
      break;
  }
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) return bigintToFixed(BigInt(value as bigint), decimalRequiredBytes(Number(decimal[1])));
  if (type.startsWith('fixed[')) return Buffer.from(value as Uint8Array);
  return value;
}

/**
 * An avsc-decoded value → the JS value, guided by the writer's Avro schema (so partition tuples
 * of manifests written by other engines read correctly without knowing the table schema).
 */
export function fromAvroValue(schema: AvroSchemaJson, value: unknown): PrimitiveValue | null {
  if (value === null || value === undefined) return null;
  const base = typeof schema === 'string' ? schema : Array.isArray(schema) ? 'union' : String(schema.type);
  const logical = typeof schema === 'object' && !Array.isArray(schema) ? schema.logicalType : undefined;
  switch (base) {
    case 'long':
      // PrimitiveValue holds longs, times and timestamps as bigint whatever their magnitude.
      return BigInt(value as number | bigint);
    case 'bytes':
      // Some writers store decimals as variable-length bytes rather than fixed.
      if (logical === 'decimal') return decimalFromBytes(value as Buffer);
      return new Uint8Array(value as Buffer);
    case 'fixed': {
      const bytes = new Uint8Array(value as Buffer);
      if (logical === 'decimal') return decimalFromBytes(bytes);
      if (logical === 'uuid') return uuidFromBytes(bytes);
      return bytes;
    }
    case 'string':
      return value as string;
    default:
      return value as PrimitiveValue;
  }
}
