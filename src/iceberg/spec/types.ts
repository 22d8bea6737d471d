/**
 * The Iceberg table-format model (format/spec.md), as plain data.
 * JSON shapes follow the spec's JSON serialization so metadata round-trips without mapping;
 * field names are the spec's own (kebab-case) where the spec serializes them.
 */

export type PrimitiveTypeName =
  | 'boolean'
  | 'int'
  | 'long'
  | 'float'
  | 'double'
  | 'date'
  | 'time'
  | 'timestamp'
  | 'timestamptz'
  | 'timestamp_ns'
  | 'timestamptz_ns'
  | 'string'
  | 'uuid'
  | 'binary'
  /**
   * v3 semi-structured type. Not a primitive in the spec (it has its own section), but like one
   * it is serialized as a bare string, "variant", and is a leaf of the schema tree (one field id;
   * its Parquet `metadata`/`value` fields carry none), so it lives here.
   */
  | 'variant';

/** Primitive types are serialized as strings: "long", "decimal(9,2)", "fixed[16]". */
export type PrimitiveType =
  | PrimitiveTypeName
  | `decimal(${number},${number})`
  | `fixed[${number}]`;

export interface NestedField {
  id: number;
  name: string;
  required: boolean;
  type: IcebergType;
  doc?: string;
  'initial-default'?: unknown;
  'write-default'?: unknown;
}

export interface StructType {
  type: 'struct';
  fields: NestedField[];
}

export interface ListType {
  type: 'list';
  'element-id': number;
  element: IcebergType;
  'element-required': boolean;
}

export interface MapType {
  type: 'map';
  'key-id': number;
  key: IcebergType;
  'value-id': number;
  value: IcebergType;
  'value-required': boolean;
}

export type IcebergType = PrimitiveType | StructType | ListType | MapType;

export interface Schema extends StructType {
  'schema-id': number;
  'identifier-field-ids'?: number[];
}

/** Transforms are serialized as strings: "identity", "bucket[16]", "truncate[4]", "day", ... */
export type Transform =
  | 'identity'
  | 'year'
  | 'month'
  | 'day'
  | 'hour'
  | 'void'
  | `bucket[${number}]`
  | `truncate[${number}]`;

export interface PartitionField {
  'source-id': number;
  'field-id': number;
  name: string;
  transform: Transform;
}

export interface PartitionSpec {
  'spec-id': number;
  fields: PartitionField[];
}

export interface SortField {
  'source-id': number;
  transform: Transform;
  direction: 'asc' | 'desc';
  'null-order': 'nulls-first' | 'nulls-last';
}

export interface SortOrder {
  'order-id': number;
  fields: SortField[];
}

export type SnapshotOperation = 'append' | 'replace' | 'overwrite' | 'delete';

export interface SnapshotSummary {
  operation: SnapshotOperation;
  [key: string]: string;
}

export interface Snapshot {
  'snapshot-id': number;
  'parent-snapshot-id'?: number;
  'sequence-number': number;
  'timestamp-ms': number;
  'manifest-list': string;
  summary: SnapshotSummary;
  'schema-id'?: number;
  /** v3 row lineage; carried through untouched when reading v3 metadata. */
  'first-row-id'?: number;
  'added-rows'?: number;
}

export interface SnapshotRef {
  'snapshot-id': number;
  type: 'branch' | 'tag';
  'min-snapshots-to-keep'?: number;
  'max-snapshot-age-ms'?: number;
  'max-ref-age-ms'?: number;
}

export interface SnapshotLogEntry {
  'snapshot-id': number;
  'timestamp-ms': number;
}

export interface MetadataLogEntry {
  'metadata-file': string;
  'timestamp-ms': number;
}

export interface TableMetadata {
  'format-version': 1 | 2 | 3;
  'table-uuid': string;
  location: string;
  'last-sequence-number'?: number;
  'last-updated-ms': number;
  'last-column-id': number;
  schemas: Schema[];
  'current-schema-id': number;
  'partition-specs': PartitionSpec[];
  'default-spec-id': number;
  'last-partition-id': number;
  properties?: Record<string, string>;
  'current-snapshot-id'?: number | null;
  snapshots?: Snapshot[];
  'snapshot-log'?: SnapshotLogEntry[];
  'metadata-log'?: MetadataLogEntry[];
  'sort-orders': SortOrder[];
  'default-sort-order-id': number;
  refs?: Record<string, SnapshotRef>;
  'next-row-id'?: number;
  /** Fields of other format versions or future additions are kept, never dropped. */
  [extra: string]: unknown;
}

