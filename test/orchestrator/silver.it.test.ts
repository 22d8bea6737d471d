/**
 * Silver mode end to end: a seeded random workload of upserts, tombstones and Debezium events over
 * many keys, consumed by two daemon runs (SIGTERM in between). Spark — which applies equality
 * deletes — must read exactly the final state this test computes itself; the alsoBronze table must
 * hold every event that has a value.
 *
 * The Debezium table is format v3 (issue #17): its upserts and deletes are still equality deletes
 * and compaction's kept removals (never v2 position deletes, which v3 forbids), Spark reads exactly
 * the same state, the row lineage holds after both runs and compactions (test/harness/lineage.ts),
 * and the last compaction keeps every live row's `_row_id` and `_last_updated_sequence_number`.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it, onTestFinished } from 'vitest';
import { oracleFor, rowObjects } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { floeArgv } from '../harness/cli.js';
import { CATALOG_KINDS, testCatalog, type CatalogKind } from '../harness/catalogs.js';
import { prng } from '../fixtures/prng.js';
import { catalogMetadata, expectNoPositionDeleteFiles, expectRowLineage } from '../harness/lineage.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

/**
 * The full workload runs against the reference catalog; against the embedded catalog the same test
 * runs on a smaller one, to keep the suite's time modest.
 */
const WORKLOAD: Record<CatalogKind, { ops: number; keys: number }> = {
  reference: { ops: Number(process.env.FLOE_IT_SILVER_OPS ?? 100_000), keys: Number(process.env.FLOE_IT_SILVER_KEYS ?? 10_000) },
  embedded: { ops: Number(process.env.FLOE_IT_SILVER_OPS_EMBEDDED ?? 30_000), keys: Number(process.env.FLOE_IT_SILVER_KEYS_EMBEDDED ?? 3_000) },
};
const PARTITIONS = 3;

const rowSchema = {
  type: 'record',
  name: 'Customer',
  namespace: 'floe.it.silver',
  fields: [
    { name: 'id', type: 'string' },
    { name: 'name', type: 'string' },
    { name: 'v', type: 'int' },
  ],
};
const envelopeSchema = {
  type: 'record',
  name: 'Envelope',
  namespace: 'floe.it.cdc',
  fields: [
    { name: 'before', type: ['null', { ...rowSchema, name: 'Value', namespace: 'floe.it.cdc' }], default: null },
    { name: 'after', type: ['null', 'floe.it.cdc.Value'], default: null },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
  ],
};

type Row = { id: string; name: string; v: number };
type Message = { value: Buffer | null; key: string; partition: number };

function partitionOf(key: string): number {
  let h = 0;
  for (const c of key) h = (h * 31 + c.charCodeAt(0)) | 0;
  return Math.abs(h) % PARTITIONS;
}

