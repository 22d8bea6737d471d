/**
 * Table updates and requirements of the REST catalog's commit endpoint
 * (open-api/rest-catalog-open-api.yaml: TableUpdate, TableRequirement), as discriminated unions
 * on `action` / `type`. The JSON shape is exactly the wire shape.
 */
import type {
  PartitionSpec,
  Schema,
  Snapshot,
  SnapshotRef,
  SortOrder,
  TableMetadata,
} from '../spec/types.js';

export type TableUpdate =
  | { action: 'assign-uuid'; uuid: string }
  | { action: 'upgrade-format-version'; 'format-version': number }
  | { action: 'add-schema'; schema: Schema; 'last-column-id'?: number }
  | { action: 'set-current-schema'; 'schema-id': number }
  | { action: 'add-spec'; spec: PartitionSpec }
  | { action: 'set-default-spec'; 'spec-id': number }
  | { action: 'add-sort-order'; 'sort-order': SortOrder }
  | { action: 'set-default-sort-order'; 'sort-order-id': number }
  | { action: 'add-snapshot'; snapshot: Snapshot }
  | ({ action: 'set-snapshot-ref'; 'ref-name': string } & SnapshotRef)
  | { action: 'remove-snapshots'; 'snapshot-ids': number[] }
  | { action: 'remove-snapshot-ref'; 'ref-name': string }
  | { action: 'set-location'; location: string }
  | { action: 'set-properties'; updates: Record<string, string> }
  | { action: 'remove-properties'; removals: string[] }
  | { action: 'remove-partition-specs'; 'spec-ids': number[] }
  | { action: 'remove-schemas'; 'schema-ids': number[] };

export type TableRequirement =
  | { type: 'assert-create' }
  | { type: 'assert-table-uuid'; uuid: string }
  /** snapshot-id null asserts that the ref does not exist yet. */
  | { type: 'assert-ref-snapshot-id'; ref: string; 'snapshot-id': number | null }
  | { type: 'assert-last-assigned-field-id'; 'last-assigned-field-id': number }
  | { type: 'assert-current-schema-id'; 'current-schema-id': number }
  | { type: 'assert-last-assigned-partition-id'; 'last-assigned-partition-id': number }
  | { type: 'assert-default-spec-id'; 'default-spec-id': number }
  | { type: 'assert-default-sort-order-id'; 'default-sort-order-id': number };

/** A table identifier: namespace levels plus the table name. */
export interface TableIdentifier {
  namespace: string[];
  name: string;
}

/** What a catalog returns when a table is loaded or committed. */
export interface LoadedTable {
  metadataLocation: string | undefined;
  metadata: TableMetadata;
  /** Table-specific configuration from the catalog, e.g. vended storage credentials. */
  config: Record<string, string>;
  /**
   * Storage credentials scoped to location prefixes (LoadTableResult `storage-credentials`).
   * The spec says to prefer these over `config`, choosing the longest matching prefix.
   */
  storageCredentials?: StorageCredential[];
}

export interface StorageCredential {
  prefix: string;
  config: Record<string, string>;
}

/**
 * A change to commit: requirements checked by the catalog against the current metadata,
 * then updates applied in order.
 */
export interface TableChange {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}
