/**
 * The one interface every serialization format implements. A format turns a registered schema
 * (or, for topics without a schema, a fixed shape) into `WriterSchema`s:
 * - `text`/`type`: the writer schema in floe's writer model, which is Avro's type system with
 *   floe's logical types (see docs/schema-mapping.md). src/schema maps that model to Iceberg,
 *   evolves tables and compiles projectors; it never sees Protobuf or JSON Schema. A format's
 *   mapper is what translates its schema language into the model, exactly (64-bit unsigned →
 *   decimal(20,0), date-time → timestamptz, ...);
 * - `read`: the format's decoder, which turns a body into the values the model promises (the
 *   shapes of decode/avro.ts: bigint longs, canonical logical values, Maps, wrapped unions).
 * So the orchestrator handles every format with the same code, and a new format is a new folder.
 */
import type { AvroType } from './avro.js';

export type SchemaFormat = 'avro' | 'protobuf' | 'json-schema' | 'raw';

export interface WriterSchema {
  /** Registry id (the one in the wire header); -1 for topics without a schema. */
  id: number;
  /**
   * Identity of this writer for caches (plans, projectors): the id, plus the message path when
   * one registered schema holds several record types (Protobuf).
   */
  key: string;
  format: SchemaFormat;
  /** Full name of the record type (Avro full name, JSON Schema title), for routing by record type (not used yet). */
  record: string;
  /** The writer schema in floe's writer model (Avro JSON); for Avro, the registry's text itself. */
  text: string;
  /** `text`, parsed: what src/schema maps and projects from. */
  type: AvroType;
  /**
   * Decodes the body that starts at `offset` (after the 5-byte Confluent header, or at 0 for raw
   * values). Returns the writer that describes the value: the same one, or for Protobuf the
   * message the index path names. Throws DECODE_* FloeErrors for bad bodies.
   */
  read(buf: Buffer, offset: number): { writer: WriterSchema; value: unknown };
}

/** A reference of a registered schema, fetched: Avro named types, Protobuf imports, JSON Schema `$ref`s. */
export interface ResolvedReference {
  name: string;
  subject: string;
  version: number;
  schema: string;
  schemaType?: string;
}

/** How a registry schema type becomes a writer: one per format, chosen by the registry's `schemaType`. */
export interface SchemaFormatLoader {
  /** Throws plain Errors for unusable schemas; the caller reports them as DECODE_BAD_SCHEMA. */
  load(id: number, schema: string, references: readonly ResolvedReference[]): WriterSchema;
}
