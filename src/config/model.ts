/**
 * The resolved configuration the rest of floe reads: validated, environment substituted, every
 * default filled in and every table mapping merged with `defaults`. Nothing downstream needs to
 * know what was written explicitly and what was defaulted. docs/configuration.md documents each key.
 */

export interface FloeConfig {
  kafka: KafkaConfig;
  schemaRegistry: SchemaRegistryConfig;
  catalog: CatalogConfig;
  storage: StorageConfig;
  defaults: TableDefaults;
  tables: TableMapping[];
  maintenance: MaintenanceConfig;
  server: ServerConfig;
  shutdown: ShutdownConfig;
  logging: LoggingConfig;
  memory: MemoryConfig;
  performance: PerformanceConfig;
}

export interface KafkaConfig {
  brokers: string[];
  clientId: string;
  groupId: string;
  /** false: plaintext; true: TLS with the system CAs; an object: TLS with these PEM files. */
  ssl: boolean | KafkaTlsConfig;
  sasl: KafkaSaslConfig | undefined;
  sessionTimeoutMs: number;
  heartbeatIntervalMs: number;
  rebalanceTimeoutMs: number;
  connectionTimeoutMs: number;
  requestTimeoutMs: number;
  /** How often the topics matching a `topicPattern` are listed again (new topics, deleted ones). */
  topicRefreshMs: number;
  fetch: KafkaFetchConfig;
}

export interface KafkaTlsConfig {
  /** Paths to PEM files. */
  ca: string | undefined;
  cert: string | undefined;
  key: string | undefined;
  rejectUnauthorized: boolean;
}

export type KafkaSaslConfig = KafkaPasswordSaslConfig | KafkaOauthBearerConfig;

export interface KafkaPasswordSaslConfig {
  mechanism: 'plain' | 'scram-sha-256' | 'scram-sha-512';
  username: string;
  password: string;
}

/** OAUTHBEARER: a static token, or tokens from an OAuth 2 endpoint (client-credentials grant). */
export interface KafkaOauthBearerConfig {
  mechanism: 'oauthbearer';
  token: string | undefined;
  tokenEndpoint: string | undefined;
  clientId: string | undefined;
  clientSecret: string | undefined;
  scope: string | undefined;
  /** PEM CA bundle path for the token endpoint. */
  ca: string | undefined;
}

export interface KafkaFetchConfig {
  minBytes: number;
  maxBytes: number;
  maxBytesPerPartition: number;
  maxWaitMs: number;
}

export interface SchemaRegistryConfig {
  url: string;
  /** Basic auth; both or neither. Mutually exclusive with `token`. */
  username: string | undefined;
  password: string | undefined;
  /** Bearer token. */
  token: string | undefined;
  /** TLS for an https URL: paths to PEM files. */
  ssl: { ca: string | undefined; cert: string | undefined; key: string | undefined; rejectUnauthorized: boolean } | undefined;
  timeoutMs: number;
}

export type CatalogConfig = RestCatalogConfig | EmbeddedCatalogConfig;

export interface RestCatalogConfig {
  type: 'rest';
  /** Base URL without `/v1`. */
  uri: string;
  warehouse: string | undefined;
  /** Overrides the prefix the catalog's /v1/config returns. */
  prefix: string | undefined;
  /** OAuth2 client credentials `client_id:client_secret`. */
  credential: string | undefined;
  /** A static bearer token. */
  token: string | undefined;
  scope: string | undefined;
  /** OAuth2 token endpoint; default `{uri}/v1/oauth/tokens`. */
  oauthServerUri: string | undefined;
  headers: Record<string, string>;
}

/** floe's own REST catalog (issue 7), started inside the daemon. */
export interface EmbeddedCatalogConfig {
  type: 'embedded';
  /** Where table data and metadata live: a local path or `s3://bucket/prefix`. */
  warehouse: string;
  store: CatalogStoreConfig;
  host: string;
  port: number;
  /** Bearer tokens clients must present; required when `host` is not loopback. */
  tokens: string[];
  /** Bearer tokens that may only read (GET/HEAD): a 403 for anything else. */
  readOnlyTokens?: string[];
  /** Roots outside the warehouse where table and view locations are allowed too. */
  allowedLocations?: string[];
  /** Largest request body in bytes (the OAuth2 token endpoint: at most 16 KiB regardless). */
  maxRequestBytes?: number;
  /** Updates (and requirements) one table or view change may carry. */
  maxUpdatesPerCommit?: number;
}

export type CatalogStoreConfig = { type: 'sqlite'; path: string } | { type: 'postgres'; url: string };

export type StorageConfig = S3StorageConfig | LocalStorageConfig;

export interface S3StorageConfig {
  type: 's3';
  endpoint: string | undefined;
  region: string;
  forcePathStyle: boolean;
  /** Absent: the AWS SDK's default credential chain. */
  accessKeyId: string | undefined;
  secretAccessKey: string | undefined;
  sessionToken: string | undefined;
}

export interface LocalStorageConfig {
  type: 'local';
  root: string;
}

export interface CommitConfig {
  /** Commit at least this often while data is buffered. */
  intervalMs: number;
  /** Commit when a table's buffered (uncompressed) bytes reach this. */
  maxBytes: number;
  /** Commit when a table's buffered records reach this. */
  maxRecords: number;
}

export type Compression = 'zstd' | 'snappy' | 'gzip' | 'lz4' | 'none';

export interface FileConfig {
  targetSizeBytes: number;
  compression: Compression;
  rowGroupBytes: number;
}

/** No `skip`: floe never drops a record silently. */
export type ErrorPolicy = 'dead-letter' | 'halt';

