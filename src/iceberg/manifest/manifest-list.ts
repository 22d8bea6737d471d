/**
 * Manifest lists: one Avro file per snapshot listing its manifests with counts, sequence numbers
 * and partition field summaries (spec "Manifest Lists").
 */
import { FloeError } from '../../util/errors.js';
import { ManifestContent, type LongId, type ManifestFile, type PartitionFieldSummary } from '../spec/types.js';
import { readAvroFile, writeAvroFile, type AvroCodec } from './avro-file.js';
import { NamedTypes, RecordView } from './field-ids.js';
import { UNASSIGNED_SEQUENCE_NUMBER } from './manifest-writer.js';
import { manifestFileSchema } from './schemas.js';

export interface ManifestListWriteInput {
  snapshotId: LongId;
  parentSnapshotId: LongId | null | undefined;
  sequenceNumber: number;
  /** Every manifest of the snapshot, with sequence numbers assigned. */
  manifests: readonly ManifestFile[];
  codec?: AvroCodec;
  /** Default 2. v3 lists carry each manifest's first_row_id and the snapshot's first-row-id. */
  formatVersion?: number;
  /** v3: the snapshot's first-row-id (header metadata, as Java writes it). */
  firstRowId?: number;
}

function summaryToAvro(s: PartitionFieldSummary): Record<string, unknown> {
  return {
    contains_null: s.containsNull,
    contains_nan: s.containsNan ?? null,
    lower_bound: s.lowerBound === undefined ? null : Buffer.from(s.lowerBound),
    upper_bound: s.upperBound === undefined ? null : Buffer.from(s.upperBound),
  };
}

export function writeManifestList(input: ManifestListWriteInput): Buffer {
  const formatVersion = input.formatVersion ?? 2;
  const v3 = formatVersion >= 3;
  const records = input.manifests.map((m) => {
    if (m.sequenceNumber === UNASSIGNED_SEQUENCE_NUMBER || m.minSequenceNumber === UNASSIGNED_SEQUENCE_NUMBER) {
      throw new FloeError('MANIFEST_LIST_INVALID', `manifest ${m.manifestPath} has no sequence number assigned`);
    }
    return {
      manifest_path: m.manifestPath,
      manifest_length: m.manifestLength,
      partition_spec_id: m.partitionSpecId,
      content: m.content,
      sequence_number: m.sequenceNumber,
      min_sequence_number: m.minSequenceNumber,
      added_snapshot_id: m.addedSnapshotId,
      added_files_count: m.addedFilesCount,
      existing_files_count: m.existingFilesCount,
      deleted_files_count: m.deletedFilesCount,
      added_rows_count: m.addedRowsCount,
      existing_rows_count: m.existingRowsCount,
      deleted_rows_count: m.deletedRowsCount,
      partitions: m.partitions === undefined ? null : m.partitions.map(summaryToAvro),
      key_metadata: m.keyMetadata === undefined ? null : Buffer.from(m.keyMetadata),
      ...(v3 ? { first_row_id: m.content === ManifestContent.Data ? (m.firstRowId ?? null) : null } : {}),
    };
  });
  const metadata = {
    'snapshot-id': String(input.snapshotId),
    // Java writes the string "null" for a snapshot without parent; readers accept both.
    'parent-snapshot-id': input.parentSnapshotId === null || input.parentSnapshotId === undefined ? 'null' : String(input.parentSnapshotId),
    'sequence-number': String(input.sequenceNumber),
    'format-version': String(formatVersion),
    ...(v3 && input.firstRowId !== undefined ? { 'first-row-id': String(input.firstRowId) } : {}),
  };
  return writeAvroFile(manifestFileSchema(formatVersion), metadata, records, input.codec === undefined ? {} : { codec: input.codec });
}

export interface ManifestListContents {
  manifests: ManifestFile[];
  metadata: Record<string, string>;
}

type Rec = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

/**
 * Reads a manifest list of any format version. v1 lists lack content and sequence numbers (read
 * as data and 0, per spec Appendix E); null counts in v1 mean "unknown" and read as 0 here.
 */
export function readManifestList(bytes: Uint8Array): ManifestListContents {
  const file = readAvroFile(bytes);
  const names = new NamedTypes(file.schema);
  const fields = names.fieldsById(file.schema);
  if (!fields.has(500)) throw new FloeError('MANIFEST_LIST_INVALID', 'Avro file is not a manifest list: no manifest_path (500)');
  const partitionsField = fields.get(507);
  const summaryFields =
    partitionsField === undefined ? undefined : names.fieldsById((partitionsField.schema as Rec).items as never);
  const manifests = (file.records as Rec[]).map((record): ManifestFile => {
    const view = new RecordView(fields, record);
    const count = (id: number): number => num(view.get(id) ?? 0);
    const manifest: ManifestFile = {
      manifestPath: view.get(500) as string,
      manifestLength: num(view.get(501)),
      partitionSpecId: num(view.get(502)),
      content: num(view.get(517) ?? ManifestContent.Data) as ManifestContent,
      sequenceNumber: count(515),
      minSequenceNumber: count(516),
      addedSnapshotId: view.get(503) as LongId,
      addedFilesCount: count(504),
      existingFilesCount: count(505),
      deletedFilesCount: count(506),
      addedRowsCount: count(512),
      existingRowsCount: count(513),
      deletedRowsCount: count(514),
    };
    const partitions = view.get(507);
    if (Array.isArray(partitions) && summaryFields !== undefined) {
      manifest.partitions = (partitions as Rec[]).map((p) => {
        const s = new RecordView(summaryFields, p);
        const out: PartitionFieldSummary = { containsNull: Boolean(s.get(509)) };
        const nan = s.get(518);
        if (nan !== null && nan !== undefined) out.containsNan = Boolean(nan);
        const lower = s.get(510);
        if (lower !== null && lower !== undefined) out.lowerBound = new Uint8Array(lower as Buffer);
        const upper = s.get(511);
        if (upper !== null && upper !== undefined) out.upperBound = new Uint8Array(upper as Buffer);
        return out;
      });
    }
    const firstRowId = view.get(520);
    if (firstRowId !== null && firstRowId !== undefined) manifest.firstRowId = num(firstRowId);
    const keyMetadata = view.get(519);
    if (keyMetadata !== null && keyMetadata !== undefined) manifest.keyMetadata = new Uint8Array(keyMetadata as Buffer);
    return manifest;
  });
  return { manifests, metadata: file.metadata };
}
