/**
 * Start positions (issue #14 item 5) against the real broker: three tables read one topic, one
 * from the beginning (the default), one from a time (Kafka's offsets-for-times), one from the end.
 * Records produced before a table's start point never reach it; the records after do, once.
 * Restarted with every mapping set to `latest`, the tables continue from their own offsets: what
 * was produced while the daemon was down lands in all three (a table with offsets ignores startFrom).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const PARTITIONS = 2;
const PER_PARTITION = 5;

/** PER_PARTITION string records on every partition, named `${phase}-${partition}-${i}`. */
function batch(phase: string, timestamp?: number) {
  return Array.from({ length: PARTITIONS * PER_PARTITION }, (_, n) => {
    const partition = n % PARTITIONS;
    return { partition, value: Buffer.from(`${phase}-${partition}-${Math.floor(n / PARTITIONS)}`), ...(timestamp ? { timestamp: String(timestamp) } : {}) };
  });
}

const names = (phases: string[]) => phases.flatMap((p) => batch(p).map((m) => m.value.toString())).sort();

describe('startFrom', () => {
  it('earliest, a timestamp and latest start new partitions where they say; partitions with table offsets ignore it', async () => {
    const s = uniqueSuffix();
    const topic = `floe-start-${s}`;
    const ns = `start_${s}`;
    await kafka.createTopic(topic, PARTITIONS);
    const now = Date.now();
    // Record timestamps are the producer's (CreateTime): two hours ago, then ten minutes ago.
    await kafka.send(topic, batch('old', now - 2 * 3_600_000));
    await kafka.send(topic, batch('recent', now - 600_000));
    const since = new Date(now - 3_600_000).toISOString(); // between the two

    const dir = workDir('start-from');
    const tables = (startFrom: { all: string } | { from: string; since: string; to: string }) => [
      { topics: [topic], table: 'from_start', value: { format: 'string' }, startFrom: 'all' in startFrom ? startFrom.all : startFrom.from },
      { topics: [topic], table: 'since_time', value: { format: 'string' }, startFrom: 'all' in startFrom ? startFrom.all : startFrom.since },
      { topics: [topic], table: 'from_end', value: { format: 'string' }, startFrom: 'all' in startFrom ? startFrom.all : startFrom.to },
    ];
    const config = (t: ReturnType<typeof tables>) =>
      writeDaemonConfig(stack, dir, { groupId: `floe-start-${s}`, defaults: { namespace: ns, commit: { intervalMs: 500 } }, tables: t });
    const rows = async (table: string) => {
      const q = await oracle.sparkSql(`SELECT value FROM floe.${ns}.${table}`).catch(() => undefined);
      return q ? q.rows.map((r) => String(r[0])).sort() : [];
    };
    const until = (d: DaemonProcess, table: string, expected: string[]) =>
      waitFor(`${table}: ${expected.length} rows`, async () => {
        if (!d.running) throw new Error(d.log().slice(-3000));
        const got = await rows(table);
        return got.length >= expected.length ? got : undefined;
      }, 120_000, 2000);

    let daemon = DaemonProcess.start(config(tables({ from: 'earliest', since, to: 'latest' })), `${dir}/daemon-1.log`);
    try {
      const started = await waitFor('start positions resolved for every table', () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        const lines = daemon.logLines().filter((l) => l.msg === 'partitions with no offsets in the table start here');
        return lines.length === 3 ? lines : undefined;
      }, 60_000);
      const positions = Object.fromEntries(started.map((l) => [String(l.table).split('.').at(-1), l.positions]));
      const at = (n: number) => Object.fromEntries(Array.from({ length: PARTITIONS }, (_, p) => [`${topic}:${p}`, String(n)]));
      expect(positions).toEqual({ from_start: at(0), since_time: at(PER_PARTITION), from_end: at(2 * PER_PARTITION) });

      await kafka.send(topic, batch('live'));
      expect(await until(daemon, 'from_start', names(['old', 'recent', 'live']))).toEqual(names(['old', 'recent', 'live']));
      expect(await until(daemon, 'since_time', names(['recent', 'live']))).toEqual(names(['recent', 'live']));
      expect(await until(daemon, 'from_end', names(['live']))).toEqual(names(['live']));
      expect((await daemon.stop()).code).toBe(0);

      // Produced while no daemon runs; the second life says 'latest' everywhere, which the tables'
      // offsets override: nothing produced meanwhile is skipped.
      await kafka.send(topic, batch('offline'));
      daemon = DaemonProcess.start(config(tables({ all: 'latest' })), `${dir}/daemon-2.log`);
      expect(await until(daemon, 'from_start', names(['old', 'recent', 'live', 'offline']))).toEqual(names(['old', 'recent', 'live', 'offline']));
      expect(await until(daemon, 'since_time', names(['recent', 'live', 'offline']))).toEqual(names(['recent', 'live', 'offline']));
      expect(await until(daemon, 'from_end', names(['live', 'offline']))).toEqual(names(['live', 'offline']));
      expect(daemon.logLines().some((l) => l.msg === 'partitions with no offsets in the table start here')).toBe(false);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  });
});
