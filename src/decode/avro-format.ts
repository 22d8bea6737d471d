/** Avro behind the format interface: the registry's schema text is already the writer model. */
import { parseAvroSchema, type AvroType } from './avro.js';
import { decodeBody } from './avro-body.js';
import type { SchemaFormatLoader, WriterSchema } from './writer.js';

export function avroWriter(id: number, text: string, type: AvroType): WriterSchema {
  const writer: WriterSchema = {
    id,
    key: String(id),
    format: 'avro',
    record: (type as unknown as { name?: string }).name ?? '',
    text,
    type,
    read: (buf, offset) => ({ writer, value: decodeBody(type, buf, offset, id) }),
  };
  return writer;
}

export const avroFormat: SchemaFormatLoader = {
  load(id, schema, references) {
    // Referenced named types are parsed first into a shared registry, dependencies first.
    const registry = {};
    for (const ref of references) parseAvroSchema(ref.schema, { registry });
    return avroWriter(id, schema, parseAvroSchema(schema, { registry }));
  },
};
