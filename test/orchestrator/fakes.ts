/**
 * In-memory stand-ins for the TableWriter's ports: a table store holding metadata and snapshot
 * summaries, a file sink that only counts rows, and a dead-letter queue. Each records the order
 * of events so tests can check sequencing (dead letters before commits, data before schema).
 */
import type { RecordBatch } from 'apache-arrow';
import { parseConfig, type TableMapping } from '../../src/config/index.js';
import type { LoadedTable, TableIdentifier } from '../../src/iceberg/catalog/types.js';
import { buildPartitionSpec } from '../../src/iceberg/spec/partition.js';
import type { TableDefinition } from '../../src/iceberg/table/definition.js';
import type { DataFile, PartitionSpec, Schema, TableMetadata } from '../../src/iceberg/spec/types.js';
import type { DeadLetter } from '../../src/source/dead-letter.js';
import { silentLogger } from '../../src/util/log.js';
import { daemonMetrics } from '../../src/orchestrator/metrics.js';
import type { CommitInfo, DataFileSink, DeadLetterQueue, PartitionData, SchemaUpdate, TableStore, WriterEvents } from '../../src/orchestrator/ports.js';
import type { WriterDeps } from '../../src/orchestrator/table-writer.js';
import type { SourceRecord } from '../../src/source/types.js';

export function mapping(table: Record<string, unknown> = {}, defaults: Record<string, unknown> = {}): TableMapping {
  const config = parseConfig(
    JSON.stringify({
      kafka: { brokers: ['k:9092'], groupId: 'g' },
      schemaRegistry: { url: 'http://r' },
      catalog: { type: 'rest', uri: 'http://c' },
      storage: { type: 'local', root: '/tmp' },
      defaults: { namespace: 'raw', ...defaults },
      tables: [{ topics: ['orders'], table: 'orders', ...table }],
    }),
    { env: {} },
  );
  return config.tables[0]!;
}

export class FakeStore implements TableStore, DataFileSink {
  metadata: TableMetadata | undefined;
  readonly events: string[] = [];
  /** Runs before each append attempt builds its properties: simulate another writer. */
  beforeAppend: ((m: TableMetadata) => void) | undefined;
  failAppends = 0;
  /** The Arrow batches written, in order (what a Parquet file would hold). */
  readonly batches: RecordBatch[] = [];
  private seq = 0;

  load = async (_id: TableIdentifier): Promise<LoadedTable | undefined> => (this.metadata ? this.loaded() : undefined);

  async create(_id: TableIdentifier, schema: Schema, definition: (s: Schema) => TableDefinition): Promise<LoadedTable> {
    const spec: PartitionSpec = buildPartitionSpec(schema, definition(schema).partitioning);
    this.metadata = {
      'format-version': 2,
      'table-uuid': 'u',
      location: 'mem://t',
      'last-sequence-number': 0,
      'last-updated-ms': 0,
      'last-column-id': maxId(schema),
      schemas: [schema],
      'current-schema-id': schema['schema-id'],
      'partition-specs': [spec],
      'default-spec-id': spec['spec-id'],
      'last-partition-id': 999 + spec.fields.length,
      properties: {},
      snapshots: [],
      'sort-orders': [{ 'order-id': 0, fields: [] }],
      'default-sort-order-id': 0,
      refs: {},
    } as TableMetadata;
    this.events.push(`create schema ${schema['schema-id']}`);
    return this.loaded();
  }

  /** Commits offsets as another writer would (a snapshot carrying only floe.offsets). */
  commitOffsets(offsets: string): void {
    this.addSnapshot({ 'floe.offsets': offsets });
  }

  async append(_id: TableIdentifier, _t: LoadedTable, files: DataFile[], properties: (m: TableMetadata) => Record<string, string>): Promise<LoadedTable> {
    this.beforeAppend?.(this.metadata!);
    if (this.failAppends > 0) {
      this.failAppends--;
      throw Object.assign(new Error('catalog down'), {});
    }
    const props = properties(this.metadata!);
    this.addSnapshot(props);
    this.events.push(`append ${files.map((f) => f.recordCount).join('+')} ${props['floe.offsets']}`);
    return this.loaded();
  }

  async updateSchema(_id: TableIdentifier, evolve: (m: TableMetadata) => SchemaUpdate | undefined): Promise<LoadedTable> {
    const u = evolve(this.metadata!);
    if (u) {
      const m = this.metadata!;
      this.metadata = { ...m, schemas: [...m.schemas, u.schema], 'current-schema-id': u.schema['schema-id'], 'last-column-id': u.lastColumnId };
      this.events.push(`schema ${u.schema['schema-id']}`);
    }
    return this.loaded();
  }

  async write(_t: LoadedTable, _spec: PartitionSpec, partitions: PartitionData[]): Promise<DataFile[]> {
    return partitions.map((p) => {
      this.events.push(`write ${p.sink.rowCount} rows schema ${p.sink.schema['schema-id']} partition ${JSON.stringify(p.tuple, (_k, v) => (typeof v === 'bigint' ? String(v) : v))}`);
      const recordCount = p.sink.rowCount;
      this.batches.push(p.sink.finish());
      return { recordCount, fileSizeInBytes: 100 } as DataFile;
    });
  }

