/**
 * `floe status` against the real stack, after the daemon has stopped: lag in records and as the
 * age of the oldest uncommitted record (produced with a known timestamp), snapshots and files as
 * Spark's metadata tables count them, dead letters per source topic.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { oracleFor, rowObjects } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Ping', fields: [{ name: 'id', type: 'long' }] };

async function cli(args: string[]): Promise<{ code: number; out: string; err: string }> {
  let out = '';
  let err = '';
  const code = await main(args, { io: { stdout: (t) => void (out += t), stderr: (t) => void (err += t) }, env: { ...process.env, FLOE_LOG_LEVEL: 'warn' }, signal: new AbortController().signal });
  return { code, out, err };
}

describe('floe status', () => {
  it('reports lag, its age, snapshots, files and dead letters from the catalog and Kafka alone', async () => {
    const s = uniqueSuffix();
    const topic = `floe-status-${s}`;
    const ns = `status_${s}`;
    await producer.createTopic(topic, 2);
    const id = await producer.register(`${topic}-value`, schema);
    await producer.send(topic, [
      ...Array.from({ length: 20 }, (_, i) => ({ value: producer.encode(id, { id: i }), partition: i % 2 })),
      // Not Confluent-framed: dead-lettered as DECODE_BAD_MAGIC.
      ...Array.from({ length: 3 }, (_, i) => ({ value: Buffer.from(`junk ${i}`), partition: 1 })),
    ]);
    const dir = workDir('status');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-status-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [{ topics: [topic], table: 'pings' }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      await waitFor('20 rows in the table', async () => {
        const r = await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.pings`).catch(() => undefined);
        return r && Number(r.rows[0]![0]) === 20 ? true : undefined;
      }, 120_000, 1000);
      // The dead letters' offsets are covered by a commit too: wait until nothing is behind.
      await waitFor('caught up', async () => {
        const st = JSON.parse((await cli(['status', '--config', config, '--json'])).out) as { tables: Array<{ lagRecords: number }> };
        return st.tables[0]!.lagRecords === 0 ? true : undefined;
      }, 60_000, 1000);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    // Five records the (stopped) daemon never read, the first one a minute old by its timestamp.
    const minuteAgo = Date.now() - 60_000;
    await producer.send(topic, Array.from({ length: 5 }, (_, i) => ({ value: producer.encode(id, { id: 100 + i }), partition: 0, timestamp: String(minuteAgo + i) })));

    const run = await cli(['status', '--config', config, '--json']);
    expect(run.code, run.err).toBe(0);
    const status = JSON.parse(run.out) as { tables: Array<Record<string, unknown> & { partitions: Array<Record<string, unknown>>; deadLetters: Array<Record<string, unknown>> }> };
    expect(status.tables).toHaveLength(1);
    const t = status.tables[0]!;
    expect(t.table).toBe(`${ns}.pings`);
    expect(t.exists).toBe(true);
    expect(t.lagRecords).toBe(5);
    const p0 = t.partitions.find((p) => p.partition === 0)!;
    const p1 = t.partitions.find((p) => p.partition === 1)!;
    expect([p0.committed, p0.high, p0.lagRecords, p0.oldestUncommittedMs]).toEqual(['10', '15', 5, minuteAgo]);
    expect([p1.committed, p1.high, p1.lagRecords]).toEqual(['13', '13', 0]);
    expect(t.lagSeconds as number).toBeGreaterThanOrEqual(60);
    expect(t.lagSeconds as number).toBeLessThan(120);
    expect(t.deadLetters).toEqual([{ topic, deadLetterTopic: `${topic}.floe.dlq`, records: 3, shared: false }]);

    // Spark's metadata tables as the oracle for snapshots and files.
    const snaps = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n FROM floe.${ns}.pings.snapshots`))[0]!;
    const files = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n, sum(file_size_in_bytes) AS bytes FROM floe.${ns}.pings.data_files`))[0]!;
    const deletes = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n FROM floe.${ns}.pings.delete_files`))[0]!;
    expect(t.snapshots).toBe(Number(snaps.n));
    expect(t.dataFiles).toBe(Number(files.n));
    expect(t.dataBytes).toBe(Number(files.bytes));
    expect(t.avgDataFileBytes).toBe(Math.round(Number(files.bytes) / Number(files.n)));
    expect(t.deleteFiles).toBe(Number(deletes.n));
    const lastCommit = rowObjects(await oracle.sparkSql(`SELECT max(committed_at) AS at FROM floe.${ns}.pings.snapshots`))[0]!;
    expect(t.lastCommitMs).toBe(Date.parse(String(lastCommit.at)));

    // The terminal table names the table, its lag and the dead-letter topic.
    const text = await cli(['status', '--config', config]);
    expect(text.out).toMatch(new RegExp(`${ns}\\.pings\\s+bronze\\s+5\\s+(6\\d|7\\d)s\\s`));
    expect(text.out).toContain(`${topic}/0: committed 10 of 15, 5 behind`);
    expect(text.out).toContain(`${topic}.floe.dlq: 3 dead letters from ${topic}`);
  }, 300_000);
});
