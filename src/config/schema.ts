/**
 * floe's configuration, described once in the DSL: validation, defaults and the JSON Schema
 * (`floe schema`, docs/floe.schema.json) all come from here. Per-table checks live next to the
 * table shape; checks across tables are in checks.ts.
 */
import { identifierProblem } from '../iceberg/catalog/identifiers.js';
import { DEFAULT_TARGET_FILE_SIZE_BYTES } from '../iceberg/table/file-size.js';
import { dsl, type JsonSchema, type Node } from './dsl.js';
import type { PathSegment, ValidationContext } from './dsl-core.js';
import { DEAD_LETTER_PLACEHOLDERS, KAFKA_TOPIC, fieldPathProblem, templateProblem, transformProblem } from './names.js';
import { START_FROM_EXPECTED, START_FROM_SHAPE, parseStartFrom } from './start-from.js';

const { string, integer, bytes, duration, boolean, countOr, oneOf, array, record, object, tagged, either } = dsl;
const MiB = 1024 * 1024;
const DAY = 86_400_000;

const transform = (fallback: string) =>
  string()
    .default(fallback)
    .refine((v, path, ctx) => {
      const problem = transformProblem(v);
      if (problem) ctx.report(path, problem);
    })
    .hint({ pattern: '^(identity|year|month|day|hour|void|bucket\\[[1-9][0-9]*\\]|truncate\\[[1-9][0-9]*\\])$' })
    .describe(`Iceberg transform: identity, bucket[N], truncate[W], year, month, day, hour, void`);

const fieldPath = string()
  .refine((v, path, ctx) => {
    const problem = fieldPathProblem(v);
    if (problem) ctx.report(path, problem);
  })
  .hint({ pattern: '^(\\$kafka\\.(timestamp|topic|partition|offset)|[A-Za-z_][A-Za-z0-9_]*(\\.[A-Za-z_][A-Za-z0-9_]*)*)$' })
  .describe('A dotted path into the record value, or $kafka.timestamp|topic|partition|offset');

/** Each level follows the catalog's identifier rule: levels become path segments of table locations. */
function checkLevels(levels: string[], path: PathSegment[], ctx: ValidationContext): void {
  for (const level of levels) {
    const problem = level === '' ? 'must not be empty' : identifierProblem(level);
    if (problem) ctx.report(path, `namespace level ${JSON.stringify(level)} ${problem}`);
  }
}

const namespace = either<string | string[]>(
  'a string or a list of strings',
  string().refine((v, path, ctx) => checkLevels(v.split('.'), path, ctx)),
  array(string(), 1).refine((v, path, ctx) => checkLevels(v, path, ctx)),
).describe('Namespace: "a.b" or ["a", "b"] (a dotted string names nested levels)');

const tableTemplate = string().refine((v, path, ctx) => {
  const problem = templateProblem(v);
  if (problem) ctx.report(path, problem);
  // Expanded names are sanitized to [a-z0-9_]; a template with nothing in it would expand to ''.
  else if (v === '') ctx.report(path, 'must not be empty');
});

const passwordSasl = (mechanism: string) => object({ mechanism: oneOf(mechanism), username: string(), password: string() });

