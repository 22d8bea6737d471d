/**
 * `npm run demo`: bring the local stack up (installing what is missing) and walk the smoke path
 * with visible progress: an Avro record through the Schema Registry and Kafka, a table in the
 * Iceberg REST catalog, and that table read back by Spark and PyIceberg through the oracle.
 *
 * For now the row is written into the table by Spark, standing in for floe's daemon; the daemon
 * issue replaces that step with floe itself consuming the topic.
 */
import { SchemaRegistry, SchemaType } from '@kafkajs/confluent-schema-registry';
import { Kafka, logLevel, Partitioners } from 'kafkajs';
import { loadConfig, urls } from './stack/config.js';
import { formatStatus, status, up } from './stack/stack.js';
import { OracleClient, rowObjects } from '../test/harness/oracle.js';

const t0 = Date.now();
let stepNo = 0;
const elapsed = () => `${((Date.now() - t0) / 1000).toFixed(1)}s`;

async function step<T>(title: string, fn: () => Promise<T>): Promise<T> {
  stepNo += 1;
  console.log(`\n[${elapsed()}] ${stepNo}. ${title}`);
  return fn();
}

const say = (line: string) => console.log(`      ${line}`);

async function catalog(base: string, method: string, path: string, body?: unknown): Promise<unknown> {
  const res = await fetch(`${base}/v1${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const text = await res.text();
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${text}`);
  return text ? JSON.parse(text) : undefined;
}

async function main(): Promise<void> {
  const c = loadConfig();
  const u = urls(c);
  const run = new Date().toISOString().replace(/[-:T.Z]/g, '').slice(0, 14);
  const topic = `demo-orders-${run}`;
  const ns = `demo_${run}`;

  console.log('floe demo: Kafka + Schema Registry → Iceberg REST catalog on S3 → Spark and PyIceberg');

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

  const kafka = new Kafka({ clientId: 'floe-demo', brokers: u.kafkaBrokers, logLevel: logLevel.NOTHING });
  const registry = new SchemaRegistry({ host: u.schemaRegistryUrl });
  const schema = {
    type: 'record',
    name: 'Order',
    namespace: 'floe.demo',
    fields: [
      { name: 'id', type: 'long' },
      { name: 'customer', type: 'string' },
      { name: 'amount_cents', type: 'long' },
    ],
  };

  const schemaId = await step(`Register an Avro schema for subject ${topic}-value`, async () => {
    const { id } = await registry.register({ type: SchemaType.AVRO, schema: JSON.stringify(schema) }, { subject: `${topic}-value` });
    say(`schema id ${id} at ${u.schemaRegistryUrl}`);
    return id;
  });

  const order = { id: 1, customer: 'ada', amount_cents: 12_345 };
  await step(`Create topic ${topic} and produce one Avro record`, async () => {
    const admin = kafka.admin();
    await admin.connect();
    await admin.createTopics({ topics: [{ topic, numPartitions: 1, replicationFactor: 1 }], waitForLeaders: true });
    await admin.disconnect();
    const producer = kafka.producer({ createPartitioner: Partitioners.DefaultPartitioner });
    await producer.connect();
    const [meta] = await producer.send({ topic, messages: [{ key: String(order.id), value: await registry.encode(schemaId, order) }] });
    await producer.disconnect();
    say(`wrote ${JSON.stringify(order)} to partition ${meta?.partition} offset ${meta?.baseOffset}`);
  });

  const consumed = await step('Consume it back and decode it through the Schema Registry', async () => {
    const consumer = kafka.consumer({ groupId: `floe-demo-${run}` });
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const value = await new Promise<Buffer>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no message within 60 s')), 60_000);
      void consumer.run({
        eachMessage: async ({ message }) => {
          clearTimeout(timer);
          resolve(message.value ?? Buffer.alloc(0));
        },
      });
    });
    await consumer.disconnect();
    const decoded = (await registry.decode(value)) as typeof order;
    say(`decoded ${JSON.stringify(decoded)} (schema id ${value.readUInt32BE(1)} in the Confluent header)`);
    return decoded;
  });

  await step(`Create namespace ${ns} and table ${ns}.orders in the REST catalog`, async () => {
    await catalog(u.catalogUri, 'POST', '/namespaces', { namespace: [ns] });
    const created = (await catalog(u.catalogUri, 'POST', `/namespaces/${ns}/tables`, {
      name: 'orders',
      schema: {
        type: 'struct',
        'schema-id': 0,
        fields: [
          { id: 1, name: 'id', required: true, type: 'long' },
          { id: 2, name: 'customer', required: false, type: 'string' },
          { id: 3, name: 'amount_cents', required: false, type: 'long' },
        ],
      },
      properties: { 'format-version': '2' },
    })) as { metadata: { location: string } };
    say(`table location ${created.metadata.location}`);
  });

  const oracle = new OracleClient(u.oracleUrl);
  await step('Append the record with Spark (floe’s daemon takes over this step later)', async () => {
    await oracle.sparkSql(
      `INSERT INTO floe.${ns}.orders VALUES (${consumed.id}, '${consumed.customer.replace(/'/g, "''")}', ${consumed.amount_cents})`,
    );
    say('committed one snapshot');
  });

  await step('Query the table with Spark SQL and with PyIceberg', async () => {
    const spark = await oracle.sparkSql(`SELECT * FROM floe.${ns}.orders`);
    say(`Spark:     ${JSON.stringify(rowObjects(spark))}`);
    const py = await oracle.pyicebergScan(`${ns}.orders`);
    say(`PyIceberg: ${JSON.stringify(rowObjects(py))}`);
    const info = await oracle.pyicebergTable(`${ns}.orders`);
    say(`snapshot ${info.current_snapshot?.['snapshot-id']} at ${info.metadata_location}`);
  });

  console.log(`\n[${elapsed()}] done. The stack keeps running: \`npm run stack:status\`, \`npm run stack:down\`.`);
}

main().catch((err: unknown) => {
  console.error(`\ndemo failed: ${err instanceof Error ? err.stack ?? err.message : String(err)}`);
  console.error('Service logs are in .stack/logs/ (see docs/development.md).');
  process.exit(1);
});
