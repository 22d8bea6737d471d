/**
 * Lifecycle: SIGTERM flushes and commits what is buffered (the commit interval is an hour here,
 * so only the shutdown commits) and exits 0; /metrics and /readyz answer while it runs; a missing
 * table that may not be created exits 3 with a clear message.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Ping', fields: [{ name: 'id', type: 'long' }] };

describe('lifecycle', () => {
  it('SIGTERM commits the buffered records and exits 0; metrics and readiness are served', async () => {
    const s = uniqueSuffix();
    const topic = `floe-term-${s}`;
    const ns = `term_${s}`;
    await producer.createTopic(topic, 2);
    const id = await producer.register(`${topic}-value`, schema);
    await producer.send(topic, Array.from({ length: 5000 }, (_, i) => ({ value: producer.encode(id, { id: i }), partition: i % 2 })));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = workDir('term');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-term-${s}`,
      serverPort: port,
      defaults: { namespace: ns, commit: { intervalMs: '1h' } },
      tables: [{ topics: [topic], table: 'pings' }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const metric = async (name: string) => {
        const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
        return text.split('\n').filter((l) => l.startsWith(name)).reduce((n, l) => n + Number(l.split(' ').at(-1)), 0);
      };
      await waitFor('all records buffered', async () => ((await metric('floe_records_in_total')) >= 5000 ? true : undefined), 120_000);
      const ready = await fetch(`http://127.0.0.1:${port}/readyz`);
      expect(ready.status).toBe(200);
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      expect(await metric('floe_commits_total')).toBe(0);
      // Buffered, not committed: freshness is the age of the oldest of them, and it grows. The
      // gauge is set on the daemon's 200 ms tick, so the batch's records can be counted before it is.
      const f1 = await waitFor('freshness set', async () => {
        const f = await metric('floe_table_freshness_seconds');
        return f > 0 ? f : undefined;
      }, 10_000);
      await new Promise((r) => setTimeout(r, 1200));
      expect(await metric('floe_table_freshness_seconds')).toBeGreaterThan(f1);
      // prom-client's process and runtime series, and the build info.
      expect(await metric('process_cpu_seconds_total')).toBeGreaterThan(0);
      expect(await metric('nodejs_heap_size_used_bytes')).toBeGreaterThan(0);
      expect(await metric('floe_build_info')).toBe(1);
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM floe.${ns}.pings`);
    expect(r.rows[0]!.map(String)).toEqual(['5000', '5000']);
  }, 300_000);

  it('freshness is 0 on a caught-up table that stays idle (the alert must not fire)', async () => {
    const s = uniqueSuffix();
    const topic = `floe-idle-${s}`;
    await producer.createTopic(topic, 1);
    const id = await producer.register(`${topic}-value`, schema);
    await producer.send(topic, Array.from({ length: 50 }, (_, i) => ({ value: producer.encode(id, { id: i }), partition: 0 })));
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = workDir('idle');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-idle-${s}`,
      serverPort: port,
      defaults: { namespace: `idle_${s}`, commit: { intervalMs: '500ms' } },
      tables: [{ topics: [topic], table: 'pings' }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const series = async () => (await (await fetch(`http://127.0.0.1:${port}/metrics`).catch((e: Error) => { throw new Error(`${e.message}: ${String(e.cause)}`); })).text()).split("\n");
      const value = (lines: string[], prefix: string) => lines.filter((l) => l.startsWith(prefix)).map((l) => Number(l.split(' ').at(-1)));
      await waitFor('the records committed', async () => ((value(await series(), 'floe_records_out_total').at(0) ?? 0) >= 50 ? true : undefined), 120_000);
      // Idle for several lag polls (5 s each): a gauge of "now − newest committed" would be > 5 here.
      await new Promise((r) => setTimeout(r, 6000));
      const lines = await series();
      expect(value(lines, `floe_table_freshness_seconds{table="idle_${s}.pings"}`)).toEqual([0]);
      expect(value(lines, `floe_consumer_lag_records{topic="${topic}",partition="0"}`)).toEqual([0]);
      const lastCommit = value(lines, `floe_table_last_commit_timestamp_seconds{table="idle_${s}.pings"}`)[0]!;
      expect(Math.abs(Date.now() / 1000 - lastCommit)).toBeLessThan(120);
      expect(value(lines, `floe_table_data_files{table="idle_${s}.pings"}`)[0]).toBeGreaterThan(0);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 180_000);

  it('exits 3 when a table is missing and may not be created', async () => {
    const s = uniqueSuffix();
    const topic = `floe-nocreate-${s}`;
    await producer.createTopic(topic, 1);
    const dir = workDir('nocreate');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-nocreate-${s}`,
      defaults: { namespace: `nocreate_${s}`, createTables: false },
      tables: [{ topics: [topic], table: 'absent' }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const exit = await daemon.exited;
      expect(exit.code).toBe(3);
      expect(daemon.log()).toContain(`table nocreate_${s}.absent does not exist and tables[0].createTables is false`);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 180_000);
});
