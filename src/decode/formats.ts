/** The registry schema types floe decodes, by the registry's `schemaType` (absent means AVRO). */
import { avroFormat } from './avro-format.js';
import { jsonSchemaFormat } from './json-schema/format.js';
import { protobufFormat } from './protobuf/format.js';
import type { SchemaFormatLoader } from './writer.js';

export const FORMATS: Record<string, SchemaFormatLoader> = {
  AVRO: avroFormat,
  JSON: jsonSchemaFormat,
  PROTOBUF: protobufFormat,
};
