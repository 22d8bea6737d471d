import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import {
  ConfigError,
  REDACTED,
  isDeadLetterTopic,
  loadConfig,
  mappingMatchesTopic,
  parseConfig,
  parseTransform,
  redactConfig,
  sanitizeIdentifier,
  tableNameFor,
} from '../../src/config/index.js';
import { isFloeError } from '../../src/util/errors.js';

const MINIMAL = `
kafka: {brokers: [k:9092], groupId: g}
schemaRegistry: {url: "http://sr:8081"}
catalog: {type: rest, uri: "http://cat:8181"}
storage: {type: local, root: /data}
tables:
  - topics: [orders]
`;

describe('environment substitution', () => {
  const text = `
kafka:
  brokers: ["\${BROKER}", "b2:\${PORT2:-9093}"]
  groupId: g
  sasl: {mechanism: plain, username: "\${USER:-floe}", password: "\${KAFKA_PASSWORD}"}
schemaRegistry: {url: "http://sr:8081", token: "literal $\${NOT_A_VAR}"}
catalog: {type: rest, uri: "http://cat:8181", credential: "\${ID}:\${SECRET}"}
storage: {type: local, root: /data}
server:
  port: \${METRICS_PORT}
  enabled: \${METRICS_ON:-true}
tables:
  - topics: [orders]
`;
  const env = { BROKER: 'k1:9092', KAFKA_PASSWORD: 's3cr3t', ID: 'client', SECRET: 'shh', METRICS_PORT: '9999', USER: '' };

  it('substitutes variables, defaults (also for empty values) and escapes', () => {
    const c = parseConfig(text, { env });
    expect(c.kafka.brokers).toEqual(['k1:9092', 'b2:9093']);
    expect(c.kafka.sasl).toEqual({ mechanism: 'plain', username: 'floe', password: 's3cr3t' });
    expect(c.schemaRegistry.token).toBe('literal ${NOT_A_VAR}');
    expect(c.catalog.type === 'rest' && c.catalog.credential).toBe('client:shh');
  });

  it('coerces substituted numbers and booleans, and still checks them', () => {
    const c = parseConfig(text, { env });
    expect(c.server).toEqual({ port: 9999, enabled: true, host: '127.0.0.1' });
    expect(() => parseConfig(text, { env: { ...env, METRICS_PORT: 'abc' } })).toThrow('server.port: expected an integer, got string "abc"');
  });

  it('reports every missing variable at its path', () => {
    try {
      parseConfig(text, { env: { BROKER: 'k', METRICS_PORT: '1' } });
      expect.unreachable();
    } catch (err) {
      expect((err as ConfigError).issues.map((i) => i.path)).toEqual(['kafka.sasl.password', 'catalog.credential', 'catalog.credential']);
    }
  });

  it('hints at quoting when an unquoted reference breaks a flow collection', () => {
    expect(() => parseConfig('server: {port: ${PORT}}\n', { env: {} })).toThrow('(quote "${VAR}" inside {...} and [...])');
  });

  it('does not substitute in keys or comments', () => {
    const c = parseConfig(`${MINIMAL}    # \${NOPE}\n    tableProperties: {"\${K}": v}\n`, { env: {} });
    expect(c.tables[0]!.tableProperties).toEqual({ '${K}': 'v' });
  });
});

