/**
 * The schema half of a TableWriter: the table as last loaded or committed, the schema and
 * partition spec rows are built for, and the plan for each writer schema (project its records, or
 * dead-letter them). Deciding a plan may change the table — create it for its first writer schema,
 * bring an existing table's definition to the mapping, evolve its schema, migrate the legacy
 * headers map, make bronze value columns optional for tombstones — and each schema change commits
 * the rows buffered under the old schema first (through the host's flush), so no reader ever sees
 * a data file with a column its schema lacks. Buffering and committing rows stay in table-writer.ts;
 * this file never touches offsets or files.
 */
import type { Row } from '../arrow/builder.js';
import type { TableMapping } from '../config/index.js';
import type { WriterSchema } from '../decode/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/types.js';
import type { PartitionSpec, Schema, TableMetadata } from '../iceberg/spec/types.js';
import { currentSchema, specById } from '../iceberg/table/state.js';
import { compileDirect, compileProjector, evolveSchema, type DirectReader, type Incompatibility, type Projector } from '../schema/index.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { migrateHeaders, optionalValueColumns, requiredValueColumns, tombstoneRow } from './bronze.js';
import type { DaemonMetrics } from './metrics.js';
import { columnTupleFunction, tupleFunction, tupleNeedsOnlyRecord } from './partition-tuple.js';
import type { Column } from '../arrow/column.js';
import type { SourceRecord } from '../source/types.js';
import type { TableStore } from './ports.js';
import { followMapping, loadOrCreate, valueColumns, writerColumns } from './table-create.js';

/** How records of one writer schema land in the table (for the table's current working schema). */
export type WriterPlan = { action: 'write'; project: Projector; direct?: DirectReader } | { action: 'dead-letter'; error: FloeError };

/** What the planner needs from the writer that owns the buffer. */
export interface PlannerHost {
  /** Commits every buffered row (a schema change must come after them). */
  flush(reason: string): Promise<void>;
  /** Schema and spec follow new metadata only while nothing is buffered: rows are built for one schema. */
  readonly bufferEmpty: boolean;
  /** Called with every table metadata taken (the offsets follow the table too). */
  adopted(metadata: TableMetadata): void;
}

export class SchemaPlanner {
  private loaded: LoadedTable | undefined;
  /** The schema rows are built for; changes only while the buffer is empty. */
  private working: Schema | undefined;
  private workingSpec: PartitionSpec | undefined;
  private tuple: ((row: Row) => unknown[]) | undefined;
  private columnTuple: ((columns: readonly Column[], row: number, record: SourceRecord) => unknown[]) | undefined;
  /** True when the working spec's sources all lie in the Kafka metadata (or there are none). */
  private recordOnlyTuple = true;
  private plans = new Map<string, WriterPlan>();
  private followed = false;

  constructor(
    private readonly id: TableIdentifier,
    private readonly fullName: string,
    private readonly mapping: TableMapping,
    private readonly keyColumns: string[] | undefined,
    private readonly deps: { store: TableStore; metrics: DaemonMetrics; log: Logger },
    private readonly host: PlannerHost,
  ) {}

  /** The table as last loaded or committed; undefined until it exists. */
  get table(): LoadedTable | undefined {
    return this.loaded;
  }

  get schema(): Schema | undefined {
    return this.working;
  }

  get spec(): PartitionSpec | undefined {
    return this.workingSpec;
  }

  /** The partition tuple of a row under the working spec. */
  tupleOf(row: Row): unknown[] {
    return this.tuple!(row);
  }

  /** Bronze: whether a row's partition tuple needs only its Kafka record (no value column). */
  get tupleNeedsOnlyRecord(): boolean {
    return this.recordOnlyTuple;
  }

  /** Bronze: the partition tuple of row `row` of a builder's columns (rows appended by a direct reader). */
  tupleOfColumns(columns: readonly Column[], row: number, record: SourceRecord): unknown[] {
    this.columnTuple ??= columnTupleFunction(this.working!, this.workingSpec!, this.column);
    return this.columnTuple(columns, row, record);
  }

  private get column(): string {
    return this.mapping.bronze.kafkaMetadataColumn;
  }

  /** The table schema without the columns floe fills itself (Kafka metadata, Kafka key). */
  private valueColumns(schema: Schema): Schema {
    return valueColumns(schema, this.mapping, this.keyColumns);
  }

  /**
   * Loads the table when partitions are assigned (it is the source of truth for their offsets) and
   * brings its definition to the mapping; a missing table is fine only when floe may create it.
   */
  async open(): Promise<void> {
    const loaded = await this.deps.store.load(this.id);
    if (!loaded && !this.mapping.createTables) {
      throw new FloeError('CATALOG_NO_SUCH_TABLE', `table ${this.fullName} does not exist and tables[${this.mapping.index}].createTables is false`);
    }
    if (loaded) this.setTable(await this.follow(loaded));
  }

