/**
 * ensureTopic's answers to what a broker says while a topic is created: an existing topic is
 * success, a topic a KRaft broker does not show yet right after its creation is waited for, and
 * anything else is a retryable KAFKA_TOPIC_CREATE. The admin client here is a stand-in that plays
 * those broker answers (the real exchange runs in the dead-letter and secured-Kafka suites).
 */
import type { Admin } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { ensureTopic } from '../../src/source/admin.js';
import { isFloeError } from '../../src/util/errors.js';

function admin(create: () => Promise<boolean>, metadata: Array<() => unknown>): Admin & { metadataCalls: number } {
  const a = {
    metadataCalls: 0,
    listTopics: async () => [] as string[],
    createTopics: create,
    fetchTopicMetadata: async () => {
      const answer = metadata[Math.min(a.metadataCalls++, metadata.length - 1)]!;
      return answer();
    },
  };
  return a as unknown as Admin & { metadataCalls: number };
}

const protocolError = (type: string, code: number) => Object.assign(new Error(type), { type, code });
const shown = (leader: number) => () => ({ topics: [{ name: 't', partitions: [{ partitionId: 0, leader }] }] });

describe('ensureTopic', () => {
  it('waits for a topic a KRaft broker does not show yet right after creating it', async () => {
    const a = admin(async () => {
      throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3);
    }, [() => {
      throw protocolError('UNKNOWN_TOPIC_OR_PARTITION', 3);
    }, shown(-1), shown(1)]);
    expect(await ensureTopic(a, 't')).toBe(true);
    expect(a.metadataCalls).toBe(3);
  });

  it('takes a topic another daemon created first as there', async () => {
    const a = admin(async () => {
      throw Object.assign(new Error('exists'), { errors: [protocolError('TOPIC_ALREADY_EXISTS', 36)] });
    }, []);
    expect(await ensureTopic(a, 't')).toBe(false);
  });

  it('any other refusal is a retryable KAFKA_TOPIC_CREATE', async () => {
    const a = admin(async () => {
      throw protocolError('TOPIC_AUTHORIZATION_FAILED', 29);
    }, []);
    const err = await ensureTopic(a, 't').catch((e: unknown) => e);
    expect(isFloeError(err, 'KAFKA_TOPIC_CREATE')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
    expect(a.metadataCalls).toBe(0);
  });
});
