import { describe, expect, it } from 'vitest';
import {
  OFFSETS_PROPERTY,
  OffsetMap,
  advanceOffsets,
  committedOffsets,
  continuityConflicts,
} from '../../src/commit/offsets.js';
import type { Snapshot, TableMetadata } from '../../src/iceberg/spec/types.js';

function snap(id: number, parent: number | undefined, offsets?: string): Snapshot {
  return {
    'snapshot-id': id,
    ...(parent === undefined ? {} : { 'parent-snapshot-id': parent }),
    'sequence-number': id,
    'timestamp-ms': id,
    'manifest-list': `s3://b/snap-${id}.avro`,
    summary: { operation: 'append', ...(offsets ? { [OFFSETS_PROPERTY]: offsets } : {}) },
  };
}

function table(snapshots: Snapshot[], current: number | undefined): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': 'u',
    location: 's3://b/t',
    'last-updated-ms': 0,
    'last-column-id': 1,
    schemas: [],
    'current-schema-id': 0,
    'partition-specs': [],
    'default-spec-id': 0,
    'last-partition-id': 999,
    'sort-orders': [],
    'default-sort-order-id': 0,
    snapshots,
    ...(current === undefined ? {} : { 'current-snapshot-id': current, refs: { main: { 'snapshot-id': current, type: 'branch' } } }),
  };
}

describe('OffsetMap', () => {
  it('serializes deterministically and exactly beyond 2^53', () => {
    const m = new OffsetMap();
    m.set('b', 10, 5n);
    m.set('b', 2, 9007199254740993n);
    m.set('a', 0, 1n);
    const json = m.toJson();
    expect(json).toBe('{"a":{"0":"1"},"b":{"2":"9007199254740993","10":"5"}}');
    expect(OffsetMap.fromJson(json).get('b', 2)).toBe(9007199254740993n);
  });
});

describe('committedOffsets', () => {
  it('is empty for a table without snapshots', () => {
    expect(committedOffsets(table([], undefined)).size).toBe(0);
  });

  it('takes the newest floe snapshot and skips snapshots of other engines', () => {
    const md = table(
      [snap(1, undefined, '{"t":{"0":"10"}}'), snap(2, 1, '{"t":{"0":"20","1":"3"}}'), snap(3, 2)],
      3,
    );
    const off = committedOffsets(md);
    expect(off.get('t', 0)).toBe(20n);
    expect(off.get('t', 1)).toBe(3n);
  });

  it('ignores snapshots that are not ancestors of main', () => {
    const md = table([snap(1, undefined, '{"t":{"0":"10"}}'), snap(2, 1, '{"t":{"0":"99"}}')], 1);
    expect(committedOffsets(md).get('t', 0)).toBe(10n);
  });

  it('skips an unparseable summary instead of resuming from garbage', () => {
    const md = table([snap(1, undefined, '{"t":{"0":"10"}}'), snap(2, 1, 'not json')], 2);
    expect(committedOffsets(md).get('t', 0)).toBe(10n);
  });
});

describe('continuity', () => {
  it('accepts ranges that continue from the table and rejects stale ones', () => {
    const t = new OffsetMap();
    t.set('t', 0, 100n);
    t.set('t', 1, 50n);
    const ranges = [
      { topic: 't', partition: 0, base: 100n, next: 120n },
      { topic: 't', partition: 1, base: 40n, next: 60n },
      { topic: 't', partition: 2, base: undefined, next: 7n },
    ];
    expect(continuityConflicts(t, ranges)).toEqual([{ topic: 't', partition: 1, expected: 40n, actual: 50n }]);
    const next = advanceOffsets(t, [ranges[0]!, ranges[2]!]);
    expect(next.get('t', 0)).toBe(120n);
    expect(next.get('t', 1)).toBe(50n);
    expect(next.get('t', 2)).toBe(7n);
  });

  it('rejects a range that assumed an empty table when another writer committed first', () => {
    const t = new OffsetMap();
    t.set('t', 0, 5n);
    expect(continuityConflicts(t, [{ topic: 't', partition: 0, base: undefined, next: 9n }])).toHaveLength(1);
  });
});
