/**
 * The daemon end to end, as a child process against the real stack: records produced through the
 * Schema Registry into Kafka end up in an Iceberg table that Spark reads exactly.
 *
 * Against floe's own catalog the same daemon also writes the topics into a format v3 table
 * (readings_v3, issue #17): the same exact rows, and its row lineage as the catalog serves it
 * (test/harness/lineage.ts). The crash and scale-out suites do the same on the reference catalog.
 */
import { afterAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { CATALOG_KINDS, testCatalog, type CatalogKind } from '../harness/catalogs.js';
import { catalogMetadata, expectRowLineage } from '../harness/lineage.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

/**
 * The full workload runs against the reference catalog; against the embedded catalog the same test
 * runs on a quarter of it, to keep the suite's time modest (what differs is the catalog, not the volume).
 */
const RECORDS: Record<CatalogKind, number> = {
  reference: Number(process.env.FLOE_IT_E2E_RECORDS ?? 200_000),
  embedded: Number(process.env.FLOE_IT_E2E_RECORDS_EMBEDDED ?? 50_000),
};

const schema = {
  type: 'record',
  name: 'Reading',
  namespace: 'floe.it',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'flag', type: 'boolean' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

function valueOf(i: number) {
  return { id: i, name: `n${i % 1000}`, amount: i * 0.5, flag: i % 3 === 0, note: i % 5 === 0 ? null : `note-${i}` };
}

async function scalar(sql: string): Promise<string> {
  const r = await oracle.sparkSql(sql);
  return String(r.rows[0]![0]);
}

describe.each(CATALOG_KINDS)('floe run (%s catalog): 2 topics × 3 partitions into one bronze table', (kind) => {
  const TOTAL = RECORDS[kind];
  it(`lands exactly ${TOTAL} records with their values`, async () => {
    const s = uniqueSuffix();
    const topics = [`floe-e2e-a-${s}`, `floe-e2e-b-${s}`];
    const ns = `e2e_${s}`;
    for (const t of topics) await producer.createTopic(t, 3);
    const id = await producer.register(`floe-e2e-${s}-value`, schema);
    const perTopic = TOTAL / 2;
    for (const [ti, topic] of topics.entries()) {
      const messages = Array.from({ length: perTopic }, (_, k) => {
        const i = ti * perTopic + k;
        return { value: producer.encode(id, valueOf(i)), key: `k${i}`, partition: i % 3, headers: { h: `v${i % 7}` } };
      });
      await producer.send(topic, messages);
    }

    const tableNames = kind === 'embedded' ? ['readings', 'readings_v3'] : ['readings'];
    const dir = workDir('e2e');
    const catalog = await testCatalog(kind, stack, oracle, dir);
    onTestFinished(() => catalog.stopServing());
    const config = writeDaemonConfig(stack, dir, {
      catalog: catalog.config,
      groupId: `floe-e2e-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 2000 } },
      tables: tableNames.map((table) => ({ topics, table, partitioning: [{ field: '$kafka.timestamp', transform: 'day' }], ...(table.endsWith('_v3') ? { formatVersion: 3 } : {}) })),
    });
    const started = Date.now();
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      await waitFor(
        'all records committed',
        async () => {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
          let least = Infinity;
          for (const table of tableNames) least = Math.min(least, Number(await scalar(`SELECT count(*) FROM ${catalog.spark}.${ns}.${table}`).catch(() => '0')));
          return least >= TOTAL ? true : undefined;
        },
        480_000,
        3000,
      );
      console.log(`[e2e] ${TOTAL} records committed ${((Date.now() - started) / 1000).toFixed(1)} s after the daemon started`);
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    await catalog.serve();
    for (const table of tableNames) await expectExactly(`${catalog.spark}.${ns}.${table}`, topics);
    if (tableNames.includes('readings_v3')) {
      const lineage = await expectRowLineage(oracle, `${catalog.spark}.${ns}.readings_v3`, await catalogMetadata(`http://127.0.0.1:${String(catalog.config.port)}`, ns, 'readings_v3'));
      console.log(`[e2e] v3 lineage: ${lineage.snapshots} snapshots, ${lineage.rows} rows, next-row-id ${lineage.nextRowId}`);
    }
  }, 600_000);

  /** Spark reads exactly the TOTAL records of the test from `t`, values and Kafka metadata. */
  async function expectExactly(t: string, topics: string[]): Promise<void> {
    const agg = await oracle.sparkSql(
      `SELECT count(*), count(DISTINCT _kafka.topic, _kafka.partition, _kafka.offset), sum(id), sum(amount), sum(CASE WHEN flag THEN 1 ELSE 0 END),
              sum(length(name)), count(note), count(DISTINCT id), sum(length(note))
         FROM ${t}`,
    );
    let sumId = 0n;
    let sumAmount = 0;
    let flags = 0;
    let nameLen = 0;
    let notes = 0;
    let noteLen = 0;
    for (let i = 0; i < TOTAL; i++) {
      const v = valueOf(i);
      sumId += BigInt(i);
      sumAmount += v.amount;
      if (v.flag) flags++;
      nameLen += v.name.length;
      if (v.note !== null) {
        notes++;
        noteLen += v.note.length;
      }
    }
    expect(agg.rows[0]!.map(String), t).toEqual([TOTAL, TOTAL, sumId, sumAmount, flags, nameLen, notes, TOTAL, noteLen].map(String));

    // A sample of full rows, including the Kafka metadata column.
    const sample = await oracle.sparkSql(
      `SELECT id, name, amount, flag, note, _kafka.topic, _kafka.partition, CAST(_kafka.key AS STRING), CAST(element_at(filter(_kafka.headers, x -> x.key = 'h'), -1).value AS STRING)
         FROM ${t} WHERE id % 9973 = 0 ORDER BY id`,
    );
    const expected = [];
    for (let i = 0; i < TOTAL; i += 9973) {
      const v = valueOf(i);
      expected.push([String(i), v.name, v.amount, v.flag, v.note, topics[i < TOTAL / 2 ? 0 : 1], i % 3, `k${i}`, `v${i % 7}`]);
    }
    expect(sample.rows, t).toEqual(expected);
  }
});
