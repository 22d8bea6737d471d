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
export { ValueDecoder, KeyDecoder, decodeBody, type Decoded, type KeyFormat } from './decoder.js';
export { type LogicalKind, maxDecimalPrecision } from './logical.js';
