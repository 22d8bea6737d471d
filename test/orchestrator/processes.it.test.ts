/**
 * `performance.processes: 2`: one `floe run` is two daemon processes in the consumer group. Both
 * read partitions and commit (their series carry process="0" and "1" on the one /metrics the
 * supervisor serves), SIGTERM stops both cleanly with exit 0; a child SIGKILLed mid-run makes the
 * supervisor stop the other and exit 1, and the restarted daemon finishes the topic: Spark sees
 * every record exactly once.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Tick', fields: [{ name: 'id', type: 'long' }] };

describe('performance.processes', () => {
  it('two processes share the partitions, merge their endpoints, and a killed child loses and doubles nothing', async () => {
    const s = uniqueSuffix();
    const topic = `floe-procs-${s}`;
    const ns = `procs_${s}`;
    await producer.createTopic(topic, 4);
    const id = await producer.register(`${topic}-value`, schema);
    const send = (from: number, n: number) => producer.send(topic, Array.from({ length: n }, (_, k) => ({ value: producer.encode(id, { id: from + k }), partition: (from + k) % 4 })));
    const count = async () => (await oracle.sparkSql(`SELECT count(*), count(DISTINCT id) FROM floe.${ns}.ticks`)).rows[0]!.map(Number);
    const port = 20000 + Math.floor(Math.random() * 20000);
    const dir = workDir('procs');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-procs-${s}`,
      serverPort: port,
      processes: 2,
      defaults: { namespace: ns, commit: { intervalMs: 500 } },
      tables: [{ topics: [topic], table: 'ticks' }],
    });
    const metric = async (name: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      return text.split('\n').filter((l) => l.startsWith(name));
    };

    const bothAssigned = (d: DaemonProcess) =>
      waitFor('both processes assigned partitions', () => {
        const pids = new Set(d.logLines().filter((l) => l.msg === 'partitions assigned').map((l) => Number(l.pid)));
        return pids.size === 2 ? [...pids] : undefined;
      }, 120_000, 200);

    const first = DaemonProcess.start(config, `${dir}/daemon-1.log`);
    try {
      await bothAssigned(first);
      await send(0, 20_000);
      await waitFor('20,000 records committed', async () => ((await count())[0] === 20_000 ? true : undefined), 180_000, 1000);
      // Both processes read: each has its own records_in series, and together they read every record.
      const lines = await metric('floe_records_in_total');
      const byProcess = new Map(lines.map((l) => [/process="(\d+)"/.exec(l)![1], Number(l.split(' ').at(-1))]));
      expect([...byProcess.keys()].sort()).toEqual(['0', '1']);
      expect([...byProcess.values()].every((n) => n > 0), lines.join('\n')).toBe(true);
      expect([...byProcess.values()].reduce((a, b) => a + b, 0)).toBeGreaterThanOrEqual(20_000);
      expect((await fetch(`http://127.0.0.1:${port}/readyz`)).status).toBe(200);
      const status = (await (await fetch(`http://127.0.0.1:${port}/status.json`)).json()) as { tables: Array<{ table: string }> };
      expect(status.tables.map((t) => t.table)).toEqual([`${ns}.ticks`]);
      const exit = await first.stop();
      expect(exit.code, first.log().slice(-2000)).toBe(0);
    } finally {
      first.kill('SIGKILL');
    }
    expect(await count()).toEqual([20_000, 20_000]);

    // A child killed while records arrive: the supervisor stops the other and exits 1.
    const second = DaemonProcess.start(config, `${dir}/daemon-2.log`);
    let third: DaemonProcess | undefined;
    try {
      const child = (await bothAssigned(second))[1];
      const producing = (async () => {
        for (let from = 20_000; from < 30_000; from += 500) {
          await send(from, 500);
          await sleep(100);
        }
      })();
      await waitFor('some of the new records committed', async () => (((await count())[0] ?? 0) > 21_000 ? true : undefined), 120_000, 200);
      process.kill(child!, 'SIGKILL');
      const exit = await second.exited;
      expect(exit.code, second.log().slice(-2000)).toBe(1);
      await producing;
      // Produced while no process runs: only the restarted daemon can commit these.
      await send(30_000, 10_000);
      third = DaemonProcess.start(config, `${dir}/daemon-3.log`);
      await waitFor('40,000 records committed', async () => (((await count())[0] ?? 0) >= 40_000 ? true : undefined), 180_000, 1000);
      expect((await third.stop()).code).toBe(0);
    } finally {
      second.kill('SIGKILL');
      third?.kill('SIGKILL');
    }
    expect(await count()).toEqual([40_000, 40_000]);
  }, 600_000);
});