const kafka = object({
  brokers: array(string(), 1).describe('Bootstrap servers, host:port'),
  clientId: string().default('floe'),
  groupId: string().describe('Consumer group; daemons sharing it share the partitions'),
  ssl: either<boolean | object>(
    'true, false or a mapping with ca/cert/key paths',
    boolean(),
    object({
      ca: string().optional().describe('Path to a PEM CA bundle'),
      cert: string().optional().describe('Path to a PEM client certificate'),
      key: string().optional().describe('Path to the PEM client key'),
      rejectUnauthorized: boolean().default(true),
    }),
  ).default(false),
  sasl: tagged('mechanism', {
    plain: passwordSasl('plain'),
    'scram-sha-256': passwordSasl('scram-sha-256'),
    'scram-sha-512': passwordSasl('scram-sha-512'),
    oauthbearer: object({
      mechanism: oneOf('oauthbearer'),
      token: string().optional().describe('A static bearer token (e.g. ${KAFKA_TOKEN}); instead of tokenEndpoint'),
      tokenEndpoint: string()
        .matches(/^https?:\/\//, 'must be an http(s) URL')
        .optional()
        .describe('OAuth 2 token endpoint: floe fetches tokens with the client-credentials grant'),
      clientId: string().optional(),
      clientSecret: string().optional(),
      scope: string().optional(),
      ca: string().optional().describe("Path to a PEM CA bundle for the token endpoint's TLS certificate"),
    }).refine((v, path, ctx) => {
      const o = v as { token?: string; tokenEndpoint?: string; clientId?: string; clientSecret?: string };
      if ((o.token === undefined) === (o.tokenEndpoint === undefined)) ctx.report(path, 'give either token or tokenEndpoint');
      if (o.tokenEndpoint !== undefined) {
        if (o.clientId === undefined) ctx.report([...path, 'clientId'], 'is required with tokenEndpoint');
        if (o.clientSecret === undefined) ctx.report([...path, 'clientSecret'], 'is required with tokenEndpoint');
      }
    }),
  }).optional(),
  sessionTimeoutMs: duration().range(1000).default(30_000),
  heartbeatIntervalMs: duration().range(100).default(3_000),
  rebalanceTimeoutMs: duration().range(1000).default(60_000),
  connectionTimeoutMs: duration().range(100).default(10_000),
  requestTimeoutMs: duration().range(100).default(30_000),
  topicRefreshMs: duration()
    .range(1000)
    .default(60_000)
    .describe('How often topics are listed again for a topicPattern: new matching topics are consumed, deleted ones dropped'),
  fetch: object({
    minBytes: bytes().range(1).default(1),
    // Every record of a fetch response is decoded into objects at once and lives until the batch is
    // handled, long enough to be promoted to V8's old generation: 4 MiB responses cut a drain's peak
    // by 15-25 MiB at the same CPU (10 MiB before; docs/benchmarks.md, "Smaller fetch responses").
    maxBytes: bytes().range(1).default(4 * MiB),
    maxBytesPerPartition: bytes().range(1).default(10 * MiB),
    maxWaitMs: duration().range(0).default(500),
  }).default({}),
}).refine((k, path, ctx) => {
  const v = k as { heartbeatIntervalMs: number; sessionTimeoutMs: number };
  if (v.heartbeatIntervalMs >= v.sessionTimeoutMs) {
    ctx.report([...path, 'heartbeatIntervalMs'], `must be less than sessionTimeoutMs (${v.sessionTimeoutMs})`);
  }
});

const schemaRegistry = object({
  url: string().matches(/^https?:\/\//, 'must be an http(s) URL'),
  username: string().optional(),
  password: string().optional(),
  token: string().optional().describe('Bearer token (instead of username/password)'),
  ssl: object({
    ca: string().optional().describe("Path to a PEM CA bundle for the registry's certificate"),
    cert: string().optional().describe('Path to a PEM client certificate (mutual TLS)'),
    key: string().optional().describe('Path to the PEM client key'),
    rejectUnauthorized: boolean().default(true),
  })
    .optional()
    .describe('TLS settings for an https URL'),
  timeoutMs: duration().range(100).default(30_000),
}).refine((v, path, ctx) => {
  const r = v as { username?: string; password?: string; token?: string; ssl?: { cert?: string; key?: string } };
  if ((r.ssl?.cert === undefined) !== (r.ssl?.key === undefined)) ctx.report([...path, 'ssl'], 'give both cert and key, or neither');
  if (r.username !== undefined && r.password === undefined) ctx.report([...path, 'password'], 'is required when username is set');
  if (r.password !== undefined && r.username === undefined) ctx.report([...path, 'username'], 'is required when password is set');
  if (r.token !== undefined && r.username !== undefined) ctx.report([...path, 'token'], 'use either token or username/password, not both');
});

const LOOPBACK = new Set(['127.0.0.1', '::1', 'localhost']);
const catalog = tagged('type', {
  rest: object({
    type: oneOf('rest'),
    uri: string().matches(/^https?:\/\//, 'must be an http(s) URL').describe('Catalog base URL, without /v1'),
    warehouse: string().optional(),
    prefix: string().optional(),
    credential: string().optional().describe('OAuth2 client credentials "client_id:client_secret"'),
    token: string().optional().describe('Static bearer token'),
    scope: string().optional(),
    oauthServerUri: string().optional(),
    headers: record(string().emptyOk()).default({}),
  }),
  embedded: object({
    type: oneOf('embedded'),
    warehouse: string().describe('Local path or s3://bucket/prefix'),
    store: tagged('type', {
      sqlite: object({ type: oneOf('sqlite'), path: string().default('floe-catalog.db') }),
      postgres: object({ type: oneOf('postgres'), url: string().matches(/^postgres(ql)?:\/\//, 'must be a postgres:// URL') }),
    }).default({ type: 'sqlite' }),
    host: string().default('127.0.0.1'),
    port: integer().range(0, 65535).default(8181),
    tokens: array(string()).default([]).describe('Bearer tokens; required unless bound to loopback'),
    readOnlyTokens: array(string()).default([]).describe('Bearer tokens that may only load and list'),
    allowedLocations: array(string()).default([]).describe('Roots outside the warehouse where tables may be placed'),
    maxRequestBytes: integer().range(1024, 1024 * 1024 * 1024).default(1024 * 1024),
    maxUpdatesPerCommit: integer().range(1, 100_000).default(100),
  }).refine((v, path, ctx) => {
    const c = v as { host: string; tokens: string[]; readOnlyTokens: string[] };
    if (!LOOPBACK.has(c.host) && c.tokens.length === 0 && c.readOnlyTokens.length === 0) {
      ctx.report([...path, 'tokens'], `at least one token is required when host is not loopback (host is "${c.host}")`);
    }
  }),
});

const storage = tagged('type', {
  s3: object({
    type: oneOf('s3'),
    endpoint: string().optional().describe('For MinIO and other S3-compatible stores'),
    region: string().default('us-east-1'),
    forcePathStyle: boolean().default(false),
    accessKeyId: string().optional(),
    secretAccessKey: string().optional(),
    sessionToken: string().optional(),
  }).refine((v, path, ctx) => {
    const s = v as { accessKeyId?: string; secretAccessKey?: string };
    if ((s.accessKeyId === undefined) !== (s.secretAccessKey === undefined)) {
      const missing = s.accessKeyId === undefined ? 'accessKeyId' : 'secretAccessKey';
      ctx.report([...path, missing], `is required when ${missing === 'accessKeyId' ? 'secretAccessKey' : 'accessKeyId'} is set`);
    }
  }),
  local: object({ type: oneOf('local'), root: string().describe('Directory that holds the warehouse') }),
});

const errorPolicy = oneOf('dead-letter', 'halt');

/** The settings every table has; `defaults` holds them with defaults, tables override parts. */
export const tableSettings = object({
  namespace: namespace.default('default'),
  commit: object({
    intervalMs: duration().range(1).default(10_000),
    maxBytes: bytes().range(1).default(256 * MiB),
    maxRecords: integer().range(1).default(1_000_000),
  }).default({}),
  file: object({
    targetSizeBytes: bytes().range(MiB).default(DEFAULT_TARGET_FILE_SIZE_BYTES),
    compression: oneOf('zstd', 'snappy', 'gzip', 'lz4', 'none').default('zstd'),
    rowGroupBytes: bytes().range(64 * 1024).default(16 * MiB),
  }).default({}),
  errors: object({
    policy: errorPolicy.default('dead-letter').describe('dead-letter or halt; floe never skips records silently'),
    deadLetterTopic: string()
      .default('{topic}.floe.dlq')
      .refine((v, path, ctx) => {
        const problem = templateProblem(v, DEAD_LETTER_PLACEHOLDERS);
        if (problem) ctx.report(path, problem);
        else if (!KAFKA_TOPIC.test(v.replaceAll('{topic}', 't'))) {
          ctx.report(path, `"${v}" does not make a valid Kafka topic name (letters, digits, ".", "_", "-")`);
        }
      }),
  }).default({}),
  schemaEvolution: object({ incompatible: errorPolicy.default('dead-letter') }).default({}),
  formatVersion: oneOf(2, 3).default(2),
  tableProperties: record(string().emptyOk()).default({}),
  createTables: boolean().default(true),
  startFrom: string()
    .default('earliest')
    .matches(START_FROM_SHAPE, START_FROM_EXPECTED)
    .refine((v, path, ctx) => {
      const parsed = parseStartFrom(v);
      if (typeof parsed === 'object' && 'problem' in parsed) ctx.report(path, parsed.problem);
    })
    .describe('Where a partition with no offsets in the table starts: earliest, latest or an ISO-8601 timestamp (2026-12-01T08:00:00Z)'),
});

const maintenance = object({
  compaction: object({
    enabled: boolean().default(true),
    intervalMs: duration().range(1000).default(3_600_000),
    minFiles: integer().range(2).default(10),
    targetSizeBytes: bytes().range(MiB).optional().describe("Default: the table's file.targetSizeBytes"),
  }).default({}),
  expireSnapshots: object({
    enabled: boolean().default(true),
    intervalMs: duration().range(1000).default(3_600_000),
    retainLast: integer().range(1).default(5),
    maxAgeMs: duration().range(0).default(5 * DAY),
  }).default({}),
  orphanFiles: object({
    enabled: boolean().default(true),
    intervalMs: duration().range(1000).default(DAY),
    olderThanMs: duration().range(3_600_000).default(3 * DAY),
  }).default({}),
});

const overrides = tableSettings.partial().shape;

export const tableMapping = object({
  topics: array(string().matches(KAFKA_TOPIC, 'must be a valid Kafka topic name'), 1).optional(),
  topicPattern: string()
    .optional()
    .refine((v, path, ctx) => {
      try {
        new RegExp(v);
      } catch (err) {
        const reason = (err as Error).message.replace(/^Invalid regular expression: \/.*\/[a-z]*: /, '');
        ctx.report(path, `invalid regular expression ${JSON.stringify(v)}: ${reason}`);
      }
    })
    .hint({ format: 'regex' })
    .describe('Regex matching whole topic names'),
  table: tableTemplate.default('{topic}').describe('Table name template; {topic} is the topic, {record} the record type\'s full name (one table per type)'),
  mode: oneOf('bronze', 'silver').default('bronze'),
  key: object({
    format: oneOf('registry', 'avro', 'bytes', 'string', 'json', 'long', 'int').default('bytes'),
    fields: array(fieldPath, 1).optional().describe('Value fields forming the key'),
  }).optional(),
  value: object({
    format: oneOf('registry', 'bytes', 'string', 'json', 'long', 'int')
      .default('registry')
      .describe('registry: Confluent-framed Avro or JSON Schema; the others: topics without a schema'),
    json: oneOf('text', 'variant')
      .default('text')
      .describe('How value.format json values are stored: text (a string column) or variant (formatVersion 3 only)'),
    recursive: oneOf('text', 'variant')
      .default('text')
      .describe('How recursive types of registry schemas are stored: text (a JSON string column) or variant (formatVersion 3 only)'),
  }).default({}),
  envelope: oneOf('none', 'debezium').default('none'),
  partitioning: array(object({ field: fieldPath, transform: transform('identity'), name: string().optional() })).default([]),
  sortOrder: array(
    object({
      field: fieldPath,
      transform: transform('identity'),
      direction: oneOf('asc', 'desc').default('asc'),
      nullOrder: oneOf('nulls-first', 'nulls-last').optional(),
    }),
  ).default([]),
  bronze: object({
    kafkaMetadataColumn: string()
      .default('_kafka')
      .matches(/^[A-Za-z_][A-Za-z0-9_]*$/, 'must be a plain column name'),
  }).default({}),
  alsoBronze: object({ table: tableTemplate, namespace: namespace.optional() }).optional(),
  ...overrides,
  maintenance: maintenance.partial().optional(),
}).checkInput((m, path, ctx) => {
  const has = (key: string) => m[key] !== undefined && m[key] !== null;
  if (has('topics') && has('topicPattern')) ctx.report(path, 'give either topics or topicPattern, not both');
  else if (!has('topics') && !has('topicPattern')) ctx.report(path, 'one of topics or topicPattern is required');
  if (m.mode === 'silver' && !has('key')) ctx.report([...path, 'key'], 'is required when mode is silver');
  if (m.mode !== 'silver' && has('alsoBronze')) {
    ctx.report([...path, 'alsoBronze'], 'only applies to silver mappings (this mapping is already bronze)');
  }
});

export const configSchema = object({
  kafka,
  schemaRegistry,
  catalog,
  storage,
  defaults: tableSettings.default({}),
  tables: array(tableMapping, 1),
  maintenance: maintenance.default({}),
  server: object({
    enabled: boolean().default(true),
    host: string().default('127.0.0.1'),
    port: integer().range(0, 65535).default(9464),
  }).default({}).describe('/healthz, /readyz and Prometheus /metrics'),
  shutdown: object({ timeoutMs: duration().range(1000).default(30_000) }).default({}),
  logging: object({ level: oneOf('fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent').default('info') }).default({}),
  memory: object({ budgetBytes: bytes().range(16 * MiB).default(512 * MiB) })
    .default({})
    .describe('Fetching pauses when buffered data reaches the budget'),
  performance: object({
    workerThreads: countOr('auto', 0, 64)
      .default(0)
      .describe('Threads that encode Parquet off the daemon thread; 0: none, auto: cores − 1, at most 4'),
    processes: countOr('auto', 1, 64)
      .default(1)
      .describe('Daemon processes in the consumer group, each on its share of the partitions; auto: one per core'),
  }).default({}),
});

/** The JSON Schema for editors (draft-07, which the common YAML language servers support best). */
export function jsonSchema(): JsonSchema {
  return {
    $schema: 'http://json-schema.org/draft-07/schema#',
    title: 'floe configuration',
    ...(configSchema as Node<unknown>).toJsonSchema(),
  };
}
