/**
 * Every error code floe raises, in one table. The `ErrorCode` type, whether an error stops the
 * daemon (`fatal`), whether retrying the same operation may succeed by default (`retryable`) and
 * the process exit code (`exit`) are all derived from it, so a misspelt code is a compile error and
 * no regex over code names decides anything.
 *
 * Adding a code is one line here. Choose:
 * - `retryable`: the default when the raising site does not say; sites whose answer depends on the
 *   failure (an S3 5xx vs a 403, a 409 on commit vs on create) pass `retryable` explicitly.
 * - `fatal`: no amount of retrying or dead-lettering fixes it, so the daemon stops. A site may
 *   escalate one error of a non-fatal code with `{ fatal: true }` when a policy says halt.
 * - `exit`: what `floe` exits with when the error ends the process: `runtime` (1, restarting may
 *   help), `usage` (2, fix the command line or configuration), `refused` (3, an external system
 *   refused for good: credentials, permissions, a missing table that may not be created).
 */

export type ExitKind = 'runtime' | 'usage' | 'refused';

export interface ErrorCodeInfo {
  readonly retryable: boolean;
  readonly fatal: boolean;
  readonly exit: ExitKind;
}

// Shorthands keep each code on one line.
const plain = { retryable: false, fatal: false, exit: 'runtime' } as const;
const transient = { retryable: true, fatal: false, exit: 'runtime' } as const;
const usage = { retryable: false, fatal: true, exit: 'usage' } as const;
const refused = { retryable: false, fatal: true, exit: 'refused' } as const;
const halt = { retryable: false, fatal: true, exit: 'runtime' } as const;

