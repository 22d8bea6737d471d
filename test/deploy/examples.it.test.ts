/**
 * Every example in examples/ runs against the local stack with the one documented step: the
 * variables `stack:up` writes to `<stackDir>/floe.env` (scripts/stack/stack.ts). Per example: the
 * env file points it at this stack (whatever its ports), `floe validate` accepts it, `floe run`
 * lands records produced to its topics, and Spark reads them back. Topic, group and table names
 * are the examples' own, so each record carries this run's marker and the checks select on it
 * (a second run on the same stack finds the earlier runs' rows too).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { examplesEnvFile, loadConfig as loadStackConfig } from '../../scripts/stack/config.js';
import { freePort } from '../harness/ports.js';
import { REPO } from '../harness/cli.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir } from '../harness/daemon.js';
import { oracleFor } from '../harness/oracle.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());
const run = uniqueSuffix();

/** `K='v'` lines (shell single quotes, `'\''` inside) of the env file. */
function parseEnvFile(text: string): Record<string, string> {
  const env: Record<string, string> = {};
  for (const line of text.split('\n')) {
    const m = /^([A-Z_][A-Z0-9_]*)='((?:[^']|'\\'')*)'$/.exec(line);
    if (m) env[m[1]!] = m[2]!.replaceAll("'\\''", "'");
  }
  return env;
}

/** The variables the examples read, built from the stack the tests run against. */
function stackVariables(): Record<string, string> {
  return {
    KAFKA_BROKERS: stack.kafkaBrokers.join(','),
    SCHEMA_REGISTRY_URL: stack.schemaRegistryUrl,
    CATALOG_URI: stack.catalogUri,
    S3_ENDPOINT: stack.s3.endpoint,
    AWS_ACCESS_KEY_ID: stack.s3.accessKeyId,
    AWS_SECRET_ACCESS_KEY: stack.s3.secretAccessKey,
    AWS_REGION: stack.s3.region,
  };
}

/** The one step: the env file the stack wrote (with containers, the same variables built here). */
function stackEnv(): Record<string, string> {
  if (inject('stackMode') === 'containers') {
    return stackVariables();
  }
  return parseEnvFile(readFileSync(examplesEnvFile(loadStackConfig()), 'utf8'));
}

const example = (name: string) => join(REPO, 'examples', name);

/** Runs an example until `check` passes; the daemon must then stop cleanly. */
async function runExample(name: string, extraEnv: Record<string, string>, check: () => Promise<void>, cwd?: string): Promise<void> {
  const env = { ...stackEnv(), FLOE_SERVER_PORT: String(await freePort()), ...extraEnv };
  execFileSync(process.execPath, [join(REPO, 'bin/floe.js'), 'validate', example(name)], { env: { ...process.env, ...env }, stdio: 'pipe' });
  const dir = cwd ?? workDir(`example-${name.replace('.yaml', '')}`);
  const daemon = DaemonProcess.start(example(name), join(dir, 'daemon.log'), env, undefined, cwd);
  try {
    await check();
    expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
  } catch (err) {
    throw new Error(`${(err as Error).message}\n--- daemon log (tail) ---\n${daemon.log().slice(-3000)}`);
  } finally {
    daemon.kill('SIGKILL');
  }
}

async function sparkRows(sql: string): Promise<unknown[][] | undefined> {
  return (await oracle.sparkSql(sql).catch(() => undefined))?.rows;
}

const record = (name: string, fields: Array<{ name: string; type: unknown }>) => ({ type: 'record', name, namespace: 'floe.examples', fields });

/** Creates the topic (kept when it exists) and registers the schema under `<topic>-<kind>`. */
async function topicWithSchema(topic: string, schema: object, key?: object): Promise<{ value: number; key?: number }> {
  await producer.createTopic(topic, 1).catch(() => undefined);
  const value = await producer.register(`${topic}-value`, schema);
  return key ? { value, key: await producer.register(`${topic}-key`, key) } : { value };
}

