/**
 * Commit cadence under a backlog (issue #11): a daemon that starts behind a backlog many times
 * `commit.maxRecords` drains it in a series of snapshots of at most maxRecords each — however
 * large the batches kafkajs fetches — and exports the time since its last commit per table and the
 * count of late commits. The snapshots are read back through Spark's `snapshots` metadata table.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { freePort } from '../harness/ports.js';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Tick', fields: [{ name: 'id', type: 'long' }, { name: 'pad', type: 'string' }] };
const TOTAL = 24_000;
const MAX_RECORDS = 2000;

describe('commit cadence', () => {
  it(`drains a backlog of ${TOTAL} records in snapshots of at most maxRecords (${MAX_RECORDS})`, async () => {
    const s = uniqueSuffix();
    const topic = `floe-cadence-${s}`;
    const ns = `cadence_${s}`;
    await producer.createTopic(topic, 3);
    const id = await producer.register(`${topic}-value`, schema);
    // The whole backlog is in Kafka before the daemon starts: its first fetches return batches of
    // up to a MiB per partition (thousands of records each).
    await producer.send(topic, Array.from({ length: TOTAL }, (_, i) => ({ value: producer.encode(id, { id: i, pad: 'x'.repeat(40) }), partition: i % 3 })));
    const port = await freePort();
    const dir = workDir('cadence');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-cadence-${s}`,
      serverPort: port,
      // An hour: only maxRecords can trigger the commits while catching up.
      defaults: { namespace: ns, commit: { intervalMs: '1h', maxRecords: MAX_RECORDS } },
      tables: [{ topics: [topic], table: 'ticks' }],
    });
    const table = `floe.${ns}.ticks`;
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const lines = text.split('\n').filter((l) => l.startsWith(`${name}{`) || l.startsWith(`${name} `));
      return lines.length === 0 ? undefined : lines.reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
    };
    try {
      await waitFor(
        'the backlog committed',
        async () => {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
          return (await metric('floe_records_out_total')) === TOTAL ? true : undefined;
        },
        240_000,
        1000,
      );
      expect(await metric('floe_commits_total')).toBe(TOTAL / MAX_RECORDS);
      // Both new series are exported for the table; the last commit just happened.
      expect(await metric('floe_commit_late_total')).toBeDefined();
      const age = await metric('floe_table_last_commit_age_seconds');
      expect(age).toBeDefined();
      expect(age!).toBeLessThan(60);
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const snaps = await oracle.sparkSql(`SELECT CAST(summary['added-records'] AS BIGINT) FROM ${table}.snapshots WHERE operation = 'append' ORDER BY committed_at`);
    const sizes = snaps.rows.map((r) => Number(r[0]));
    console.log(`[cadence] snapshots: ${sizes.join(', ')}`);
    expect(sizes.reduce((a, b) => a + b, 0)).toBe(TOTAL);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_RECORDS);
    expect(sizes.length).toBe(TOTAL / MAX_RECORDS);
    const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM ${table}`);
    expect(r.rows[0]!.map(String)).toEqual([String(TOTAL), String(TOTAL)]);
  }, 420_000);
});
