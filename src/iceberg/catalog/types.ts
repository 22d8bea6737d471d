/**
 * What the REST catalog client exchanges besides changes: table identifiers and loaded tables
 * (LoadTableResult). The change model itself (TableUpdate, TableRequirement, TableChange) is the
 * wire model of src/iceberg/spec/changes.ts.
 */
import type { TableMetadata } from '../spec/types.js';

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
