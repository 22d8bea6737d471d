/**
 * The real TableStore and DataFileSink: the REST catalog (create, load, commit with retry) and
 * object storage (Parquet data files via src/parquet, manifests via src/iceberg/table). Named
 * CatalogTableStore, not CatalogStore: that is floe's catalog server's pointer store
 * (catalog/server/store.ts), an unrelated thing.
 */
import { readFileSync } from 'node:fs';
import { startEmbeddedCatalog } from '../../catalog/server/embedded.js';
import { embeddedServerOptions } from './embedded-catalog.js';
import type { SASLOptions } from 'kafkajs';
import type { FileConfig, FloeConfig, KafkaSaslConfig } from '../config/index.js';
import { confluentRegistryClient, RegistrySchemaSource } from '../decode/index.js';
import { CatalogErrorCode, commitWithRetry, RestCatalogClient, type LoadedTable, type TableIdentifier } from '../iceberg/catalog/index.js';
import { resolveFileIO, type S3FileIOOptions } from '../iceberg/io/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { currentSchema, defaultSortOrder } from '../iceberg/spec/metadata.js';
import { buildSortOrder } from '../iceberg/spec/sort.js';
import { definitionCommit, type DefinitionChange, type TableDefinition } from '../iceberg/table/definition.js';
import { buildPartitionSpec } from '../iceberg/spec/partition.js';
import type { DataFile, PartitionSpec, PrimitiveValue, Schema } from '../iceberg/spec/types.js';
import { FastAppend } from '../iceberg/table/append.js';
import { targetFileSizeBytes } from '../iceberg/table/file-size.js';
import { RowDelta } from '../iceberg/table/row-delta.js';
import { recycle } from '../arrow/recycle.js';
import { dataLocation, encodePartition, uploadDataFiles } from '../parquet/index.js';
import type { DataFileEncoder } from '../parquet/encode.js';
import { autoThreads, sharedEncodePool } from '../parquet/encode-pool.js';
import { createKafkaClient } from '../source/client.js';
import type { KafkaSecurityContext } from '../source/kafka-errors.js';
import { oauthBearerProvider } from '../source/oauth.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { DataFileSink, PartitionData, SchemaUpdate, TableStore } from './ports.js';
import type { Coordinates } from '../commit/replayed.js';
import { livePositions } from '../maintain/key-positions.js';

export function createCatalog(config: FloeConfig, log: Logger): RestCatalogClient {
  const c = config.catalog;
  if (c.type === 'embedded') {
    // floe's own catalog, served from inside this process on the configured loopback port.
    const embedded = startEmbeddedCatalog(embeddedServerOptions(c, process.env, config.storage.type === 's3' ? s3Options(config) : undefined), log.child({ component: 'embedded-catalog' }));
    return new RestCatalogClient({
      uri: embedded.uri,
      fetch: embedded.fetch,
      ...(c.tokens[0] === undefined ? {} : { token: c.tokens[0] }),
      logger: log.child({ component: 'catalog' }),
    });
  }
  return new RestCatalogClient({
    uri: c.uri,
    ...(c.warehouse === undefined ? {} : { warehouse: c.warehouse }),
    ...(c.prefix === undefined ? {} : { prefix: c.prefix }),
    ...(c.token === undefined ? {} : { token: c.token }),
    ...(c.credential === undefined ? {} : { credential: c.credential }),
    ...(c.scope === undefined ? {} : { scope: c.scope }),
    ...(c.oauthServerUri === undefined ? {} : { oauth2ServerUri: c.oauthServerUri }),
    headers: c.headers,
    logger: log.child({ component: 'catalog' }),
  });
}

