/**
 * `npm run demo`: bring the local stack up (installing what is missing), create a topic, register
 * an Avro schema that evolves while records are produced continuously, run `floe run` as a child
 * process, and print the bronze table as Spark reads it while it fills up, with progress.
 *
 * By default floe uses its embedded catalog with a local warehouse (.stack/demo-warehouse): the
 * daemon serves the catalog on a free loopback port, Spark reads through a catalog registered at
 * run time, and once the daemon has stopped `floe catalog serve` serves the same store for the
 * final queries. FLOE_DEMO_CATALOG=reference uses the stack's reference catalog and MinIO instead.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { loadConfig, urls } from './stack/config.js';
import { formatStatus, status, up } from './stack/stack.js';
import { OracleClient, rowObjects } from '../test/harness/oracle.js';
import { FLOE_BIN } from '../test/harness/cli.js';
import { AvroProducer } from '../test/harness/daemon.js';
import { freePort } from '../test/harness/ports.js';

const t0 = Date.now();
let stepNo = 0;
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

async function step<T>(title: string, fn: () => Promise<T>): Promise<T> {
  stepNo += 1;
  console.log(`\n[${elapsed()}] ${stepNo}. ${title}`);
  return fn();
}

const say = (line: string) => console.log(`      ${line}`);

/** Runs a floe subcommand as a child process; stderr kept (last 4 KB) for error messages. */
function floe(args: string[]): { child: ChildProcess; stderr: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [FLOE_BIN, ...args], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, FLOE_LOG_LEVEL: 'warn' },
  });
  let stderr = '';
  child.stderr!.on('data', (d: Buffer) => (stderr = (stderr + d.toString()).slice(-4000)));
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
  return { child, stderr: () => stderr, exited };
}

