/**
 * Reads manifests written by any engine and format version (v1–v3) into ManifestEntry values.
 * Fields are located by field id in the file's own writer schema; fields floe does not model
 * (v1 block_size_in_bytes, v3 first_row_id, ...) are skipped.
 */
import { FloeError } from '../../util/errors.js';
import {
  EntryStatus,
  FileContent,
  ManifestContent,
  type DataFile,
  type FileFormat,
  type LongId,
  type ManifestEntry,
  type ManifestFile,
  type PartitionField,
  type PrimitiveValue,
  type Schema,
} from '../spec/types.js';
import { readAvroFile, type AvroSchemaJson } from './avro-file.js';
import { fromAvroValue } from './avro-values.js';
import { NamedTypes, RecordView, type FieldRef } from './field-ids.js';

export interface ManifestMetadata {
  /** Table schema at write time (header `schema`), if present and parseable. */
  schema?: Schema;
  schemaId?: number;
  partitionSpecId: number;
  /** Partition fields (header `partition-spec`). */
  partitionFields: PartitionField[];
  formatVersion: number;
  content: ManifestContent;
  /** All header key-value pairs, raw. */
  raw: Record<string, string>;
}

export interface ManifestContents {
  entries: ManifestEntry[];
  metadata: ManifestMetadata;
}

type Rec = Record<string, unknown>;

function parseJsonOr<T>(text: string | undefined, fallback: T): T {
  if (text === undefined) return fallback;
  try {
    return JSON.parse(text) as T;
  } catch {
    return fallback;
  }
}

