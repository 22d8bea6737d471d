/**
 * `floe status` against the real stack, after the daemon has stopped: lag in records and as the
 * age of the oldest uncommitted record (produced with a known timestamp), snapshots and files as
 * Spark's metadata tables count them, dead letters per source topic. Then a `{record}` template:
 * `floe status --json`, run as its own process, lists each table the template made (offsets and
 * files as Spark reads them) and the template with no table yet; the daemon's /status.json too.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { sanitizeIdentifier } from '../../src/config/index.js';
import { floeArgv } from '../harness/cli.js';
import { freePort } from '../harness/ports.js';
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

  it('lists every table a {record} template made, with offsets and files as Spark reads them', async () => {
    const s = uniqueSuffix();
    const topic = `floe-status-rt-${s}`;
    const quiet = `floe-status-rt-quiet-${s}`;
    const ns = `status_rt_${s}`;
    await producer.createTopic(topic, 2);
    await producer.createTopic(quiet, 1);
    // TopicRecordNameStrategy: a subject per topic and record type (a subject of its own, so this
    // test's schemas never meet another test's under RecordNameStrategy's global subjects); floe
    // routes by the schema's full name.
    const created = await producer.register(`${topic}-com.acme.OrderCreated`, { type: 'record', name: 'OrderCreated', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }] });
    const shipped = await producer.register(`${topic}-com.acme.OrderShipped`, { type: 'record', name: 'OrderShipped', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }, { name: 'carrier', type: 'string' }] });
    const msg = (i: number, partition: number) => ({ value: i % 3 === 2 ? producer.encode(shipped, { id: i, carrier: `c${i}` }) : producer.encode(created, { id: i }), partition });
    await producer.send(topic, Array.from({ length: 24 }, (_, i) => msg(i, i % 2)));
    const tableOf = (record: string) => `${ns}.${sanitizeIdentifier(`${topic}_${record}`)}`;
    const names = [tableOf('com.acme.OrderCreated'), tableOf('com.acme.OrderShipped')];
    const template = `${ns}.{topic}_{record}`;

    const dir = workDir('status-rt');
    const port = await freePort();
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-status-rt-${s}`,
      serverPort: port,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [{ topics: [topic, quiet], table: '{topic}_{record}' }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      await waitFor('16 + 8 rows', async () => {
        const a = await oracle.sparkSql(`SELECT count(*) FROM floe.${names[0]}`).catch(() => undefined);
        const b = await oracle.sparkSql(`SELECT count(*) FROM floe.${names[1]}`).catch(() => undefined);
        return a && b && Number(a.rows[0]![0]) === 16 && Number(b.rows[0]![0]) === 8 ? true : undefined;
      }, 120_000, 1000);
      // The daemon's page shows the tables it made, and the quiet topic's template as no table yet.
      type Live = { tables: Array<{ table: string; topics: string[]; template?: string; exists?: boolean }> };
      const live = await waitFor('both tables in /status.json', async () => {
        const j = (await (await fetch(`http://127.0.0.1:${port}/status.json`)).json()) as Live;
        return [...names, template].every((n) => j.tables.some((t) => t.table === n)) ? j : undefined;
      }, 30_000, 500);
      for (const n of names) expect(live.tables.find((t) => t.table === n), n).toMatchObject({ topics: [topic], template });
      expect(live.tables.find((t) => t.table === template)).toMatchObject({ topics: [quiet], template, exists: false });
      expect(live.tables).toHaveLength(3);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    // Records the stopped daemon never read: every table of the topic is behind by them.
    await producer.send(topic, [msg(100, 0), msg(101, 0), msg(102, 0)]);

    const run = await promisify(execFile)(process.execPath, floeArgv(['status', '--config', config, '--json']), { env: { ...process.env, FLOE_LOG_LEVEL: 'warn' } });
    type Row = { table: string; template?: string; exists: boolean; topics: string[]; lagRecords: number; snapshots: number; dataFiles: number; dataBytes: number; deleteFiles: number; partitions: Array<{ topic: string; partition: number; committed?: string; high: string; lagRecords: number }> };
    const status = JSON.parse(run.stdout) as { tables: Row[] };
    expect(status.tables.map((t) => t.table).sort()).toEqual([...names, template].sort());
    for (const name of names) {
      const t = status.tables.find((r) => r.table === name)!;
      expect(t, name).toMatchObject({ template, exists: true, topics: [topic] });
      // Spark: the latest snapshot's offsets, the snapshots and the files.
      const q = await oracle.sparkSql(`SELECT summary['floe.offsets'] FROM floe.${name}.snapshots ORDER BY committed_at DESC LIMIT 1`);
      const offsets = JSON.parse(String(q.rows[0]![0]))[topic] as Record<string, string>;
      // A clean stop leaves every table's offsets at the end of both partitions (12 records each).
      expect(offsets, name).toEqual({ '0': '12', '1': '12' });
      expect(t.partitions.map((p) => [p.partition, p.committed, p.high, p.lagRecords]), name).toEqual([[0, '12', '15', 3], [1, '12', '12', 0]]);
      expect(t.lagRecords, name).toBe(3);
      const snaps = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n FROM floe.${name}.snapshots`))[0]!;
      const files = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n, sum(file_size_in_bytes) AS bytes FROM floe.${name}.data_files`))[0]!;
      const deletes = rowObjects(await oracle.sparkSql(`SELECT count(*) AS n FROM floe.${name}.delete_files`))[0]!;
      expect([t.snapshots, t.dataFiles, t.dataBytes, t.deleteFiles], name).toEqual([Number(snaps.n), Number(files.n), Number(files.bytes), Number(deletes.n)]);
    }
    // The quiet topic has no table of the template: its row says so, with its partition.
    const none = status.tables.find((r) => r.table === template)!;
    expect(none).toMatchObject({ template, exists: false, topics: [quiet], lagRecords: 0, dataFiles: 0, snapshots: 0 });
    expect(none.partitions).toEqual([expect.objectContaining({ topic: quiet, partition: 0, high: '0', lagRecords: 0 })]);

    const text = await cli(['status', '--config', config]);
    expect(text.out).toMatch(new RegExp(`${names[0]!.replace(/\./g, '\\.')}\\s+bronze\\s+3\\s`));
    expect(text.out).toMatch(/\{topic\}_\{record\}\s+bronze\s+0\s.*no table yet/);
  }, 300_000);
});
