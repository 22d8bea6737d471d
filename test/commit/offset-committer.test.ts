/**
 * OffsetCommitter: partitions start at the table's offsets, ranges continue from the commit in
 * flight, a commit's properties come from the fresh metadata (refusing ranges another writer
 * overtook), and a restart re-reads every partition from the offsets given.
 */
import { describe, expect, it } from 'vitest';
import { OffsetCommitter, StaleRangesError } from '../../src/commit/offset-committer.js';
import { OffsetMap, OFFSETS_PROPERTY } from '../../src/commit/offsets.js';
import { REPLAYED_PROPERTY } from '../../src/commit/replayed.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';

function metadata(offsets: Record<string, Record<string, string>> | undefined, extra: Record<string, string> = {}): TableMetadata {
  const summary = { operation: 'append', ...(offsets ? { [OFFSETS_PROPERTY]: JSON.stringify(offsets) } : {}), ...extra };
  return { 'current-snapshot-id': 1, snapshots: [{ 'snapshot-id': 1, 'timestamp-ms': 0, 'sequence-number': 1, 'manifest-list': '', summary }], refs: { main: { 'snapshot-id': 1, type: 'branch' } } } as unknown as TableMetadata;
}

describe('OffsetCommitter', () => {
  it('assigns from the stored offsets and wants only what the table lacks', () => {
    const c = new OffsetCommitter();
    c.adopt(metadata({ t: { '0': '10' } }));
    const out = c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    expect([...out]).toEqual([['t:0', 10n], ['t:1', undefined]]);
    expect(c.wants('t', 0, 9n)).toBe(false);
    expect(c.wants('t', 0, 10n)).toBe(true);
    expect(c.wants('t', 1, 0n)).toBe(true);
    expect(c.wants('t', 2, 0n)).toBe(false);
    c.advanced('t', 0, 14n);
    expect(c.position('t', 0)).toBe(15n);
    expect(c.base('t', 0, 'x')).toBe(10n);
    expect(() => c.base('t', 2, 'ns.x')).toThrow(/ns.x: t\/2 is not assigned/);
    c.revoke([{ topic: 't', partition: 1 }]);
    expect(c.covers('t:1')).toBe(false);
  });

  it('forgets the partition it looked up last when it is revoked or assigned again', () => {
    // wants() and advanced() remember the last partition; a revoke or re-assign must not leave it stale.
    const c = new OffsetCommitter();
    c.adopt(metadata({ t: { '0': '10' } }));
    c.assign([{ topic: 't', partition: 0 }]);
    expect(c.wants('t', 0, 10n)).toBe(true);
    c.advanced('t', 0, 20n);
    c.revoke([{ topic: 't', partition: 0 }]);
    expect(c.wants('t', 0, 30n)).toBe(false);
    c.assign([{ topic: 't', partition: 0 }]);
    expect(c.position('t', 0)).toBe(10n);
    expect(c.wants('t', 0, 10n)).toBe(true);
  });

  it('computes the properties from the fresh metadata and refuses overtaken ranges', () => {
    const c = new OffsetCommitter();
    c.adopt(metadata({ t: { '0': '10' } }));
    c.assign([{ topic: 't', partition: 0 }]);
    c.noteReplayed({ topic: 'src', partition: 0, offset: 3n });
    const commit = c.begin([{ topic: 't', partition: 0, base: 10n, next: 15n }]);
    // The next range continues from the one in flight.
    expect(c.base('t', 0, 'x')).toBe(15n);
    const props = commit.properties(metadata({ t: { '0': '10' }, other: { '0': '7' } }));
    expect(JSON.parse(props[OFFSETS_PROPERTY]!)).toEqual({ t: { '0': '15' }, other: { '0': '7' } });
    expect(props[REPLAYED_PROPERTY]).toBeDefined();
    expect(commit.stored?.get('t', 0)).toBe(15n);
    expect(() => commit.properties(metadata({ t: { '0': '12' } }))).toThrow(StaleRangesError);
    c.landed(metadata({ t: { '0': '15' } }), commit.stored!);
    expect(c.stored.get('t', 0)).toBe(15n);
  });

  it('restarts every partition from the offsets given, and discard goes back to the stored ones', () => {
    const c = new OffsetCommitter();
    c.adopt(metadata({ t: { '0': '10', '1': '4' } }));
    c.assign([{ topic: 't', partition: 0 }, { topic: 't', partition: 1 }]);
    c.advanced('t', 0, 20n);
    const fresh = new OffsetMap();
    fresh.set('t', 0, 12n);
    expect(c.restart(fresh)).toEqual([{ topic: 't', partition: 0, offset: 12n }, { topic: 't', partition: 1, offset: undefined }]);
    expect(c.position('t', 0)).toBe(12n);
    c.advanced('t', 0, 30n);
    c.discard();
    expect(c.position('t', 0)).toBe(12n);
  });
});
