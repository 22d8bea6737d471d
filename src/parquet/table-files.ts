/**
 * Rows (or an Arrow table) of one table → uploaded Parquet data files and the complete `DataFile`
 * entries a snapshot operation commits. This is the glue the daemon calls between its buffers and
 * src/iceberg/table; it knows nothing of Kafka.
 *
 * - `splitByPartition` groups rows by their partition tuple (spec/partition.ts), so every data
 *   file holds one partition, as Iceberg requires of a file's single `partition` value.
 * - `writeDataFiles` rolls the rows of ONE partition into files near the target size
 *   (RollingDataFileWriter), uploads each under `<data location>/<partition path>/<uuid>.parquet`
 *   and returns the DataFiles (content data, PARQUET, partition tuple, spec id, metrics).
 *
 * Paths follow Iceberg Java's default location provider: `write.data.path` when the table sets
 * it, else `<table location>/data`; the partition directory is the escaped `name=value` path, so
 * tools that list a table's directory see the layout they expect.
 */
import { randomUUID } from 'node:crypto';
import type * as arrow from 'apache-arrow';
import { rowsToTable, type Row } from '../arrow/builder.js';
import type { FileIO } from '../iceberg/io/types.js';
import { partitionPath, partitionTuple, partitionType } from '../iceberg/spec/partition.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { decimalParams, findField } from '../iceberg/spec/schema.js';
import { FileContent, type DataFile, type PartitionSpec, type PrimitiveValue, type Schema, type SortOrder, type TableMetadata } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';
import type { WrittenDataFile } from './data-file.js';
import { encodeInline, type DataFileEncoder } from './encode.js';
import type { RollingWriterOptions } from './rolling.js';
import { applicableOrder } from './sort.js';

export type PartitionTupleValue = PrimitiveValue | null;

export interface PartitionGroup {
  /** Partition tuple in spec field order (transform results; null for null). */
  partition: PartitionTupleValue[];
  /** `a=1/b=x`, "" when unpartitioned. */
  path: string;
  rows: Row[];
}

/** Where data files go: Java's `write.data.path`, else `<location>/data` (no trailing slash). */
export function dataLocation(metadata: Pick<TableMetadata, 'location' | 'properties'>): string {
  const custom = metadata.properties?.['write.data.path'];
  return (custom ?? `${metadata.location.replace(/\/+$/, '')}/data`).replace(/\/+$/, '');
}

/**
 * Reads a partition source value out of a row keyed by field name; a null (or missing) enclosing
 * struct makes the value null, as it does for every engine.
 */
function sourceGetter(schema: Schema, sourceId: number): (row: Row) => PrimitiveValue | null {
  const found = findField(schema, sourceId);
  if (!found) return () => null; // a void partition of a dropped column
  const names = found.path;
  return (row) => {
    let cur: unknown = row;
    for (const name of names) {
      if (cur === null || cur === undefined || typeof cur !== 'object') return null;
      cur = (cur as Record<string, unknown>)[name];
    }
    return cur === undefined ? null : (cur as PrimitiveValue | null);
  };
}

/** Partition fields typed decimal(p,s): position → 10^p, the bound unscaled values must stay under. */
function decimalLimits(spec: PartitionSpec, schema: Schema): [number, bigint][] {
  const type = partitionType(spec, schema);
  const out: [number, bigint][] = [];
  type.fields.forEach((f, k) => {
    const params = typeof f.type === 'string' ? decimalParams(f.type) : undefined;
    if (params) out.push([k, 10n ** BigInt(params.precision)]);
  });
  return out;
}

/**
 * Groups rows by partition, in first-seen order (rows keep their order within a group). Throws
 * FloeError ICEBERG_INVALID_VALUE (with the row index) when a source value cannot be transformed.
 */
export function splitByPartition(schema: Schema, spec: PartitionSpec, rows: Iterable<Row>): PartitionGroup[] {
  const getters = spec.fields.map((f) => ({ id: f['source-id'], get: sourceGetter(schema, f['source-id']) }));
  const limits = decimalLimits(spec, schema);
  const groups = new Map<string, PartitionGroup>();
  let index = 0;
  for (const row of rows) {
    const sources = new Map<number, PrimitiveValue | null>();
    for (const g of getters) sources.set(g.id, g.get(row));
    let tuple: PartitionTupleValue[];
    try {
      tuple = partitionTuple(spec, schema, sources);
    } catch (cause) {
      throw new FloeError('ICEBERG_INVALID_VALUE', `row ${index}: cannot compute its partition: ${(cause as Error).message}`, {
        cause,
        details: { row: index },
      });
    }
    for (const [k, limit] of limits) {
      const v = tuple[k];
      if (typeof v === 'bigint' && (v >= limit || v <= -limit)) {
        // truncate[W] rounds a decimal away from zero past the column's precision
        // (truncate[50] of -9999999.99 in decimal(9,2) is -10000000.00). Iceberg Java refuses to
        // write such a partition value ("Cannot write value as decimal(9,2), too large"), so Spark
        // fails the whole INSERT; refusing the row here lets the caller dead-letter just it.
        throw new FloeError('ICEBERG_INVALID_VALUE', `row ${index}: partition ${spec.fields[k]!.name} value ${v} (unscaled) exceeds its decimal precision`, {
          details: { row: index, partitionField: spec.fields[k]!.name },
        });
      }
    }
    const key = valuesKey(tuple);
    let group = groups.get(key);
    if (group === undefined) {
      group = { partition: tuple, path: partitionPath(spec, schema, tuple), rows: [] };
      groups.set(key, group);
    }
    group.rows.push(row);
    index++;
  }
  return [...groups.values()];
}

