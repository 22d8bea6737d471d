/** definitionCommit: what a table whose mapping changed gets committed (and nothing when it did not). */
import { describe, expect, it } from 'vitest';
import { newTableMetadata } from '../../../src/iceberg/spec/metadata.js';
import { buildPartitionSpec } from '../../../src/iceberg/spec/partition.js';
import { buildSortOrder } from '../../../src/iceberg/spec/sort.js';
import type { Schema } from '../../../src/iceberg/spec/types.js';
import { applyUpdates } from '../../../src/iceberg/spec/updates.js';
import { definitionCommit, type TableDefinition } from '../../../src/iceberg/table/definition.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'region', required: false, type: 'string' },
    { id: 3, name: 'ts', required: false, type: 'timestamptz' },
  ],
};

const base = () =>
  newTableMetadata({
    location: 'mem://t',
    schema,
    spec: buildPartitionSpec(schema, [{ source: 'region', transform: 'identity' }]),
    sortOrder: buildSortOrder(schema, [{ source: 'id' }]),
    properties: { 'write.metadata.previous-versions-max': '5', other: 'x' },
  });
const same: TableDefinition = {
  partitioning: [{ source: 'region', transform: 'identity' }],
  sortOrder: [{ source: 'id' }],
  properties: { 'write.metadata.previous-versions-max': '5' },
};

describe('definitionCommit', () => {
  it('commits nothing when the table already is as defined', () => {
    const c = definitionCommit(base(), same);
    expect(c.changes).toEqual([]);
    expect(c.change).toEqual({ requirements: [], updates: [] });
    expect(definitionCommit(base(), { ...same, formatVersion: 2 }).changes).toEqual([]);
  });

  it('evolves the partition spec, keeping the field id of a field that stays', () => {
    const md = base();
    const c = definitionCommit(md, { ...same, partitioning: [{ source: 'region', transform: 'identity' }, { source: 'ts', transform: 'day' }] });
    expect(c.changes).toEqual([{ what: 'partition-spec', from: 'identity(region)', to: 'identity(region), day(ts)' }]);
    const next = applyUpdates(md, c.change.updates);
    expect(next['default-spec-id']).toBe(1);
    expect(next['partition-specs'][1]!.fields.map((f) => [f['field-id'], f.name])).toEqual([[1000, 'region'], [1001, 'ts_day']]);
    expect(next['last-partition-id']).toBe(1001);
    // Back to region only: the first spec again (a catalog reuses an identical spec).
    const back = applyUpdates(next, definitionCommit(next, same).change.updates);
    expect(back['default-spec-id']).toBe(0);
    // Dropping region and re-adding ts by day reuses 1001.
    const onlyDay = definitionCommit(back, { ...same, partitioning: [{ source: 'ts', transform: 'day' }] });
    expect(applyUpdates(back, onlyDay.change.updates)['partition-specs'].at(-1)!.fields.map((f) => f['field-id'])).toEqual([1001]);
    expect(c.change.requirements).toContainEqual({ type: 'assert-default-spec-id', 'default-spec-id': 0 });
  });

  it('adds and defaults a changed sort order, sets changed properties only, upgrades the format version', () => {
    const md = base();
    const c = definitionCommit(md, { formatVersion: 3, partitioning: same.partitioning, sortOrder: [{ source: 'ts', direction: 'desc' }, { source: 'id' }], properties: { 'write.metadata.previous-versions-max': '7', 'format-version': '3' } });
    expect(c.changes).toEqual([
      { what: 'format-version', from: '2', to: '3' },
      { what: 'sort-order', from: 'id asc nulls-first', to: 'ts desc nulls-last, id asc nulls-first' },
      { what: 'properties', from: '{"write.metadata.previous-versions-max":"5"}', to: '{"write.metadata.previous-versions-max":"7"}' },
    ]);
    const next = applyUpdates(md, c.change.updates);
    expect(next['format-version']).toBe(3);
    expect(next['next-row-id']).toBe(0);
    expect(next['default-sort-order-id']).toBe(2);
    expect(next.properties).toEqual({ 'write.metadata.previous-versions-max': '7', other: 'x' });
    // An unsorted mapping makes the table unsorted again (order 0).
    expect(applyUpdates(next, definitionCommit(next, { ...same, sortOrder: [] }).change.updates)['default-sort-order-id']).toBe(0);
  });

  it('refuses a partition or sort column the schema lacks', () => {
    expect(() => definitionCommit(base(), { ...same, partitioning: [{ source: 'nope', transform: 'identity' }] })).toThrow(/nope/);
    expect(() => definitionCommit(base(), { ...same, sortOrder: [{ source: 'nope' }] })).toThrow(/nope/);
  });
});
