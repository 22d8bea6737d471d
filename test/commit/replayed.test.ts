import { describe, expect, it } from 'vitest';
import { parseCoordinates, ReplayedSet, replayedOriginals } from '../../src/commit/replayed.js';
import { isNewer, SilverChanges } from '../../src/orchestrator/silver.js';

describe('replayed originals', () => {
  it('keeps offsets as merged ranges and round-trips through JSON', () => {
    const s = new ReplayedSet();
    for (const o of [5n, 3n, 4n, 9n]) s.add({ topic: 'a/b', partition: 1, offset: o });
    expect(s.toJson()).toBe('{"a/b":{"1":[["3","6"],["9","10"]]}}');
    const back = ReplayedSet.fromJson(s.toJson());
    expect(back.has({ topic: 'a/b', partition: 1, offset: 4n })).toBe(true);
    expect(back.has({ topic: 'a/b', partition: 1, offset: 6n })).toBe(false);
    expect(back.has({ topic: 'a/b', partition: 0, offset: 4n })).toBe(false);
    expect(ReplayedSet.fromJson('not json').isEmpty).toBe(true);
    expect(back.merge(ReplayedSet.fromJson('{"a/b":{"1":[["6","9"]]}}')).toJson()).toBe('{"a/b":{"1":[["3","10"]]}}');
  });

  it('parses coordinates from the right (topics may contain slashes)', () => {
    expect(parseCoordinates('a/b/2/17')).toEqual({ topic: 'a/b', partition: 2, offset: 17n });
    expect(parseCoordinates('a/x/17')).toBeUndefined();
  });

  it('is read from the snapshot that carries the offsets', () => {
    const metadata = {
      'current-snapshot-id': 3,
      snapshots: [
        { 'snapshot-id': 1, summary: { 'floe.offsets': '{}', 'floe.replayed': '{"t":{"0":[["1","2"]]}}' } },
        { 'snapshot-id': 2, 'parent-snapshot-id': 1, summary: { 'floe.offsets': '{}', 'floe.replayed': '{"t":{"0":[["1","3"]]}}' } },
        { 'snapshot-id': 3, 'parent-snapshot-id': 2, summary: { operation: 'replace' } },
      ],
    } as never;
    expect(replayedOriginals(metadata).has({ topic: 't', partition: 0, offset: 2n })).toBe(true);
  });
});

describe('silver changes and replays', () => {
  it('a replayed change never replaces a newer change of its key buffered with it', () => {
    const c = new SilverChanges(['id']);
    c.put({ id: 1 }, { id: 1, v: 'new' }, { topic: 't', partition: 0, offset: 10n });
    c.put({ id: 1 }, { id: 1, v: 'replayed old' }, { topic: 't', partition: 0, offset: 4n });
    c.put({ id: 2 }, { id: 2, v: 'old' }, { topic: 't', partition: 0, offset: 2n });
    c.put({ id: 2 }, { id: 2, v: 'replayed newer' }, { topic: 't', partition: 0, offset: 6n });
    expect(c.drain().map((x) => x.row?.v)).toEqual(['new', 'replayed newer']);
  });

  it('a drained replayed change names its original, for the check against the committed state', () => {
    const c = new SilverChanges(['id']);
    c.put({ id: 1 }, { id: 1, v: 'replayed' }, { topic: 't', partition: 0, offset: 4n }, true);
    c.put({ id: 2 }, { id: 2, v: 'live' }, { topic: 't', partition: 0, offset: 9n });
    expect(c.drain().map((x) => [x.row?.v, x.replayOf?.offset])).toEqual([['replayed', 4n], ['live', undefined]]);
    expect(isNewer({ topic: 't', partition: 0, offset: 5n }, { topic: 't', partition: 0, offset: 4n })).toBe(true);
    expect(isNewer({ topic: 't', partition: 1, offset: 5n }, { topic: 't', partition: 0, offset: 4n })).toBe(false);
  });
});