export interface WriteDataFilesOptions extends RollingWriterOptions {
  io: FileIO;
  /** The table's data directory, usually `dataLocation(metadata)`. */
  dataLocation: string;
  schema: Schema;
  spec: PartitionSpec;
  /** The partition tuple every row belongs to (from splitByPartition); [] when unpartitioned. */
  partition: readonly PartitionTupleValue[];
  /** Names files; default random UUIDs (unique names are what makes uploads safe to retry). */
  fileName?: () => string;
  /**
   * The table's sort order: rows are written sorted by it and each file records its id
   * (`sort_order_id`). Unsorted or absent: rows keep their order and no id is recorded.
   */
  sortOrder?: SortOrder;
  /** Runs the sort + Parquet encode + metrics (encode.ts): default inline, or an EncodePool's worker. */
  encode?: DataFileEncoder;
}

/** The rows (or Arrow table, built for `schema`) of one partition → uploaded data files. */
export async function writeDataFiles(input: arrow.Table | Iterable<Row>, opts: WriteDataFilesOptions): Promise<DataFile[]> {
  return uploadDataFiles(await encodePartition(input, opts), opts);
}

/**
 * The first half of writeDataFiles: the partition's rows sorted and encoded as Parquet files
 * (bytes + metrics), not uploaded. Started for several partitions at once, a worker pool
 * (`opts.encode`) encodes them in parallel.
 */
export function encodePartition(input: arrow.Table | Iterable<Row>, opts: WriteDataFilesOptions): Promise<WrittenDataFile[]> {
  if (opts.partition.length !== opts.spec.fields.length) {
    return Promise.reject(
      new FloeError('ICEBERG_INVALID_VALUE', `partition tuple has ${opts.partition.length} values, spec ${opts.spec['spec-id']} has ${opts.spec.fields.length} fields`),
    );
  }
  const order = applicableOrder(opts.sortOrder, opts.schema);
  const table = isArrowTable(input) ? input : rowsToTable(opts.schema, input);
  // Only the encoding options travel (to a worker they are copied): not the FileIO, paths or spec.
  const { io: _io, dataLocation: _dl, schema, spec: _spec, partition: _p, fileName: _fn, sortOrder: _so, encode = encodeInline, ...encodeOpts } = opts;
  return encode(table, schema, { ...encodeOpts, ...(order ? { sortOrder: order } : {}) });
}

/** The second half: uploads encoded files under the partition's directory → their DataFiles. */
export async function uploadDataFiles(written: WrittenDataFile[], opts: WriteDataFilesOptions): Promise<DataFile[]> {
  const order = applicableOrder(opts.sortOrder, opts.schema);
  const dir = partitionPath(opts.spec, opts.schema, opts.partition);
  const base = dir === '' ? opts.dataLocation : `${opts.dataLocation}/${dir}`;
  const out: DataFile[] = [];
  for (const file of written) {
    const filePath = `${base}/${opts.fileName?.() ?? randomUUID()}.parquet`;
    // No ifNotExists: names are random UUIDs, and the SDK's own retry of a PUT whose response was
    // lost would then fail with 412 on the object it had just written.
    await opts.io.write(filePath, file.bytes);
    out.push({
      content: FileContent.Data,
      filePath,
      fileFormat: 'PARQUET',
      partition: [...opts.partition],
      specId: opts.spec['spec-id'],
      ...file.metrics,
      ...(order ? { sortOrderId: order['order-id'] } : {}),
    });
  }
  return out;
}

export type WritePartitionedOptions = Omit<WriteDataFilesOptions, 'partition'>;

/** splitByPartition + writeDataFiles for every partition: all files for a batch of rows. */
export async function writePartitionedDataFiles(rows: Iterable<Row>, opts: WritePartitionedOptions): Promise<DataFile[]> {
  const out: DataFile[] = [];
  for (const group of splitByPartition(opts.schema, opts.spec, rows)) {
    out.push(...(await writeDataFiles(group.rows, { ...opts, partition: group.partition })));
  }
  return out;
}

function isArrowTable(x: unknown): x is arrow.Table {
  return typeof x === 'object' && x !== null && 'batches' in x && 'schema' in x && 'numRows' in x;
}
