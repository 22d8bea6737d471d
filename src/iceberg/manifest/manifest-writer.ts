/**
 * Writes one manifest (format v2 or v3) as Avro bytes, plus the manifest-list entry describing it.
 *
 * The manifest's own sequence number is not known when it is written: it is the sequence number
 * of the snapshot that commits it, which changes when a commit is retried. Manifests are therefore
 * written once with inherited (null) sequence numbers for added entries and their ManifestFile
 * carries UNASSIGNED_SEQUENCE_NUMBER until the manifest list is written (assignSequenceNumber).
 */
import { FloeError } from '../../util/errors.js';
import { schemaToJson } from '../spec/schema.js';
import {
  EntryStatus,
  FileContent,
  ManifestContent,
  type DataFile,
  type LongId,
  type ManifestEntry,
  type ManifestFile,
  type PartitionSpec,
  type Schema,
} from '../spec/types.js';
import { writeAvroFile, type AvroCodec } from './avro-file.js';
import { toAvroValue } from './avro-values.js';
import { PartitionSummaries, partitionStruct } from './partition.js';
import { avroFieldName, manifestEntrySchema, type PartitionStructField } from './schemas.js';

/** Placeholder for sequence numbers that the manifest list assigns at commit time. */
export const UNASSIGNED_SEQUENCE_NUMBER = -1;

export interface ManifestWriteInput {
  /** Where the manifest will be stored; recorded in the returned ManifestFile. */
  path: string;
  /** Table schema at write time: stored in the header and used to type the partition struct. */
  schema: Schema;
  spec: PartitionSpec;
  content: ManifestContent;
  /** The snapshot that adds this manifest (manifest_file.added_snapshot_id). */
  snapshotId: LongId;
  entries: readonly ManifestEntry[];
  codec?: AvroCodec;
  /** The table's format version; default 2. v3 manifests carry first_row_id and DV fields. */
  formatVersion?: number;
}

export interface WrittenManifest {
  bytes: Buffer;
  /** Manifest-list entry; sequence numbers may be UNASSIGNED_SEQUENCE_NUMBER (see module doc). */
  manifest: ManifestFile;
}

function mapToAvro<V>(map: Map<number, V> | undefined, convert: (v: V) => unknown = (v) => v): unknown {
  if (map === undefined) return null;
  return [...map].map(([key, value]) => ({ key, value: convert(value) }));
}

function checkEntry(entry: ManifestEntry, spec: PartitionSpec, content: ManifestContent, path: string): void {
  const file = entry.dataFile;
  const fail = (why: string): never => {
    throw new FloeError('MANIFEST_ENTRY_INVALID', `${file.filePath}: ${why}`, { details: { manifest: path } });
  };
  const isDelete = file.content !== FileContent.Data;
  if (isDelete !== (content === ManifestContent.Deletes)) {
    fail(`content ${file.content} does not belong in a ${content === ManifestContent.Deletes ? 'delete' : 'data'} manifest`);
  }
  if (file.specId !== spec['spec-id']) fail(`partition spec ${file.specId} differs from the manifest's ${spec['spec-id']}`);
  if (file.partition.length !== spec.fields.length) fail(`partition tuple has ${file.partition.length} values for ${spec.fields.length} fields`);
  if (file.content === FileContent.EqualityDeletes && !file.equalityIds?.length) fail('equality delete file without equality_ids');
  // Spec: existing and deleted entries must carry both sequence numbers explicitly.
  if (entry.status !== EntryStatus.Added && (entry.sequenceNumber === null || entry.fileSequenceNumber === null)) {
    fail('existing and deleted entries need explicit sequence numbers');
  }
}

function dataFileToAvro(file: DataFile, struct: readonly PartitionStructField[], formatVersion: number): Record<string, unknown> {
  const partition: Record<string, unknown> = {};
  struct.forEach((field, i) => {
    partition[avroFieldName(field.name)] = toAvroValue(field.type, file.partition[i] ?? null);
  });
  return {
    content: file.content,
    file_path: file.filePath,
    file_format: file.fileFormat,
    partition,
    record_count: file.recordCount,
    file_size_in_bytes: file.fileSizeInBytes,
    column_sizes: mapToAvro(file.columnSizes),
    value_counts: mapToAvro(file.valueCounts),
    null_value_counts: mapToAvro(file.nullValueCounts),
    nan_value_counts: mapToAvro(file.nanValueCounts),
    lower_bounds: mapToAvro(file.lowerBounds, (b) => Buffer.from(b)),
    upper_bounds: mapToAvro(file.upperBounds, (b) => Buffer.from(b)),
    key_metadata: file.keyMetadata === undefined ? null : Buffer.from(file.keyMetadata),
    split_offsets: file.splitOffsets ?? null,
    equality_ids: file.equalityIds ?? null,
    // Spec: position delete files must not carry a sort order.
    sort_order_id: file.content === FileContent.PositionDeletes ? null : (file.sortOrderId ?? null),
    referenced_data_file: file.referencedDataFile ?? null,
    ...(formatVersion >= 3
      ? {
          // Delete files never carry a first row id (spec "First Row ID Inheritance").
          first_row_id: file.content === FileContent.Data ? (file.firstRowId ?? null) : null,
          content_offset: file.contentOffset ?? null,
          content_size_in_bytes: file.contentSizeInBytes ?? null,
        }
      : {}),
  };
}