describe.each(CATALOG_KINDS)('silver (%s catalog): random upserts, tombstones and Debezium events across a restart', (kind) => {
  const { ops: OPS, keys: KEYS } = WORKLOAD[kind];
  it(`${OPS} operations over ${KEYS} keys: Spark reads the computed final state`, async () => {
    const s = uniqueSuffix();
    const plainTopic = `floe-silver-p-${s}`;
    const cdcTopic = `floe-silver-d-${s}`;
    const ns = `silver_${s}`;
    await producer.createTopic(plainTopic, PARTITIONS);
    await producer.createTopic(cdcTopic, PARTITIONS);
    const plainId = await producer.register(`${plainTopic}-value`, rowSchema);
    const cdcId = await producer.register(`${cdcTopic}-value`, envelopeSchema);

    const rand = prng(0x5eed);
    const plainState = new Map<string, Row>();
    const cdcState = new Map<string, Row>();
    const batches: Array<{ plain: Message[]; cdc: Message[] }> = [{ plain: [], cdc: [] }, { plain: [], cdc: [] }];
    let plainValues = 0;
    let plainTombstones = 0;
    // A tombstone follows a value in its partition (as it does for a key in practice): the bronze
    // table exists by then. A tombstone before any value is dead-lettered (docs/silver.md).
    const plainValued = new Set<number>();
    for (let i = 0; i < OPS; i++) {
      const batch = batches[i < OPS / 2 ? 0 : 1]!;
      const key = `k${Math.floor(rand() * KEYS)}`;
      const row: Row = { id: key, name: `n${Math.floor(rand() * 1e6)}`, v: i };
      const partition = partitionOf(key);
      if (rand() < 0.6) {
        // Plain topic: upserts, and a tombstone in one case out of eight.
        if (rand() < 0.125 && plainValued.has(partition)) {
          batch.plain.push({ key, partition, value: null });
          plainState.delete(key);
          plainTombstones++;
        } else {
          batch.plain.push({ key, partition, value: producer.encode(plainId, row) });
          plainState.set(key, row);
          plainValues++;
          plainValued.add(partition);
        }
      } else {
        const before = cdcState.get(key);
        const roll = rand();
        if (before && roll < 0.2) {
          // Debezium delete, followed (as Debezium does) by a tombstone half the time.
          batch.cdc.push({ key, partition, value: producer.encode(cdcId, { before, after: null, op: 'd', ts_ms: i }) });
          if (rand() < 0.5) batch.cdc.push({ key, partition, value: null });
          cdcState.delete(key);
        } else {
          const op = before ? 'u' : roll < 0.5 ? 'c' : 'r';
          batch.cdc.push({ key, partition, value: producer.encode(cdcId, { before: before ?? null, after: row, op, ts_ms: i }) });
          cdcState.set(key, row);
        }
      }
    }

    const dir = workDir('silver');
    const catalog = await testCatalog(kind, stack, oracle, dir);
    onTestFinished(() => catalog.stopServing());
    const configFor = (compaction: boolean) => writeDaemonConfig(stack, dir, {
      catalog: catalog.config,
      groupId: `floe-silver-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 1500 } },
      tables: [
        { topics: [plainTopic], table: 'plain', mode: 'silver', key: { format: 'string' }, alsoBronze: { table: 'plain_events' }, ...(compaction ? { maintenance: scheduled } : {}) },
        { topics: [cdcTopic], table: 'cdc', mode: 'silver', envelope: 'debezium', key: { format: 'string', fields: ['id'] }, formatVersion: 3, ...(compaction ? { maintenance: scheduled } : {}) },
      ],
    });
    // The second run compacts on a short schedule while it ingests: replaces race row deltas.
    const scheduled = { compaction: { enabled: true, intervalMs: '2s', minFiles: 2 } };
    const config = configFor(false);
    const count = async (table: string) => Number((await oracle.sparkSql(`SELECT count(*) FROM ${catalog.spark}.${ns}.${table}`)).rows[0]![0]);
    const offsetsOf = async (table: string) => {
      const r = await oracle.sparkSql(`SELECT summary['floe.offsets'] FROM ${catalog.spark}.${ns}.${table}.snapshots ORDER BY committed_at DESC LIMIT 1`);
      return JSON.parse(String(r.rows[0]![0])) as Record<string, Record<string, string>>;
    };
    const consumed = (offsets: Record<string, Record<string, string>>, topic: string) => Object.values(offsets[topic] ?? {}).reduce((n, o) => n + Number(o), 0);

    const started = Date.now();
    await producer.send(plainTopic, batches[0]!.plain);
    await producer.send(cdcTopic, batches[0]!.cdc);
    let daemon = DaemonProcess.start(config, `${dir}/daemon-1.log`);
    try {
      await waitFor(
        'first half committed',
        async () => {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
          const p = consumed(await offsetsOf('plain'), plainTopic);
          const d = consumed(await offsetsOf('cdc'), cdcTopic);
          return p >= batches[0]!.plain.length && d >= batches[0]!.cdc.length ? true : undefined;
        },
        240_000,
        2000,
      );
      expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    await catalog.serve();
    expect(await count('plain_events')).toBe(batches[0]!.plain.length); // every event, tombstones too
    await catalog.stopServing();

    await producer.send(plainTopic, batches[1]!.plain);
    await producer.send(cdcTopic, batches[1]!.cdc);
    const total = { plain: batches[0]!.plain.length + batches[1]!.plain.length, cdc: batches[0]!.cdc.length + batches[1]!.cdc.length };
    const config2 = configFor(true);
    daemon = DaemonProcess.start(config2, `${dir}/daemon-2.log`);
    try {
      await waitFor(
        'everything committed',
        async () => {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
          const p = consumed(await offsetsOf('plain'), plainTopic);
          const d = consumed(await offsetsOf('cdc'), cdcTopic);
          return p >= total.plain && d >= total.cdc ? true : undefined;
        },
        240_000,
        2000,
      );
      expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    await catalog.serve();
    console.log(`[silver] ${OPS} operations committed in ${((Date.now() - started) / 1000).toFixed(1)} s`);
    const compactions = daemon.logLines().filter((l) => l.msg === 'maintenance pass done' && l.task === 'compact');
    console.log(`[silver] ${compactions.length} scheduled compactions during the second run`);
    expect(daemon.logLines().filter((l) => l.msg === 'maintenance pass failed; retrying at the next interval' && !/TABLE_VALIDATION|conflict/i.test(JSON.stringify(l.err)))).toEqual([]);

    const verify = async () => {
      const plain = rowObjects(await oracle.sparkSql(`SELECT _key, id, name, v, CAST(_kafka.key AS STRING) AS kafka_key FROM ${catalog.spark}.${ns}.plain`));
      expect(plain.length).toBe(plainState.size);
      // A buffered change keeps its record's Kafka key until the commit: a copy, since the record's
      // is a view into a fetch response the suites poison once its batch is handled (fetch-buffers.ts).
      expect(plain.filter((r) => String(r.kafka_key) !== String(r._key))).toEqual([]);
      const plainRead = new Map(plain.map((r) => [String(r._key), { id: String(r.id), name: String(r.name), v: Number(r.v) }]));
      expect(plainRead.size).toBe(plain.length); // one live row per key
      expect(plainRead).toEqual(plainState);

      // cdc is v3: its rows' lineage comes back too, for the compaction check below.
      const cdc = rowObjects(await oracle.sparkSql(`SELECT id, name, v, _row_id, _last_updated_sequence_number FROM ${catalog.spark}.${ns}.cdc`));
      const cdcRead = new Map(cdc.map((r) => [String(r.id), { id: String(r.id), name: String(r.name), v: Number(r.v) }]));
      expect(cdc.length).toBe(cdcState.size);
      expect(cdcRead).toEqual(cdcState);
      return new Map(cdc.map((r) => [String(r.id), `${String(r._row_id)}/${String(r._last_updated_sequence_number)}`]));
    };
    // Spark applies the equality deletes of the row deltas (and of whatever the schedule compacted).
    const lineageBefore = await verify();

    // One more compaction on demand, through the CLI: afterwards the only delete files left are the
    // merged removals it keeps (one per partition, key + _kafka position of each removed key) so
    // that a replay cannot resurrect a removed key; verify() below shows they remove nothing live.
    for (const table of ['plain', 'cdc']) {
      const run = await promisify(execFile)(process.execPath, floeArgv(['compact', `${ns}.${table}`, '--config', config]), { env: { ...process.env, FLOE_LOG_LEVEL: 'warn' } });
      const report = JSON.parse(run.stdout.trim().split('\n').at(-1)!) as { task: string; result: { dataFilesRemoved: number; deleteFilesAdded: number } };
      expect(report.task).toBe('compact');
      expect(report.result.deleteFilesAdded).toBeLessThanOrEqual(1); // unpartitioned: at most one
      // Both tables removed keys: one removal file is left (this compaction's, or the one a
      // scheduled compaction kept when this one had nothing left to rewrite).
      const left = await oracle.sparkSql(`SELECT content, count(*) FROM ${catalog.spark}.${ns}.${table}.delete_files GROUP BY content`);
      expect(left.rows.map((r) => r.map(Number))).toEqual([[2, 1]]);
    }

    // The same state, now read from compacted files only.
    const lineageAfter = await verify();

    // v3 (cdc), after the restart and every compaction: each live row kept its _row_id and
    // _last_updated_sequence_number through the last one, the lineage holds, only equality deletes
    // were ever added. The catalog's metadata is read over REST (the embedded one is being served).
    expect(lineageAfter).toEqual(lineageBefore);
    const cdcTable = `${catalog.spark}.${ns}.cdc`;
    const md = kind === 'reference' ? await catalogMetadata(stack.catalogUri, ns, 'cdc', stack.warehouse) : await catalogMetadata(`http://127.0.0.1:${String(catalog.config.port)}`, ns, 'cdc');
    const lineage = await expectRowLineage(oracle, cdcTable, md);
    const deletes = await expectNoPositionDeleteFiles(oracle, cdcTable, md);
    expect(deletes['2/PARQUET'] ?? 0).toBeGreaterThan(0);
    // The removal file left (above) is a compaction's: rows were moved, none took its lineage.
    expect(lineage.rewrites).toBeGreaterThan(0);
    console.log(`[silver] v3 cdc: ${lineage.snapshots} snapshots (${lineage.rewrites} compactions), next-row-id ${lineage.nextRowId}, delete files ever ${JSON.stringify(deletes)}`);

    // Bronze keeps every event, tombstones included: a tombstone is a row of null values whose
    // _kafka column carries its key and position.
    const plainEvents = plainValues + plainTombstones;
    expect(plainEvents).toBe(total.plain);
    expect(plainTombstones).toBeGreaterThan(0);
    expect(await count('plain_events')).toBe(plainEvents);
    const bronze = await oracle.sparkSql(
      `SELECT count(DISTINCT _kafka.partition, _kafka.offset), count_if(id IS NULL), count_if(id IS NULL AND name IS NULL AND v IS NULL AND _kafka.key IS NOT NULL) FROM ${catalog.spark}.${ns}.plain_events`,
    );
    expect(bronze.rows[0]!.map(Number)).toEqual([plainEvents, plainTombstones, plainTombstones]);
  }, 600_000);
});
