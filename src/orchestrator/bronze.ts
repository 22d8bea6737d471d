/**
 * Bronze tables: every record's value columns plus one reserved struct column with its Kafka
 * metadata (topic, partition, offset, timestamp, key, headers).
 *
 * The metadata column is modelled as one more Avro field appended to every writer schema before
 * schema mapping and evolution. That way its field ids are assigned by the same code as the value
 * columns, on table creation, and evolution matches it by name forever after: the ids never move.
 * Projection (Avro value → row) uses the writer schema as is against the table schema without that
 * column; the daemon then fills the column from the Kafka record itself.
 */
import type { NestedField, Schema, StructType } from '../iceberg/spec/types.js';
import { REPLAY_OF_HEADER, parseCoordinates, type Coordinates } from '../commit/replayed.js';
import { lastHeader, type SourceRecord } from '../source/types.js';
import { FloeError } from '../util/errors.js';

/** Avro name of the metadata record; namespaced so it cannot clash with a producer's types. */
const METADATA_RECORD = 'floe.internal.KafkaMetadata';
const HEADER_RECORD = 'floe.internal.KafkaHeader';
/** Where a table created before headers were a list keeps its old map column (see migrateHeaders). */
export const LEGACY_HEADERS_FIELD = 'headers_map';

export function metadataAvroField(column: string): Record<string, unknown> {
  return {
    name: column,
    doc: 'Kafka metadata of the record (written by floe)',
    type: {
      type: 'record',
      name: METADATA_RECORD,
      fields: [
        { name: 'topic', type: 'string' },
        { name: 'partition', type: 'int' },
        { name: 'offset', type: 'long' },
        // Optional: a record may have no timestamp (Kafka's -1, NO_TIMESTAMP; see metadataRow).
        { name: 'timestamp', type: ['null', { type: 'long', logicalType: 'timestamp-millis' }] },
        { name: 'key', type: ['null', 'bytes'] },
        // Kafka headers are an ordered list: a key may repeat, a value may be null.
        {
          name: 'headers',
          type: { type: 'array', items: { type: 'record', name: HEADER_RECORD, fields: [{ name: 'key', type: 'string' }, { name: 'value', type: ['null', 'bytes'] }] } },
        },
      ],
    },
  };
}

/**
 * The writer schema with the metadata field appended, as a JSON object for evolveSchema. Throws
 * BRONZE_VALUE_NOT_RECORD for non-record values and BRONZE_COLUMN_CLASH when the value already
 * has a field named like the metadata column.
 */
export function withMetadataField(writerSchemaText: string, column: string): Record<string, unknown> {
  const parsed = JSON.parse(writerSchemaText) as unknown;
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed) || (parsed as { type?: unknown }).type !== 'record') {
    throw new FloeError('BRONZE_VALUE_NOT_RECORD', 'bronze tables need record values; the writer schema is not an Avro record');
  }
  const record = parsed as { fields?: Array<{ name?: string }> };
  const fields = record.fields ?? [];
  if (fields.some((f) => f.name === column)) {
    throw new FloeError('BRONZE_COLUMN_CLASH', `the value has a field named "${column}", which bronze.kafkaMetadataColumn reserves; choose another column name`);
  }
  return { ...(parsed as object), fields: [...fields, metadataAvroField(column)] };
}

/** The table schema without the metadata column: what value projection targets. */
export function withoutColumn(schema: Schema, column: string): Schema {
  return { ...schema, fields: schema.fields.filter((f) => f.name !== column) };
}

/**
 * Bronze is a history log, and a delete (a tombstone) has no value: it is stored as a row whose
 * value columns are all null. So a bronze table's top-level value columns are optional; nested
 * requiredness (inside a value that is there) is kept. The metadata column stays as it is.
 */
export function optionalValueColumns(schema: Schema, column: string): Schema {
  return { ...schema, fields: schema.fields.map((f) => (f.name === column || !f.required ? f : { ...f, required: false })) };
}

/** Top-level value columns still required (a table created before bronze made them optional). */
export function requiredValueColumns(schema: Schema, column: string): string[] {
  return schema.fields.filter((f) => f.name !== column && f.required).map((f) => f.name);
}

/** The value row of a tombstone: every value column null (the metadata column is added by the writer). */
export function tombstoneRow(valueSchema: Schema): Record<string, unknown> {
  const row: Record<string, unknown> = {};
  for (const f of valueSchema.fields) row[f.name] = null;
  return row;
}

export function hasColumn(type: StructType, column: string): boolean {
  return type.fields.some((f) => f.name === column);
}

