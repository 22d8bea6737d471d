/**
 * The wire model of a table change: the REST catalog's TableUpdate and TableRequirement
 * (open-api/rest-catalog-open-api.yaml), as discriminated unions on `action` / `type`. The JSON
 * shape is exactly the wire shape. They live in spec/ because everything that changes a table
 * speaks them: snapshot operations produce them, updates.ts applies and checks them, the catalog
 * client sends them and floe's catalog server receives them.
 */
import type { PartitionStatisticsFile, StatisticsFile } from './statistics.js';
import type { PartitionSpec, Schema, Snapshot, SnapshotRef, SortOrder } from './types.js';

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
  | { action: 'remove-schemas'; 'schema-ids': number[] }
  /** `snapshot-id` beside `statistics` is deprecated on the wire; the file's own id counts. */
  | { action: 'set-statistics'; statistics: StatisticsFile; 'snapshot-id'?: number | bigint }
  | { action: 'remove-statistics'; 'snapshot-id': number | bigint }
  | { action: 'set-partition-statistics'; 'partition-statistics': PartitionStatisticsFile }
  | { action: 'remove-partition-statistics'; 'snapshot-id': number | bigint };

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

/**
 * A change to commit: requirements checked by the catalog against the current metadata,
 * then updates applied in order.
 */
export interface TableChange {
  requirements: TableRequirement[];
  updates: TableUpdate[];
}
