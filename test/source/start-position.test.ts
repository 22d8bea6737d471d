import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { resolveStartOffsets } from '../../src/source/start-position.js';

/** Two topics; offsets-for-times answers as kafkajs does (the high watermark when no record is that new). */
function fakeAdmin(calls: string[]): Admin {
  const marks: Record<string, Array<{ partition: number; low: string; high: string }>> = {
    a: [{ partition: 0, low: '3', high: '10' }, { partition: 1, low: '0', high: '4' }],
    b: [{ partition: 0, low: '5', high: '5' }],
  };
  return {
    fetchTopicOffsets: async (topic: string) => {
      calls.push(`watermarks ${topic}`);
      return marks[topic]!.map((m) => ({ ...m, offset: m.high }));
    },
    fetchTopicOffsetsByTimestamp: async (topic: string, ts: number) => {
      calls.push(`times ${topic} ${ts}`);
      return marks[topic]!.map((m) => ({ partition: m.partition, offset: m.partition === 0 ? '7' : m.high }));
    },
  } as unknown as Admin;
}

const tps = [{ topic: 'a', partition: 0 }, { topic: 'a', partition: 1 }, { topic: 'b', partition: 0 }];

describe('resolveStartOffsets', () => {
  it('earliest is the low watermark, latest the high one', async () => {
    const calls: string[] = [];
    expect(await resolveStartOffsets(fakeAdmin(calls), tps, 'earliest')).toEqual(new Map([['a:0', 3n], ['a:1', 0n], ['b:0', 5n]]));
    expect(await resolveStartOffsets(fakeAdmin(calls), tps, 'latest')).toEqual(new Map([['a:0', 10n], ['a:1', 4n], ['b:0', 5n]]));
  });

  it('a timestamp asks offsets-for-times once per topic, for the partitions asked only', async () => {
    const calls: string[] = [];
    const got = await resolveStartOffsets(fakeAdmin(calls), [tps[1]!, tps[2]!], { timestamp: 1_700_000_000_000 });
    expect(got).toEqual(new Map([['a:1', 4n], ['b:0', 7n]]));
    expect(calls).toEqual(['times a 1700000000000', 'times b 1700000000000']);
  });

  it('nothing to resolve asks nothing', async () => {
    const calls: string[] = [];
    expect((await resolveStartOffsets(fakeAdmin(calls), [], 'latest')).size).toBe(0);
    expect(calls).toEqual([]);
  });

  it('a failed lookup is a retryable error naming the topic and time', async () => {
    const admin = { fetchTopicOffsetsByTimestamp: async () => Promise.reject(new Error('boom')) } as unknown as Admin;
    await expect(resolveStartOffsets(admin, tps, { timestamp: 0 })).rejects.toMatchObject({
      code: 'KAFKA_WATERMARKS',
      retryable: true,
      message: expect.stringContaining('offsets of a at 1970-01-01T00:00:00.000Z: boom'),
    });
  });
});
