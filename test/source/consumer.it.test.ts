/**
 * KafkaSource against the real broker: seek-on-assign delivers exactly from the offsets the
 * orchestrator returns (never anything before them, even with a slow onAssigned), pause/resume
 * and the memory budget stop and restart fetching, lag and the group-offset hint.
 */
import { describe, expect, it } from 'vitest';
import { KafkaSource, type SourceHooks } from '../../src/source/consumer.js';
import { tpKey, type SourceBatch, type TopicPartition } from '../../src/source/types.js';
import { createTopic, produceNumbered, sleep, useKafka, uniqueName, waitFor } from './kafka-test-env.js';

const env = useKafka();

function recorder(onAssigned: SourceHooks['onAssigned']) {
  const batches: SourceBatch[] = [];
  const events: string[] = [];
  const hooks: SourceHooks = {
    onAssigned: async (tps) => {
      events.push(`assigned-start ${tps.map(tpKey).join(',')}`);
      const result = await onAssigned(tps);
      events.push('assigned-end');
      return result;
    },
    onRevoked: async (tps) => {
      events.push(`revoked ${tps.map(tpKey).join(',')}`);
    },
    onRecords: async (batch) => {
      events.push(`records ${batch.topic}:${batch.partition}`);
      batches.push(batch);
    },
  };
  const values = (partition: number) => batches.filter((b) => b.partition === partition).flatMap((b) => [...b.records].map((r) => r.value!.toString()));
  const count = () => batches.reduce((n, b) => n + b.records.length, 0);
  return { hooks, batches, events, values, count };
}

describe('seek on assign', () => {
  it('delivers exactly from the returned offsets, and from earliest when none is stored', async () => {
    const topic = uniqueName('floe-seek');
    await createTopic(env.admin, topic, 3);
    await produceNumbered(env.kafka, topic, 3, 100);
    const groupId = uniqueName('floe-seek-group');
    // A stale group offset far ahead of the table's: the table must win (the hint is ignored).
    await env.admin.setOffsets({ groupId, topic, partitions: [0, 1, 2].map((partition) => ({ partition, offset: '90' })) });

    const rec = recorder(async (tps) => {
      await sleep(2000); // a slow table read: kafkajs keeps fetching meanwhile, nothing may leak
      return new Map(tps.map((tp) => [tpKey(tp), tp.partition === 0 ? 10n : tp.partition === 1 ? 55n : undefined]));
    });
    const source = new KafkaSource({ kafka: env.kafka, groupId, topics: [topic], hooks: rec.hooks, consumer: { maxWaitTimeInMs: 100 } });
    await source.start();
    try {
      await waitFor('all records from the seek positions', () => rec.count() >= 90 + 45 + 100);
      await sleep(500);
      expect(rec.values(0)).toEqual(Array.from({ length: 90 }, (_, i) => `p0-${i + 10}`));
      expect(rec.values(1)).toEqual(Array.from({ length: 45 }, (_, i) => `p1-${i + 55}`));
      expect(rec.values(2)).toEqual(Array.from({ length: 100 }, (_, i) => `p2-${i}`));
      // onAssigned finished before the first record was delivered.
      expect(rec.events.indexOf('assigned-end')).toBeLessThan(rec.events.findIndex((e) => e.startsWith('records')));
      // nextOffset of each partition's last batch = the high watermark.
      for (const p of [0, 1, 2]) expect(rec.batches.filter((b) => b.partition === p).at(-1)!.nextOffset).toBe(100n);
      const lag = await source.lag();
      expect([...lag.values()]).toEqual([0n, 0n, 0n]);

      await produceNumbered(env.kafka, topic, 1, 5, 100); // 5 more to partition 0
      await waitFor('new records', () => rec.values(0).length === 95);
      expect(rec.values(0).slice(-5)).toEqual(['p0-100', 'p0-101', 'p0-102', 'p0-103', 'p0-104']);
    } finally {
      await source.stop();
    }
    expect(rec.events.at(-1)).toMatch(/^revoked /); // stop() lets the orchestrator flush first
  });

  it("starts from the high watermark with startFrom 'latest'", async () => {
    const topic = uniqueName('floe-latest');
    await createTopic(env.admin, topic, 1);
    await produceNumbered(env.kafka, topic, 1, 20);
    const rec = recorder(async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])));
    const source = new KafkaSource({ kafka: env.kafka, groupId: uniqueName('g'), topics: [topic], startFrom: 'latest', hooks: rec.hooks, consumer: { maxWaitTimeInMs: 100 } });
    await source.start();
    try {
      await waitFor('assignment', () => rec.events.includes('assigned-end'));
      await sleep(1000);
      await produceNumbered(env.kafka, topic, 1, 3, 20);
      await waitFor('new records', () => rec.count() === 3);
      expect(rec.values(0)).toEqual(['p0-20', 'p0-21', 'p0-22']);
    } finally {
      await source.stop();
    }
  });
});

