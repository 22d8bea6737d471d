import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import type { TableUpdate } from '../../../src/iceberg/spec/changes.js';
import { currentSchema, currentSnapshot, defaultSortOrder, defaultSpec, emptyTableMetadata, newTableMetadata, parseTableMetadata } from '../../../src/iceberg/spec/metadata.js';
import { applyUpdates, checkRequirements } from '../../../src/iceberg/spec/updates.js';
import type { Schema, Snapshot, TableMetadata } from '../../../src/iceberg/spec/types.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ts', required: false, type: 'timestamptz' },
  ],
};
const base = () => newTableMetadata({ location: 's3://b/t', schema, nowMs: 1000, tableUuid: 'aaaaaaaa-0000-0000-0000-000000000001' });
const snap = (id: number, seq: number, parent?: number, ts = 2000 + id): Snapshot => ({
  'snapshot-id': id,
  ...(parent !== undefined ? { 'parent-snapshot-id': parent } : {}),
  'sequence-number': seq,
  'timestamp-ms': ts,
  'manifest-list': `s3://b/t/metadata/snap-${id}.avro`,
  summary: { operation: 'append' },
  'schema-id': 0,
});
const commit = (md: TableMetadata, s: Snapshot): TableMetadata =>
  applyUpdates(md, [{ action: 'add-snapshot', snapshot: s }, { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': s['snapshot-id'], type: 'branch' }]);

describe('applyUpdates: snapshots and refs', () => {
  it('add-snapshot bumps last-sequence-number but does not change the current snapshot', () => {
    const md = applyUpdates(base(), [{ action: 'add-snapshot', snapshot: snap(1, 1) }]);
    expect(md['last-sequence-number']).toBe(1);
    expect(md['current-snapshot-id']).toBeNull();
    expect(md['last-updated-ms']).toBe(2001);
    expect(md.snapshots).toHaveLength(1);
  });
  it('set-snapshot-ref main sets current-snapshot-id and appends to snapshot-log with the snapshot time', () => {
    const md = commit(commit(base(), snap(1, 1)), snap(2, 2, 1));
    expect(md['current-snapshot-id']).toBe(2);
    expect(md.refs!.main).toEqual({ 'snapshot-id': 2, type: 'branch' });
    expect(md['snapshot-log']).toEqual([{ 'timestamp-ms': 2001, 'snapshot-id': 1 }, { 'timestamp-ms': 2002, 'snapshot-id': 2 }]);
    expect(currentSnapshot(md)!['snapshot-id']).toBe(2);
  });
  it('does not mutate its input', () => {
    const b = base();
    const copy = structuredClone(b);
    commit(b, snap(1, 1));
    expect(b).toEqual(copy);
  });
  it('rejects a duplicate snapshot, a stale sequence number, or a ref to nothing', () => {
    const md = commit(base(), snap(1, 1));
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: snap(1, 2) }])).toThrow(/already exists/);
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: snap(2, 1, 1) }])).toThrow(/sequence number/);
    expect(() => applyUpdates(md, [{ action: 'set-snapshot-ref', 'ref-name': 'b', 'snapshot-id': 9, type: 'branch' }])).toThrow(/unknown snapshot/);
    expect(() => applyUpdates(md, [{ action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': 1, type: 'tag' }])).toThrow(/branch/);
  });
  it('non-main refs do not touch the current snapshot; an identical ref is a no-op', () => {
    let md = commit(base(), snap(1, 1));
    md = applyUpdates(md, [{ action: 'set-snapshot-ref', 'ref-name': 'v1', 'snapshot-id': 1, type: 'tag', 'max-ref-age-ms': 5 }]);
    expect(md.refs!.v1).toEqual({ 'snapshot-id': 1, type: 'tag', 'max-ref-age-ms': 5 });
    const again = applyUpdates(md, [{ action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': 1, type: 'branch' }], { nowMs: 9999 });
    expect(again['snapshot-log']).toHaveLength(1);
  });
  it('remove-snapshots drops refs to them, statistics and the snapshot-log before them', () => {
    let md = commit(commit(commit(base(), snap(1, 1)), snap(2, 2, 1)), snap(3, 3, 2));
    md = applyUpdates(md, [{ action: 'set-snapshot-ref', 'ref-name': 'old', 'snapshot-id': 1, type: 'tag' }]);
    md = { ...md, statistics: [{ 'snapshot-id': 1, 'statistics-path': 'x' }, { 'snapshot-id': 3, 'statistics-path': 'y' }] };
    const out = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [2] }]);
    expect(out.snapshots!.map((s) => s['snapshot-id'])).toEqual([1, 3]);
    expect(out['snapshot-log']).toEqual([{ 'timestamp-ms': 2003, 'snapshot-id': 3 }]);
    const out2 = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [1] }]);
    expect(out2.refs!.old).toBeUndefined();
    expect(out2.statistics).toEqual([{ 'snapshot-id': 3, 'statistics-path': 'y' }]);
    const out3 = applyUpdates(md, [{ action: 'remove-snapshots', 'snapshot-ids': [3] }]);
    expect(out3['current-snapshot-id']).toBeNull();
    expect(out3.refs!.main).toBeUndefined();
  });
  it('remove-snapshot-ref main clears the current snapshot', () => {
    const md = applyUpdates(commit(base(), snap(1, 1)), [{ action: 'remove-snapshot-ref', 'ref-name': 'main' }]);
    expect(md['current-snapshot-id']).toBeNull();
    expect(md.snapshots).toHaveLength(1);
  });
  it('handles bigint (63-bit) ids from Spark-written metadata', () => {
    const md = parseTableMetadata(readFileSync(new URL('../../fixtures/metadata/v2-full.json', import.meta.url), 'utf8'));
    const head = md['current-snapshot-id']!;
    const next = commit(md, { ...snap(77, 4, head as number), 'parent-snapshot-id': head });
    expect(next['current-snapshot-id']).toBe(77);
    expect(checkRequirements(md, [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 3051729675574597004n as unknown as number }])).toBeUndefined();
    const removed = applyUpdates(next, [{ action: 'remove-snapshots', 'snapshot-ids': [3051729675574597004n as unknown as number] }]);
    expect(removed.snapshots!.map((s) => String(s['snapshot-id']))).toEqual(['1001', '1002', '77']);
  });
  it('v3: enforces and advances next-row-id', () => {
    const v3 = newTableMetadata({ location: 's3://b/t', schema, formatVersion: 3 });
    const md = commit(v3, { ...snap(1, 1), 'first-row-id': 0, 'added-rows': 10 });
    expect(md['next-row-id']).toBe(10);
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: { ...snap(2, 2, 1), 'first-row-id': 5, 'added-rows': 1 } }])).toThrow(/next-row-id/);
    expect(() => applyUpdates(md, [{ action: 'add-snapshot', snapshot: snap(2, 2, 1) }])).toThrow(/first-row-id/);
  });
});