export const ERROR_CODES = {
  // command line and configuration
  USAGE: usage,
  CONFIG_INVALID: usage,
  CONFIG_NOT_FOUND: usage,

  // Kafka (src/source)
  KAFKA_CONNECT: transient,
  // start-up (kafka-errors.ts, oauth.ts): refused logins and failed TLS handshakes exit 3
  KAFKA_AUTHENTICATION_FAILED: refused,
  KAFKA_TLS_AUTHENTICATION_FAILED: refused,
  KAFKA_UNREACHABLE: transient,
  KAFKA_OAUTH_UNREACHABLE: transient,
  KAFKA_OAUTH_BAD_RESPONSE: transient,
  KAFKA_TOPIC_CREATE: transient,
  KAFKA_WATERMARKS: transient,
  KAFKA_CODEC: plain,
  /** A record batch whose counts or lengths do not fit its bytes (record-batch.ts). */
  KAFKA_RECORD_BATCH: plain,
  KAFKA_CONSUMER_CRASH: halt,
  SOURCE_HOOK: halt,
  SOURCE_NOT_OWNED: plain,
  SOURCE_STATE: plain,
  SOURCE_HEADERS: plain,
  NO_TOPICS: plain,
  DLQ_WRITE: transient,
  DLQ_FLUSH_TIMEOUT: transient,

  // decoding (src/decode): record-level failures dead-letter; a registry outage waits
  DECODE_BAD_MAGIC: plain,
  DECODE_UNKNOWN_SCHEMA: plain,
  DECODE_TRUNCATED: plain,
  DECODE_SCHEMA_MISMATCH: plain,
  DECODE_TOO_LARGE: plain,
  DECODE_BAD_SCHEMA: plain,
  DECODE_INVALID_JSON: plain,
  /** A JSON value a variant cannot hold (a number beyond 38 digits, a duplicate key, nesting too deep). */
  VARIANT_UNREPRESENTABLE: plain,
  DECODE_SCHEMA_VIOLATION: plain,
  REGISTRY_UNAVAILABLE: transient,
  // start-up (registry-connect.ts): refused credentials and failed TLS handshakes exit 3
  REGISTRY_AUTH_FAILED: refused,
  REGISTRY_TLS_FAILED: refused,

  // schema mapping and records (src/schema, src/arrow, src/orchestrator)
  SCHEMA_INCOMPATIBLE: plain,
  SCHEMA_UNSUPPORTED_TYPE: plain,
  SCHEMA_BAD_DEFAULT: plain,
  SCHEMA_EVOLUTION: transient,
  PROJECTION_UNSUPPORTED: plain,
  ARROW_UNSUPPORTED_TYPE: plain,
  ROW_TYPE_MISMATCH: plain,
  ROW_REQUIRED_NULL: plain,
  ROW_VALUE_OUT_OF_RANGE: plain,
  ROW_DECIMAL_OVERFLOW: plain,
  RECORD_HALT: halt,
  RECORD_UNEXPECTED: plain,
  // a record of a {record}-routed mapping that names no record type (a tombstone, an untitled JSON Schema)
  RECORD_TYPE_UNKNOWN: plain,
  BRONZE_COLUMN_CLASH: plain,
  BRONZE_TOMBSTONE_NO_TABLE: plain,
  BRONZE_TOMBSTONE_REQUIRED: transient,
  BRONZE_VALUE_NOT_RECORD: plain,
  SILVER_NO_KEY: plain,
  SILVER_BAD_KEY: plain,
  DEBEZIUM_BAD_OP: plain,
  DEBEZIUM_NOT_ENVELOPE: plain,
  DEBEZIUM_NO_AFTER: plain,
  DEBEZIUM_NO_BEFORE: plain,
  OFFSETS_STALE: plain,
  ORCHESTRATOR_STATE: plain,

  // Parquet and Avro files (src/parquet, src/iceberg/manifest)
  PARQUET_BAD_OPTION: plain,
  PARQUET_READ_FAILED: plain,
  PARQUET_SCHEMA_MISMATCH: plain,
  PARQUET_WRITE_FAILED: plain,
  // a Parquet footer that is not well-formed Thrift compact protocol (thrift-compact.ts)
  THRIFT_INVALID: plain,
  // an encode worker thread died mid-job (encode-pool.ts): the flush is retried from Kafka
  PARQUET_WORKER_FAILED: transient,
  AVRO_CODEC_UNSUPPORTED: plain,
  AVRO_ENCODE_FAILED: plain,
  AVRO_INVALID_FILE: plain,
  MANIFEST_INVALID: plain,
  DELETION_VECTOR_INVALID: plain,
  MANIFEST_ENTRY_INVALID: plain,
  MANIFEST_LIST_INVALID: plain,

  // the Iceberg spec and snapshot operations (src/iceberg/spec, src/iceberg/table, src/maintain)
  ICEBERG_INVALID_METADATA: plain,
  ICEBERG_INVALID_PARTITION_SPEC: plain,
  ICEBERG_INVALID_SCHEMA: plain,
  ICEBERG_INVALID_SORT_ORDER: plain,
  ICEBERG_INVALID_TRANSFORM: plain,
  ICEBERG_INVALID_UPDATE: plain,
  ICEBERG_INVALID_VALUE: plain,
  TABLE_FORMAT_UNSUPPORTED: halt,
  TABLE_METADATA_INVALID: plain,
  TABLE_VALIDATION_FAILED: plain,
  PARTITION_SOURCE_INVALID: plain,
  SNAPSHOT_ID_COLLISION: plain,
  APPEND_INVALID: plain,
  REWRITE_INVALID: plain,
  ROW_DELTA_INVALID: plain,
  COMPACTION_UNSUPPORTED: plain,

  // REST catalog client (src/iceberg/catalog): retryable is decided per HTTP status
  CATALOG_NO_SUCH_TABLE: refused,
  CATALOG_NO_SUCH_NAMESPACE: refused,
  CATALOG_UNAUTHORIZED: refused,
  CATALOG_FORBIDDEN: refused,
  CATALOG_NOT_FOUND: plain,
  CATALOG_ALREADY_EXISTS: plain,
  CATALOG_NAMESPACE_NOT_EMPTY: plain,
  CATALOG_COMMIT_CONFLICT: transient,
  CATALOG_COMMIT_STATE_UNKNOWN: plain,
  CATALOG_BAD_REQUEST: plain,
  CATALOG_UNSUPPORTED: plain,
  CATALOG_UNAVAILABLE: transient,
  CATALOG_BAD_RESPONSE: plain,

  // floe's catalog server and its stores (catalog/server)
  CATALOG_AUTH_REQUIRED: usage,
  CATALOG_CONFIG: refused,
  CATALOG_STORE_AUTH_FAILED: refused,
  CATALOG_STORE_UNAVAILABLE: transient,

  // file IO (src/iceberg/io): retryable is decided by what the storage answered
  IO_NOT_FOUND: plain,
  IO_ALREADY_EXISTS: plain,
  IO_ACCESS_DENIED: plain,
  IO_INVALID_PATH: plain,
  IO_UNSUPPORTED_SCHEME: plain,
  IO_FAILED: plain,
} as const satisfies Record<string, ErrorCodeInfo>;

export type ErrorCode = keyof typeof ERROR_CODES;

/** The table's row for a code; a code from outside the type (a cast) gets the plain defaults. */
export function errorCodeInfo(code: string): ErrorCodeInfo {
  return (ERROR_CODES as Record<string, ErrorCodeInfo>)[code] ?? plain;
}