/**
 * Kafka's "no timestamp": a CreateTime record batch may carry -1 (a message-format v0 record
 * up-converted by the broker, or a producer that sets none). Stored as null — a row dated
 * 1969-12-31T23:59:59.999Z would be a lie that sorts first and lands in a 1969 partition.
 */
export const NO_TIMESTAMP = -1;

export interface MetadataRow {
  topic: string;
  partition: number;
  offset: bigint;
  /** Microseconds since the epoch (timestamptz); null for a record without a timestamp. */
  timestamp: bigint | null;
  key: Uint8Array | null;
  headers: Array<{ key: string; value: Uint8Array | null }>;
}

/**
 * A record's `_kafka` row as silver buffers it until its commit: the key and header values are
 * copies, since the record's are views into a fetch response whose memory is reused once its
 * batch is handled (src/source/fetch-buffers.ts).
 */
export function metadataRow(record: SourceRecord): MetadataRow {
  const headers = record.headers.map((h) => ({ key: h.key, value: h.value === null ? null : Buffer.from(h.value) }));
  return {
    topic: record.topic,
    partition: record.partition,
    offset: record.offset,
    timestamp: record.timestamp === NO_TIMESTAMP ? null : BigInt(record.timestamp) * 1000n,
    key: record.key === null ? null : Buffer.from(record.key),
    headers,
  };
}

/**
 * One field of a record's metadata row (what metadataRow gives for it), by name; null for any
 * other field, e.g. `headers_map` (the pre-list headers migrateHeaders keeps: null in new rows).
 * Bronze rows carry the SourceRecord itself in the metadata column (metadata-column.ts builds it);
 * partition tuples read `$kafka.*` through this.
 */
export function metadataValue(record: SourceRecord, name: string): unknown {
  switch (name) {
    case 'topic': return record.topic;
    case 'partition': return record.partition;
    case 'offset': return record.offset;
    case 'timestamp': return record.timestamp === NO_TIMESTAMP ? null : BigInt(record.timestamp) * 1000n;
    case 'key': return record.key;
    case 'headers': return record.headers;
    default: return null;
  }
}

/**
 * Tables created before headers were a list have `<column>.headers` as `map<string, binary>`,
 * which kept only the last value of a repeated key. The migration is one schema change, allowed
 * by Iceberg and invisible to old data files: the map field is renamed to `headers_map` and made
 * optional (same field id, so existing rows keep their values there), and a new optional
 * `headers` list is added with fresh ids (null in rows written before). Returns undefined when the
 * schema needs no migration. docs/querying.md shows how to read both.
 */
export function migrateHeaders(schema: Schema, column: string, lastColumnId: number): { schema: Schema; lastColumnId: number } | undefined {
  const meta = schema.fields.find((f) => f.name === column);
  if (!meta || typeof meta.type !== 'object' || meta.type.type !== 'struct') return undefined;
  const struct = meta.type;
  const old = struct.fields.find((f) => f.name === 'headers');
  if (!old || typeof old.type !== 'object' || old.type.type !== 'map' || struct.fields.some((f) => f.name === LEGACY_HEADERS_FIELD)) return undefined;
  let id = lastColumnId;
  const headersId = ++id;
  const elementId = ++id;
  const keyId = ++id;
  const valueId = ++id;
  const headers: NestedField = {
    id: headersId,
    name: 'headers',
    required: false,
    type: {
      type: 'list',
      'element-id': elementId,
      'element-required': true,
      element: {
        type: 'struct',
        fields: [
          { id: keyId, name: 'key', required: true, type: 'string' },
          { id: valueId, name: 'value', required: false, type: 'binary' },
        ],
      },
    },
  };
  const fields = struct.fields.map((f) => (f === old ? { ...f, name: LEGACY_HEADERS_FIELD, required: false, doc: 'Kafka headers as written before floe stored them as a list (last value per key)' } : f));
  const migrated: NestedField = { ...meta, type: { ...struct, fields: [...fields, headers] } };
  return { schema: { ...schema, fields: schema.fields.map((f) => (f === meta ? migrated : f)) }, lastColumnId: id };
}

/** Partition source path in the table: `$kafka.timestamp` → `<column>.timestamp`; value paths as given. */
export function partitionSourcePath(field: string, column: string): string {
  return field.startsWith('$kafka.') ? `${column}.${field.slice('$kafka.'.length)}` : field;
}

/** The original coordinates of a replayed dead letter (header floe.replay.of), if it is one. */
export function replayOf(record: SourceRecord): Coordinates | undefined {
  const h = lastHeader(record.headers, REPLAY_OF_HEADER);
  return h ? parseCoordinates(h.toString('utf8')) : undefined;
}
