/**
 * Crash safety: the daemon is SIGKILLed at random moments (while fetching, writing Parquet,
 * uploading, committing, right after a commit) while records are produced, and restarted each
 * time. The table is the source of truth for offsets, so at the end Spark sees every produced
 * record exactly once.
 *
 * Scale: 500k small records, 12 kills (FLOE_IT_CRASH_RECORDS / FLOE_IT_CRASH_KILLS override).
 */
import { readFileSync } from 'node:fs';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const TOTAL = Number(process.env.FLOE_IT_CRASH_RECORDS ?? 500_000);
const KILLS = Number(process.env.FLOE_IT_CRASH_KILLS ?? 12);

const schema = { type: 'record', name: 'Tick', fields: [{ name: 'id', type: 'long' }, { name: 'v', type: 'int' }] };

async function counts(table: string): Promise<[number, number, number]> {
  const r = await oracle.sparkSql(`SELECT count(*), count(DISTINCT _kafka.partition, _kafka.offset), count(DISTINCT id) FROM ${table}`);
  return r.rows[0]!.map(Number) as [number, number, number];
}

describe('crash safety', () => {
  it(`SIGKILL ${KILLS} times while ${TOTAL} records are produced: no loss, no duplicate`, async () => {
    const s = uniqueSuffix();
    const topic = `floe-crash-${s}`;
    const ns = `crash_${s}`;
    await producer.createTopic(topic, 3);
    const id = await producer.register(`${topic}-value`, schema);
    const dir = workDir('crash');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-crash-${s}`,
      sessionTimeoutMs: 6000,
      defaults: { namespace: ns, commit: { intervalMs: 700 } },
      tables: [{ topics: [topic], table: 'ticks' }],
    });

    // Produce in the background, spread over the kill phase.
    const chunk = 10_000;
    let produced = 0;
    const production = (async () => {
      for (let from = 0; from < TOTAL; from += chunk) {
        const messages = Array.from({ length: Math.min(chunk, TOTAL - from) }, (_, k) => {
          const i = from + k;
          return { value: producer.encode(id, { id: i, v: i % 1000 }), partition: i % 3 };
        });
        await producer.send(topic, messages);
        produced += messages.length;
        await sleep(400);
      }
    })();

    const started = Date.now();
    let daemon: DaemonProcess | undefined;
    try {
      for (let k = 0; k < KILLS; k++) {
        daemon = DaemonProcess.start(config, `${dir}/daemon-${k}.log`);
        // Random moments of a life that has joined the group (a SIGKILLed member is only expelled
        // after the 6 s session timeout): between commits, mid-upload, right after a commit...
        await sleep(9000 + Math.random() * 9000);
        if (!daemon.running) throw new Error(`daemon exited on its own: ${daemon.log().slice(-3000)}`);
        daemon.kill('SIGKILL');
        await daemon.exited;
      }
      await production;
      console.log(`[crash] ${KILLS} kills done after ${((Date.now() - started) / 1000).toFixed(0)} s, ${produced} produced`);
      daemon = DaemonProcess.start(config, `${dir}/daemon-final.log`);
      const d = daemon;
      await waitFor(
        'every record committed',
        async () => {
          if (!d.running) throw new Error(`daemon exited: ${d.log().slice(-3000)}`);
          const [n] = await counts(`floe.${ns}.ticks`);
          return n >= TOTAL ? true : undefined;
        },
        300_000,
        3000,
      );
      const exit = await d.stop();
      expect(exit.code).toBe(0);
    } finally {
      daemon?.kill('SIGKILL');
    }
    // The kills hit daemons that had made progress: most lives resumed from a committed offset.
    const resumed = Array.from({ length: KILLS }, (_, k) => /"positions":\{[^}]*"[1-9]/.test(readFileSync(`${dir}/daemon-${k}.log`, 'utf8'))).filter(Boolean).length;
    expect(resumed).toBeGreaterThanOrEqual(KILLS / 2);
    console.log(`[crash] converged ${((Date.now() - started) / 1000).toFixed(0)} s after the first start`);
    expect(await counts(`floe.${ns}.ticks`)).toEqual([TOTAL, TOTAL, TOTAL]);
    const sum = await oracle.sparkSql(`SELECT sum(id), sum(v) FROM floe.${ns}.ticks`);
    let sumV = 0;
    for (let i = 0; i < TOTAL; i++) sumV += i % 1000;
    expect(sum.rows[0]!.map(String)).toEqual([String((BigInt(TOTAL) * BigInt(TOTAL - 1)) / 2n), String(sumV)]);
  }, 900_000);
});