/**
 * The JS representation of a single Iceberg value, used by transforms, bounds and partition tuples.
 * - int, date (days since epoch): number
 * - long, time (µs of day), timestamp/timestamptz (µs since epoch), *_ns (ns): bigint
 * - float, double: number
 * - decimal: bigint holding the unscaled value (the scale comes from the type)
 * - string: string; uuid: string in canonical 8-4-4-4-12 lower-case form
 * - fixed, binary: Uint8Array
 */
export type PrimitiveValue = boolean | number | bigint | string | Uint8Array;

/** Content types of data files in manifests (spec: data_file.content). */
export const FileContent = {
  Data: 0,
  PositionDeletes: 1,
  EqualityDeletes: 2,
} as const;
export type FileContent = (typeof FileContent)[keyof typeof FileContent];

/** Content of a manifest file (spec: manifest_file.content). */
export const ManifestContent = {
  Data: 0,
  Deletes: 1,
} as const;
export type ManifestContent = (typeof ManifestContent)[keyof typeof ManifestContent];

/** PUFFIN: v3 deletion vectors. */
export type FileFormat = 'PARQUET' | 'AVRO' | 'ORC' | 'PUFFIN';

/**
 * A data or delete file as recorded in a manifest entry. Maps from field id to metric;
 * bounds hold the spec's single-value binary serialization.
 */
export interface DataFile {
  content: FileContent;
  filePath: string;
  fileFormat: FileFormat;
  /** Partition tuple in partition-spec field order; null for a null partition value. */
  partition: (PrimitiveValue | null)[];
  specId: number;
  recordCount: number;
  fileSizeInBytes: number;
  columnSizes?: Map<number, number>;
  valueCounts?: Map<number, number>;
  nullValueCounts?: Map<number, number>;
  nanValueCounts?: Map<number, number>;
  lowerBounds?: Map<number, Uint8Array>;
  upperBounds?: Map<number, Uint8Array>;
  splitOffsets?: number[];
  equalityIds?: number[];
  sortOrderId?: number;
  /** For position-delete files that reference a single data file (and every deletion vector). */
  referencedDataFile?: string;
  /**
   * v3 row lineage: the `_row_id` of the file's first row. Undefined for a new file (inherited
   * from its manifest's first_row_id when read); written explicitly for existing and deleted entries.
   */
  firstRowId?: number;
  /** v3 deletion vectors: where the blob sits in its Puffin file. */
  contentOffset?: number;
  contentSizeInBytes?: number;
  /** Encryption key metadata; carried through when existing entries are rewritten. */
  keyMetadata?: Uint8Array;
}

/**
 * A snapshot id as read from a manifest or manifest list: a number when it is a safe integer,
 * otherwise a bigint. Java engines assign random 63-bit ids, which a JS number cannot hold; keeping
 * them exact lets manifests written by Spark be carried into new manifest lists unchanged.
 */
export type LongId = number | bigint;

export const EntryStatus = {
  Existing: 0,
  Added: 1,
  Deleted: 2,
} as const;
export type EntryStatus = (typeof EntryStatus)[keyof typeof EntryStatus];

export interface ManifestEntry {
  status: EntryStatus;
  /** null means "inherit from the manifest's snapshot" (v2 inheritance). */
  snapshotId: LongId | null;
  sequenceNumber: number | null;
  fileSequenceNumber: number | null;
  dataFile: DataFile;
}

export interface PartitionFieldSummary {
  containsNull: boolean;
  containsNan?: boolean;
  lowerBound?: Uint8Array;
  upperBound?: Uint8Array;
}

/** An entry of a manifest list. */
export interface ManifestFile {
  manifestPath: string;
  manifestLength: number;
  partitionSpecId: number;
  content: ManifestContent;
  sequenceNumber: number;
  minSequenceNumber: number;
  addedSnapshotId: LongId;
  addedFilesCount: number;
  existingFilesCount: number;
  deletedFilesCount: number;
  addedRowsCount: number;
  existingRowsCount: number;
  deletedRowsCount: number;
  partitions?: PartitionFieldSummary[];
  keyMetadata?: Uint8Array;
  /** v3: the first `_row_id` of the manifest's files with no first_row_id of their own (data manifests). */
  firstRowId?: number;
}
