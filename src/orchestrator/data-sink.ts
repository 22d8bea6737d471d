/**
 * The data half of a commit: what was drained from a table's buffer becomes Parquet files and one
 * snapshot — an append of data files for bronze, a row delta of data and equality-delete files for
 * silver (docs/silver.md). The offsets half (the snapshot's summary properties) comes from
 * commit/offset-committer.ts; the TableWriter decides when, and what happens on failure.
 */
import type { Row } from '../arrow/builder.js';
import type { FileConfig } from '../config/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/types.js';
import type { DataFile, PartitionSpec, Schema, TableMetadata } from '../iceberg/spec/types.js';
import type { DataFileSink, PartitionData, TableStore } from './ports.js';
import { writeChangeFiles, type KeyedChange } from './silver.js';

/** What one commit holds: bronze rows per table partition, or silver's touched keys. */
export type DrainedRows =
  | { kind: 'bronze'; partitions: PartitionData[] }
  | { kind: 'silver'; changes: KeyedChange[]; schema: Schema; keyColumns: string[]; metadataColumn: string; partitionOf: (key: Row) => { tuple: unknown[]; key: string } };

export interface Committed {
  table: LoadedTable;
  /** Data files added (silver's delete files not included). */
  files: DataFile[];
  /** Rows the commit added. */
  rows: number;
}

/** Writes the rows as files of `table` and commits them in one snapshot carrying `properties`. */
export async function commitRows(
  deps: { store: TableStore; files: DataFileSink },
  id: TableIdentifier,
  table: LoadedTable,
  spec: PartitionSpec,
  file: FileConfig,
  rows: DrainedRows,
  properties: (metadata: TableMetadata) => Record<string, string>,
): Promise<Committed> {
  const write = (partitions: PartitionData[]) => deps.files.write(table, spec, partitions, file);
  if (rows.kind === 'silver') {
    const delta = await writeChangeFiles(rows.changes, rows.schema, rows.keyColumns, rows.metadataColumn, rows.partitionOf, write);
    const committed = await deps.store.rowDelta!(id, table, delta.data, delta.deletes, properties);
    return { table: committed, files: delta.data, rows: delta.data.reduce((n, f) => n + f.recordCount, 0) };
  }
  // Counted before writing: writing hands the builders' rows over and empties them.
  const count = rows.partitions.reduce((n, p) => n + p.sink.rowCount, 0);
  const files = await write(rows.partitions);
  return { table: await deps.store.append(id, table, files, properties), files, rows: count };
}