async function main(): Promise<void> {
  const c = loadConfig();
  const u = urls(c);
  const run = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  const topic = `demo-orders-${run}`;
  const ns = `demo_${run}`;
  const PRODUCE_SECONDS = Number(process.env.FLOE_DEMO_SECONDS ?? 30);
  const mode = process.env.FLOE_DEMO_CATALOG ?? 'embedded';
  if (mode !== 'embedded' && mode !== 'reference') throw new Error(`FLOE_DEMO_CATALOG must be embedded or reference, got "${mode}"`);
  const embedded = mode === 'embedded';
  const warehouse = join(c.stackDir, 'demo-warehouse');
  const port = embedded ? await freePort() : 0;

  console.log(
    embedded
      ? `floe demo: Kafka + Schema Registry → floe run → Iceberg (floe's embedded catalog, local warehouse ${warehouse}) → Spark`
      : 'floe demo: Kafka + Schema Registry → floe run → Iceberg (reference REST catalog, S3) → Spark',
  );

  await step('Start the local stack (first run installs and builds; later runs take under a minute)', async () => {
    const r = await up((line) => say(line), c);
    say(r.started.length ? `started ${r.started.join(', ')} in ${r.seconds.toFixed(1)}s` : 'already running');
    console.log(
      formatStatus(await status(c))
        .split('\n')
        .map((l) => `      ${l}`)
        .join('\n'),
    );
  });

  const producer = new AvroProducer(u);
  const v1 = {
    type: 'record',
    name: 'Order',
    namespace: 'floe.demo',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'customer', type: 'string' },
      { name: 'amount_cents', type: 'int' },
    ],
  };
  // The producer's next release: a wider amount and a new optional column.
  const v2 = {
    ...v1,
    fields: [
      { name: 'id', type: 'long' },
      { name: 'customer', type: 'string' },
      { name: 'amount_cents', type: 'long' },
      { name: 'coupon', type: ['null', 'string'], default: null },
    ],
  };

  const [id1, id2] = await step(`Create topic ${topic} (3 partitions) and register two versions of its Avro schema`, async () => {
    await producer.createTopic(topic, 3);
    const a = await producer.register(`${topic}-value`, v1);
    const b = await producer.register(`${topic}-value`, v2);
    say(`schema ids ${a} (v1) and ${b} (v2: amount_cents int → long, new optional coupon)`);
    return [a, b];
  });

  let produced = 0;
  let producing = true;
  const production = (async () => {
    const customers = ['ada', 'grace', 'edsger', 'barbara', 'ken'];
    const until = Date.now() + PRODUCE_SECONDS * 1000;
    while (Date.now() < until) {
      // The first half of the run writes v1, then the producer upgrades to v2.
      const upgraded = Date.now() > until - (PRODUCE_SECONDS * 1000) / 2;
      const messages = [];
      for (let i = 0; i < 200; i++) {
        const n = produced + i;
        const order = { id: n, customer: customers[n % customers.length]!, amount_cents: 100 + (n % 9000) };
        const value = upgraded ? producer.encode(id2, { ...order, coupon: n % 4 === 0 ? `SAVE${n % 50}` : null }) : producer.encode(id1, order);
        messages.push({ key: String(n), value });
      }
      await producer.send(topic, messages);
      produced += messages.length;
      await sleep(250);
    }
    producing = false;
  })();

  const dir = mkdtempSync(join(tmpdir(), 'floe-demo-'));
  const configPath = join(dir, 'floe.yaml');
  await step('Write a floe configuration and start `floe run` (a child process)', async () => {
    writeFileSync(
      configPath,
      [
        'kafka:',
        `  brokers: [${u.kafkaBrokers.map((b) => `"${b}"`).join(', ')}]`,
        `  groupId: floe-demo-${run}`,
        `schemaRegistry: {url: "${u.schemaRegistryUrl}"}`,
        ...(embedded
          ? [
              `catalog: {type: embedded, warehouse: ${JSON.stringify(warehouse)}, store: {type: sqlite, path: ${JSON.stringify(join(warehouse, 'floe-catalog.db'))}}, port: ${port}}`,
              `storage: {type: local, root: ${JSON.stringify(warehouse)}}`,
            ]
          : [
              `catalog: {type: rest, uri: "${u.catalogUri}", warehouse: "${u.warehouse}"}`,
              'storage:',
              '  type: s3',
              `  endpoint: "${u.s3Endpoint}"`,
              `  region: ${c.s3.region}`,
              '  forcePathStyle: true',
              `  accessKeyId: ${c.s3.accessKeyId}`,
              `  secretAccessKey: ${c.s3.secretAccessKey}`,
            ]),
        'defaults:',
        `  namespace: ${ns}`,
        '  commit: {intervalMs: 2s}',
        'tables:',
        `  - topics: [${topic}]`,
        '    table: orders',
        '    partitioning: [{field: $kafka.timestamp, transform: hour}]',
        'server: {enabled: false}',
        '',
      ].join('\n'),
    );
    say(`config ${configPath}`);
    if (embedded) say(`the daemon serves its catalog on http://127.0.0.1:${port}; warehouse and catalog.db in ${warehouse}`);
  });
  if (embedded) mkdirSync(warehouse, { recursive: true });
  const daemon = floe(['run', '--config', configPath]);
  const child = daemon.child;
  let server: ReturnType<typeof floe> | undefined;

  const oracle = new OracleClient(u.oracleUrl);
  // Spark reads the embedded catalog through a second Iceberg catalog added at run time, under a
  // fresh name per run (Spark keeps a catalog once loaded); files are local, read with Hadoop's FileIO.
  const sparkCatalog = embedded ? `floedemo_${run}` : 'floe';
  if (embedded) {
    const p = `spark.sql.catalog.${sparkCatalog}`;
    for (const [k, v] of Object.entries({
      [p]: 'org.apache.iceberg.spark.SparkCatalog',
      [`${p}.type`]: 'rest',
      [`${p}.uri`]: `http://127.0.0.1:${port}`,
      [`${p}.cache-enabled`]: 'false',
      [`${p}.io-impl`]: 'org.apache.iceberg.hadoop.HadoopFileIO',
    })) {
      await oracle.sparkSql(`SET \`${k}\`=\`${v}\``);
    }
  }
  const table = `${sparkCatalog}.${ns}.orders`;
  const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
  try {
    await step(`Produce for ${PRODUCE_SECONDS}s while floe commits; Spark counts the table as it fills`, async () => {
      for (;;) {
        await sleep(3000);
        if (child.exitCode !== null) throw new Error(`floe exited with ${child.exitCode}:\n${daemon.stderr()}`);
        const n = await count().catch(() => 0);
        say(`[${elapsed()}] produced ${produced}, in the table ${n}`);
        if (!producing && n >= produced) break;
      }
      await production;
    });

    await step('Stop floe with SIGTERM (flush, commit, leave the group, exit 0)', async () => {
      child.kill('SIGTERM');
      const code = await daemon.exited;
      say(`floe exited with ${code}`);
      if (code !== 0) throw new Error(`floe exited with ${code}:\n${daemon.stderr()}`);
    });

    if (embedded) {
      await step(`The catalog went with the daemon: serve the same store with \`floe catalog serve\` for the queries`, async () => {
        server = floe(['catalog', 'serve', '--config', configPath]);
        const s = server;
        for (let i = 0; ; i++) {
          if (s.child.exitCode !== null) throw new Error(`floe catalog serve exited with ${s.child.exitCode}:\n${s.stderr()}`);
          const ok = await fetch(`http://127.0.0.1:${port}/v1/config`).then((r) => r.ok, () => false);
          if (ok) break;
          if (i > 100) throw new Error(`floe catalog serve did not answer on port ${port}:\n${s.stderr()}`);
          await sleep(200);
        }
        say(`serving on http://127.0.0.1:${port}`);
      });
    }

    await step(`Read ${table} with Spark`, async () => {
      const n = await count();
      say(`count(*) = ${n} (produced ${produced})`);
      const rows = await oracle.sparkSql(
        `SELECT id, customer, amount_cents, coupon, _kafka.partition AS kafka_partition, _kafka.offset AS kafka_offset, _kafka.timestamp AS kafka_ts
           FROM ${table} WHERE id % 1000 IN (0, 1) ORDER BY id LIMIT 6`,
      );
      for (const r of rowObjects(rows)) say(JSON.stringify(r));
      const history = await oracle.sparkSql(`SELECT snapshot_id, operation, summary['added-records'] FROM ${table}.snapshots ORDER BY committed_at DESC LIMIT 3`);
      say(`latest snapshots: ${JSON.stringify(history.rows)}`);
      const columns = await oracle.sparkSql(`DESCRIBE TABLE ${table}`);
      const current = [];
      for (const [name, type] of columns.rows) {
        if (name === '' || String(name).startsWith('#')) break; // partitioning follows
        current.push(`${String(name)}:${String(type).startsWith('struct') ? 'struct' : String(type)}`);
      }
      say(`current schema: ${JSON.stringify(current)}`);
    });
  } finally {
    child.kill('SIGKILL');
    if (server) {
      server.child.kill('SIGTERM');
      await server.exited;
    }
    await producer.close();
  }

  console.log(`\n[${elapsed()}] done. The stack keeps running: \`npm run stack:status\`, \`npm run stack:down\`.`);
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  console.error('Service logs are in .stack/logs/ (see docs/development.md).');
  process.exit(1);
});
