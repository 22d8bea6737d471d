import { describe, expect, it } from 'vitest';
import { MAX_MESSAGE, Ring, StatusHistory } from '../../src/ops/status-history.js';

describe('Ring', () => {
  it('keeps the newest `capacity` entries, oldest first', () => {
    const r = new Ring<number>(3);
    expect(r.toArray()).toEqual([]);
    expect(r.last()).toBeUndefined();
    for (let i = 1; i <= 7; i++) r.push(i);
    expect(r.size).toBe(3);
    expect(r.toArray()).toEqual([5, 6, 7]);
    expect(r.last()).toBe(7);
  });

  it('refuses a capacity below one', () => {
    expect(() => new Ring(0)).toThrow(RangeError);
  });
});

describe('StatusHistory', () => {
  it('samples one point per interval holding its worst freshness, and a day of ticks stays one hour of points', () => {
    const h = new StatusHistory({ windowMs: 60_000, sampleEveryMs: 10_000 });
    h.sample('t', 0, 1);
    h.sample('t', 200, 4.25);
    h.sample('t', 9_999, 2);
    h.sample('t', 10_000, 0);
    expect(h.freshness('t', 10_000)).toEqual([
      [0, 4.25],
      [10_000, 0],
    ]);
    // A day of 200 ms ticks: the ring never holds more than window / interval + 1 samples.
    for (let at = 10_200; at < 86_400_000; at += 200) h.sample('t', at, (at / 1000) % 7);
    const points = h.freshness('t', 86_400_000);
    expect(points.length).toBeLessThanOrEqual(7);
    expect(points.every(([at]) => 86_400_000 - at <= 60_000)).toBe(true);
    expect(h.freshness('other', 0)).toEqual([]);
  });

  it('hands out copies: the page cannot change a sample', () => {
    const h = new StatusHistory();
    h.sample('t', 0, 1);
    h.freshness('t', 0)[0]![1] = 99;
    expect(h.freshness('t', 0)).toEqual([[0, 1]]);
    h.forget('t');
    expect(h.freshness('t', 0)).toEqual([]);
  });

  it('keeps the last commits and errors, newest first', () => {
    const h = new StatusHistory({ keep: 2 });
    for (let i = 0; i < 5; i++) {
      h.commit({ at: i, table: 'a.b', reason: 'interval', records: i, rows: i, files: 1, ms: 3 });
      h.error({ at: i, message: `e${i}` });
    }
    expect(h.commits().map((c) => c.at)).toEqual([4, 3]);
    expect(h.errors().map((e) => e.message)).toEqual(['e4', 'e3']);
  });

  it('redacts error messages like the logs and cuts long ones', () => {
    const h = new StatusHistory();
    h.error({ at: 1, table: 't', code: 'CATALOG_UNAVAILABLE', message: 'connect postgres://floe:s3cret@db:5432/cat refused' });
    h.error({ at: 2, message: 'x'.repeat(10_000) });
    const [long, masked] = h.errors();
    expect(masked!.message).toBe('connect postgres://floe:[redacted]@db:5432/cat refused');
    expect(masked).toMatchObject({ table: 't', code: 'CATALOG_UNAVAILABLE' });
    expect(long!.message.length).toBe(MAX_MESSAGE);
    expect(long!.message.endsWith('…')).toBe(true);
  });
});