export function s3Options(config: FloeConfig): S3FileIOOptions {
  const s = config.storage;
  if (s.type !== 's3') return {};
  return {
    region: s.region,
    forcePathStyle: s.forcePathStyle,
    ...(s.endpoint === undefined ? {} : { endpoint: s.endpoint }),
    ...(s.accessKeyId && s.secretAccessKey
      ? { credentials: { accessKeyId: s.accessKeyId, secretAccessKey: s.secretAccessKey, ...(s.sessionToken ? { sessionToken: s.sessionToken } : {}) } }
      : {}),
  };
}

export function createRegistry(config: FloeConfig): RegistrySchemaSource {
  return new RegistrySchemaSource(confluentRegistryClient(config.schemaRegistry));
}

/** Whether any mapping decodes through the registry (else it is not checked at start). */
export function usesRegistry(config: FloeConfig): boolean {
  return config.tables.some((t) => t.value.format === 'registry' || t.key?.format === 'registry' || t.key?.format === 'avro');
}

function saslOptions(sasl: KafkaSaslConfig): SASLOptions {
  if (sasl.mechanism !== 'oauthbearer') return { mechanism: sasl.mechanism, username: sasl.username, password: sasl.password } as SASLOptions;
  const provider = oauthBearerProvider({
    ...(sasl.token !== undefined ? { token: sasl.token } : {}),
    ...(sasl.tokenEndpoint !== undefined ? { tokenEndpoint: sasl.tokenEndpoint } : {}),
    ...(sasl.clientId !== undefined ? { clientId: sasl.clientId } : {}),
    ...(sasl.clientSecret !== undefined ? { clientSecret: sasl.clientSecret } : {}),
    ...(sasl.scope !== undefined ? { scope: sasl.scope } : {}),
    ...(sasl.ca !== undefined ? { ca: readFileSync(sasl.ca, 'utf8') } : {}),
  });
  return { mechanism: 'oauthbearer', oauthBearerProvider: provider };
}

/** What error messages may say about how floe authenticates to Kafka (never a secret). */
export function kafkaSecurityContext(config: FloeConfig): KafkaSecurityContext {
  const k = config.kafka;
  return {
    brokers: k.brokers,
    tls: k.ssl !== false,
    ...(k.sasl ? { sasl: { mechanism: k.sasl.mechanism, ...(k.sasl.mechanism !== 'oauthbearer' ? { username: k.sasl.username } : {}) } } : {}),
  };
}

/** The catalog's address for log lines: the REST URI, or the embedded server's warehouse. */
export function catalogAddress(config: FloeConfig): string {
  const c = config.catalog;
  return c.type === 'rest' ? c.uri : `embedded, warehouse ${c.warehouse}`;
}

/** The consumer's group and fetch settings from the `kafka` section. */
export function consumerSettings(k: FloeConfig['kafka']) {
  return {
    sessionTimeout: k.sessionTimeoutMs,
    heartbeatInterval: k.heartbeatIntervalMs,
    rebalanceTimeout: k.rebalanceTimeoutMs,
    minBytes: k.fetch.minBytes,
    maxBytes: k.fetch.maxBytes,
    maxBytesPerPartition: k.fetch.maxBytesPerPartition,
    maxWaitTimeInMs: k.fetch.maxWaitMs,
  };
}

/** `recycleFetchResponses`: for the daemon only (see KafkaClientOptions). */
export function createKafka(config: FloeConfig, log: Logger, options: { recycleFetchResponses?: boolean } = {}) {
  const k = config.kafka;
  const ssl =
    typeof k.ssl === 'boolean'
      ? k.ssl
      : {
          rejectUnauthorized: k.ssl.rejectUnauthorized,
          ...(k.ssl.ca ? { ca: [readFileSync(k.ssl.ca, 'utf8')] } : {}),
          ...(k.ssl.cert ? { cert: readFileSync(k.ssl.cert, 'utf8') } : {}),
          ...(k.ssl.key ? { key: readFileSync(k.ssl.key, 'utf8') } : {}),
        };
  return createKafkaClient(
    {
      brokers: k.brokers,
      clientId: k.clientId,
      ssl,
      ...(k.sasl ? { sasl: saslOptions(k.sasl) } : {}),
      connectionTimeoutMs: k.connectionTimeoutMs,
      requestTimeoutMs: k.requestTimeoutMs,
      ...options,
    },
    log,
  );
}

