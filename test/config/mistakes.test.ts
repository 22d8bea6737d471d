// Each configuration mistake a user is likely to make, with the exact message they get.
import { describe, expect, it } from 'vitest';
import { ConfigError, formatIssue, parseConfig } from '../../src/config/index.js';

/** A valid configuration; each test breaks one thing in it. */
const BASE = `
kafka:
  brokers: [127.0.0.1:9092]
  groupId: floe
schemaRegistry:
  url: http://127.0.0.1:8081
catalog:
  type: rest
  uri: http://127.0.0.1:8181
storage:
  type: local
  root: /tmp/warehouse
defaults:
  namespace: raw
tables:
  - topics: [orders]
    table: orders
`;

function errorsOf(text: string, env: Record<string, string> = {}): string[] {
  try {
    parseConfig(text, { env });
  } catch (err) {
    if (err instanceof ConfigError) return err.issues.map(formatIssue);
    throw err;
  }
  throw new Error('configuration was accepted');
}

/** BASE with one table mapping replaced (indentation as in BASE). */
function withTables(tables: string): string {
  return BASE.replace(/tables:\n[\s\S]*$/, `tables:\n${tables}`);
}

describe('configuration mistakes give path-qualified messages', () => {
  it('missing kafka.brokers', () => {
    expect(errorsOf(BASE.replace('  brokers: [127.0.0.1:9092]\n', ''))).toEqual(['kafka.brokers: is required']);
  });

  it('unknown partition transform', () => {
    const text = withTables(`  - topics: [orders]
    partitioning:
      - field: customer.id
        transform: bukket[16]
`);
    expect(errorsOf(text)).toEqual([
      'tables[0].partitioning[0].transform: unknown transform "bukket[16]" (expected identity, bucket[N], truncate[W], year, month, day, hour, void)',
    ]);
  });

  it('bucket width of zero', () => {
    const text = withTables(`  - topics: [orders]
    partitioning: [{field: id, transform: "bucket[0]"}]
`);
    expect(errorsOf(text)).toEqual(['tables[0].partitioning[0].transform: bucket width must be at least 1, got "bucket[0]"']);
  });

  it('topic pattern that is not a regular expression', () => {
    expect(errorsOf(withTables(`  - topicPattern: "orders.("\n`))).toEqual([
      'tables[0].topicPattern: invalid regular expression "orders.(": Unterminated group',
    ]);
  });

  it('startFrom that is neither earliest, latest nor a timestamp with a zone', () => {
    expect(errorsOf(withTables(`  - topics: [orders]\n    startFrom: yesterday\n`))).toEqual([
      'tables[0].startFrom: expected "earliest", "latest" or an ISO-8601 timestamp with a zone (2026-12-01T08:00:00Z), got "yesterday"',
    ]);
    expect(errorsOf(BASE.replace('  namespace: raw\n', '  namespace: raw\n  startFrom: "2026-12-01T08:00:00"\n'))).toEqual([
      'defaults.startFrom: expected "earliest", "latest" or an ISO-8601 timestamp with a zone (2026-12-01T08:00:00Z), got "2026-12-01T08:00:00"',
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]\n    startFrom: "2026-02-30T00:00:00Z"\n`))).toEqual([
      'tables[0].startFrom: "2026-02-30T00:00:00Z" is not a valid date',
    ]);
  });

  it('unknown key, with a suggestion', () => {
    expect(errorsOf(withTables(`  - topicPatern: "orders.*"\n`))).toEqual([
      'tables[0]: one of topics or topicPattern is required',
      'tables[0].topicPatern: unknown key (did you mean "topicPattern"?)',
    ]);
  });

  it('unknown top-level section, with a suggestion', () => {
    expect(errorsOf(`${BASE}maintenence:\n  compaction: {enabled: false}\n`)).toEqual([
      'maintenence: unknown key (did you mean "maintenance"?)',
    ]);
  });

  it('a silver table partitioned by a field that is not a key field', () => {
    expect(errorsOf(withTables(`  - topics: [customers]\n    mode: silver\n    key: {format: string, fields: [id]}\n    partitioning: [{field: region, transform: identity}, {field: id, transform: "bucket[4]"}]\n`))).toEqual([
      'tables[0].partitioning[0].field: silver tables may only be partitioned by key fields (id), not "region"',
    ]);
  });

  it('silver mode without a key', () => {
    expect(errorsOf(withTables(`  - topics: [customers]\n    mode: silver\n`))).toEqual(['tables[0].key: is required when mode is silver']);
  });

  it('wrong type', () => {
    expect(errorsOf(`${BASE}server:\n  port: http\n`)).toEqual(['server.port: expected an integer, got string "http"']);
    expect(errorsOf(BASE.replace('brokers: [127.0.0.1:9092]', 'brokers: 127.0.0.1:9092'))).toEqual([
      'kafka.brokers: expected a list, got string "127.0.0.1:9092"',
    ]);
  });

  it('negative commit interval', () => {
    expect(errorsOf(`${BASE.replace('defaults:\n', 'defaults:\n  commit:\n    intervalMs: -5\n')}`)).toEqual([
      'defaults.commit.intervalMs: must be at least 1, got -5',
    ]);
  });

  it('environment variable that is not set', () => {
    const text = BASE.replace('  uri: http://127.0.0.1:8181\n', '  uri: http://127.0.0.1:8181\n  token: ${CATALOG_TOKEN}\n');
    expect(errorsOf(text)).toEqual([
      'catalog.token: environment variable CATALOG_TOKEN is not set (write ${CATALOG_TOKEN:-default} to give a default)',
    ]);
  });

  it('two mappings writing the same table', () => {
    const text = withTables(`  - topics: [orders]
    table: orders
  - topics: [orders_v2]
    table: orders
`);
    expect(errorsOf(text)).toEqual(['tables[1].table: duplicate table "raw.orders" (also written by tables[0])']);
  });

  it('one table written in bronze and silver mode', () => {
    const text = withTables(`  - topics: [orders]
  - topics: [orders]
    mode: silver
    key: {format: string}
`);
    expect(errorsOf(text)).toEqual([
      'tables[1].table: table "raw.orders" is also written by tables[0] in bronze mode; a table is either bronze or silver',
    ]);
  });

  it('a topic pattern reaching a literal topic of another mapping, into the same table', () => {
    const text = withTables(`  - topics: [orders]
  - topicPattern: "ord[a-z]*"
    mode: silver
    key: {format: string}
`);
    expect(errorsOf(text)).toEqual([
      'tables[1].table: table "raw.orders" is also written by tables[0] in bronze mode; a table is either bronze or silver',
    ]);
  });

  it('both topics and topicPattern', () => {
    expect(errorsOf(withTables(`  - topics: [orders]\n    topicPattern: "orders.*"\n`))).toEqual([
      'tables[0]: give either topics or topicPattern, not both',
    ]);
  });

  it('invalid compression codec, with a suggestion', () => {
    expect(errorsOf(BASE.replace('defaults:\n', 'defaults:\n  file: {compression: zstdd}\n'))).toEqual([
      'defaults.file.compression: expected one of "zstd", "snappy", "gzip", "lz4", "none", got string "zstdd" (did you mean "zstd"?)',
    ]);
  });

  it('YAML syntax error, with its line and column', () => {
    expect(errorsOf('kafka:\n  brokers: [a\n  groupId: x\n')).toEqual([
      'YAML syntax error at line 3, column 3: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ]);
    expect(errorsOf('kafka: {}\nkafka: {}\n')).toEqual(['YAML syntax error at line 2, column 1: Map keys must be unique']);
  });

  it('"skip" is not an error policy: nothing is dropped silently', () => {
    expect(errorsOf(BASE.replace('defaults:\n', 'defaults:\n  errors: {policy: skip}\n'))).toEqual([
      'defaults.errors.policy: expected one of "dead-letter", "halt", got string "skip"',
    ]);
  });

  it('unknown catalog type and SASL mechanism', () => {
    const text = BASE.replace('type: rest', 'type: glue').replace('  groupId: floe\n', '  groupId: floe\n  sasl: {mechanism: scram-sha256, username: u, password: p}\n');
    expect(errorsOf(text)).toEqual([
      'kafka.sasl.mechanism: expected one of "plain", "scram-sha-256", "scram-sha-512", "oauthbearer", got string "scram-sha256" (did you mean "scram-sha-256"?)',
      'catalog.type: expected one of "rest", "embedded", got string "glue"',
    ]);
  });

  it('embedded catalog bound beyond loopback without tokens', () => {
    const text = BASE.replace('  type: rest\n  uri: http://127.0.0.1:8181\n', '  type: embedded\n  warehouse: /tmp/wh\n  host: 0.0.0.0\n');
    expect(errorsOf(text)).toEqual(['catalog.tokens: at least one token is required when host is not loopback (host is "0.0.0.0")']);
  });

  it('unknown placeholder in a table template', () => {
    expect(errorsOf(withTables(`  - topics: [orders]\n    table: "{topic}_{partition}"\n`))).toEqual([
      'tables[0].table: unknown placeholder "{partition}" in "{topic}_{partition}" (supported: {topic}, {record})',
    ]);
  });

  it('a dead-letter topic that is itself consumed', () => {
    const text = withTables(`  - topics: [orders]
    errors: {deadLetterTopic: "dlq"}
  - topics: [dlq]
`);
    expect(errorsOf(text)).toEqual(['tables[0].errors.deadLetterTopic: dead-letter topic "dlq" is itself consumed by tables[1]']);
  });

  it('two topics whose names collide after sanitizing', () => {
    expect(errorsOf(withTables(`  - topics: [orders.eu, orders-eu]\n    table: "{topic}"\n`))).toEqual([
      'tables[0].table: topics "orders.eu" and "orders-eu" both map to table "raw.orders_eu" after sanitizing; use distinct names',
    ]);
  });

  it('S3 access key without its secret', () => {
    const text = BASE.replace('  type: local\n  root: /tmp/warehouse\n', '  type: s3\n  accessKeyId: AKIA\n');
    expect(errorsOf(text)).toEqual(['storage.secretAccessKey: is required when accessKeyId is set']);
  });

  it('alsoBronze on a bronze mapping, empty topic list', () => {
    expect(errorsOf(withTables(`  - topics: []\n    alsoBronze: {table: x}\n`))).toEqual([
      'tables[0].topics: must have at least 1 entry',
      'tables[0].alsoBronze: only applies to silver mappings (this mapping is already bronze)',
    ]);
  });

  it('missing sections and an empty file', () => {
    expect(errorsOf('kafka: {brokers: [a], groupId: g}\n')).toEqual([
      'schemaRegistry: is required',
      'catalog: is required',
      'storage: is required',
      'tables: is required',
    ]);
    expect(errorsOf('# nothing\n')).toEqual(['the configuration is empty']);
  });

  it('collects every error, in file order, with lines', () => {
    const text = `kafka:
  brokerz: [a]
  groupId: g
schemaRegistry: {url: "registry:8081"}
catalog: {type: rest, uri: "http://x"}
storage: {type: local, root: /tmp}
tables:
  - topics: [a]
    mode: silver
    partitioning: [{field: "a..b", transform: day}]
    commit: {intervalMs: 0}
`;
    let error: ConfigError | undefined;
    try {
      parseConfig(text, { env: {} });
    } catch (err) {
      error = err as ConfigError;
    }
    expect(error?.code).toBe('CONFIG_INVALID');
    expect(error?.issues.map((i) => [i.line, formatIssue(i)])).toEqual([
      [1, 'kafka.brokers: is required'],
      [2, 'kafka.brokerz: unknown key (did you mean "brokers"?)'],
      [4, 'schemaRegistry.url: must be an http(s) URL, got "registry:8081"'],
      [8, 'tables[0].key: is required when mode is silver'],
      [10, 'tables[0].partitioning[0].field: invalid field path "a..b" (expected dotted field names like "customer.id", or $kafka.timestamp)'],
      [11, 'tables[0].commit.intervalMs: must be at least 1, got 0'],
    ]);
    expect(error?.message).toContain('6 configuration errors');
  });

  it('{record} on a topic without a registered schema, and in a dead-letter topic', () => {
    const text = withTables(`  - topics: [orders]
    table: "{topic}_{record}"
    value:
      format: json
  - topics: [clicks]
    table: "{topic}_{record}"
    errors:
      deadLetterTopic: "{record}.dlq"
`);
    expect(errorsOf(text)).toEqual([
      'tables[1].errors.deadLetterTopic: unknown placeholder "{record}" in "{record}.dlq" (supported: {topic})',
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]
    table: "{topic}_{record}"
    value:
      format: json
`))).toEqual([
      'tables[0].table: {record} routes by the record type a registered schema names; value.format json has none (use value.format: registry, or drop {record})',
    ]);
  });


  it('value.json: variant on a v2 table, on a format other than json, and on a bad value', () => {
    expect(errorsOf(withTables(`  - topics: [orders]
    value: {format: json, json: variant}
`))).toEqual([
      "tables[0].value.json: variant needs formatVersion 3 (this mapping's formatVersion is 2); use text on v2 tables",
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]
    formatVersion: 3
    value: {format: string, json: variant}
    partitioning: [{field: value, transform: identity}]
`))).toEqual([
      'tables[0].value.json: variant applies to value.format json only (value.format is string)',
      'tables[0].partitioning[0].field: cannot partition by the variant column value',
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]
    value: {format: json, json: jsonb}
`))).toEqual(['tables[0].value.json: expected one of "text", "variant", got string "jsonb"']);
    // Accepted on a v3 table (the default stays text).
    expect(() => parseConfig(withTables(`  - topics: [orders]
    formatVersion: 3
    value: {format: json, json: variant}
`), { env: {} })).not.toThrow();
  });

  it('value.recursive: variant on a v2 table and on a topic without a schema', () => {
    expect(errorsOf(withTables(`  - topics: [orders]
    value: {recursive: variant}
`))).toEqual([
      "tables[0].value.recursive: variant needs formatVersion 3 (this mapping's formatVersion is 2); use text on v2 tables",
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]
    formatVersion: 3
    value: {format: json, recursive: variant}
`))).toEqual([
      'tables[0].value.recursive: variant applies to registry schemas (Avro, JSON Schema, Protobuf) only (value.format is json)',
    ]);
    expect(errorsOf(withTables(`  - topics: [orders]
    value: {recursive: json}
`))).toEqual(['tables[0].value.recursive: expected one of "text", "variant", got string "json"']);
    expect(() => parseConfig(withTables(`  - topics: [orders]
    formatVersion: 3
    value: {recursive: variant}
`), { env: {} })).not.toThrow();
  });
});