describe('defaults', () => {
  it('fills in a complete configuration', () => {
    const c = parseConfig(MINIMAL, { env: {} });
    expect(c.kafka.clientId).toBe('floe');
    expect(c.kafka.ssl).toBe(false);
    expect(c.server).toEqual({ enabled: true, host: '127.0.0.1', port: 9464 });
    expect(c.shutdown.timeoutMs).toBe(30_000);
    expect(c.memory.budgetBytes).toBe(512 * 1024 * 1024);
    expect(c.maintenance.expireSnapshots).toEqual({ enabled: true, intervalMs: 3_600_000, retainLast: 5, maxAgeMs: 5 * 86_400_000 });
    expect(c.maintenance.orphanFiles.olderThanMs).toBe(3 * 86_400_000);
    const t = c.tables[0]!;
    expect(t).toMatchObject({
      index: 0,
      topics: ['orders'],
      table: '{topic}',
      namespace: ['default'],
      mode: 'bronze',
      envelope: 'none',
      key: undefined,
      partitioning: [],
      sortOrder: [],
      bronze: { kafkaMetadataColumn: '_kafka' },
      commit: { intervalMs: 10_000, maxBytes: 256 * 1024 * 1024, maxRecords: 1_000_000 },
      file: { targetSizeBytes: 128 * 1024 * 1024, compression: 'zstd', rowGroupBytes: 16 * 1024 * 1024 },
      errors: { policy: 'dead-letter', deadLetterTopic: '{topic}.floe.dlq' },
      schemaEvolution: { incompatible: 'dead-letter' },
      formatVersion: 2,
      createTables: true,
      startFrom: 'earliest',
    });
    expect(t.maintenance.compaction).toEqual({ enabled: true, intervalMs: 3_600_000, minFiles: 10, targetSizeBytes: 128 * 1024 * 1024 });
  });

  it('merges table overrides over defaults key by key', () => {
    const c = parseConfig(
      `${MINIMAL.replace('tables:', `defaults:
  namespace: lake.raw
  commit: {intervalMs: 5s, maxRecords: 1000}
  file: {targetSizeBytes: 64MiB}
  tableProperties: {a: "1", b: "2"}
  startFrom: latest
maintenance:
  compaction: {minFiles: 4}
tables:`)}    namespace: [other]
    startFrom: "2026-12-01T08:00:00Z"
    commit: {maxBytes: 1MiB}
    tableProperties: {b: "3"}
    maintenance: {compaction: {enabled: false}}
    sortOrder: [{field: ts, direction: desc}]
  - topics: [clicks]
`,
      { env: {} },
    );
    const [a, b] = c.tables;
    expect(a!.namespace).toEqual(['other']);
    expect(a!.commit).toEqual({ intervalMs: 5000, maxBytes: 1024 * 1024, maxRecords: 1000 });
    expect(a!.file.targetSizeBytes).toBe(64 * 1024 * 1024);
    expect(a!.tableProperties).toEqual({ a: '1', b: '3' });
    expect(a!.maintenance.compaction).toEqual({ enabled: false, intervalMs: 3_600_000, minFiles: 4, targetSizeBytes: 64 * 1024 * 1024 });
    expect(a!.sortOrder).toEqual([{ field: 'ts', transform: 'identity', direction: 'desc', nullOrder: 'nulls-last' }]);
    expect(b!.namespace).toEqual(['lake', 'raw']);
    expect(b!.commit).toEqual({ intervalMs: 5000, maxBytes: 256 * 1024 * 1024, maxRecords: 1000 });
    expect(b!.maintenance.compaction.enabled).toBe(true);
    expect(a!.startFrom).toBe('2026-12-01T08:00:00Z');
    expect(b!.startFrom).toBe('latest');
  });

  it('accepts sizes and durations with units', () => {
    const c = parseConfig(MINIMAL.replace('tables:', 'memory: {budgetBytes: 1.5GiB}\nshutdown: {timeoutMs: 2m}\ntables:'), { env: {} });
    expect(c.memory.budgetBytes).toBe(1.5 * 1024 ** 3);
    expect(c.shutdown.timeoutMs).toBe(120_000);
    expect(() => parseConfig(MINIMAL.replace('tables:', 'shutdown: {timeoutMs: 2 weeks}\ntables:'), { env: {} })).toThrow(
      'shutdown.timeoutMs: expected an integer (milliseconds) or a duration like "30s", "5m", "5d", got string "2 weeks"',
    );
  });

  it('takes performance.processes as 1–64 or auto, default 1, and names the path of a bad one', () => {
    expect(parseConfig(MINIMAL.replace('tables:', 'performance: {processes: 2}\ntables:'), { env: {} }).performance.processes).toBe(2);
    expect(parseConfig(MINIMAL.replace('tables:', 'performance: {processes: auto}\ntables:'), { env: {} }).performance.processes).toBe('auto');
    expect(() => parseConfig(MINIMAL.replace('tables:', 'performance: {processes: 0}\ntables:'), { env: {} })).toThrow('performance.processes: expected an integer 1–64 or auto, got number 0');
  });

  it('takes performance.workerThreads as 0–64 or auto, default 0, and names the path of a bad one', () => {
    expect(parseConfig(MINIMAL, { env: {} }).performance).toEqual({ workerThreads: 0, processes: 1 });
    expect(parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: 2}\ntables:'), { env: {} }).performance.workerThreads).toBe(2);
    expect(parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: auto}\ntables:'), { env: {} }).performance.workerThreads).toBe('auto');
    expect(() => parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: 65}\ntables:'), { env: {} })).toThrow(
      'performance.workerThreads: expected an integer 0–64 or auto, got number 65',
    );
    expect(() => parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: many}\ntables:'), { env: {} })).toThrow(
      'performance.workerThreads: expected an integer 0–64 or auto, got string "many"',
    );
    expect(parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: "${T}"}\ntables:'), { env: { T: '3' } }).performance.workerThreads).toBe(3);
    expect(() => parseConfig(MINIMAL.replace('tables:', 'performance: {workerThreads: true}\ntables:'), { env: {} })).toThrow(
      'performance.workerThreads: expected an integer 0–64 or auto, got boolean true',
    );
  });

  it('resolves alsoBronze into the mapping namespace', () => {
    const c = parseConfig(MINIMAL.replace('  - topics: [orders]', '  - topics: [orders]\n    namespace: s\n    mode: silver\n    key: {fields: [id]}\n    alsoBronze: {table: orders_raw}'), { env: {} });
    expect(c.tables[0]!.key).toEqual({ format: 'bytes', fields: ['id'] });
    expect(c.tables[0]!.alsoBronze).toEqual({ table: 'orders_raw', namespace: ['s'] });
  });
});