/**
 * Where a flush's Parquet is encoded (`performance.workerThreads`): undefined inline on the
 * daemon's thread, else on the process's shared encode pool (src/parquet/encode-pool.ts).
 */
export function encoderFor(config: FloeConfig, log: Logger): DataFileEncoder | undefined {
  const setting = config.performance.workerThreads;
  const threads = setting === 'auto' ? autoThreads() : setting;
  log.info({ workerThreads: threads, setting }, threads === 0 ? 'Parquet encoding on the daemon thread' : 'Parquet encoding on worker threads');
  return threads === 0 ? undefined : sharedEncodePool(threads).encode;
}

export class CatalogTableStore implements TableStore, DataFileSink {
  private readonly ios = new Map<string, FileIO>();

  constructor(
    private readonly catalog: RestCatalogClient,
    private readonly s3: S3FileIOOptions,
    private readonly log: Logger,
    /** Runs each partition's sort + Parquet + metrics; default inline. */
    private readonly encode?: DataFileEncoder,
  ) {}

  /** A FileIO for a table: the catalog's vended storage configuration over the daemon's own. */
  io(table: LoadedTable): FileIO {
    const location = table.metadata.location;
    let io = this.ios.get(location);
    if (!io) {
      io = resolveFileIO(location, { config: table.config, ...(table.storageCredentials ? { storageCredentials: table.storageCredentials } : {}), s3: this.s3 });
      this.ios.set(location, io);
    }
    return io;
  }

  async load(id: TableIdentifier): Promise<LoadedTable | undefined> {
    try {
      return await this.catalog.loadTable(id);
    } catch (err) {
      if (isFloeError(err, CatalogErrorCode.NoSuchTable) || isFloeError(err, CatalogErrorCode.NoSuchNamespace)) return undefined;
      throw err;
    }
  }

  async list(namespace: string[]): Promise<TableIdentifier[]> {
    try {
      return await this.catalog.listTables(namespace);
    } catch (err) {
      if (isFloeError(err, CatalogErrorCode.NoSuchNamespace)) return [];
      throw err;
    }
  }

  async create(id: TableIdentifier, schema: Schema, definition: (schema: Schema) => TableDefinition): Promise<LoadedTable> {
    await this.catalog.ensureNamespace(id.namespace);
    const def = definition(schema);
    const partitionSpec = buildPartitionSpec(schema, def.partitioning);
    const writeOrder = buildSortOrder(schema, def.sortOrder);
    // Catalogs take the format version of a new table from this property (and do not keep it).
    const properties = { ...def.properties, ...(def.formatVersion === undefined ? {} : { 'format-version': String(def.formatVersion) }) };
    try {
      return await this.catalog.createTable(id, { schema, partitionSpec, writeOrder, properties });
    } catch (err) {
      // Another daemon of the group created it first: use theirs.
      if (isFloeError(err, CatalogErrorCode.AlreadyExists)) return this.catalog.loadTable(id);
      throw err;
    }
  }

  async follow(id: TableIdentifier, definition: (schema: Schema) => TableDefinition): Promise<{ table: LoadedTable; changes: DefinitionChange[] }> {
    let changes: DefinitionChange[] = [];
    const result = await commitWithRetry(
      this.catalog,
      id,
      async (metadata) => {
        const commit = definitionCommit(metadata, definition(currentSchema(metadata)));
        changes = commit.changes;
        return commit.change;
      },
      // A lost response is resolved by recomputing against the reloaded table: nothing left to do.
      { logger: this.log, landed: () => false },
    );
    return { table: result.table, changes };
  }

