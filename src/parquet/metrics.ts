/**
 * The Iceberg `DataFile` metrics of a Parquet file floe wrote, equal to what Iceberg Java's
 * ParquetUtil.footerMetrics reports for the same file:
 * - column sizes: compressed bytes of each leaf's column chunks (all row groups), from the footer;
 * - value / null counts per leaf with Parquet level semantics, NaN counts for float/double leaves
 *   (leaf-stats.ts, computed from the Arrow data);
 * - lower/upper bounds per leaf in the spec's single-value serialization, except for leaves under
 *   lists and maps (Iceberg Java skips bounds for repeated columns); strings and binaries truncated
 *   to 16 by default (`write.metadata.metrics.default` = truncate(16));
 * - split offsets: the start of each row group, as Iceberg Java's BlockMetaData.getStartingPos.
 */
import type * as arrow from 'apache-arrow';
import { parquetMetadata } from 'hyparquet';
import type { FileMetaData } from 'hyparquet';
import type { DataFile, Schema } from '../iceberg/spec/types.js';
import { serializeValue, truncateLowerBound, truncateUpperBound } from '../iceberg/spec/values.js';
import { FloeError } from '../util/errors.js';
import { collectLeaves, scanColumn, type LeafStats } from './leaf-stats.js';

export type DataFileMetrics = Omit<DataFile, 'filePath' | 'partition' | 'specId' | 'content' | 'fileFormat'>;

/** Iceberg metrics modes (`write.metadata.metrics.*`). */
export type MetricsMode =
  | { kind: 'none' }
  | { kind: 'counts' }
  | { kind: 'truncate'; length: number }
  | { kind: 'full' };

export const DEFAULT_METRICS_MODE: MetricsMode = { kind: 'truncate', length: 16 };

export interface MetricsOptions {
  /** Mode per leaf field id; default truncate(16) for every column. */
  metricsMode?: (fieldId: number) => MetricsMode;
}

/**
 * Leaf field ids in column order, read from the Parquet schema (its flattened depth-first list).
 * A leaf without an id takes its nearest ancestor's: the `metadata` and `value` parts of a variant
 * group have none (spec), and both belong to the variant column.
 */
function footerLeafIds(md: FileMetaData): number[] {
  const ids: number[] = [];
  let i = 1; // element 0 is the root
  const walk = (inherited: number): void => {
    const el = md.schema[i++]!;
    const n = el.num_children ?? 0;
    const id = el.field_id ?? inherited;
    if (n === 0) ids.push(id);
    for (let k = 0; k < n; k++) walk(id);
  };
  while (i < md.schema.length) walk(-1);
  return ids;
}

/** One id per Iceberg leaf: consecutive Parquet leaves of one variant collapse into its id. */
function icebergLeafIds(parquetLeafIds: number[]): number[] {
  return parquetLeafIds.filter((id, k) => id === -1 || k === 0 || parquetLeafIds[k - 1] !== id);
}

export function computeMetrics(table: arrow.Table, schema: Schema, parquet: Uint8Array, opts: MetricsOptions = {}): DataFileMetrics {
  const leaves: Parameters<typeof collectLeaves>[3] = [];
  collectLeaves({ type: 'struct', fields: schema.fields }, 0, false, leaves);
  if (table.schema.fields.length !== schema.fields.length) {
    throw new FloeError('PARQUET_SCHEMA_MISMATCH', `table has ${table.schema.fields.length} columns, schema ${schema.fields.length}`);
  }
  for (const batch of table.batches) {
    let at = 0;
    schema.fields.forEach((f, k) => {
      at = scanColumn(f.type, batch.data.children[k]!, null, leaves, at);
    });
  }

  const ab = parquet.buffer.slice(parquet.byteOffset, parquet.byteOffset + parquet.byteLength) as ArrayBuffer;
  const md = parquetMetadata(ab);
  const ids = footerLeafIds(md);
  const leafIds = icebergLeafIds(ids);
  if (leafIds.length !== leaves.length || leafIds.some((id, k) => id !== leaves[k]!.id)) {
    throw new FloeError('PARQUET_SCHEMA_MISMATCH', `Parquet leaf field ids [${ids.join(',')}] differ from the schema's`);
  }
  if (Number(md.num_rows) !== table.numRows) {
    throw new FloeError('PARQUET_SCHEMA_MISMATCH', `Parquet footer has ${md.num_rows} rows, table ${table.numRows}`);
  }

  const columnSizes = new Map<number, number>();
  const splitOffsets: number[] = [];
  for (const rg of md.row_groups) {
    rg.columns.forEach((cc, k) => {
      const id = ids[k]!;
      columnSizes.set(id, (columnSizes.get(id) ?? 0) + Number(cc.meta_data!.total_compressed_size));
    });
    const first = rg.columns[0]?.meta_data;
    if (first) {
      const dict = first.dictionary_page_offset;
      const start = dict !== undefined && dict > 0n && dict < first.data_page_offset ? dict : first.data_page_offset;
      splitOffsets.push(Number(start));
    }
  }

  const valueCounts = new Map<number, number>();
  const nullValueCounts = new Map<number, number>();
  const nanValueCounts = new Map<number, number>();
  const lowerBounds = new Map<number, Uint8Array>();
  const upperBounds = new Map<number, Uint8Array>();
  for (const leaf of leaves) {
    const mode = opts.metricsMode?.(leaf.id) ?? DEFAULT_METRICS_MODE;
    if (mode.kind === 'none') continue;
    valueCounts.set(leaf.id, leaf.valueCount);
    nullValueCounts.set(leaf.id, leaf.nullCount);
    if (leaf.type === 'float' || leaf.type === 'double') nanValueCounts.set(leaf.id, leaf.nanCount);
    if (mode.kind === 'counts') continue;
    addBounds(leaf, mode, lowerBounds, upperBounds);
  }

  return {
    recordCount: table.numRows,
    fileSizeInBytes: parquet.byteLength,
    columnSizes,
    valueCounts,
    nullValueCounts,
    nanValueCounts,
    lowerBounds,
    upperBounds,
    splitOffsets,
  };
}

function addBounds(leaf: LeafStats, mode: MetricsMode, lower: Map<number, Uint8Array>, upper: Map<number, Uint8Array>): void {
  if (leaf.min === undefined || leaf.max === undefined) return;
  if (mode.kind === 'truncate') {
    lower.set(leaf.id, serializeValue(leaf.type, truncateLowerBound(leaf.type, leaf.min, mode.length)));
    const hi = truncateUpperBound(leaf.type, leaf.max, mode.length);
    // No valid truncated upper bound (all 0xFF / U+10FFFF prefix): omit rather than store a wrong one.
    if (hi !== undefined) upper.set(leaf.id, serializeValue(leaf.type, hi));
  } else {
    lower.set(leaf.id, serializeValue(leaf.type, leaf.min));
    upper.set(leaf.id, serializeValue(leaf.type, leaf.max));
  }
}
