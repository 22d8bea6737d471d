import { describe, expect, it } from 'vitest';
import { freshnessSeconds } from '../../src/orchestrator/freshness.js';

describe('freshnessSeconds', () => {
  const now = 1_000_000;
  it('is 0 when nothing read is uncommitted and nothing waits in Kafka (an idle, caught-up table)', () => {
    expect(freshnessSeconds(now, undefined, [])).toBe(0);
  });
  it('is the age of the oldest uncommitted record read', () => {
    expect(freshnessSeconds(now, now - 2500, [])).toBe(2.5);
  });
  it('counts records waiting in Kafka since the lag was seen, whichever is older', () => {
    expect(freshnessSeconds(now, now - 1000, [now - 7000, now - 3000])).toBe(7);
    expect(freshnessSeconds(now, now - 9000, [now - 7000])).toBe(9);
    expect(freshnessSeconds(now, undefined, [now - 4000])).toBe(4);
  });
  it('never goes negative for a producer clock ahead of ours', () => {
    expect(freshnessSeconds(now, now + 5000, [])).toBe(0);
  });
});
