/**
 * Test doubles for snapshot operations: an in-memory (or on-disk) FileIO, a small v2 table, and a
 * catalog-like `commit` built on the spec module's requirement checks and update application.
 */
import { mkdir, readFile, rm, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import type { FileInfo, FileIO } from '../../../src/iceberg/io/types.js';
import type { DataFile, PartitionSpec, Schema, TableMetadata } from '../../../src/iceberg/spec/types.js';
import { applyUpdates, checkRequirements } from '../../../src/iceberg/spec/updates.js';
import { CatalogErrorCode } from '../../../src/iceberg/catalog/errors.js';
import { FloeError } from '../../../src/util/errors.js';

export class MemoryFileIO implements FileIO {
  readonly files = new Map<string, Uint8Array>();
  reads = 0;

  async read(path: string): Promise<Uint8Array> {
    const bytes = this.files.get(path);
    if (bytes === undefined) throw new Error(`not found: ${path}`);
    this.reads++;
    return bytes;
  }
  async write(path: string, bytes: Uint8Array): Promise<void> {
    this.files.set(path, Uint8Array.from(bytes));
  }
  async exists(path: string): Promise<boolean> {
    return this.files.has(path);
  }
  async delete(path: string): Promise<void> {
    this.files.delete(path);
  }
  async *list(prefix: string): AsyncIterable<FileInfo> {
    for (const [path, bytes] of this.files) {
      if (path.startsWith(prefix)) yield { path, size: bytes.length, lastModified: new Date(0) };
    }
  }
}

/** Plain local paths, so PyIceberg can read what the operations wrote. */
export class DiskFileIO implements FileIO {
  async read(path: string): Promise<Uint8Array> {
    return new Uint8Array(await readFile(path));
  }
  async write(path: string, bytes: Uint8Array): Promise<void> {
    await mkdir(dirname(path), { recursive: true });
    await writeFile(path, bytes);
  }
  async exists(path: string): Promise<boolean> {
    return readFile(path).then(
      () => true,
      () => false,
    );
  }
  async delete(path: string): Promise<void> {
    await rm(path, { force: true });
  }
  async *list(): AsyncIterable<FileInfo> {}
}

export const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'category', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
  ],
};

/** Spec 0: identity(category); spec 1: unpartitioned (for global equality deletes). */
export const specs: PartitionSpec[] = [
  { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'category', transform: 'identity' }] },
  { 'spec-id': 1, fields: [] },
];

export function newTable(location = 'mem://warehouse/db/events', properties: Record<string, string> = {}): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1',
    location,
    'last-sequence-number': 0,
    'last-updated-ms': 1_700_000_000_000,
    'last-column-id': 3,
    schemas: [schema],
    'current-schema-id': 0,
    'partition-specs': specs,
    'default-spec-id': 0,
    'last-partition-id': 1000,
    properties,
    'current-snapshot-id': null,
    snapshots: [],
    'snapshot-log': [],
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    refs: {},
  };
}

export function dataFile(path: string, category: string | null, records: number, extra: Partial<DataFile> = {}): DataFile {
  return {
    content: 0,
    filePath: path,
    fileFormat: 'PARQUET',
    partition: [category],
    specId: 0,
    recordCount: records,
    fileSizeInBytes: records * 10,
    valueCounts: new Map([[1, records]]),
    nullValueCounts: new Map([[1, 0]]),
    ...extra,
  };
}

/** What a REST catalog does with a commit: check requirements (409), apply updates (Java semantics). */
export function commit(metadata: TableMetadata, change: TableChange): TableMetadata {
  const failed = checkRequirements(metadata, change.requirements);
  if (failed !== undefined) throw new Error(`409: ${failed.message}`);
  return applyUpdates(metadata, change.updates);
}

/** Applies an operation and commits it, returning the new metadata. */
export async function run(metadata: TableMetadata, op: { apply(m: TableMetadata): Promise<TableChange> }): Promise<TableMetadata> {
  return commit(metadata, await op.apply(metadata));
}

/**
 * A catalog over one table whose commits fail as `faults` lists, in order: `conflict` lets
 * another writer land `concurrent` first and answers 409 (retryable); `lost` commits and then
 * answers 504, as when the response is lost. Commits after the list succeed. `table.metadata`
 * is the catalog's current metadata.
 */
export function faultyCatalog(initial: TableMetadata, faults: Array<'conflict' | 'lost'>, concurrent: (metadata: TableMetadata) => Promise<TableMetadata>) {
  const table = { metadata: initial };
  const catalog = {
    loadTable: async () => ({ metadataLocation: undefined, metadata: table.metadata, config: {} }),
    commitTable: async (_id: unknown, change: TableChange) => {
      const fault = faults.shift();
      if (fault === 'conflict') {
        table.metadata = await concurrent(table.metadata);
        throw new FloeError(CatalogErrorCode.CommitConflict, '409', { retryable: true });
      }
      table.metadata = commit(table.metadata, change);
      if (fault === 'lost') throw new FloeError(CatalogErrorCode.CommitStateUnknown, '504');
      return { metadataLocation: undefined, metadata: table.metadata, config: {} };
    },
  };
  return { catalog, table };
}