describe('loadConfig', () => {
  it('reads a file, or takes YAML text, and names a missing file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-config-'));
    const file = join(dir, 'floe.yaml');
    writeFileSync(file, MINIMAL);
    expect(loadConfig(file, {}).tables).toHaveLength(1);
    expect(loadConfig(MINIMAL, {}).tables).toHaveLength(1);
    try {
      loadConfig(join(dir, 'nope.yaml'), {});
      expect.unreachable();
    } catch (err) {
      expect(isFloeError(err, 'CONFIG_NOT_FOUND')).toBe(true);
    }
  });

  it('names the file in the error', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-config-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'kafka: {}\n');
    expect(() => loadConfig(file, {})).toThrow(`${file}: 6 configuration errors\n  kafka.brokers: is required`);
  });
});

describe('redactConfig', () => {
  it('hides secrets and URL passwords, keeps the rest', () => {
    const c = parseConfig(
      MINIMAL.replace('kafka: {brokers: [k:9092], groupId: g}', 'kafka: {brokers: [k:9092], groupId: g, sasl: {mechanism: plain, username: u, password: p}}')
        .replace('{type: rest, uri: "http://cat:8181"}', '{type: rest, uri: "http://cat:8181", token: t, headers: {X-Api-Key: k}}')
        .replace('url: "http://sr:8081"', 'url: "https://user:pw@sr:8081"'),
      { env: {} },
    );
    const r = redactConfig(c);
    expect(r.kafka.sasl).toEqual({ mechanism: 'plain', username: 'u', password: REDACTED });
    expect(r.catalog.type === 'rest' && [r.catalog.token, r.catalog.headers]).toEqual([REDACTED, { 'X-Api-Key': REDACTED }]);
    expect(r.schemaRegistry.url).toBe(`https://user:${REDACTED}@sr:8081`);
    expect(r.tables).toEqual(c.tables);
    expect(c.kafka.sasl?.mechanism === 'plain' && c.kafka.sasl.password).toBe('p');
  });
});

