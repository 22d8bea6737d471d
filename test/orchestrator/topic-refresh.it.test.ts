/**
 * New topics while running (issue #14 item 6) against the real broker: a daemon started with a
 * `topicPattern` that matches one topic picks up a matching topic created later, within
 * `kafka.topicRefreshMs` and without a restart; and a matching topic deleted while subscribed does
 * not stop the others from being committed. Every table holds each record exactly once (Spark reads them).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const batch = (phase: string, n = 6) => Array.from({ length: n }, (_, i) => ({ partition: i % 2, value: Buffer.from(`${phase}-${i}`) }));
const names = (...phases: string[]) => phases.flatMap((p) => batch(p).map((m) => m.value.toString())).sort();

async function deleteTopic(topic: string): Promise<void> {
  const admin = kafka.kafka.admin();
  await admin.connect();
  try {
    await admin.deleteTopics({ topics: [topic] });
  } finally {
    await admin.disconnect();
  }
}

describe('topicPattern while running', () => {
  it('goes on committing when a matching topic is deleted, and consumes one created after start', async () => {
    const s = uniqueSuffix();
    const [first, second, doomed] = ['first', 'second', 'doomed'].map((t) => `floe-watch-${s}-${t}`) as [string, string, string];
    const ns = `watch_${s}`;
    const table = (topic: string) => topic.replace(/-/g, '_');
    await kafka.createTopic(first, 2);
    await kafka.createTopic(doomed, 2);
    await kafka.send(first, batch('a'));

    const dir = workDir('topic-refresh');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-watch-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 500 } },
      kafkaOverrides: { topicRefreshMs: 1000 },
      tables: [{ topicPattern: `floe-watch-${s}-.*`, value: { format: 'string' } }],
    });
    const rows = async (topic: string) => {
      const q = await oracle.sparkSql(`SELECT value FROM floe.${ns}.${table(topic)}`).catch(() => undefined);
      return q ? q.rows.map((r) => String(r[0])).sort() : [];
    };
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const until = (topic: string, expected: string[]) =>
      waitFor(`${topic}: ${expected.length} rows`, async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        const got = await rows(topic);
        return got.length >= expected.length ? got : undefined;
      }, 90_000, 1000);
    try {
      expect(await until(first, names('a'))).toEqual(names('a'));

      // Deleted while subscribed: the daemon drops it and keeps committing the others.
      await deleteTopic(doomed);
      await waitFor('the deleted topic is dropped', () => daemon.logLines().some((l) => Array.isArray(l.removed) && l.removed.includes(doomed)), 60_000);
      await kafka.send(first, batch('b'));
      expect(await until(first, names('a', 'b'))).toEqual(names('a', 'b'));

      // Created after start: no restart, the next refresh subscribes it.
      await kafka.createTopic(second, 2);
      await kafka.send(second, batch('c'));
      await kafka.send(first, batch('d'));
      expect(await until(second, names('c'))).toEqual(names('c'));
      expect(await until(first, names('a', 'b', 'd'))).toEqual(names('a', 'b', 'd'));
      const change = daemon.logLines().find((l) => Array.isArray(l.added) && l.added.length > 0);
      expect(change?.added).toEqual([second]);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});
