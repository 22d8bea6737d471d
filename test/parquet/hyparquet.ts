/** hyparquet as a second independent reader, normalized to compare against the input rows. */
import { zstdDecompressSync } from 'node:zlib';
import { parquetMetadata, parquetReadObjects } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import { decimalParams, fixedLength } from '../../src/iceberg/spec/schema.js';
import type { IcebergType, Schema } from '../../src/iceberg/spec/types.js';

function arrayBuffer(bytes: Uint8Array): ArrayBuffer {
  return bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer;
}

export function readFooter(bytes: Uint8Array): FileMetaData {
  return parquetMetadata(arrayBuffer(bytes));
}

export async function readWithHyparquet(bytes: Uint8Array): Promise<Record<string, unknown>[]> {
  return parquetReadObjects({
    file: arrayBuffer(bytes),
    utf8: false,
    compressors: { ZSTD: (input: Uint8Array) => zstdDecompressSync(input) },
    // Keep temporal values as raw counts; hyparquet's default Date would drop micro/nanoseconds.
    parsers: { timestampFromMicroseconds: (v: bigint) => v, timestampFromNanoseconds: (v: bigint) => v, dateFromDays: (d: number) => d },
  });
}

const hex = (b: Uint8Array) => Buffer.from(b).toString('hex');

function floatKey(n: number): unknown {
  if (Number.isNaN(n)) return 'NaN';
  if (Object.is(n, -0)) return '-0';
  return n;
}

/**
 * One canonical form for both sides. hyparquet turns decimals into Number(unscaled) * 10^-scale
 * (lossy by design) and maps into objects with string keys, so the input side is shaped the same.
 */
export function canonical(type: IcebergType, v: unknown, fromInput: boolean): unknown {
  if (v === null || v === undefined) return null;
  if (typeof type === 'string') {
    const dec = decimalParams(type);
    if (dec) return fromInput ? Number(v as bigint) * 10 ** -dec.scale : v;
    if (fixedLength(type) !== undefined || type === 'binary') return hex(v as Uint8Array);
    switch (type) {
      case 'uuid': return typeof v === 'string' ? v.replace(/-/g, '').toLowerCase() : hex(v as Uint8Array);
      case 'float': return floatKey(fromInput ? Math.fround(v as number) : (v as number));
      case 'double': return floatKey(v as number);
      case 'boolean': case 'string': return v;
      default: return String(v);
    }
  }
  switch (type.type) {
    case 'struct': {
      const o = v as Record<string, unknown>;
      return Object.fromEntries(type.fields.map((f) => [f.name, canonical(f.type, o[f.name], fromInput)]));
    }
    case 'list':
      return (v as unknown[]).map((e) => canonical(type.element, e, fromInput));
    case 'map': {
      const entries = v instanceof Map ? [...v] : Array.isArray(v) ? (v as [unknown, unknown][]) : Object.entries(v as object);
      return Object.fromEntries(entries.map(([k, x]) => [String(k), canonical(type.value, x, fromInput)]));
    }
  }
}

export function canonicalRows(schema: Schema, rows: Record<string, unknown>[], fromInput: boolean): unknown[] {
  return rows.map((r) => canonical({ type: 'struct', fields: schema.fields }, r, fromInput));
}