describe('applyUpdates: schemas, specs, orders, properties', () => {
  const evolved: Schema = { ...schema, 'schema-id': 99, fields: [...schema.fields, { id: 3, name: 'note', required: false, type: 'string' }] };
  it('add-schema assigns the next id, raises last-column-id; set-current-schema -1 means the last added', () => {
    const md = applyUpdates(base(), [{ action: 'add-schema', schema: evolved, 'last-column-id': 3 }, { action: 'set-current-schema', 'schema-id': -1 }]);
    expect(md.schemas.map((s) => s['schema-id'])).toEqual([0, 1]);
    expect(md['current-schema-id']).toBe(1);
    expect(md['last-column-id']).toBe(3);
    expect(currentSchema(md).fields).toHaveLength(3);
  });
  it('re-adding an existing schema reuses its id', () => {
    const md = applyUpdates(base(), [{ action: 'add-schema', schema: { ...schema, 'schema-id': 5 } }, { action: 'set-current-schema', 'schema-id': -1 }]);
    expect(md.schemas).toHaveLength(1);
    expect(md['current-schema-id']).toBe(0);
  });
  it('rejects set-current-schema -1 without add and unknown ids', () => {
    expect(() => applyUpdates(base(), [{ action: 'set-current-schema', 'schema-id': -1 }])).toThrow();
    expect(() => applyUpdates(base(), [{ action: 'set-current-schema', 'schema-id': 4 }])).toThrow(/does not exist/);
  });
  it('a lower last-column-id (a schema that dropped the newest column) keeps the table\'s, as Java 1.10 does', () => {
    const dropped: Schema = { ...evolved, fields: evolved.fields.slice(0, 1) };
    const wider = applyUpdates(base(), [{ action: 'add-schema', schema: evolved, 'last-column-id': 3 }]);
    const md = applyUpdates(wider, [{ action: 'add-schema', schema: dropped, 'last-column-id': 1 }, { action: 'set-current-schema', 'schema-id': -1 }]);
    expect(md['last-column-id']).toBe(3);
    expect(currentSchema(md).fields).toHaveLength(1);
  });
  it('add-spec / set-default-spec -1, last-partition-id, remove-partition-specs', () => {
    const spec = { 'spec-id': 0, fields: [{ 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' as const }] };
    let md = applyUpdates(base(), [{ action: 'add-spec', spec }, { action: 'set-default-spec', 'spec-id': -1 }]);
    expect(md['partition-specs'].map((s) => s['spec-id'])).toEqual([0, 1]);
    expect(defaultSpec(md)).toEqual({ ...spec, 'spec-id': 1 });
    expect(md['last-partition-id']).toBe(1000);
    expect(() => applyUpdates(md, [{ action: 'remove-partition-specs', 'spec-ids': [1] }])).toThrow(/default/);
    md = applyUpdates(md, [{ action: 'remove-partition-specs', 'spec-ids': [0] }]);
    expect(md['partition-specs'].map((s) => s['spec-id'])).toEqual([1]);
    // An equivalent spec (ignoring field ids) is reused.
    const again = applyUpdates(md, [{ action: 'add-spec', spec: { ...spec, fields: [{ ...spec.fields[0]!, 'field-id': 1000 }] } }, { action: 'set-default-spec', 'spec-id': -1 }]);
    expect(again['partition-specs']).toHaveLength(1);
  });
  it('add-sort-order / set-default-sort-order -1; unsorted stays 0', () => {
    const order = { 'order-id': 0, fields: [{ transform: 'identity' as const, 'source-id': 1, direction: 'asc' as const, 'null-order': 'nulls-first' as const }] };
    const md = applyUpdates(base(), [{ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 }]);
    expect(defaultSortOrder(md)['order-id']).toBe(1);
    const back = applyUpdates(md, [{ action: 'add-sort-order', 'sort-order': { 'order-id': 3, fields: [] } }, { action: 'set-default-sort-order', 'sort-order-id': -1 }]);
    expect(back['default-sort-order-id']).toBe(0);
    expect(back['sort-orders']).toHaveLength(2);
  });
  it('properties, location, uuid, format version, remove-schemas', () => {
    let md = applyUpdates(base(), [
      { action: 'set-properties', updates: { a: '1', b: '2' } },
      { action: 'remove-properties', removals: ['a', 'zzz'] },
      { action: 'set-location', location: 's3://b/moved' },
      { action: 'assign-uuid', uuid: 'bbbbbbbb-0000-0000-0000-000000000002' },
      { action: 'upgrade-format-version', 'format-version': 3 },
      { action: 'add-schema', schema: evolved },
    ], { nowMs: 4242 });
    expect(md.properties).toEqual({ b: '2' });
    expect(md.location).toBe('s3://b/moved');
    expect(md['table-uuid']).toBe('bbbbbbbb-0000-0000-0000-000000000002');
    expect(md['format-version']).toBe(3);
    expect(md['next-row-id']).toBe(0);
    expect(md['last-updated-ms']).toBe(4242);
    expect(() => applyUpdates(md, [{ action: 'upgrade-format-version', 'format-version': 2 }])).toThrow(/downgrade/);
    expect(() => applyUpdates(md, [{ action: 'upgrade-format-version', 'format-version': 4 }])).toThrow(/unsupported/);
    expect(() => applyUpdates(md, [{ action: 'remove-schemas', 'schema-ids': [0] }])).toThrow(/current schema/);
    md = applyUpdates(md, [{ action: 'remove-schemas', 'schema-ids': [1] }]);
    expect(md.schemas.map((s) => s['schema-id'])).toEqual([0]);
  });
  it('records the previous metadata file, capped by write.metadata.previous-versions-max', () => {
    let md = applyUpdates(base(), [{ action: 'set-properties', updates: { 'write.metadata.previous-versions-max': '2' } }]);
    for (let i = 0; i < 3; i++) md = applyUpdates(md, [{ action: 'set-properties', updates: { i: String(i) } }], { previousMetadataLocation: `m${i}.json`, nowMs: 10 + i });
    expect(md['metadata-log']!.map((e) => e['metadata-file'])).toEqual(['m1.json', 'm2.json']);
  });
  it('builds a whole table from updates on empty metadata (create transaction)', () => {
    const updates: TableUpdate[] = [
      { action: 'assign-uuid', uuid: 'cccccccc-0000-0000-0000-000000000003' },
      { action: 'upgrade-format-version', 'format-version': 2 },
      { action: 'add-schema', schema, 'last-column-id': 2 },
      { action: 'set-current-schema', 'schema-id': -1 },
      { action: 'add-spec', spec: { 'spec-id': 0, fields: [] } },
      { action: 'set-default-spec', 'spec-id': -1 },
      { action: 'add-sort-order', 'sort-order': { 'order-id': 0, fields: [] } },
      { action: 'set-default-sort-order', 'sort-order-id': -1 },
      { action: 'set-location', location: 's3://b/new' },
      { action: 'set-properties', updates: { owner: 'floe' } },
    ];
    const md = applyUpdates(emptyTableMetadata(), updates, { nowMs: 1 });
    expect(md).toMatchObject({ 'current-schema-id': 0, 'default-spec-id': 0, 'default-sort-order-id': 0, 'last-column-id': 2, location: 's3://b/new' });
    expect(() => applyUpdates(emptyTableMetadata(), updates.slice(0, 3))).toThrow(/current schema/);
  });
});

describe('checkRequirements', () => {
  const md = commit(base(), snap(1, 1));
  it('passes when everything holds', () => {
    expect(checkRequirements(md, [
      { type: 'assert-table-uuid', uuid: 'AAAAAAAA-0000-0000-0000-000000000001' },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1 },
      { type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': null },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 2 },
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 999 },
      { type: 'assert-default-spec-id', 'default-spec-id': 0 },
      { type: 'assert-default-sort-order-id', 'default-sort-order-id': 0 },
    ])).toBeUndefined();
  });
  it('returns the first failure', () => {
    const f = checkRequirements(md, [
      { type: 'assert-current-schema-id', 'current-schema-id': 0 },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 2 },
      { type: 'assert-default-spec-id', 'default-spec-id': 5 },
    ]);
    expect(f!.requirement).toEqual({ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 2 });
    expect(f!.message).toMatch(/expected 2, found 1/);
  });
  it('covers each requirement type failing', () => {
    const fails = [
      { type: 'assert-table-uuid', uuid: 'other' },
      { type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null },
      { type: 'assert-ref-snapshot-id', ref: 'dev', 'snapshot-id': 1 },
      { type: 'assert-last-assigned-field-id', 'last-assigned-field-id': 3 },
      { type: 'assert-current-schema-id', 'current-schema-id': 1 },
      { type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': 1000 },
      { type: 'assert-default-spec-id', 'default-spec-id': 1 },
      { type: 'assert-default-sort-order-id', 'default-sort-order-id': 1 },
      { type: 'assert-create' },
    ] as const;
    for (const r of fails) expect(checkRequirements(md, [r]), r.type).toBeDefined();
  });
  it('main on an empty table: null holds, an id does not', () => {
    expect(checkRequirements(base(), [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': null }])).toBeUndefined();
    expect(checkRequirements(base(), [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': 1 }])).toBeDefined();
  });
  it('missing table: only assert-create holds', () => {
    expect(checkRequirements(undefined, [{ type: 'assert-create' }])).toBeUndefined();
    expect(checkRequirements(undefined, [{ type: 'assert-current-schema-id', 'current-schema-id': 0 }])!.message).toMatch(/does not exist/);
  });
});

describe('applyUpdates: statistics files', () => {
  const big = 7_431_234_567_890_123_456n; // a Java snapshot id: outside Number's safe range
  const stats = (id: number | bigint, path = `s3://b/t/metadata/${String(id)}.stats`) => ({
    'snapshot-id': id,
    'statistics-path': path,
    'file-size-in-bytes': 413,
    'file-footer-size-in-bytes': 250,
    'blob-metadata': [{ type: 'apache-datasketches-theta-v1', 'snapshot-id': id, 'sequence-number': 1, fields: [1], properties: { ndv: '3' } }],
  });

  it('keeps one statistics file per snapshot, replaced by a later set and dropped by remove or with its snapshot', () => {
    let md = commit(base(), snap(1, 1));
    md = applyUpdates(md, [{ action: 'set-statistics', 'snapshot-id': 1, statistics: stats(1, 's3://b/t/metadata/a.stats') }]);
    md = applyUpdates(md, [{ action: 'set-statistics', statistics: stats(1, 's3://b/t/metadata/b.stats') }]);
    expect(md.statistics).toEqual([stats(1, 's3://b/t/metadata/b.stats')]);
    md = applyUpdates(md, [{ action: 'set-partition-statistics', 'partition-statistics': { 'snapshot-id': 1, 'statistics-path': 's3://b/t/p.parquet', 'file-size-in-bytes': 9 } }]);
    expect(md['partition-statistics']).toEqual([{ 'snapshot-id': 1, 'statistics-path': 's3://b/t/p.parquet', 'file-size-in-bytes': 9 }]);
    // Written and read back as a reader sees it.
    expect(parseTableMetadata(JSON.parse(JSON.stringify(md))).statistics).toEqual(md.statistics);
    const removed = applyUpdates(md, [{ action: 'remove-statistics', 'snapshot-id': 1 }, { action: 'remove-partition-statistics', 'snapshot-id': 1 }]);
    expect(removed.statistics).toEqual([]);
    expect(removed['partition-statistics']).toEqual([]);
    // Removing what is not there is no error, as in Java.
    expect(() => applyUpdates(md, [{ action: 'remove-statistics', 'snapshot-id': 99 }])).not.toThrow();
    const md2 = commit(md, snap(2, 2, 1));
    expect(applyUpdates(md2, [{ action: 'remove-snapshots', 'snapshot-ids': [1] }]).statistics).toEqual([]);
  });

  it('keeps 64-bit ids exact', () => {
    const md = applyUpdates(base(), [{ action: 'set-statistics', statistics: stats(big) }]);
    expect((md.statistics as Array<{ 'snapshot-id': bigint }>)[0]!['snapshot-id']).toBe(big);
    expect(applyUpdates(md, [{ action: 'remove-statistics', 'snapshot-id': big }]).statistics).toEqual([]);
  });

  it('refuses a malformed statistics file with the field that is wrong', () => {
    const bad = (statistics: unknown) => () => applyUpdates(base(), [{ action: 'set-statistics', statistics } as TableUpdate]);
    expect(bad(undefined)).toThrow(/statistics object/);
    expect(bad({ ...stats(1), 'statistics-path': 7 })).toThrow(/statistics-path/);
    expect(bad({ ...stats(1), 'file-size-in-bytes': -1 })).toThrow(/file-size-in-bytes must not be negative/);
    expect(bad({ ...stats(1), 'snapshot-id': 1.5 })).toThrow(/snapshot-id must be a long/);
    expect(bad({ ...stats(1), 'blob-metadata': {} })).toThrow(/blob-metadata must be a list/);
    expect(bad({ ...stats(1), 'blob-metadata': [{ type: 't', 'snapshot-id': 1, 'sequence-number': 1, fields: ['a'] }] })).toThrow(/fields/);
    expect(bad({ ...stats(1), 'blob-metadata': [{ type: 't', 'snapshot-id': 1, 'sequence-number': 1, fields: [], properties: { a: 1 } }] })).toThrow(/properties/);
    expect(bad({ ...stats(1), 'blob-metadata': Array.from({ length: 10_001 }, () => stats(1)['blob-metadata'][0]) })).toThrow(/at most 10000 blobs/);
    expect(() => applyUpdates(base(), [{ action: 'set-partition-statistics', 'partition-statistics': { 'snapshot-id': 1 } } as unknown as TableUpdate])).toThrow(/statistics-path/);
  });

  it('names an unknown action without serializing the update (a bigint in it must not crash the error)', () => {
    const u = { action: 'frobnicate', 'snapshot-id': big } as unknown as TableUpdate;
    expect(() => applyUpdates(base(), [u])).toThrow(/unknown update action frobnicate/);
  });
});
