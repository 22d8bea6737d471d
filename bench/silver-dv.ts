/**
 * Issue 17, item 3: would silver tables read faster if floe wrote deletion vectors instead of
 * equality deletes, and what would that cost the writer? (`npm run bench -- --silver-dv`)
 *
 * floe's silver writer deletes a key's previous row with an equality delete: it does not know
 * where that row is. Deletion vectors (v3, Puffin `deletion-vector-v1`) name positions, so the
 * writer would need a key → (data file, position) index of every live row. Rather than build that
 * index first, this measures what it would buy and what it would cost:
 *
 * 1. A v3 silver table written by floe (equality deletes), from keyed operations produced before
 *    the daemon starts plus a trickle of updates (one small row delta per commit, as a live table).
 * 2. Its twin with deletion vectors: Spark replays, commit by commit, exactly the operations each
 *    floe snapshot covered (read from the bronze table by the snapshot's `floe.offsets`) with a
 *    merge-on-read `MERGE INTO` on a v3 table, which writes deletion vectors. The twin must hold
 *    the same rows (count and hash of every value column).
 * 3. Reads: the same full scan and the same one-key lookup, silver and twin alternated.
 * 4. The writer's side: the live keys (the index's size), and what rebuilding the index on start
 *    reads — every live row's key, file and position (`_file`, `_pos`) — timed through Spark.
 *
 * Sizes: FLOE_BENCH_SILVER_OPS (100000), FLOE_BENCH_SILVER_KEYS (10000),
 * FLOE_BENCH_SILVER_TRICKLE_SECONDS (30), FLOE_BENCH_SILVER_TRICKLE_RATE (500),
 * FLOE_BENCH_SILVER_SCANS (5).
 */
import os from 'node:os';
import { RestCatalogClient } from '../src/iceberg/catalog/rest-client.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, workDir, writeDaemonConfig } from '../test/harness/daemon.js';
import { oracleFor, type OracleClient } from '../test/harness/oracle.js';
import { prng } from '../test/fixtures/prng.js';
import { benchStack } from './stack.js';
import { committedCounter, fileCounts, makeOps, median, PARTITIONS, ROW_SCHEMA, trickle } from './silver.js';

const fmt = (n: number, digits = 1): string => n.toLocaleString('en-US', { maximumFractionDigits: digits });
const load = (): string => os.loadavg().map((l) => fmt(l, 2)).join(' ');
const VALUE_COLUMNS = ROW_SCHEMA.fields.map((f) => f.name);

async function timed(oracle: OracleClient, sql: string): Promise<number> {
  const t0 = performance.now();
  await oracle.sparkSql(sql);
  return performance.now() - t0;
}