  private addSnapshot(summary: Record<string, string>): void {
    const m = this.metadata!;
    const id = ++this.seq;
    const parent = m.refs?.main?.['snapshot-id'];
    const snapshot = { 'snapshot-id': id, ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }), 'sequence-number': id, 'timestamp-ms': 0, 'manifest-list': '', summary: { operation: 'append', ...summary } };
    this.metadata = { ...m, snapshots: [...(m.snapshots ?? []), snapshot as never], refs: { main: { 'snapshot-id': id, type: 'branch' } }, 'current-snapshot-id': id };
  }

  private loaded(): LoadedTable {
    return { metadataLocation: undefined, metadata: this.metadata!, config: {} };
  }
}

function maxId(schema: Schema): number {
  let max = 0;
  const visit = (t: unknown): void => {
    if (typeof t !== 'object' || t === null) return;
    const o = t as Record<string, unknown>;
    for (const k of ['id', 'element-id', 'key-id', 'value-id']) if (typeof o[k] === 'number') max = Math.max(max, o[k] as number);
    for (const v of Object.values(o)) if (typeof v === 'object') visit(v);
  };
  visit(schema);
  return max;
}

export class FakeDeadLetters implements DeadLetterQueue {
  readonly letters: Array<DeadLetter & { template: string }> = [];
  constructor(private readonly events: string[]) {}
  add(letter: DeadLetter, template: string): void {
    this.letters.push({ ...letter, template });
  }
  async flush(): Promise<void> {
    this.events.push(`dlq flush ${this.letters.length}`);
  }
}

export class FakeEvents implements WriterEvents {
  readonly reseeks: string[] = [];
  readonly commits: string[] = [];
  /** Why a commit failed, per reseek that came from a failure (a stale range has none). */
  readonly failures: unknown[] = [];
  readonly infos: CommitInfo[] = [];
  reseek(table: string, partitions: Array<{ topic: string; partition: number; offset: bigint | undefined }>, failure?: unknown): void {
    for (const p of partitions) this.reseeks.push(`${table} ${p.topic}/${p.partition}@${String(p.offset)}`);
    if (failure !== undefined) this.failures.push(failure);
  }
  committed(table: string, offsets: Array<{ topic: string; partition: number; offset: bigint }>, info: CommitInfo): void {
    for (const o of offsets) this.commits.push(`${table} ${o.topic}/${o.partition}@${o.offset}`);
    this.infos.push(info);
  }
}

export function fakeDeps(store: FakeStore, now?: () => number): WriterDeps & { dlq: FakeDeadLetters; ev: FakeEvents } {
  const dlq = new FakeDeadLetters(store.events);
  const ev = new FakeEvents();
  return { store, files: store, deadLetters: dlq, events: ev, metrics: daemonMetrics(), log: silentLogger, dlq, ev, ...(now ? { now } : {}) };
}

export function record(topic: string, partition: number, offset: number, value: Buffer | null = Buffer.from('x'), timestamp = 1_700_000_000_000): SourceRecord {
  return { topic, partition, offset: BigInt(offset), timestamp, key: Buffer.from(`k${offset}`), value, headers: [{ key: 'h', value: Buffer.from('v') }], sizeBytes: 10 };
}

/**
 * Several tables, each a FakeStore, addressed by name: what tables routed by record type need
 * (one writer per table, and a namespace listing to find them again after a restart).
 */
export class FakeCatalog implements TableStore, DataFileSink {
  readonly tables = new Map<string, FakeStore>();

  store(name: string): FakeStore {
    let s = this.tables.get(name);
    if (!s) this.tables.set(name, (s = new FakeStore()));
    return s;
  }

  load = async (id: TableIdentifier) => this.tables.get(id.name)?.load(id);

  async list(namespace: string[]): Promise<TableIdentifier[]> {
    return [...this.tables].filter(([, s]) => s.metadata).map(([name]) => ({ namespace, name }));
  }

  async create(id: TableIdentifier, schema: Schema, definition: (s: Schema) => TableDefinition): Promise<LoadedTable> {
    const s = this.store(id.name);
    await s.create(id, schema, definition);
    // The location tells write() which table the files are for.
    s.metadata = { ...s.metadata!, location: `mem://${id.name}` };
    return (await s.load(id))!;
  }

  append(id: TableIdentifier, t: LoadedTable, files: DataFile[], properties: (m: TableMetadata) => Record<string, string>): Promise<LoadedTable> {
    return this.store(id.name).append(id, t, files, properties);
  }

  updateSchema(id: TableIdentifier, evolve: (m: TableMetadata) => SchemaUpdate | undefined): Promise<LoadedTable> {
    return this.store(id.name).updateSchema(id, evolve);
  }

  write(t: LoadedTable, spec: PartitionSpec, partitions: PartitionData[]): Promise<DataFile[]> {
    return this.store(t.metadata.location.slice('mem://'.length)).write(t, spec, partitions);
  }
}
