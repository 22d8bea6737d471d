import { describe, expect, it } from 'vitest';
import { diff, TopicWatch } from '../../src/orchestrator/topic-watch.js';
import { silentLogger } from '../../src/util/log.js';

describe('TopicWatch', () => {
  it('diff names added and removed topics', () => {
    expect(diff(['a', 'b'], ['b', 'c'])).toEqual({ added: ['c'], removed: ['a'] });
    expect(diff(['a'], ['a'])).toEqual({ added: [], removed: [] });
  });

  it('applies a changed list once, in order, and keeps the applied list', async () => {
    const lists = [['a'], ['a', 'b'], ['a', 'b'], ['b']];
    const applied: Array<{ next: string[]; added: string[]; removed: string[] }> = [];
    const watch = new TopicWatch(['a'], {
      intervalMs: 60_000,
      list: async () => lists.shift()!,
      apply: async (next, change) => void applied.push({ next, ...change }),
      log: silentLogger,
    });
    for (let i = 0; i < 4; i++) await watch.check();
    expect(applied).toEqual([
      { next: ['a', 'b'], added: ['b'], removed: [] },
      { next: ['b'], added: [], removed: ['a'] },
    ]);
    expect(watch.topics).toEqual(['b']);
  });

  it('coalesces bursts of checkSoon (kafkajs restarts every 300 ms) and survives a failing list or apply', async () => {
    let listed = 0;
    let fail = true;
    const watch = new TopicWatch(['a'], {
      intervalMs: 60_000,
      list: async () => {
        listed++;
        if (fail) throw new Error('broker down');
        return ['b'];
      },
      apply: async () => {
        throw new Error('cannot apply');
      },
      log: silentLogger,
    });
    for (let i = 0; i < 10; i++) watch.checkSoon();
    await watch.check();
    expect(listed).toBe(2); // one coalesced checkSoon, one check
    fail = false;
    await watch.check(); // apply fails: the list stays, the next check tries again
    expect(watch.topics).toEqual(['a']);
    await watch.stop();
    await watch.check();
    expect(listed).toBe(3);
  });
});