export interface ErrorsConfig {
  policy: ErrorPolicy;
  /** Template; `{topic}` is the source topic. */
  deadLetterTopic: string;
}

export interface SchemaEvolutionConfig {
  /** What to do with records whose schema cannot be evolved into the table's. */
  incompatible: ErrorPolicy;
}

/**
 * Everything a table mapping may override; `defaults` holds the fallbacks. (Maintenance takes
 * its own subset: MaintenanceSettings in src/maintain/index.ts.)
 */
export interface TableSettings {
  namespace: string[];
  commit: CommitConfig;
  file: FileConfig;
  errors: ErrorsConfig;
  schemaEvolution: SchemaEvolutionConfig;
  formatVersion: 2 | 3;
  tableProperties: Record<string, string>;
  /** Create a missing table (and namespace); false makes a missing table a fatal error. */
  createTables: boolean;
  /**
   * Where a partition with no offsets in the table starts: `earliest`, `latest` or an ISO-8601
   * timestamp (validated; parseStartFrom turns it into a StartFrom). Ignored once the table has offsets.
   */
  startFrom: string;
}

export type TableDefaults = TableSettings;

export type TableMode = 'bronze' | 'silver';
/** `registry`: Confluent-framed, any registered schema type (`avro` is its former name). */
export type KeyFormat = 'registry' | 'avro' | 'bytes' | 'string' | 'json' | 'long' | 'int';
/** `registry`: Confluent-framed (Avro, JSON Schema); the others: topics without a schema. */
export type ValueFormat = 'registry' | 'bytes' | 'string' | 'json' | 'long' | 'int';
export type Envelope = 'none' | 'debezium';

export interface KeyConfig {
  /** How the Kafka key is decoded (for the identifier, and to match tombstones). */
  format: KeyFormat;
  /** Value fields (dotted paths) forming the key; absent: the decoded Kafka key is the key. */
  fields: string[] | undefined;
}

/** Partition source: a dotted path into the value, or `$kafka.<timestamp|topic|partition|offset>`. */
export interface PartitionFieldConfig {
  field: string;
  /** Iceberg's transform string: identity, bucket[N], truncate[W], year, month, day, hour, void. */
  transform: string;
  /** Partition field name; default derived by Iceberg convention (e.g. `ts_day`). */
  name: string | undefined;
}

export interface SortFieldConfig {
  field: string;
  transform: string;
  direction: 'asc' | 'desc';
  nullOrder: 'nulls-first' | 'nulls-last';
}

export interface TableMapping extends TableSettings {
  /** Position in the `tables` list, for messages. */
  index: number;
  /** Exactly one of `topics` and `topicPattern` is set. */
  topics: string[] | undefined;
  /** Matches whole topic names (anchored). */
  topicPattern: string | undefined;
  /** Table name template; see `tableNameFor`. */
  table: string;
  mode: TableMode;
  key: KeyConfig | undefined;
  /**
   * How the Kafka value is decoded; `json`: how a `json` value is stored, as its text (a string
   * column) or as an Iceberg v3 `variant` (format-version 3 only); `recursive`: how a new column
   * of a recursive type of a registry schema is stored, the same two ways.
   */
  value: { format: ValueFormat; json: 'text' | 'variant'; recursive: 'text' | 'variant' };
  envelope: Envelope;
  partitioning: PartitionFieldConfig[];
  sortOrder: SortFieldConfig[];
  bronze: { kafkaMetadataColumn: string };
  /** A silver mapping may also feed a bronze table from the same consumption. */
  alsoBronze: { table: string; namespace: string[] } | undefined;
  /** The global `maintenance` merged with the mapping's overrides; compaction target resolved. */
  maintenance: TableMaintenanceConfig;
}

export interface CompactionConfig {
  enabled: boolean;
  intervalMs: number;
  /** A partition is compacted once it has at least this many small files. */
  minFiles: number;
  /** Absent: the table's `file.targetSizeBytes`. */
  targetSizeBytes: number | undefined;
}

export interface ExpireSnapshotsConfig {
  enabled: boolean;
  intervalMs: number;
  /** Always keep at least this many most recent snapshots... */
  retainLast: number;
  /** ...and every snapshot younger than this. */
  maxAgeMs: number;
}

export interface OrphanFilesConfig {
  enabled: boolean;
  intervalMs: number;
  /** Only files older than this are candidates, so in-flight writes are never deleted. */
  olderThanMs: number;
}

export interface MaintenanceConfig {
  compaction: CompactionConfig;
  expireSnapshots: ExpireSnapshotsConfig;
  orphanFiles: OrphanFilesConfig;
}

export interface TableMaintenanceConfig extends MaintenanceConfig {
  compaction: CompactionConfig & { targetSizeBytes: number };
}

export interface ServerConfig {
  enabled: boolean;
  host: string;
  port: number;
}

export interface ShutdownConfig {
  timeoutMs: number;
}

export type LogLevel = 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';

export interface LoggingConfig {
  level: LogLevel;
}

export interface PerformanceConfig {
  /** Worker threads encoding Parquet + metrics (src/parquet/encode-pool.ts): 0 inline, auto = cores − 1 (≤ 4). */
  workerThreads: number | 'auto';
  /**
   * Daemon processes `floe run` starts (src/orchestrator/processes.ts), each a member of the
   * consumer group with its share of the partitions and of the memory budget; auto = one per core.
   */
  processes: number | 'auto';
}

export interface MemoryConfig {
  /** Fetching pauses when buffered data reaches this, and resumes after a flush. */
  budgetBytes: number;
}
