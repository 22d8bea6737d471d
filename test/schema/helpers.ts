/** Shared helpers: encode an Avro value with a writer schema, decode it with floe, project it. */
import { parseAvroSchema, type AvroType } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import { avroToIceberg, compileProjector, type Row } from '../../src/schema/index.js';
import type { Schema } from '../../src/iceberg/spec/types.js';

/** Values to encode use avsc's shapes: unions wrapped ({branch: v}), maps as plain objects. */
export function encode(type: AvroType, value: unknown): Buffer {
  return type.toBuffer(value);
}

export function oneField(fieldType: unknown, extra: Record<string, unknown> = {}): object {
  return { type: 'record', name: 'R', fields: [{ name: 'f', type: fieldType, ...extra }] };
}

export interface RoundTrip {
  schema: Schema;
  row: Row;
  decoded: unknown;
}

export function roundTrip(avroSchema: object | string, value: unknown, table?: Schema): RoundTrip {
  const type = parseAvroSchema(avroSchema);
  const schema = table ?? avroToIceberg(avroSchema).newSchema;
  const decoded = decodeBody(type, encode(type, value), 0);
  return { schema, row: compileProjector(type, schema)(decoded), decoded };
}