function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function optNum(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

function toBytes(value: unknown): Uint8Array {
  return new Uint8Array(value as Buffer);
}

/** Reads an id-keyed map stored as an array of key/value records (or as an Avro map). */
function readMap<V>(
  names: NamedTypes,
  field: FieldRef | undefined,
  value: unknown,
  convert: (v: unknown) => V,
): Map<number, V> | undefined {
  if (field === undefined || value === null || value === undefined) return undefined;
  const out = new Map<number, V>();
  if (Array.isArray(value)) {
    const items = (field.schema as Rec).items as AvroSchemaJson;
    const kv = [...names.fieldsById(items).values()];
    const [keyName, valueName] = [kv[0]?.name ?? 'key', kv[1]?.name ?? 'value'];
    for (const item of value as Rec[]) out.set(num(item[keyName]), convert(item[valueName]));
  } else {
    for (const [k, v] of Object.entries(value as Rec)) out.set(Number(k), convert(v));
  }
  return out;
}

function fileFormat(value: unknown): FileFormat {
  return String(value).toUpperCase() as FileFormat;
}

/**
 * Reads the partition tuple in partition-spec field order. Field ids come from the Avro schema
 * (v2 requires them to equal the spec's field ids); v1 files without ids are read positionally.
 */
function readPartition(names: NamedTypes, field: FieldRef | undefined, value: unknown, specFields: PartitionField[]): (PrimitiveValue | null)[] {
  if (field === undefined || value === null || value === undefined) return specFields.map(() => null);
  const record = value as Rec;
  const byId = names.fieldsById(field.schema);
  if (byId.size === 0 && specFields.length > 0) {
    const avroFields = ((field.schema as Rec).fields as Rec[] | undefined) ?? [];
    return avroFields.map((f) => {
      const { schema } = names.unwrap(f.type as AvroSchemaJson);
      return fromAvroValue(schema, record[f.name as string]);
    });
  }
  const ids = specFields.length > 0 ? specFields.map((f) => f['field-id']) : [...byId.keys()];
  return ids.map((id) => {
    const ref = byId.get(id);
    return ref === undefined ? null : fromAvroValue(ref.schema, record[ref.name]);
  });
}

function readDataFile(names: NamedTypes, dataFileField: FieldRef, record: Rec, specId: number, specFields: PartitionField[]): DataFile {
  const view = new RecordView(names.fieldsById(dataFileField.schema), record);
  const count = (v: unknown): number => num(v);
  const file: DataFile = {
    // v1 has no content column: all v1 files are data files.
    content: (optNum(view.get(134)) ?? FileContent.Data) as FileContent,
    filePath: view.get(100) as string,
    fileFormat: fileFormat(view.get(101)),
    partition: readPartition(names, view.field(102), view.get(102), specFields),
    specId,
    recordCount: num(view.get(103)),
    fileSizeInBytes: num(view.get(104)),
  };
  const maps = [
    ['columnSizes', 108, count],
    ['valueCounts', 109, count],
    ['nullValueCounts', 110, count],
    ['nanValueCounts', 137, count],
    ['lowerBounds', 125, toBytes],
    ['upperBounds', 128, toBytes],
  ] as const;
  for (const [key, id, convert] of maps) {
    const map = readMap(names, view.field(id), view.get(id), convert as (v: unknown) => never);
    if (map !== undefined) (file as unknown as Rec)[key] = map;
  }
  const keyMetadata = view.get(131);
  if (keyMetadata !== null && keyMetadata !== undefined) file.keyMetadata = toBytes(keyMetadata);
  const splits = view.get(132);
  if (Array.isArray(splits)) file.splitOffsets = splits.map(num);
  const equalityIds = view.get(135);
  if (Array.isArray(equalityIds)) file.equalityIds = equalityIds.map(num);
  const sortOrderId = optNum(view.get(140));
  if (sortOrderId !== null) file.sortOrderId = sortOrderId;
  const referenced = view.get(143);
  if (typeof referenced === 'string') file.referencedDataFile = referenced;
  const firstRowId = optNum(view.get(142));
  if (firstRowId !== null) file.firstRowId = firstRowId;
  const contentOffset = optNum(view.get(144));
  if (contentOffset !== null) file.contentOffset = contentOffset;
  const contentSize = optNum(view.get(145));
  if (contentSize !== null) file.contentSizeInBytes = contentSize;
  return file;
}

function readMetadata(raw: Record<string, string>): ManifestMetadata {
  const formatVersion = Number(raw['format-version'] ?? '1');
  let partitionFields = parseJsonOr<PartitionField[] | { fields?: PartitionField[] }>(raw['partition-spec'], []);
  // Some v1 writers stored the whole spec object rather than its fields array.
  if (!Array.isArray(partitionFields)) partitionFields = partitionFields.fields ?? [];
  const schema = parseJsonOr<Schema | undefined>(raw.schema, undefined);
  const schemaIdText = raw['schema-id'] ?? (schema?.['schema-id'] === undefined ? undefined : String(schema['schema-id']));
  const metadata: ManifestMetadata = {
    partitionSpecId: Number(raw['partition-spec-id'] ?? '0'),
    partitionFields,
    formatVersion,
    content: raw.content === 'deletes' ? ManifestContent.Deletes : ManifestContent.Data,
    raw,
  };
  if (schema !== undefined) metadata.schema = schema;
  if (schemaIdText !== undefined) metadata.schemaId = Number(schemaIdText);
  return metadata;
}

/** Decodes a manifest file. Sequence numbers and snapshot ids are returned as stored (null = inherit). */
export function readManifest(bytes: Uint8Array): ManifestContents {
  const file = readAvroFile(bytes);
  const names = new NamedTypes(file.schema);
  const entryFields = names.fieldsById(file.schema);
  const dataFileField = entryFields.get(2);
  if (dataFileField === undefined || !entryFields.has(0)) {
    throw new FloeError('MANIFEST_INVALID', 'Avro file is not a manifest: no status (0) or data_file (2) field');
  }
  const records = file.records as Rec[];
  const metadata = readMetadata(file.metadata);
  const entries = records.map((record): ManifestEntry => {
    const view = new RecordView(entryFields, record);
    const snapshotId = view.get(1);
    return {
      status: num(view.get(0)) as EntryStatus,
      snapshotId: snapshotId === null || snapshotId === undefined ? null : (snapshotId as LongId),
      sequenceNumber: optNum(view.get(3)),
      fileSequenceNumber: optNum(view.get(4)),
      dataFile: readDataFile(names, dataFileField, view.get(2) as Rec, metadata.partitionSpecId, metadata.partitionFields),
    };
  });
  return { entries, metadata };
}

/**
 * Applies v2 inheritance from the manifest-list entry: a null snapshot id becomes the manifest's
 * added_snapshot_id and null sequence numbers become the manifest's sequence number (spec
 * "Sequence Number Inheritance"; v1 manifests carry no numbers and inherit 0 from v1 lists).
 */
export function inheritFromManifest(entries: readonly ManifestEntry[], manifest: ManifestFile): ManifestEntry[] {
  // v3 row lineage (spec "First Row ID Inheritance"): a data file without a first_row_id gets the
  // manifest's plus the record counts of the files before it that had none either.
  let nextRowId = manifest.content === ManifestContent.Data ? manifest.firstRowId : undefined;
  return entries.map((entry) => {
    let dataFile = entry.dataFile;
    if (nextRowId !== undefined && dataFile.content === FileContent.Data && dataFile.firstRowId === undefined) {
      dataFile = { ...dataFile, firstRowId: nextRowId };
      nextRowId += dataFile.recordCount;
    }
    return {
      ...entry,
      snapshotId: entry.snapshotId ?? manifest.addedSnapshotId,
      sequenceNumber: entry.sequenceNumber ?? manifest.sequenceNumber,
      fileSequenceNumber: entry.fileSequenceNumber ?? manifest.sequenceNumber,
      dataFile,
    };
  });
}
