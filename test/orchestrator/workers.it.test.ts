/**
 * Parquet encoded on worker threads (`performance.workerThreads: 2`): a daemon writes a bucketed,
 * sorted table (several partitions per flush, so encodes run in parallel), is SIGKILLed mid-run
 * while records are still being produced and restarted; Spark then sees every record exactly
 * once with its values, and every file sorted by the table's order. The crash and scale-out
 * suites run the same path with FLOE_IT_WORKER_THREADS set (docs/development.md).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const TOTAL = Number(process.env.FLOE_IT_WORKERS_RECORDS ?? 60_000);

const schema = {
  type: 'record',
  name: 'Sample',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'label', type: 'string' },
    { name: 'amount', type: 'double' },
    { name: 'note', type: ['null', 'string'], default: null },
  ],
};

function valueOf(i: number) {
  return { id: i, label: `l${i % 97}`, amount: i / 4, note: i % 7 === 0 ? null : `note ${i}` };
}

describe('performance.workerThreads', () => {
  it('2 encode workers, killed and restarted mid-run: every record exactly once, files sorted', async () => {
    const s = uniqueSuffix();
    const topic = `floe-workers-${s}`;
    const ns = `workers_${s}`;
    await producer.createTopic(topic, 3);
    const id = await producer.register(`${topic}-value`, schema);
    const dir = workDir('workers');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-workers-${s}`,
      workerThreads: 2,
      defaults: { namespace: ns, commit: { intervalMs: 1000 } },
      tables: [{ topics: [topic], table: 'samples', partitioning: [{ field: 'id', transform: 'bucket[4]' }], sortOrder: [{ field: 'id', direction: 'desc' }] }],
    });
    const produce = async (from: number, to: number) => {
      const chunk = 5000;
      for (let a = from; a < to; a += chunk) {
        await producer.send(topic, Array.from({ length: Math.min(chunk, to - a) }, (_, k) => ({ value: producer.encode(id, valueOf(a + k)), partition: (a + k) % 3 })));
      }
    };
    const committed = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.samples`).catch(() => ({ rows: [[0]] }))).rows[0]![0]);

    await produce(0, TOTAL / 2);
    const first = DaemonProcess.start(config, `${dir}/daemon-1.log`);
    try {
      await waitFor('a first commit', async () => {
        if (!first.running) throw new Error(`daemon exited: ${first.log().slice(-3000)}`);
        return (await committed()) > 0 ? true : undefined;
      }, 240_000, 1000);
      expect(first.logLines().some((l) => l.msg === 'Parquet encoding on worker threads' && l.workerThreads === 2)).toBe(true);
      // Killed while the second half is being produced: whatever was encoded or uploaded and not
      // committed is read again by the next life.
      const rest = produce(TOTAL / 2, TOTAL);
      await sleep(1500);
      first.kill('SIGKILL');
      await first.exited;
      await rest;
    } finally {
      first.kill('SIGKILL');
    }

    const second = DaemonProcess.start(config, `${dir}/daemon-2.log`);
    try {
      await waitFor('all records committed', async () => {
        if (!second.running) throw new Error(`daemon exited: ${second.log().slice(-3000)}`);
        return (await committed()) >= TOTAL ? true : undefined;
      }, 300_000, 2000);
      expect((await second.stop()).code, second.log().slice(-3000)).toBe(0);
    } finally {
      second.kill('SIGKILL');
    }

    const t = `floe.${ns}.samples`;
    let sumId = 0n;
    let labels = 0;
    let notes = 0;
    let amount = 0;
    for (let i = 0; i < TOTAL; i++) {
      const v = valueOf(i);
      sumId += BigInt(i);
      labels += v.label.length;
      amount += v.amount;
      if (v.note !== null) notes++;
    }
    const agg = await oracle.sparkSql(`SELECT count(*), count(DISTINCT _kafka.partition, _kafka.offset), count(DISTINCT id), sum(id), sum(length(label)), sum(amount), count(note) FROM ${t}`);
    expect(agg.rows[0]!.map(String)).toEqual([TOTAL, TOTAL, TOTAL, sumId, labels, amount, notes].map(String));
    const sample = await oracle.sparkSql(`SELECT id, label, amount, note FROM ${t} WHERE id % 4999 = 0 ORDER BY id`);
    const expected = [];
    for (let i = 0; i < TOTAL; i += 4999) {
      const v = valueOf(i);
      expected.push([String(i), v.label, v.amount, v.note]);
    }
    expect(sample.rows).toEqual(expected);
    // Every file records the order and holds its rows in it (sorted in the worker).
    expect(await oracle.sparkSql(`SELECT DISTINCT sort_order_id FROM ${t}.files`).then((r) => r.rows)).toEqual([[1]]);
    const rows = await oracle.sparkSql(`SELECT _file, id FROM ${t} ORDER BY _file, _pos`);
    const byFile = new Map<string, number[]>();
    for (const r of rows.rows) byFile.set(String(r[0]), [...(byFile.get(String(r[0])) ?? []), Number(r[1])]);
    expect(byFile.size).toBeGreaterThan(3);
    for (const ids of byFile.values()) expect(ids).toEqual([...ids].sort((a, b) => b - a));
  }, 600_000);
});
