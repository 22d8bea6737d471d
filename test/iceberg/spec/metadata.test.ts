import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { parseJson, stringifyJson } from '../../../src/iceberg/spec/json.js';
import {
  currentSchema,
  currentSnapshot,
  defaultSortOrder,
  defaultSpec,
  emptyTableMetadata,
  isAncestorOf,
  newSnapshotId,
  newTableMetadata,
  parseTableMetadata,
  refSnapshotId,
  schemaById,
  snapshotById,
  snapshotsAncestry,
  tableMetadataToJson,
} from '../../../src/iceberg/spec/metadata.js';
import { buildPartitionSpec } from '../../../src/iceberg/spec/partition.js';
import { buildSortOrder } from '../../../src/iceberg/spec/sort.js';
import type { Schema } from '../../../src/iceberg/spec/types.js';

const fixture = (name: string) => readFileSync(new URL(`../../fixtures/metadata/${name}`, import.meta.url), 'utf8');

describe('parseTableMetadata v1', () => {
  const md = parseTableMetadata(fixture('v1-legacy.json'));
  it('moves legacy schema and partition-spec into the v2 lists', () => {
    expect(md['format-version']).toBe(1);
    expect(md.schemas).toHaveLength(1);
    expect(md['current-schema-id']).toBe(0);
    expect(currentSchema(md).fields[2]!.type).toBe('decimal(9,2)');
    expect(md).not.toHaveProperty('schema');
    expect(md).not.toHaveProperty('partition-spec');
    expect(defaultSpec(md)).toEqual({
      'spec-id': 0,
      fields: [
        { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
        { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[8]' },
      ],
    });
    expect(md['last-partition-id']).toBe(1001);
    expect(defaultSortOrder(md)).toEqual({ 'order-id': 0, fields: [] });
  });
  it('defaults sequence numbers to 0 and keeps 63-bit ids exact', () => {
    expect(md['last-sequence-number']).toBe(0);
    expect(md.snapshots!.every((s) => s['sequence-number'] === 0)).toBe(true);
    expect(String(md['current-snapshot-id'])).toBe('7212398749823749812');
    expect(String(refSnapshotId(md))).toBe('7212398749823749812');
    expect(md.refs!.main!.type).toBe('branch');
    const ancestry = snapshotsAncestry(md, 7212398749823749812n).map((s) => String(s['snapshot-id']));
    expect(ancestry).toEqual(['7212398749823749812', '7212398749823749811']);
  });
  it('keeps v1-only snapshot fields and fills a missing summary', () => {
    const s = snapshotById(md, 7212398749823749812n)!;
    expect((s as unknown as Record<string, unknown>).manifests).toEqual(['s3://warehouse/db/events_v1/metadata/m1.avro']);
    expect(s.summary.operation).toBe('append');
  });
  it('writes v1 back with its legacy fields and without sequence numbers', () => {
    const json = tableMetadataToJson(md);
    expect(json.schema).toBeDefined();
    expect(json['partition-spec']).toEqual(defaultSpec(md).fields);
    expect(json).not.toHaveProperty('last-sequence-number');
    expect((json.snapshots as object[])[0]).not.toHaveProperty('sequence-number');
    const again = parseTableMetadata(stringifyJson(json));
    expect(again).toEqual(md);
  });
  it('reads an empty v1 table without uuid, -1 current snapshot', () => {
    const e = parseTableMetadata(fixture('v1-empty.json'));
    expect(e['current-snapshot-id']).toBeNull();
    expect(currentSnapshot(e)).toBeUndefined();
    expect(refSnapshotId(e)).toBeUndefined();
    expect(e.refs).toEqual({});
    expect(defaultSpec(e).fields).toEqual([]);
    expect(tableMetadataToJson(e)['current-snapshot-id']).toBe(-1);
  });
});

describe('parseTableMetadata v2', () => {
  const md = parseTableMetadata(parseJson(fixture('v2-full.json')));
  it('reads schemas, specs, orders, refs and logs', () => {
    expect(currentSchema(md)['identifier-field-ids']).toEqual([1]);
    expect(schemaById(md, 0)!.fields).toHaveLength(2);
    expect(defaultSpec(md)['spec-id']).toBe(1);
    expect(defaultSortOrder(md).fields).toHaveLength(2);
    expect(md['last-sequence-number']).toBe(3);
    expect(md.refs!.audit).toEqual({ 'snapshot-id': 1001, type: 'tag', 'max-ref-age-ms': 10000000 });
    expect(String(currentSnapshot(md)!['snapshot-id'])).toBe('3051729675574597004');
    expect(md['metadata-log']).toHaveLength(1);
    expect(md.statistics).toHaveLength(1);
  });
  it('walks ancestry and answers ancestor questions', () => {
    const head = md['current-snapshot-id']!;
    expect(snapshotsAncestry(md, head).map((s) => String(s['snapshot-id']))).toEqual(['3051729675574597004', '1002', '1001']);
    expect(isAncestorOf(md, head, 1001)).toBe(true);
    expect(isAncestorOf(md, 1001, head)).toBe(false);
    expect(snapshotsAncestry(md, 424242)).toEqual([]);
  });
  it('round-trips through JSON text exactly', () => {
    const text = stringifyJson(tableMetadataToJson(md));
    expect(text).toContain('"current-snapshot-id":3051729675574597004');
    expect(parseTableMetadata(text)).toEqual(md);
  });
  it('adds a main ref when refs are missing', () => {
    const raw = parseJson(fixture('v2-full.json')) as Record<string, unknown>;
    delete raw.refs;
    const m = parseTableMetadata(raw);
    expect(String(m.refs!.main!['snapshot-id'])).toBe('3051729675574597004');
  });
  it('rejects inconsistent or unsupported metadata', () => {
    const raw = () => parseJson(fixture('v2-full.json')) as Record<string, unknown>;
    expect(() => parseTableMetadata({ ...raw(), 'format-version': 4 })).toThrow(/format-version/);
    expect(() => parseTableMetadata({ ...raw(), 'current-schema-id': 9 })).toThrow(/current schema/);
    expect(() => parseTableMetadata({ ...raw(), 'default-spec-id': 9 })).toThrow(/default spec/);
    expect(() => parseTableMetadata({ ...raw(), 'current-snapshot-id': 5 })).toThrow();
    expect(() => parseTableMetadata({ ...raw(), refs: { main: { 'snapshot-id': 1001, type: 'branch' } } })).toThrow(/main ref/);
    expect(() => parseTableMetadata({ ...raw(), location: undefined })).toThrow(/location/);
    expect(() => parseTableMetadata('[]')).toThrow();
  });
});

describe('parseTableMetadata v3', () => {
  const md = parseTableMetadata(fixture('v3-extended.json'));
  it('reads new types, multi-arg transforms and row lineage without failing', () => {
    expect(md['format-version']).toBe(3);
    expect(md['next-row-id']).toBe(250);
    expect(currentSchema(md).fields.map((f) => f.type)).toEqual(['string', 'timestamptz_ns', 'variant', 'unknown', 'int']);
    expect(currentSchema(md).fields[4]).toMatchObject({ 'initial-default': 1, 'write-default': 2 });
    expect(defaultSpec(md).fields[1]).toMatchObject({ transform: 'zorder', 'source-ids': [1, 2] });
    expect(currentSnapshot(md)).toMatchObject({ 'first-row-id': 0, 'added-rows': 250, 'key-id': 'k1' });
  });
  it('keeps unknown top-level fields through a round trip', () => {
    expect(md['encryption-keys']).toEqual([{ 'key-id': 'k1', 'encrypted-key-metadata': 'aWNlYmVyZwo=' }]);
    const json = tableMetadataToJson(md);
    expect(json['row-lineage-future-field']).toEqual({ kept: true });
    expect(parseTableMetadata(stringifyJson(json))).toEqual(md);
  });
});

describe('newTableMetadata', () => {
  const input: Schema = {
    type: 'struct',
    'schema-id': 7,
    'identifier-field-ids': [20],
    fields: [
      { id: 20, name: 'id', required: true, type: 'long' },
      { id: 10, name: 'ts', required: false, type: 'timestamptz' },
      { id: 30, name: 'm', required: false, type: { type: 'map', 'key-id': 31, key: 'string', 'value-id': 32, value: 'int', 'value-required': false } },
    ],
  };
  it('assigns fresh ids and remaps spec and sort order', () => {
    const spec = buildPartitionSpec(input, [{ source: 'ts', transform: 'day' }, { source: 'id', transform: 'bucket[8]' }], { specId: 4, lastPartitionId: 1500 });
    const order = buildSortOrder(input, [{ source: 'ts' }], 5);
    const md = newTableMetadata({ location: 's3://b/t/', schema: input, spec, sortOrder: order, properties: { a: 'b', 'format-version': '2' }, nowMs: 5, tableUuid: 'u' });
    expect(md).toMatchObject({
      'format-version': 2, 'table-uuid': 'u', location: 's3://b/t', 'last-sequence-number': 0, 'last-updated-ms': 5,
      'last-column-id': 5, 'current-schema-id': 0, 'default-spec-id': 0, 'last-partition-id': 1001,
      'default-sort-order-id': 1, properties: { a: 'b' }, 'current-snapshot-id': null, snapshots: [], refs: {},
    });
    expect(currentSchema(md).fields.map((f) => f.id)).toEqual([1, 2, 3]);
    expect(currentSchema(md)['identifier-field-ids']).toEqual([1]);
    expect(defaultSpec(md).fields).toEqual([
      { 'source-id': 2, 'field-id': 1000, name: 'ts_day', transform: 'day' },
      { 'source-id': 1, 'field-id': 1001, name: 'id_bucket', transform: 'bucket[8]' },
    ]);
    expect(defaultSortOrder(md)).toEqual({ 'order-id': 1, fields: [{ transform: 'identity', 'source-id': 2, direction: 'asc', 'null-order': 'nulls-first' }] });
    expect(parseTableMetadata(stringifyJson(tableMetadataToJson(md)))).toEqual(md);
  });
  it('unpartitioned, unsorted, v3 by property', () => {
    const md = newTableMetadata({ location: 'file:///x', schema: input, properties: { 'format-version': '3' } });
    expect(md['format-version']).toBe(3);
    expect(md['next-row-id']).toBe(0);
    expect(defaultSpec(md)).toEqual({ 'spec-id': 0, fields: [] });
    expect(md['last-partition-id']).toBe(999);
    expect(defaultSortOrder(md)).toEqual({ 'order-id': 0, fields: [] });
    expect(md['table-uuid']).toMatch(/^[0-9a-f-]{36}$/);
    expect(tableMetadataToJson(md)['current-snapshot-id']).toBeNull();
  });
  it('emptyTableMetadata has nothing current yet', () => {
    const e = emptyTableMetadata();
    expect(e.schemas).toEqual([]);
    expect(e['current-schema-id']).toBe(-1);
  });
});

describe('newSnapshotId', () => {
  it('is a positive safe integer and avoids existing ids', () => {
    const ids = new Set<number>();
    for (let i = 0; i < 1000; i++) {
      const id = newSnapshotId();
      expect(Number.isSafeInteger(id) && id > 0).toBe(true);
      ids.add(id);
    }
    expect(ids.size).toBe(1000);
    // Large ids appear: the whole 53-bit range is used.
    expect([...ids].some((id) => id > 2 ** 50)).toBe(true);
  });
});