describe('examples run against the local stack', () => {
  it('the env file stack:up writes points at this stack', () => {
    const env = stackEnv();
    expect(env).toEqual(stackVariables());
  });

  it('bronze.yaml: orders.eu/orders.us into one table each, clicks.* into one', async () => {
    const order = record('Order', [
      { name: 'order_id', type: 'string' },
      { name: 'run', type: 'string' },
    ]);
    const click = record('Click', [
      { name: 'user_id', type: 'long' },
      { name: 'url', type: 'string' },
      { name: 'run', type: 'string' },
    ]);
    const eu = await topicWithSchema('orders.eu', order);
    const us = await topicWithSchema('orders.us', order);
    // The pattern's topics are subscribed when the daemon starts: this one exists by then.
    const web = await topicWithSchema('clicks.web', click);
    await producer.send('orders.eu', Array.from({ length: 5 }, (_, i) => ({ value: producer.encode(eu.value, { order_id: `eu-${i}`, run }) })));
    await producer.send('orders.us', Array.from({ length: 3 }, (_, i) => ({ value: producer.encode(us.value, { order_id: `us-${i}`, run }) })));
    await producer.send('clicks.web', Array.from({ length: 4 }, (_, i) => ({ value: producer.encode(web.value, { user_id: i, url: `/p/${i}`, run }) })));
    await runExample('bronze.yaml', {}, async () => {
      const count = async (table: string) => Number((await sparkRows(`SELECT count(*) FROM floe.raw.${table} WHERE run = '${run}'`))?.[0]?.[0] ?? -1);
      await waitFor('the bronze tables', async () => ((await count('orders_eu')) === 5 && (await count('orders_us')) === 3 && (await count('clicks')) === 4) || undefined, 120_000, 2000);
      const topics = await sparkRows(`SELECT DISTINCT _kafka.topic FROM floe.raw.clicks WHERE run = '${run}'`);
      expect(topics).toEqual([['clicks.web']]);
    });
  }, 240_000);

  it('debezium.yaml: CDC topics become silver tables with the source rows (updates and deletes applied)', async () => {
    const rowFields = [
      { name: 'id', type: 'long' },
      { name: 'sku', type: 'string' },
      { name: 'run', type: 'string' },
    ];
    const envelope = (name: string) => ({
      type: 'record',
      name: `${name}Envelope`,
      namespace: 'floe.examples.cdc',
      fields: [
        { name: 'before', type: ['null', record(`${name}Value`, rowFields)], default: null },
        { name: 'after', type: ['null', `floe.examples.${name}Value`], default: null },
        { name: 'op', type: 'string' },
        { name: 'ts_ms', type: ['null', 'long'], default: null },
      ],
    });
    const key = record('Key', [{ name: 'id', type: 'long' }]);
    // Ids unique to this run: the tables keep earlier runs' rows.
    const base = Date.now() * 10;
    const tables = { 'dbserver1.inventory.orders': 'dbserver1_inventory_orders', 'dbserver1.inventory.order_lines': 'dbserver1_inventory_order_lines', 'dbserver1.inventory.products': 'products' };
    for (const [topic, name] of Object.entries(tables)) {
      const ids = await topicWithSchema(topic, envelope(name), key);
      const k = (id: number) => producer.encode(ids.key!, { id });
      const row = (id: number, sku: string) => ({ id, sku, run });
      const v = (before: object | null, after: object | null, op: string) => producer.encode(ids.value, { before, after, op, ts_ms: Date.now() });
      await producer.send(topic, [
        { key: k(base + 1), value: v(null, row(base + 1, 'a'), 'c') },
        { key: k(base + 2), value: v(null, row(base + 2, 'b'), 'c') },
        { key: k(base + 1), value: v(row(base + 1, 'a'), row(base + 1, 'a2'), 'u') },
        { key: k(base + 2), value: v(row(base + 2, 'b'), null, 'd') },
        { key: k(base + 2), value: null }, // Debezium's tombstone after a delete
      ]);
    }
    await runExample('debezium.yaml', {}, async () => {
      const rows = async (table: string) => sparkRows(`SELECT id, sku FROM floe.cdc.shop.${table} WHERE run = '${run}' ORDER BY id`);
      for (const table of Object.values(tables)) {
        const got = await waitFor(`cdc.shop.${table}`, async () => {
          const r = await rows(table);
          return r && r.length === 1 && r[0]![1] === 'a2' ? r : undefined;
        }, 120_000, 2000);
        expect(got).toEqual([[String(base + 1), 'a2']]); // Spark's bigint comes back as text
      }
    });
  }, 240_000);

  it('silver.yaml: latest state per customer and every event, in the embedded catalog on local disk', async () => {
    const customer = record('Customer', [
      { name: 'id', type: 'long' },
      { name: 'name', type: 'string' },
      { name: 'run', type: 'string' },
    ]);
    const ids = await topicWithSchema('customers', customer, record('CustomerKey', [{ name: 'id', type: 'long' }]));
    const base = Date.now() * 10;
    const msg = (id: number, name: string | null) => ({ key: producer.encode(ids.key!, { id }), value: name === null ? null : producer.encode(ids.value, { id, name, run }) });
    await producer.send('customers', [msg(base + 1, 'Ada'), msg(base + 2, 'Bob'), msg(base + 1, 'Ada L.'), msg(base + 2, null)]);

    // The example's catalog is embedded: it serves while the daemon runs, from the directory it runs in.
    const dir = workDir('example-silver');
    const port = await freePort();
    const spark = `floeex_${run}`;
    const c = `spark.sql.catalog.${spark}`;
    for (const [k, v] of Object.entries({ [c]: 'org.apache.iceberg.spark.SparkCatalog', [`${c}.type`]: 'rest', [`${c}.uri`]: `http://127.0.0.1:${port}`, [`${c}.cache-enabled`]: 'false', [`${c}.io-impl`]: 'org.apache.iceberg.hadoop.HadoopFileIO' })) {
      await oracle.sparkSql(`SET \`${k}\`=\`${v}\``);
    }
    await runExample('silver.yaml', { EMBEDDED_CATALOG_PORT: String(port) }, async () => {
      const latest = await waitFor('crm.customers', async () => {
        const r = await sparkRows(`SELECT id, name FROM ${spark}.crm.customers WHERE run = '${run}' ORDER BY id`);
        return r && r.length === 1 && r[0]![1] === 'Ada L.' ? r : undefined;
      }, 120_000, 2000);
      expect(latest).toEqual([[String(base + 1), 'Ada L.']]);
      const events = await sparkRows(`SELECT count(*) FROM ${spark}.crm.customers_events WHERE run = '${run}'`);
      expect(Number(events?.[0]?.[0])).toBe(3); // the tombstone has no value row
    }, dir);
  }, 240_000);
});
