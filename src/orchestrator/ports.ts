/**
 * What a TableWriter needs from the outside world, as small interfaces: the real implementations
 * (table-store.ts) talk to the REST catalog and object storage; unit tests use in-memory fakes.
 */
import type { FileConfig } from '../config/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/types.js';
import type { DataFile, PartitionSpec, Schema, TableMetadata } from '../iceberg/spec/types.js';
import type { DefinitionChange, TableDefinition } from '../iceberg/table/definition.js';
import type { RecordBatchBuilder } from '../arrow/builder.js';
import type { DeadLetter } from '../source/dead-letter.js';
import type { TopicPartition } from '../source/types.js';
import type { Coordinates } from '../commit/replayed.js';

export interface SchemaUpdate {
  schema: Schema;
  lastColumnId: number;
  /** The current schema id the update was computed from (asserted by the commit). */
  baseSchemaId: number;
  baseLastColumnId: number;
}

export interface TableStore {
  /** undefined when the table does not exist. */
  load(id: TableIdentifier): Promise<LoadedTable | undefined>;
  /**
   * Creates namespace and table with the definition (format version, partitioning, sort order,
   * properties) the mapping gives for its schema; if someone else created it meanwhile, loads theirs.
   */
  create(id: TableIdentifier, schema: Schema, definition: (schema: Schema) => TableDefinition): Promise<LoadedTable>;
  /**
   * Brings an existing table's definition to what `definition` gives for its current schema (one
   * commit, recomputed from fresh metadata on a conflict). Returns the table and what changed.
   * Optional so fakes need not implement it.
   */
  follow?(id: TableIdentifier, definition: (schema: Schema) => TableDefinition): Promise<{ table: LoadedTable; changes: DefinitionChange[] }>;
  /**
   * Appends `files` with summary properties computed by `properties(fresh metadata)` on every
   * attempt (it may throw to abort). Returns the table after the commit.
   */
  append(id: TableIdentifier, table: LoadedTable, files: DataFile[], properties: (metadata: TableMetadata) => Record<string, string>): Promise<LoadedTable>;
  /**
   * Silver: one row delta (data files plus equality deletes) with summary properties as for
   * `append`. Optional so bronze-only fakes need not implement it.
   */
  rowDelta?(id: TableIdentifier, table: LoadedTable, data: DataFile[], deletes: DataFile[], properties: (metadata: TableMetadata) => Record<string, string>): Promise<LoadedTable>;
  /**
   * The tables of a namespace ([] when it does not exist): how tables a `{record}` template made
   * are found again after a restart. Optional so fakes need not implement it.
   */
  list?(namespace: string[]): Promise<TableIdentifier[]>;
  /** Commits a schema change computed from fresh metadata by `evolve` (undefined: nothing to do). */
  updateSchema(id: TableIdentifier, evolve: (metadata: TableMetadata) => SchemaUpdate | undefined): Promise<LoadedTable>;
}

export interface PartitionData {
  tuple: unknown[];
  sink: RecordBatchBuilder;
}

export interface DataFileSink {
  /** Writes and uploads the partitions' rows as Parquet data files of the table. */
  write(table: LoadedTable, spec: PartitionSpec, partitions: PartitionData[], file: FileConfig): Promise<DataFile[]>;
  /**
   * Silver: the Kafka position of the live row of each key in `keys` (by keyIdentity) that has
   * one (src/maintain/key-positions.ts). Optional so fakes need not implement it.
   */
  livePositions?(table: LoadedTable, keyColumns: string[], metadataColumn: string, keys: ReadonlySet<string>): Promise<Map<string, Coordinates>>;
}

export interface DeadLetterQueue {
  add(letter: DeadLetter, deadLetterTopicTemplate: string): void;
  /** Resolves when every letter added so far is durable. */
  flush(): Promise<void>;
}

/** Calls from a table writer back into the daemon. */
export interface WriterEvents {
  /**
   * The table refused our ranges (or a commit failed: `failure` says why): these partitions must be
   * read again from `offsets`.
   */
  reseek(table: string, partitions: Array<TopicPartition & { offset: bigint | undefined }>, failure?: unknown): void;
  /** A commit landed; `offsets` are the next offsets it stored for the partitions it covered. */
  committed(table: string, offsets: Array<TopicPartition & { offset: bigint }>, info: CommitInfo): void;
}

/** What a commit did (its debug log line, the late-commit warning, the status page's recent commits). */
export interface CommitInfo {
  /** Which trigger flushed: records, bytes, interval, memory, revoke (and shutdown), schema-change. */
  reason: string;
  /** Kafka records covered (dead letters and skipped replays included). */
  records: number;
  /** Rows the commit added. */
  rows: number;
  /** Data files added. */
  files: number;
  /** Writing and committing took this long. */
  ms: number;
}
