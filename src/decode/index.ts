export { parseAvroSchema, isOptionalUnion, typeNameOf, MAX_EMPTY_ITEMS, type AvroType, type AvroField, type ParseOptions } from './avro.js';
export { DecodeCode, decodeError } from './errors.js';
export { readSchemaId, frame, MAGIC_BYTE, HEADER_SIZE } from './wire.js';
export {
  RegistrySchemaSource,
  StaticSchemaSource,
  confluentRegistryClient,
  type SchemaSource,
  type WriterSchema,
  type RegistryClient,
  type RawSchema,
  type RetryOptions,
} from './schema-source.js';
export { checkRegistry, registryAddress, type RegistryConnection } from './registry-connect.js';
export {
  ValueDecoder,
  RawValueDecoder,
  KeyDecoder,
  recordDecoder,
  decodeBody,
  type Decoded,
  type KeyFormat,
  type ValueFormat,
  type RecordDecoder,
} from './decoder.js';
export { type LogicalKind, maxDecimalPrecision } from './logical.js';
export { avroWriter } from './avro-format.js';
export { FORMATS } from './formats.js';
export { RAW_FORMATS, RAW_SCHEMA_ID, rawWriter, decodeRaw, isRawFormat, type RawFormat } from './raw.js';
export type { SchemaFormat, SchemaFormatLoader, ResolvedReference } from './writer.js';
