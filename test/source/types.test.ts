import { describe, expect, it } from 'vitest';
import { groupByTopic, parseTpKey, tpKey } from '../../src/source/types.js';

it('tpKey and parseTpKey round-trip, also for topics with dots and dashes', () => {
  for (const tp of [{ topic: 'a', partition: 0 }, { topic: 'orders.v2-eu', partition: 17 }]) {
    expect(parseTpKey(tpKey(tp))).toEqual(tp);
  }
});

it('groupByTopic groups, dedupes and sorts partitions', () => {
  expect(
    groupByTopic([
      { topic: 'b', partition: 2 },
      { topic: 'a', partition: 1 },
      { topic: 'b', partition: 0 },
      { topic: 'b', partition: 2 },
    ]),
  ).toEqual([
    { topic: 'b', partitions: [0, 2] },
    { topic: 'a', partitions: [1] },
  ]);
});

describe('FetchedRecords (a batch’s records, made as they are read)', () => {
  it('gives each message as toSourceRecord does, by index and in order, and nothing past the end', async () => {
    const { FetchedRecords, toSourceRecord } = await import('../../src/source/types.js');
    const messages = [7, 8, 10].map((offset) => ({ offset: String(offset), timestamp: '1700000000000', key: null, value: Buffer.from(`v${offset}`), headers: {}, attributes: 0 })) as unknown as import('kafkajs').KafkaMessage[];
    const list = new FetchedRecords('t', 3, messages);
    expect(list.length).toBe(3);
    expect(list.at(2)).toEqual(toSourceRecord('t', 3, messages[2]!));
    expect(list.at(3)).toBeUndefined();
    expect([...list].map((r) => [r.topic, r.partition, r.offset, r.value!.toString()])).toEqual([
      ['t', 3, 7n, 'v7'],
      ['t', 3, 8n, 'v8'],
      ['t', 3, 10n, 'v10'],
    ]);
  });
});
