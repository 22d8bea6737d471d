/**
 * Two KafkaSources in one group, each driving a miniature orchestrator that commits to a shared
 * in-memory "table" with the same fencing rule the real one uses (a range is committed only if
 * the table's next offset equals the range's first offset). Partitions are split, a member joining
 * and one leaving revoke before the rejoin, and the table ends with every record exactly once.
 */
import { expect, it } from 'vitest';
import { KafkaSource } from '../../src/source/consumer.js';
import { tpKey, type TpKey } from '../../src/source/types.js';
import { createTopic, produceNumbered, sleep, useKafka, uniqueName, waitFor } from './kafka-test-env.js';

const PARTITIONS = 4;

const env = useKafka();

interface Row {
  next: bigint;
  values: string[];
}

let seq = 0;
const log: Array<{ seq: number; member: string; event: 'revoked' | 'assigning' | 'assigned'; tps: TpKey[] }> = [];

/** A miniature orchestrator: buffers per partition, commits with offset fencing. */
function member(name: string, topic: string, groupId: string, table: Map<TpKey, Row>, slowOnce?: { ms: number; armed: boolean }) {
  const buffers = new Map<TpKey, { first: bigint; next: bigint; values: string[] }>();
  const stats = { fenced: 0, committed: 0, owned: [] as TpKey[], gaps: [] as string[] };
  const commit = (k: TpKey): boolean => {
    const buf = buffers.get(k);
    if (!buf || buf.values.length === 0) return true;
    const row = table.get(k) ?? { next: 0n, values: [] };
    buffers.set(k, { first: buf.next, next: buf.next, values: [] });
    if (row.next !== buf.first) {
      stats.fenced++;
      return false;
    }
    table.set(k, { next: buf.next, values: [...row.values, ...buf.values] });
    stats.committed += buf.values.length;
    return true;
  };
  const source: KafkaSource = new KafkaSource({
    kafka: env.kafka,
    groupId,
    topics: [topic],
    consumer: { maxWaitTimeInMs: 100, heartbeatInterval: 300, sessionTimeout: 6_000 },
    hooks: {
      onAssigned: async (tps) => {
        const keys = tps.map(tpKey);
        log.push({ seq: seq++, member: name, event: 'assigning', tps: keys });
        await sleep(200); // reading the table takes a while
        const offsets = new Map(keys.map((k) => [k, table.get(k)?.next]));
        for (const k of keys) buffers.set(k, { first: offsets.get(k) ?? 0n, next: offsets.get(k) ?? 0n, values: [] });
        stats.owned = keys;
        log.push({ seq: seq++, member: name, event: 'assigned', tps: keys });
        return offsets;
      },
      onRevoked: async (tps) => {
        await sleep(100); // an upload and a catalog commit
        for (const tp of tps) {
          commit(tpKey(tp));
          buffers.delete(tpKey(tp));
        }
        stats.owned = stats.owned.filter((k) => !tps.some((tp) => tpKey(tp) === k));
        log.push({ seq: seq++, member: name, event: 'revoked', tps: tps.map(tpKey) });
      },
      onRecords: async (batch) => {
        const k = tpKey(batch);
        const buf = buffers.get(k)!;
        // contiguous: no gap, no replay
        const first = batch.records.at(0)!;
        if (first.offset !== buf.next) stats.gaps.push(`${k}: ${buf.next} → ${first.offset}`);
        buf.values.push(...[...batch.records].map((r) => r.value!.toString()));
        buf.next = batch.nextOffset;
        if (slowOnce?.armed) {
          slowOnce.armed = false;
          await sleep(slowOnce.ms); // a stall: no heartbeats, the member gets expelled meanwhile
        }
        if (buf.values.length >= 30 && !commit(k)) {
          // Fenced: another owner committed this partition. Drop and re-read from the table.
          const next = table.get(k)!.next;
          buffers.set(k, { first: next, next, values: [] });
          source.seek(batch, next);
        }
      },
    },
  });
  return { source, stats };
}