  async append(id: TableIdentifier, table: LoadedTable, files: DataFile[], properties: (m: LoadedTable['metadata']) => Record<string, string>): Promise<LoadedTable> {
    // The summary (Kafka offsets) is recomputed from the fresh metadata on every attempt.
    const op = new FastAppend(this.io(table), files, { properties });
    const result = await commitWithRetry(this.catalog, id, (metadata) => op.apply(metadata), { logger: this.log });
    return result.table;
  }

  async rowDelta(id: TableIdentifier, table: LoadedTable, data: DataFile[], deletes: DataFile[], properties: (m: LoadedTable['metadata']) => Record<string, string>): Promise<LoadedTable> {
    const op = new RowDelta(this.io(table), { dataFiles: data, deleteFiles: deletes }, { properties });
    const result = await commitWithRetry(this.catalog, id, (metadata) => op.apply(metadata), { logger: this.log });
    return result.table;
  }

  async updateSchema(id: TableIdentifier, evolve: (m: LoadedTable['metadata']) => SchemaUpdate | undefined): Promise<LoadedTable> {
    const result = await commitWithRetry(
      this.catalog,
      id,
      async (metadata) => {
        const u = evolve(metadata);
        if (!u) return { requirements: [], updates: [] };
        return {
          requirements: [
            { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
            { type: 'assert-current-schema-id', 'current-schema-id': u.baseSchemaId },
            { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': u.baseLastColumnId },
          ],
          // -1: "the schema just added"; the catalog may reuse the id of an identical older schema.
          updates: [
            { action: 'add-schema', schema: u.schema, 'last-column-id': u.lastColumnId },
            { action: 'set-current-schema', 'schema-id': -1 },
          ],
        };
      },
      {
        logger: this.log,
        // A lost response is resolved by evolving against the reloaded table: nothing left to do.
        landed: () => false,
      },
    );
    return result.table;
  }

  livePositions(table: LoadedTable, keyColumns: string[], metadataColumn: string, keys: ReadonlySet<string>): Promise<Map<string, Coordinates>> {
    return livePositions(this.io(table), table.metadata, keyColumns, metadataColumn, keys);
  }

  async write(table: LoadedTable, spec: PartitionSpec, partitions: PartitionData[], file: FileConfig): Promise<DataFile[]> {
    const jobs = partitions
      .filter((p) => p.sink.rowCount > 0)
      .map((p) => ({
        table: p.sink.finishTable(),
        opts: {
          io: this.io(table),
          dataLocation: dataLocation(table.metadata),
          schema: p.sink.schema,
          spec,
          partition: p.tuple as (PrimitiveValue | null)[],
          // The table's write.target-file-size-bytes wins over the mapping, as for compaction.
          targetFileSizeBytes: targetFileSizeBytes(table.metadata.properties, file.targetSizeBytes),
          compression: file.compression,
          rowGroupBytes: file.rowGroupBytes,
          sortOrder: defaultSortOrder(table.metadata),
          ...(this.encode ? { encode: this.encode } : {}),
        },
      }));
    // Inline: each partition is encoded when its turn comes, as little Parquet held as possible.
    // Workers: every partition's encode starts now and runs in parallel. Uploads follow in
    // partition order either way; a failure leaves the other encodes to finish unobserved, not
    // unhandled.
    const started = this.encode ? jobs.map((j) => encodePartition(j.table, j.opts)) : undefined;
    for (const e of started ?? []) e.catch(() => undefined);
    const out: DataFile[] = [];
    for (const [k, j] of jobs.entries()) {
      const written = await (started?.[k] ?? encodePartition(j.table, j.opts));
      // Encoded (Parquet bytes and metrics are copies): nothing reads the Arrow table again, so its
      // string and binary buffers go to the next batch's columns (src/arrow/recycle.ts). A failed
      // encode keeps them: they are left to the GC.
      recycle(j.table);
      out.push(...(await uploadDataFiles(written, j.opts)));
    }
    return out;
  }
}
