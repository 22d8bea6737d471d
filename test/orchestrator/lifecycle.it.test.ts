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
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM floe.${ns}.pings`);
    expect(r.rows[0]!.map(String)).toEqual(['5000', '5000']);
  }, 300_000);

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
