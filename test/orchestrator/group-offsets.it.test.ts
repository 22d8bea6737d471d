/**
 * Group offsets after an expulsion (issue #11): the daemon is frozen (SIGSTOP) with records
 * buffered, longer than its session timeout, so the coordinator expels it and the generation
 * moves on; thawed (SIGCONT), it commits that buffer as it gives its partitions up (the group
 * refuses that generation's offsets now), rejoins, and reads on — records keep coming, but to one
 * partition only. SIGTERM comes with records buffered again. Afterwards the group's committed
 * offsets — what Kafka's tools and lag alerts read — equal the offsets the table stores, partition
 * by partition: the idle partitions included (a new generation commits the table's offsets when its
 * positions are set) and the shutdown commit included (partitions being given up are still ours).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Beat', fields: [{ name: 'id', type: 'long' }] };
const SESSION_MS = 6000;

describe('group offsets', () => {
  it('track the table after the member is expelled and rejoins', async () => {
    const s = uniqueSuffix();
    const topic = `floe-group-${s}`;
    const ns = `group_${s}`;
    const groupId = `floe-group-${s}`;
    await producer.createTopic(topic, 3);
    const id = await producer.register(`${topic}-value`, schema);
    const dir = workDir('group');
    const config = writeDaemonConfig(stack, dir, {
      groupId,
      sessionTimeoutMs: SESSION_MS,
      defaults: { namespace: ns, commit: { intervalMs: '3s', maxRecords: 1000 } },
      tables: [{ topics: [topic], table: 'beats' }],
    });
    let next = 0;
    const produce = async (n: number, partition?: number) => {
      const from = next;
      next += n;
      await producer.send(topic, Array.from({ length: n }, (_, k) => ({ value: producer.encode(id, { id: from + k }), partition: partition ?? (from + k) % 3 })));
    };
    const table = `floe.${ns}.beats`;
    const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      await produce(3000);
      await waitFor('the first records committed', async () => ((await count()) >= 3000 ? true : undefined), 120_000, 1000);
      // Read, buffered (the interval is 3 s), then frozen past the session timeout: expelled.
      await produce(600);
      await sleep(1000);
      daemon.kill('SIGSTOP');
      await sleep(SESSION_MS * 2.5);
      daemon.kill('SIGCONT');
      // Thawed: it learns it was expelled, rejoins in a new generation, and reads on — new records
      // for partition 0 only.
      for (let i = 0; i < 4; i++) {
        await produce(500, 0);
        await sleep(1000);
      }
      await waitFor('every record committed', async () => ((await count()) >= next ? true : undefined), 180_000, 1000);
      const rejoined = daemon.logLines().filter((l) => l.msg === 'partitions assigned' && l.component === 'source').length;
      expect(rejoined, 'the daemon joined more than once (it was expelled)').toBeGreaterThanOrEqual(2);
      // Stopped with records buffered: the shutdown commit's offsets reach the group too.
      await produce(300, 0);
      await sleep(1500);
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGCONT');
      daemon.kill('SIGKILL');
    }
    expect(await count()).toBe(next);
    const stored = await oracle.sparkSql(`SELECT summary['floe.offsets'] FROM ${table}.snapshots ORDER BY committed_at DESC LIMIT 1`);
    const tableOffsets = (JSON.parse(String(stored.rows[0]![0])) as Record<string, Record<string, string>>)[topic]!;
    const admin = producer.kafka.admin();
    await admin.connect();
    try {
      const [group] = await admin.fetchOffsets({ groupId, topics: [topic] });
      const groupOffsets = Object.fromEntries(group!.partitions.map((p) => [String(p.partition), p.offset]));
      expect(groupOffsets).toEqual(tableOffsets);
      const ends = await admin.fetchTopicOffsets(topic);
      expect(Object.fromEntries(ends.map((p) => [String(p.partition), p.high]))).toEqual(tableOffsets);
    } finally {
      await admin.disconnect();
    }
  }, 420_000);
});