describe('backpressure', () => {
  it('pause() stops delivery of a partition and resume() restarts it where it stopped', async () => {
    const topic = uniqueName('floe-pause');
    await createTopic(env.admin, topic, 2);
    const rec = recorder(async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])));
    const source = new KafkaSource({ kafka: env.kafka, groupId: uniqueName('g'), topics: [topic], hooks: rec.hooks, consumer: { maxWaitTimeInMs: 100 } });
    await source.start();
    try {
      await waitFor('assignment', () => rec.events.includes('assigned-end'));
      await sleep(300);
      const p0: TopicPartition = { topic, partition: 0 };
      source.pause([p0]);
      await sleep(300); // let a fetch that was already in flight come back
      const before = rec.values(0).length;
      await produceNumbered(env.kafka, topic, 2, 10);
      await waitFor('partition 1 records', () => rec.values(1).length === 10);
      await sleep(1000);
      expect(rec.values(0).length).toBe(before);
      source.resume([p0]);
      await waitFor('partition 0 records after resume', () => rec.values(0).length === 10);
      expect(rec.values(0)).toEqual(Array.from({ length: 10 }, (_, i) => `p0-${i}`));
    } finally {
      await source.stop();
    }
  });

  it('the memory budget pauses all fetching until usage falls', async () => {
    const topic = uniqueName('floe-memory');
    await createTopic(env.admin, topic, 1);
    let used = 0;
    const rec = recorder(async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])));
    const onRecords = rec.hooks.onRecords;
    rec.hooks.onRecords = async (batch) => {
      used += [...batch.records].reduce((n, r) => n + r.sizeBytes, 0);
      await onRecords(batch);
    };
    const source = new KafkaSource({
      kafka: env.kafka,
      groupId: uniqueName('g'),
      topics: [topic],
      hooks: rec.hooks,
      memory: { limitBytes: 100, usedBytes: () => used, recheckMs: 50 },
      consumer: { maxWaitTimeInMs: 100 },
    });
    await source.start();
    try {
      await waitFor('assignment', () => rec.events.includes('assigned-end'));
      await produceNumbered(env.kafka, topic, 1, 50); // ~550 bytes: over budget after the first batch
      await waitFor('backpressure', () => source.backpressured);
      const delivered = rec.count();
      await produceNumbered(env.kafka, topic, 1, 50, 50);
      await sleep(1500);
      expect(rec.count()).toBe(delivered);
      used = 0; // the orchestrator flushed
      source.memoryReleased();
      expect(source.backpressured).toBe(false);
      await waitFor('the rest', () => rec.count() === 100);
      expect(rec.values(0)).toEqual(Array.from({ length: 100 }, (_, i) => `p0-${i}`));
    } finally {
      await source.stop();
    }
  });
});

it('commitGroupOffsets writes the monitoring hint', async () => {
  const topic = uniqueName('floe-hint');
  await createTopic(env.admin, topic, 1);
  await produceNumbered(env.kafka, topic, 1, 10);
  const groupId = uniqueName('g');
  const rec = recorder(async (tps) => new Map(tps.map((tp) => [tpKey(tp), undefined])));
  const source = new KafkaSource({ kafka: env.kafka, groupId, topics: [topic], hooks: rec.hooks, consumer: { maxWaitTimeInMs: 100 } });
  await source.start();
  try {
    await waitFor('records', () => rec.count() === 10);
    expect(await source.commitGroupOffsets(new Map([[`${topic}:0`, 10n]]))).toBe(true);
    expect(await source.commitGroupOffsets(new Map([[`${topic}:7`, 1n]]))).toBe(false); // not owned
  } finally {
    await source.stop();
  }
  const [offsets] = await env.admin.fetchOffsets({ groupId, topics: [topic] });
  expect(offsets!.partitions).toEqual([expect.objectContaining({ partition: 0, offset: '10' })]);
});