it('two members split the partitions; rebalances revoke before rejoin; every record lands once', async () => {
  const topic = uniqueName('floe-rebalance');
  const groupId = uniqueName('floe-rebalance-group');
  await createTopic(env.admin, topic, PARTITIONS);
  const table = new Map<TpKey, Row>();
  let produced = 0;
  const produce = async (rounds: number) => {
    for (let r = 0; r < rounds; r++) {
      await produceNumbered(env.kafka, topic, PARTITIONS, 20, produced);
      produced += 20;
      await sleep(100);
    }
  };

  const a = member('A', topic, groupId, table);
  await a.source.start();
  await waitFor('A owns all partitions', () => a.stats.owned.length === PARTITIONS);
  await produce(5);

  const b = member('B', topic, groupId, table);
  await b.source.start();
  const producing = produce(10);
  await waitFor('the partitions split', () => a.stats.owned.length === PARTITIONS / 2 && b.stats.owned.length === PARTITIONS / 2);
  expect(new Set([...a.stats.owned, ...b.stats.owned]).size).toBe(PARTITIONS);
  await producing;

  // B leaves: its stop() revokes (commits) before leaving, A rejoins and takes everything.
  await b.source.stop();
  await waitFor('A owns all partitions again', () => a.stats.owned.length === PARTITIONS);
  await produce(5);
  await sleep(1000);
  await a.source.stop();

  // Revocation happened before the rejoin, never after it (the join hook fired every time).
  expect(a.source.rebalanceStats().revokedBeforeJoin).toBeGreaterThanOrEqual(PARTITIONS + PARTITIONS / 2);
  expect(a.source.rebalanceStats().revokedAfterJoin).toBe(0);
  expect(b.source.rebalanceStats().revokedAfterJoin).toBe(0);

  // Whoever got a partition began reading it only after its previous owner's onRevoked finished.
  for (const [i, entry] of log.entries()) {
    if (entry.event !== 'assigning') continue;
    for (const k of entry.tps) {
      const previousOwner = log.slice(0, i).reverse().find((e) => e.event === 'assigned' && e.tps.includes(k));
      if (!previousOwner) continue;
      const revoked = log.slice(0, i).find((e) => e.seq > previousOwner.seq && e.member === previousOwner.member && e.event === 'revoked' && e.tps.includes(k));
      expect(revoked, `${k} revoked by ${previousOwner.member} before ${entry.member} took it`).toBeDefined();
    }
  }

  // Exactly once: every partition holds 0..produced-1 in order.
  for (let p = 0; p < PARTITIONS; p++) {
    const row = table.get(`${topic}:${p}`)!;
    expect(row.values).toEqual(Array.from({ length: produced }, (_, i) => `p${p}-${i}`));
    expect(row.next).toBe(BigInt(produced));
  }
  expect(a.stats.fenced + b.stats.fenced).toBe(0); // with clean revocations nothing needs fencing
  expect([...a.stats.gaps, ...b.stats.gaps]).toEqual([]);
});

it('an expelled member and the new owner both read a partition: table fencing keeps every record once', async () => {
  const topic = uniqueName('floe-expelled');
  const groupId = uniqueName('floe-expelled-group');
  await createTopic(env.admin, topic, 2);
  const table = new Map<TpKey, Row>();
  let produced = 0;
  let producing = true;
  const producer = (async () => {
    while (producing) {
      await produceNumbered(env.kafka, topic, 2, 10, produced);
      produced += 10;
      await sleep(200);
    }
  })();

  const stall = { ms: 10_000, armed: false };
  const a = member('A', topic, groupId, table, stall);
  await a.source.start();
  await waitFor('A owns both partitions', () => a.stats.owned.length === 2);
  const b = member('B', topic, groupId, table);
  await b.source.start();
  await waitFor('the partitions split', () => a.stats.owned.length === 1 && b.stats.owned.length === 1);
  await sleep(1000);
  stall.armed = true; // A stalls for longer than its 6 s session: B takes A's partition
  await waitFor('B owns both partitions', () => b.stats.owned.length === 2, 30_000);
  await waitFor('A is back in the group', () => a.stats.owned.length === 1, 60_000);
  await sleep(2000);
  producing = false;
  await producer;
  await sleep(2000);
  await a.source.stop();
  await b.source.stop();

  for (let p = 0; p < 2; p++) {
    const row = table.get(`${topic}:${p}`)!;
    expect(row.values).toEqual(Array.from({ length: produced }, (_, i) => `p${p}-${i}`));
  }
  expect([...a.stats.gaps, ...b.stats.gaps]).toEqual([]);
  // A's stalled buffer overlapped what B had already committed: the table refused it.
  expect(a.stats.fenced + b.stats.fenced).toBeGreaterThanOrEqual(1);
});