describe('hostile configuration files', () => {
  const issues = (text: string): string => {
    try {
      parseConfig(text, { env: {} });
    } catch (err) {
      if (err instanceof ConfigError) return err.message;
      throw err;
    }
    throw new Error('accepted');
  };

  it('an alias bomb is a configuration error, not a crash', () => {
    const levels = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 8; i++) levels.push(`${'abcdefgh'[i]}: &${'abcdefgh'[i]} [${Array(9).fill(`*${'abcdefgh'[i - 1]}`).join(', ')}]`);
    expect(issues(`${MINIMAL}\n${levels.join('\n')}\n`)).toMatch(/YAML aliases expand too much/);
  });

  it('refuses __proto__, constructor and prototype keys, with their paths', () => {
    const m = issues(MINIMAL.replace('groupId: g}', 'groupId: g, __proto__: {polluted: true}}').replace('storage: {type: local, root: /data}', 'storage: {type: local, root: /data, constructor: 1}'));
    expect(m).toContain('kafka.__proto__: the key "__proto__" is not allowed');
    expect(m).toContain('storage.constructor: the key "constructor" is not allowed');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('namespace levels follow the catalog identifier rule', () => {
    for (const ns of ['"../.."', '["..", "x"]', '"a\\0b"', '"a/b"']) {
      const text = MINIMAL.replace('  - topics: [orders]', `  - topics: [orders]\n    namespace: ${ns}`);
      expect(issues(text), ns).toMatch(/tables\[0\]\.namespace: namespace level/);
    }
  });

  it('a file that is not UTF-8 is refused with its path', () => {
    const file = join(mkdtempSync(join(tmpdir(), 'floe-cfg-')), 'bad.yaml');
    writeFileSync(file, Buffer.concat([Buffer.from(MINIMAL.replace('[orders]', '[ord')), Buffer.from([0xff, 0xfe]), Buffer.from('ers]\n')]));
    expect(() => loadConfig(file, {})).toThrow(`${file}: 1 configuration error\n  the file is not valid UTF-8`);
  });

  it('validation never echoes a secret value', () => {
    const m = issues(MINIMAL.replace('groupId: g}', 'groupId: g, sasl: {mechanism: plain, username: u, password: 987654321}}'));
    expect(m).toContain('kafka.sasl.password: expected a string');
    expect(m).not.toContain('987654321');
    const url = issues(MINIMAL.replace('{type: rest, uri: "http://cat:8181"}', '{type: embedded, warehouse: /w, store: {type: postgres, url: "mysql://u:hunter2@db/x"}}'));
    expect(url).not.toContain('hunter2');
  });
});

describe('naming rules', () => {
  it('sanitizes table names to portable identifiers', () => {
    expect(sanitizeIdentifier('Orders.EU-West')).toBe('orders_eu_west');
    expect(sanitizeIdentifier('2024-events')).toBe('_2024_events');
    expect(tableNameFor('{topic}_raw', 'shop.Orders')).toBe('shop_orders_raw');
  });

  it('matches whole topic names with patterns', () => {
    const m = { topics: undefined, topicPattern: 'orders\\..*' };
    expect(mappingMatchesTopic(m, 'orders.eu')).toBe(true);
    expect(mappingMatchesTopic(m, 'x.orders.eu')).toBe(false);
  });

  it('parses transforms', () => {
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', n: 16 });
    expect(parseTransform('truncate[4]')).toEqual({ kind: 'truncate', width: 4 });
    expect(parseTransform('day')).toEqual({ kind: 'day' });
    expect(parseTransform('bucket(16)')).toBeUndefined();
  });

  it('recognizes dead-letter topics so pattern subscriptions can skip them', () => {
    expect(isDeadLetterTopic(['{topic}.floe.dlq'], 'orders.floe.dlq')).toBe(true);
    expect(isDeadLetterTopic(['{topic}.floe.dlq'], 'orders')).toBe(false);
    expect(isDeadLetterTopic(['dlq'], 'dlq')).toBe(true);
  });
});

describe('kafka.sasl', () => {
  const withSasl = (sasl: string) => MINIMAL.replace('kafka: {brokers: [k:9092], groupId: g}', `kafka: {brokers: [k:9092], groupId: g, ssl: true, sasl: ${sasl}}`);
  const issues = (text: string) => {
    try {
      parseConfig(text, { env: {} });
    } catch (err) {
      return (err as ConfigError).issues.map((i) => `${i.path}: ${i.message}`);
    }
    return [];
  };

  it('oauthbearer takes a token endpoint with client credentials, or a static token', () => {
    const c = parseConfig(withSasl('{mechanism: oauthbearer, tokenEndpoint: "https://idp/token", clientId: floe, clientSecret: s, scope: kafka}'), { env: {} });
    expect(c.kafka.sasl).toMatchObject({ mechanism: 'oauthbearer', tokenEndpoint: 'https://idp/token', clientId: 'floe', clientSecret: 's', scope: 'kafka' });
    expect(redactConfig(c).kafka.sasl).toMatchObject({ clientSecret: REDACTED });
    const t = parseConfig(withSasl('{mechanism: oauthbearer, token: abc}'), { env: {} });
    expect(redactConfig(t).kafka.sasl).toMatchObject({ mechanism: 'oauthbearer', token: REDACTED });
  });

  it('reports what is missing or contradictory, with its path', () => {
    expect(issues(withSasl('{mechanism: oauthbearer}'))).toEqual(['kafka.sasl: give either token or tokenEndpoint']);
    expect(issues(withSasl('{mechanism: oauthbearer, tokenEndpoint: "https://idp/token"}'))).toEqual([
      'kafka.sasl.clientId: is required with tokenEndpoint',
      'kafka.sasl.clientSecret: is required with tokenEndpoint',
    ]);
    expect(issues(withSasl('{mechanism: oauthbearer, token: a, tokenEndpoint: "https://idp/token", clientId: c, clientSecret: s}'))).toEqual([
      'kafka.sasl: give either token or tokenEndpoint',
    ]);
    expect(issues(withSasl('{mechanism: plain, username: u}'))).toEqual(['kafka.sasl.password: is required']);
    expect(issues(withSasl('{mechanism: gssapi}'))[0]).toMatch(/^kafka.sasl.mechanism: /);
  });
});