export async function runSilverDv(): Promise<void> {
  const N = Number(process.env.FLOE_BENCH_SILVER_OPS ?? 100_000);
  const KEYS = Number(process.env.FLOE_BENCH_SILVER_KEYS ?? 10_000);
  const trickleSeconds = Number(process.env.FLOE_BENCH_SILVER_TRICKLE_SECONDS ?? 30);
  const trickleRate = Number(process.env.FLOE_BENCH_SILVER_TRICKLE_RATE ?? 500);
  const reps = Number(process.env.FLOE_BENCH_SILVER_SCANS ?? 5);
  const { stack, versions } = await benchStack();
  console.log(`## silver on v3: equality deletes (floe) against deletion vectors (a Spark-written twin)`);
  console.log(`${fmt(N, 0)} operations over ${fmt(KEYS, 0)} keys, then ${trickleSeconds} s at ${trickleRate}/s; versions: node ${process.version}, kafka ${versions.kafka}, catalog ${versions.catalog}, oracle ${versions.oracle}; load ${load()}`);

  const s = uniqueSuffix();
  const topic = `floe-bench-silverdv-${s}`;
  const ns = `bench_silverdv_${s}`;
  const silver = `floe.${ns}.customers`;
  const bronze = `floe.${ns}.customer_events`;
  const twin = `floe.${ns}.customers_dv`;
  const producer = new AvroProducer(stack);
  const oracle = oracleFor(stack);
  await producer.createTopic(topic, PARTITIONS);
  const schemaId = await producer.register(`${topic}-value`, ROW_SCHEMA);
  const rand = prng(0x51b3);
  await producer.send(topic, makeOps(producer, schemaId, rand, N, KEYS, 0));

  const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
  const committed = committedCounter(catalog, ns, topic);
  const dir = workDir('bench-silver-dv');
  const config = writeDaemonConfig(stack, dir, {
    groupId: `floe-bench-silverdv-${s}`,
    memoryBudget: '512MiB',
    defaults: { namespace: ns, commit: { intervalMs: 1000 }, file: { compression: 'zstd' } },
    tables: [{ topics: [topic], table: 'customers', mode: 'silver', formatVersion: 3, key: { format: 'string' }, alsoBronze: { table: 'customer_events' } }],
  });
  const daemon = DaemonProcess.start(config, `${dir}/daemon.log`, { FLOE_LOG_LEVEL: 'warn' });
  let total = N;
  try {
    const deadline = Date.now() + 900_000;
    while ((await committed('customers')) < N) {
      if (!daemon.running || Date.now() > deadline) throw new Error(`daemon stopped or timed out:\n${daemon.log().slice(-3000)}`);
      await sleep(200);
    }
    total = N + (await trickle(producer, topic, schemaId, rand, { seconds: trickleSeconds, rate: trickleRate, keys: KEYS, v0: N }));
    while ((await committed('customers')) < total || (await committed('customer_events')) < total) {
      if (!daemon.running || Date.now() > deadline) throw new Error(`trickle not committed:\n${daemon.log().slice(-3000)}`);
      await sleep(200);
    }
    await daemon.stop();
  } finally {
    daemon.kill('SIGKILL');
    await producer.close();
  }

  // The twin: one merge-on-read MERGE per floe snapshot, over the operations that snapshot covered.
  await oracle.sparkSql(
    `CREATE TABLE ${twin} USING iceberg TBLPROPERTIES ('format-version'='3', 'write.delete.mode'='merge-on-read', 'write.update.mode'='merge-on-read', 'write.merge.mode'='merge-on-read') AS SELECT * FROM ${silver} WHERE false`,
  );
  const snaps = (await oracle.sparkSql(`SELECT summary['floe.offsets'] FROM ${silver}.snapshots ORDER BY committed_at`)).rows.map((r) => r[0]);
  let prev: Record<string, string> = {};
  let merges = 0;
  const t0 = performance.now();
  for (const raw of snaps) {
    if (typeof raw !== 'string') continue;
    const offsets = (JSON.parse(raw) as Record<string, Record<string, string>>)[topic] ?? {};
    const ranges = Object.entries(offsets)
      .filter(([p, next]) => BigInt(next) > BigInt(prev[p] ?? '0'))
      .map(([p, next]) => `(_kafka.partition = ${p} AND _kafka.offset >= ${prev[p] ?? '0'} AND _kafka.offset < ${next})`);
    prev = offsets;
    if (ranges.length === 0) continue;
    const set = VALUE_COLUMNS.map((c) => `t.${c} = s.${c}`).join(', ');
    await oracle.sparkSql(`MERGE INTO ${twin} t USING (
        SELECT * FROM (SELECT *, CAST(_kafka.key AS STRING) AS k, id IS NULL AS del,
                              row_number() OVER (PARTITION BY CAST(_kafka.key AS STRING) ORDER BY _kafka.offset DESC) AS rn
                         FROM ${bronze} WHERE ${ranges.join(' OR ')}) WHERE rn = 1) s
      ON t.id = s.k
      WHEN MATCHED AND s.del THEN DELETE
      WHEN MATCHED THEN UPDATE SET ${set}, t._kafka = s._kafka
      WHEN NOT MATCHED AND NOT s.del THEN INSERT (${[...VALUE_COLUMNS, '_kafka'].join(', ')}) VALUES (${[...VALUE_COLUMNS, '_kafka'].map((c) => `s.${c}`).join(', ')})`);
    merges++;
  }
  console.log(`twin: ${merges} MERGEs replaying floe's ${snaps.length} snapshots in ${fmt((performance.now() - t0) / 1000)} s (Spark, merge-on-read)`);

  const same = `SELECT count(*), sum(hash(${VALUE_COLUMNS.join(', ')})) FROM`;
  const [a, b] = [(await oracle.sparkSql(`${same} ${silver}`)).rows[0]!, (await oracle.sparkSql(`${same} ${twin}`)).rows[0]!];
  console.log(`same rows: silver ${a.map(String).join(' / ')}, twin ${b.map(String).join(' / ')} → ${String(a) === String(b) ? 'identical' : 'DIFFERENT'}`);
  const kinds = async (t: string) => (await oracle.sparkSql(`SELECT file_format, count(*), sum(file_size_in_bytes) FROM ${t}.delete_files GROUP BY file_format`)).rows.map((r) => `${String(r[1])} ${String(r[0])} (${fmt(Number(r[2]) / 1024)} KiB)`).join(', ');
  for (const [label, t] of [['silver (floe, equality deletes)', silver], ['twin (Spark, deletion vectors)', twin]] as const) {
    const f = await fileCounts(oracle, t);
    console.log(`${label}: ${f.data} data files (${fmt(f.dataMiB, 2)} MiB), delete files: ${(await kinds(t)) || 'none'}`);
  }

  // Reads, alternated so both see the same load.
  const key = (await oracle.sparkSql(`SELECT id FROM ${silver} ORDER BY id LIMIT 1`)).rows[0]![0];
  const queries = [
    ['full scan', (t: string) => `${same} ${t}`],
    ['one key', (t: string) => `SELECT * FROM ${t} WHERE id = '${String(key)}'`],
  ] as const;
  console.log(`reads through Spark (${reps} runs each after a warm-up, alternated; load ${load()}):`);
  for (const [label, q] of queries) {
    await timed(oracle, q(silver));
    await timed(oracle, q(twin));
    const times: Record<string, number[]> = { silver: [], twin: [] };
    for (let i = 0; i < reps; i++) {
      times.silver!.push(await timed(oracle, q(silver)));
      times.twin!.push(await timed(oracle, q(twin)));
    }
    const m = (xs: number[]) => `median ${fmt(median(xs), 0)} ms (${fmt(Math.min(...xs), 0)}–${fmt(Math.max(...xs), 0)})`;
    console.log(`  ${label.padEnd(10)} equality deletes ${m(times.silver!)}; deletion vectors ${m(times.twin!)}`);
  }

  // The writer's side: the index's size and what rebuilding it reads.
  const live = Number((await oracle.sparkSql(`SELECT count(*) FROM ${silver}`)).rows[0]![0]);
  const rebuild: number[] = [];
  for (let i = 0; i < reps; i++) rebuild.push(await timed(oracle, `SELECT count(*), count(DISTINCT _file), max(_pos) FROM (SELECT id, _file, _pos FROM ${silver})`));
  console.log(`index: ${fmt(live, 0)} live keys; reading every live row's key, file and position (an index rebuild at start) takes median ${fmt(median(rebuild), 0)} ms through Spark; load at the end ${load()}`);
  console.log(`(${fmt(total, 0)} operations; tables ${silver}, ${twin} and ${bronze} are left in place)`);
}
