/**
 * Avro schemas of manifest files (manifest_entry) and manifest lists (manifest_file) for format v2,
 * with the field ids of format/spec.md ("Manifests", "Manifest Lists"). Readers such as Java and
 * PyIceberg resolve these columns by id, so the ids are the contract; the record names follow
 * Java's convention (`r<id>`, `k<id>_v<id>`) only to keep files familiar when inspected.
 */
import type { PrimitiveType } from '../spec/types.js';

type Json = Record<string, unknown>;

/** An optional Avro field: a ["null", T] union defaulting to null, as the spec requires. */
function optional(name: string, id: number, type: unknown): Json {
  return { name, type: ['null', type], default: null, 'field-id': id };
}

function required(name: string, id: number, type: unknown): Json {
  return { name, type, 'field-id': id };
}

const OPTIONAL = 'optional';
/** A record field as [name, field id, Avro type], with OPTIONAL last for a nullable field. */
type FieldRow = readonly [name: string, id: number, type: unknown, optional?: typeof OPTIONAL];

/** An Avro record whose fields are given as rows (spec order, which is the order written). */
function record(name: string, rows: readonly FieldRow[]): Json {
  return {
    type: 'record',
    name,
    fields: rows.map(([field, id, type, opt]) => (opt ? optional(field, id, type) : required(field, id, type))),
  };
}

/** Maps with non-string keys are arrays of key/value records with logical type `map`. */
function mapOf(keyId: number, keyType: unknown, valueId: number, valueType: unknown): Json {
  return {
    type: 'array',
    logicalType: 'map',
    items: record(`k${keyId}_v${valueId}`, [
      ['key', keyId, keyType],
      ['value', valueId, valueType],
    ]),
  };
}

function listOf(elementId: number, elementType: unknown): Json {
  return { type: 'array', items: elementType, 'element-id': elementId };
}

/** Smallest number of bytes whose two's complement range holds every P-digit unscaled value. */
export function decimalRequiredBytes(precision: number): number {
  const max = 10n ** BigInt(precision);
  let bytes = 1;
  while (1n << BigInt(8 * bytes - 1) < max) bytes++;
  return bytes;
}

/**
 * Avro schema of a primitive Iceberg type (spec Appendix A). `uniqueName` names fixed types: Avro
 * names must be unique within a schema, and two partition fields may share a fixed-based type.
 */
export function avroPrimitive(type: PrimitiveType, uniqueName: string): unknown {
  switch (type) {
    case 'boolean':
    case 'int':
    case 'long':
    case 'float':
    case 'double':
    case 'string':
      return type;
    case 'binary':
      return 'bytes';
    case 'date':
      return { type: 'int', logicalType: 'date' };
    case 'time':
      return { type: 'long', logicalType: 'time-micros' };
    case 'timestamp':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': false };
    case 'timestamptz':
      return { type: 'long', logicalType: 'timestamp-micros', 'adjust-to-utc': true };
    case 'timestamp_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': false };
    case 'timestamptz_ns':
      return { type: 'long', logicalType: 'timestamp-nanos', 'adjust-to-utc': true };
    case 'uuid':
      return { type: 'fixed', name: uniqueName, size: 16, logicalType: 'uuid' };
  }
  const decimal = /^decimal\((\d+),\s*(\d+)\)$/.exec(type);
  if (decimal) {
    const precision = Number(decimal[1]);
    const scale = Number(decimal[2]);
    return {
      type: 'fixed',
      name: uniqueName,
      size: decimalRequiredBytes(precision),
      logicalType: 'decimal',
      precision,
      scale,
    };
  }
  const fixed = /^fixed\[(\d+)\]$/.exec(type);
  if (fixed) return { type: 'fixed', name: uniqueName, size: Number(fixed[1]) };
  throw new Error(`no Avro representation for Iceberg type ${type}`);
}

/** One field of a manifest's partition struct: id and name from the spec, type from the transform. */
export interface PartitionStructField {
  id: number;
  name: string;
  type: PrimitiveType;
}

const AVRO_NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

/**
 * Avro names allow only [A-Za-z0-9_] and no leading digit; partition field names are free-form.
 * Invalid characters become `_x<HEX>` as Java's AvroSchemaUtil does, so names stay recognizable.
 */
export function avroFieldName(name: string): string {
  if (AVRO_NAME.test(name)) return name;
  let out = '';
  for (const [i, ch] of [...name].entries()) {
    const ok = /[A-Za-z_]/.test(ch) || (i > 0 && /[0-9]/.test(ch));
    if (ok) out += ch;
    else if (i === 0 && /[0-9]/.test(ch)) out += `_${ch}`;
    else out += `_x${ch.codePointAt(0)!.toString(16).toUpperCase()}`;
  }
  return out;
}

