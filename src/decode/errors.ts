/**
 * Error codes of the decode stage. Every record-level failure is a non-retryable FloeError whose
 * code and message go to the dead-letter headers; registry outages are retryable and must stop the
 * partition, never dead-letter records (a record is only bad if the bytes are bad).
 */
import { FloeError, type ErrorCode } from '../util/errors.js';

export const DecodeCode = {
  /** First byte is not the Confluent magic byte 0. */
  BadMagic: 'DECODE_BAD_MAGIC',
  /** The registry answered that the schema id does not exist. */
  UnknownSchema: 'DECODE_UNKNOWN_SCHEMA',
  /** The body ended before the value did (or the frame is shorter than its 5-byte header). */
  Truncated: 'DECODE_TRUNCATED',
  /** The body does not match its writer schema: trailing bytes, bad union/enum index, bad UTF-8... */
  SchemaMismatch: 'DECODE_SCHEMA_MISMATCH',
  /** A JSON body (JSON Schema or `json` raw format) is not valid JSON. */
  InvalidJson: 'DECODE_INVALID_JSON',
  /** A JSON Schema payload is valid JSON that does not validate against its schema. */
  SchemaViolation: 'DECODE_SCHEMA_VIOLATION',
  /** The value would expand beyond the decoder's limits (see MAX_EMPTY_ITEMS in avro.ts). */
  TooLarge: 'DECODE_TOO_LARGE',
  /** The registry returned a schema floe cannot use (not Avro, or not a valid Avro schema). */
  BadSchema: 'DECODE_BAD_SCHEMA',
  /** The registry could not be reached or failed; retry later. */
  RegistryUnavailable: 'REGISTRY_UNAVAILABLE',
} as const satisfies Record<string, ErrorCode>;
export type DecodeCode = (typeof DecodeCode)[keyof typeof DecodeCode];

export function decodeError(
  code: DecodeCode,
  message: string,
  details: Record<string, unknown> = {},
  cause?: unknown,
): FloeError {
  return new FloeError(code, message, {
    retryable: code === DecodeCode.RegistryUnavailable,
    cause,
    details,
  });
}