  /** Takes new table metadata; adopts its schema and spec only while nothing is buffered. */
  setTable(table: LoadedTable): void {
    this.loaded = table;
    this.host.adopted(table.metadata);
    if (this.host.bufferEmpty || this.working === undefined) {
      const schema = currentSchema(table.metadata);
      const spec = specById(table.metadata, table.metadata['default-spec-id']);
      if (schema['schema-id'] !== this.working?.['schema-id'] || spec['spec-id'] !== this.workingSpec?.['spec-id']) {
        this.working = schema;
        this.workingSpec = spec;
        this.plans = new Map();
        // Bronze rows carry the Kafka record in the metadata column (metadata-column.ts).
        this.tuple = tupleFunction(schema, spec, this.mapping.mode === 'silver' ? undefined : this.column);
        this.columnTuple = undefined;
        this.recordOnlyTuple = tupleNeedsOnlyRecord(schema, spec, this.column);
      }
    }
  }

  /** The plan for records of a writer schema, once prepared for the current working schema. */
  plan(writer: WriterSchema): WriterPlan | undefined {
    return this.plans.get(writer.key);
  }

  /** Decides (and remembers) the plan for a writer schema, creating or evolving the table first when needed. */
  async preparePlan(writer: WriterSchema): Promise<WriterPlan> {
    let augmented: Record<string, unknown>;
    let rowSchema: Record<string, unknown>;
    try {
      ({ rowSchema, augmented } = writerColumns(writer, this.mapping, this.keyColumns));
    } catch (err) {
      return this.remember(writer, { action: 'dead-letter', error: err as FloeError });
    }
    const policy = this.mapping.schemaEvolution.incompatible;
    if (!this.loaded) {
      const made = await loadOrCreate(this.deps.store, this.id, this.mapping, this.fullName, this.keyColumns, augmented, this.deps.log);
      // A first writer that cannot be mapped (a record with no columns): no table is created.
      if ('incompatible' in made) return this.incompatible(writer, made.incompatible, policy === 'halt');
      this.setTable(made.table);
    }
    await this.migrateLegacyHeaders();
    const evolve = (schema: Schema, history: Schema[], lastColumnId: number, formatVersion: number) => {
      try {
        return evolveSchema(schema, augmented, { policy, history, lastColumnId, formatVersion, recursive: this.mapping.value.recursive, schemaId: Math.max(...history.map((s) => s['schema-id'])) + 1 });
      } catch (err) {
        if (isFloeError(err, 'SCHEMA_INCOMPATIBLE')) {
          throw new FloeError('SCHEMA_INCOMPATIBLE', `table ${this.fullName}, writer schema ${writer.id}: ${err.message} (schemaEvolution.incompatible is halt)`, { cause: err, fatal: true });
        }
        throw err;
      }
    };
    for (let attempt = 0; ; attempt++) {
      const meta = this.loaded!.metadata;
      const result = evolve(this.working!, meta.schemas, meta['last-column-id'], meta['format-version']);
      if (result.action === 'dead-letter') return this.incompatible(writer, result.incompatible, false);
      if (result.action === 'none') {
        const history = meta.schemas.map((s) => this.valueColumns(s));
        const source = this.mapping.mode === 'silver' && this.mapping.envelope === 'debezium' ? rowSchema : writer.type;
        const values = this.valueColumns(this.working!);
        const project = compileProjector(source, values, { history, defaults: result.defaults });
        const direct = this.directFor(writer, values, history, result.defaults);
        return this.remember(writer, direct ? { action: 'write', project, direct } : { action: 'write', project });
      }
      this.deps.log.info({ writerSchemaId: writer.id, changes: result.changes.map((c) => `${c.kind} ${c.path}`) }, 'table schema evolves');
      await this.commitSchema(attempt, (fresh) => {
        const r = evolve(currentSchema(fresh), fresh.schemas, fresh['last-column-id'], fresh['format-version']);
        return r.action === 'apply' ? { schema: r.newSchema, lastColumnId: r.lastColumnId } : undefined;
      });
    }
  }