/**
 * fixed[L] partition values are declared and written as Avro `bytes`, not `fixed`: Iceberg Java
 * (Spark, Trino, Flink) writes them length-prefixed although its schema says fixed
 * (ValueWriters.FixedByteBufferWriter, apache/iceberg#17501) and its manifest reader decodes them
 * the same way, so a spec-conformant `fixed` value makes Spark fail with "Malformed data. Length is
 * negative". Declaring `bytes` keeps the schema honest about the encoding, so readers that follow
 * the writer schema (PyIceberg, fastavro) decode the same bytes too.
 */
function partitionAvroType(type: PrimitiveType, uniqueName: string): unknown {
  return /^fixed\[\d+\]$/.test(type) ? 'bytes' : avroPrimitive(type, uniqueName);
}

export function partitionAvroSchema(fields: readonly PartitionStructField[]): Json {
  return record(
    'r102',
    fields.map((f) => [avroFieldName(f.name), f.id, partitionAvroType(f.type, `fixed_p${f.id}`), OPTIONAL]),
  );
}

/**
 * The `manifest_entry` schema for a manifest whose partition struct has the given fields: v2, or
 * v3 with row lineage (first_row_id) and deletion vector (content_offset, content_size_in_bytes).
 */
export function manifestEntrySchema(partition: readonly PartitionStructField[], formatVersion = 2): Json {
  const v3: FieldRow[] = formatVersion >= 3
    ? [['first_row_id', 142, 'long', OPTIONAL]]
    : [];
  const v3dv: FieldRow[] = formatVersion >= 3
    ? [['content_offset', 144, 'long', OPTIONAL], ['content_size_in_bytes', 145, 'long', OPTIONAL]]
    : [];
  const dataFile = record('r2', [
    ['content', 134, 'int'],
    ['file_path', 100, 'string'],
    ['file_format', 101, 'string'],
    ['partition', 102, partitionAvroSchema(partition)],
    ['record_count', 103, 'long'],
    ['file_size_in_bytes', 104, 'long'],
    ['column_sizes', 108, mapOf(117, 'int', 118, 'long'), OPTIONAL],
    ['value_counts', 109, mapOf(119, 'int', 120, 'long'), OPTIONAL],
    ['null_value_counts', 110, mapOf(121, 'int', 122, 'long'), OPTIONAL],
    ['nan_value_counts', 137, mapOf(138, 'int', 139, 'long'), OPTIONAL],
    ['lower_bounds', 125, mapOf(126, 'int', 127, 'bytes'), OPTIONAL],
    ['upper_bounds', 128, mapOf(129, 'int', 130, 'bytes'), OPTIONAL],
    ['key_metadata', 131, 'bytes', OPTIONAL],
    ['split_offsets', 132, listOf(133, 'long'), OPTIONAL],
    ['equality_ids', 135, listOf(136, 'int'), OPTIONAL],
    ['sort_order_id', 140, 'int', OPTIONAL],
    ...v3,
    ['referenced_data_file', 143, 'string', OPTIONAL],
    ...v3dv,
  ]);
  return record('manifest_entry', [
    ['status', 0, 'int'],
    ['snapshot_id', 1, 'long', OPTIONAL],
    ['sequence_number', 3, 'long', OPTIONAL],
    ['file_sequence_number', 4, 'long', OPTIONAL],
    ['data_file', 2, dataFile],
  ]);
}

/** The `manifest_file` schema of manifest lists (v3 adds first_row_id). */
export function manifestFileSchema(formatVersion = 2): Json {
  const fieldSummary = record('r508', [
    ['contains_null', 509, 'boolean'],
    ['contains_nan', 518, 'boolean', OPTIONAL],
    ['lower_bound', 510, 'bytes', OPTIONAL],
    ['upper_bound', 511, 'bytes', OPTIONAL],
  ]);
  return record('manifest_file', [
    ['manifest_path', 500, 'string'],
    ['manifest_length', 501, 'long'],
    ['partition_spec_id', 502, 'int'],
    ['content', 517, 'int'],
    ['sequence_number', 515, 'long'],
    ['min_sequence_number', 516, 'long'],
    ['added_snapshot_id', 503, 'long'],
    ['added_files_count', 504, 'int'],
    ['existing_files_count', 505, 'int'],
    ['deleted_files_count', 506, 'int'],
    ['added_rows_count', 512, 'long'],
    ['existing_rows_count', 513, 'long'],
    ['deleted_rows_count', 514, 'long'],
    ['partitions', 507, listOf(508, fieldSummary), OPTIONAL],
    ['key_metadata', 519, 'bytes', OPTIONAL],
    ...(formatVersion >= 3 ? [['first_row_id', 520, 'long', OPTIONAL] as FieldRow] : []),
  ]);
}