/** Header key-value metadata that readers (Java, PyIceberg) require for a v2 manifest. */
function manifestMetadata(schema: Schema, spec: PartitionSpec, content: ManifestContent, formatVersion: number): Record<string, string> {
  return {
    // Defaults of long columns may be bigints, which JSON.stringify rejects.
    schema: JSON.stringify(schemaToJson(schema), (_k, v: unknown) => (typeof v === 'bigint' ? Number(v) : v)),
    'schema-id': String(schema['schema-id']),
    'partition-spec': JSON.stringify(spec.fields),
    'partition-spec-id': String(spec['spec-id']),
    'format-version': String(formatVersion),
    content: content === ManifestContent.Deletes ? 'deletes' : 'data',
  };
}

export function writeManifest(input: ManifestWriteInput): WrittenManifest {
  const { path, schema, spec, content, snapshotId, entries } = input;
  const formatVersion = input.formatVersion ?? 2;
  const struct = partitionStruct(spec, schema);
  const summaries = new PartitionSummaries(struct);
  const counts = { added: 0, existing: 0, deleted: 0, addedRows: 0, existingRows: 0, deletedRows: 0 };
  let minSequenceNumber = Number.POSITIVE_INFINITY;
  const records = entries.map((entry) => {
    checkEntry(entry, spec, content, path);
    summaries.update(entry.dataFile.partition);
    const rows = entry.dataFile.recordCount;
    if (entry.status === EntryStatus.Added) {
      counts.added++;
      counts.addedRows += rows;
    } else if (entry.status === EntryStatus.Existing) {
      counts.existing++;
      counts.existingRows += rows;
    } else {
      counts.deleted++;
      counts.deletedRows += rows;
    }
    // min_sequence_number covers live files only; inherited ones get the snapshot's number later.
    if (entry.status !== EntryStatus.Deleted && entry.sequenceNumber !== null) {
      minSequenceNumber = Math.min(minSequenceNumber, entry.sequenceNumber);
    }
    return {
      status: entry.status,
      snapshot_id: entry.snapshotId,
      sequence_number: entry.sequenceNumber,
      file_sequence_number: entry.fileSequenceNumber,
      data_file: dataFileToAvro(entry.dataFile, struct, formatVersion),
    };
  });
  const bytes = writeAvroFile(
    manifestEntrySchema(struct, formatVersion),
    manifestMetadata(schema, spec, content, formatVersion),
    records,
    input.codec === undefined ? {} : { codec: input.codec },
  );
  return {
    bytes,
    manifest: {
      manifestPath: path,
      manifestLength: bytes.length,
      partitionSpecId: spec['spec-id'],
      content,
      sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      minSequenceNumber: Number.isFinite(minSequenceNumber) ? minSequenceNumber : UNASSIGNED_SEQUENCE_NUMBER,
      addedSnapshotId: snapshotId,
      addedFilesCount: counts.added,
      existingFilesCount: counts.existing,
      deletedFilesCount: counts.deleted,
      addedRowsCount: counts.addedRows,
      existingRowsCount: counts.existingRows,
      deletedRowsCount: counts.deletedRows,
      partitions: summaries.result(),
    },
  };
}

/**
 * Fills the sequence numbers of a manifest written for the snapshot being committed. Entries with
 * inherited numbers get `sequenceNumber`, so the minimum over live files is at most that.
 */
export function assignSequenceNumber(manifest: ManifestFile, sequenceNumber: number): ManifestFile {
  if (manifest.sequenceNumber !== UNASSIGNED_SEQUENCE_NUMBER) return manifest;
  const inherits = manifest.addedFilesCount > 0 || manifest.minSequenceNumber === UNASSIGNED_SEQUENCE_NUMBER;
  const min =
    manifest.minSequenceNumber === UNASSIGNED_SEQUENCE_NUMBER
      ? sequenceNumber
      : inherits
        ? Math.min(manifest.minSequenceNumber, sequenceNumber)
        : manifest.minSequenceNumber;
  return { ...manifest, sequenceNumber, minSequenceNumber: min };
}