  /**
   * Bronze: readies the table for tombstone rows. A table created with required top-level value
   * columns (before bronze made them optional) gets them made optional first, committed as a
   * schema change after the buffered rows. Returns an error when no tombstone row can be stored.
   */
  async prepareTombstone(): Promise<FloeError | undefined> {
    if (!this.loaded) {
      const loaded = await this.deps.store.load(this.id); // another instance may have created it
      if (loaded) this.setTable(loaded);
    }
    if (!this.working) return new FloeError('BRONZE_TOMBSTONE_NO_TABLE', `a tombstone came before any record with a value: ${this.fullName} does not exist yet and its columns are unknown`);
    await this.migrateLegacyHeaders();
    for (let attempt = 0; requiredValueColumns(this.working, this.column).length > 0; attempt++) {
      this.deps.log.info({ columns: requiredValueColumns(this.working, this.column) }, 'bronze value columns become optional for a tombstone');
      await this.commitSchema(attempt, (fresh) => {
        const current = currentSchema(fresh);
        if (requiredValueColumns(current, this.column).length === 0) return undefined;
        return { schema: { ...optionalValueColumns(current, this.column), 'schema-id': nextSchemaId(fresh) }, lastColumnId: fresh['last-column-id'] };
      });
    }
    return undefined;
  }

  /** Bronze: the value row of a tombstone (every value column null); throws until prepareTombstone made that storable. */
  tombstoneRow(): Row {
    const required = this.working ? requiredValueColumns(this.working, this.column) : ['(no table)'];
    if (required.length > 0) throw new FloeError('BRONZE_TOMBSTONE_REQUIRED', `${this.fullName} has required value columns (${required.join(', ')}); call prepareTombstone() first`, { retryable: true });
    return tombstoneRow(this.valueColumns(this.working!));
  }

  /** Bronze records of an Avro writer may skip the decoded value and the row object (direct.ts); undefined otherwise. */
  private directFor(writer: WriterSchema, values: Schema, history: Schema[], defaults: ReadonlyMap<number, unknown> | undefined): DirectReader | undefined {
    if (this.mapping.mode === 'silver' || writer.format !== 'avro') return undefined;
    return compileDirect(writer.type, this.working!, values, { history, defaults, own: this.column });
  }

  private incompatible(writer: WriterSchema, list: Incompatibility[], halt: boolean): WriterPlan {
    const message = `writer schema ${writer.id} cannot be written to ${this.fullName}: ${list.map((i) => `${i.path}: ${i.reason}`).join('; ')}`;
    if (halt) throw new FloeError('SCHEMA_INCOMPATIBLE', `${message} (schemaEvolution.incompatible is halt)`, { fatal: true });
    return this.remember(writer, { action: 'dead-letter', error: new FloeError('SCHEMA_INCOMPATIBLE', message) });
  }

  private remember(writer: WriterSchema, plan: WriterPlan): WriterPlan {
    this.plans.set(writer.key, plan);
    return plan;
  }

  /**
   * Commits what is buffered, then the schema `next` computes from the fresh metadata (undefined:
   * no change needed any more): no reader ever sees a data file with a column the schema lacks.
   */
  private async commitSchema(attempt: number, next: (fresh: TableMetadata) => { schema: Schema; lastColumnId: number } | undefined): Promise<void> {
    if (attempt >= 5) throw new FloeError('SCHEMA_EVOLUTION', `${this.fullName}: schema still changing after ${attempt} attempts`, { retryable: true });
    await this.host.flush('schema-change');
    const updated = await this.deps.store.updateSchema(this.id, (fresh) => {
      const n = next(fresh);
      return n && { ...n, baseSchemaId: fresh['current-schema-id'], baseLastColumnId: fresh['last-column-id'] };
    });
    this.deps.metrics.schemaChanges.inc({ table: this.fullName });
    this.setTable(updated);
  }

  /** A table from before headers were a list gets its one-time migration first (bronze.ts). */
  private async migrateLegacyHeaders(): Promise<void> {
    for (let attempt = 0; migrateHeaders(this.working!, this.column, this.loaded!.metadata['last-column-id']); attempt++) {
      this.deps.log.info({ column: `${this.column}.headers` }, 'headers become an ordered list; the old map column is kept as headers_map');
      await this.commitSchema(attempt, (fresh) => {
        const m = migrateHeaders(currentSchema(fresh), this.column, fresh['last-column-id']);
        return m && { schema: { ...m.schema, 'schema-id': nextSchemaId(fresh) }, lastColumnId: m.lastColumnId };
      });
    }
  }

  /**
   * Once per writer, before its first rows: brings an existing table's definition (format version,
   * partitioning, sort order, properties) to what the mapping says, logging each change.
   */
  private async follow(loaded: LoadedTable): Promise<LoadedTable> {
    if (this.followed || !this.deps.store.follow || !this.host.bufferEmpty) return loaded;
    const table = await followMapping(this.deps.store.follow.bind(this.deps.store), this.id, this.mapping, this.fullName, this.deps.log);
    this.followed = true;
    return table;
  }
}

function nextSchemaId(metadata: TableMetadata): number {
  return Math.max(...metadata.schemas.map((s) => s['schema-id'])) + 1;
}
