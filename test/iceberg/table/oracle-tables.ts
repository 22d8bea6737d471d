/**
 * Shared plumbing of the Spark/PyIceberg oracle tests: a namespace of their own in the real REST
 * catalog, S3 on MinIO, and "write these rows as floe would, then commit" in one call.
 *
 * Tables are always written with the schema and spec the catalog returned: the REST catalog
 * assigns fresh field ids on create, so the ids floe sent are not necessarily the table's.
 */
import { randomUUID } from 'node:crypto';
import { inject } from 'vitest';
import type { Row } from '../../../src/arrow/builder.js';
import type { LoadedTable, TableIdentifier } from '../../../src/iceberg/catalog/types.js';
import { commitWithRetry, type CommitResult } from '../../../src/iceberg/catalog/commit.js';
import { RestCatalogClient } from '../../../src/iceberg/catalog/rest-client.js';
import { S3FileIO } from '../../../src/iceberg/io/s3.js';
import { currentSchema, defaultSpec } from '../../../src/iceberg/spec/metadata.js';
import { buildPartitionSpec, type PartitionFieldInput } from '../../../src/iceberg/spec/partition.js';
import { assignFreshIds } from '../../../src/iceberg/spec/schema.js';
import type { DataFile, NestedField, PartitionSpec, Schema, TableMetadata } from '../../../src/iceberg/spec/types.js';
import { FastAppend, MergeAppend } from '../../../src/iceberg/table/append.js';
import type { SnapshotOptions } from '../../../src/iceberg/table/producer.js';
import { dataLocation, writePartitionedDataFiles } from '../../../src/parquet/table-files.js';
import type { RollingWriterOptions } from '../../../src/parquet/rolling.js';
import { oracleFor, rowObjects, type OracleClient, type OracleResult, type OracleValue } from '../../harness/oracle.js';

export const stack = inject('stack');

export function s3io(): S3FileIO {
  return new S3FileIO({
    endpoint: stack.s3.endpoint,
    region: stack.s3.region,
    forcePathStyle: true,
    credentials: { accessKeyId: stack.s3.accessKeyId, secretAccessKey: stack.s3.secretAccessKey },
  });
}

export function newCatalog(uri = stack.catalogUri): RestCatalogClient {
  return new RestCatalogClient({ uri, warehouse: stack.warehouse });
}

/** A schema from plain fields, with ids renumbered the way Iceberg assigns them on create. */
export function schemaOf(fields: NestedField[]): Schema {
  return assignFreshIds({ type: 'struct', 'schema-id': 0, fields }).schema;
}

export class OracleTables {
  readonly ns: string;
  readonly catalog = newCatalog();
  readonly io = s3io();
  readonly oracle: OracleClient = oracleFor(stack);
  private readonly created: TableIdentifier[] = [];

  constructor(prefix: string) {
    this.ns = `${prefix}_${randomUUID().slice(0, 8)}`;
  }

  id(name: string): TableIdentifier {
    return { namespace: [this.ns], name };
  }

  /** "ns.name": Spark's (floe is its default catalog) and PyIceberg's name for the table. */
  name(name: string): string {
    return `${this.ns}.${name}`;
  }

  async setup(): Promise<void> {
    await this.catalog.ensureNamespace([this.ns]);
  }

  async create(
    name: string,
    schema: Schema,
    partition: PartitionFieldInput[] = [],
    properties: Record<string, string> = {},
  ): Promise<LoadedTable> {
    const id = this.id(name);
    this.created.push(id);
    const spec: PartitionSpec = buildPartitionSpec(schema, partition);
    return this.catalog.createTable(id, { schema, partitionSpec: spec, properties: { 'format-version': '2', ...properties } });
  }

  async load(name: string): Promise<TableMetadata> {
    return (await this.catalog.loadTable(this.id(name))).metadata;
  }

  /** What the daemon does with a batch: split by partition, write Parquet, upload. */
  async writeFiles(metadata: TableMetadata, rows: Row[], opts: RollingWriterOptions = {}): Promise<DataFile[]> {
    return writePartitionedDataFiles(rows, {
      io: this.io,
      dataLocation: dataLocation(metadata),
      schema: currentSchema(metadata),
      spec: defaultSpec(metadata),
      ...opts,
    });
  }

  /** Writes the rows and commits them as one fast (or merge) append. */
  async append(
    name: string,
    rows: Row[],
    opts: { merge?: boolean; snapshot?: SnapshotOptions; write?: RollingWriterOptions; catalog?: RestCatalogClient } = {},
  ): Promise<{ files: DataFile[]; commit: CommitResult }> {
    const metadata = await this.load(name);
    const files = await this.writeFiles(metadata, rows, opts.write);
    const op = opts.merge ? new MergeAppend(this.io, files, opts.snapshot) : new FastAppend(this.io, files, opts.snapshot);
    const commit = await commitWithRetry(opts.catalog ?? this.catalog, this.id(name), op.apply, { retry: { minWaitMs: 20, maxWaitMs: 500 } });
    return { files, commit };
  }

  spark(sql: string): Promise<OracleResult> {
    return this.oracle.sparkSql(sql);
  }

  async sparkRows(sql: string): Promise<Record<string, OracleValue>[]> {
    return rowObjects(await this.oracle.sparkSql(sql));
  }

  async sparkCount(name: string): Promise<number> {
    const r = await this.oracle.sparkSql(`SELECT count(*) AS n FROM ${this.name(name)}`);
    return Number(r.rows[0]![0]);
  }

  async teardown(): Promise<void> {
    for (const id of this.created) await this.catalog.dropTable(id, { purge: true }).catch(() => undefined);
    for await (const f of this.io.list(`${stack.warehouse.replace(/\/?$/, '/')}${this.ns}/`)) await this.io.delete(f.path);
    await this.catalog.dropNamespace([this.ns]).catch(() => undefined);
    await this.io.close();
  }
}

/** Sorts oracle rows by one column so results compare independent of scan order. */
export function sortBy<T extends Record<string, OracleValue>>(rows: T[], key: string): T[] {
  const k = (v: OracleValue): string | number => (typeof v === 'number' ? v : JSON.stringify(v));
  return [...rows].sort((a, b) => {
    const x = k(a[key] ?? null);
    const y = k(b[key] ?? null);
    if (typeof x === 'number' && typeof y === 'number') return x - y;
    return String(x) < String(y) ? -1 : String(x) > String(y) ? 1 : 0;
  });
}
