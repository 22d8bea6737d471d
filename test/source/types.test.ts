import { expect, it } from 'vitest';
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
