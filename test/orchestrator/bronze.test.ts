import { describe, expect, it } from 'vitest';
import {
  LEGACY_HEADERS_FIELD,
  metadataRow,
  migrateHeaders,
  optionalValueColumns,
  partitionSourcePath,
  replayOf,
  requiredValueColumns,
  tombstoneRow,
  withMetadataField,
  withoutColumn,
} from '../../src/orchestrator/bronze.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import type { SourceRecord } from '../../src/source/types.js';
import { FloeError } from '../../src/util/errors.js';

const record = (over: Partial<SourceRecord> = {}): SourceRecord => ({
  topic: 'orders',
  partition: 2,
  offset: 41n,
  timestamp: 1_700_000_000_123,
  key: Buffer.from('k'),
  value: Buffer.from('v'),
  headers: [
    { key: 'trace', value: Buffer.from('a') },
    { key: 'trace', value: null },
  ],
  sizeBytes: 10,
  ...over,
});

describe('bronze metadata column', () => {
  it('is appended to a record writer schema as one more Avro field', () => {
    const out = withMetadataField(JSON.stringify({ type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] }), '_kafka') as {
      fields: Array<{ name: string; type: { name?: string } }>;
    };
    expect(out.fields.map((f) => f.name)).toEqual(['id', '_kafka']);
    expect(out.fields[1]!.type.name).toBe('floe.internal.KafkaMetadata');
  });

  it('refuses values that are not records, or that already use the column name, with typed codes', () => {
    const code = (f: () => unknown) => {
      try {
        f();
      } catch (err) {
        return err instanceof FloeError ? err.code : 'not a FloeError';
      }
      return 'no error';
    };
    expect(code(() => withMetadataField('"string"', '_kafka'))).toBe('BRONZE_VALUE_NOT_RECORD');
    expect(code(() => withMetadataField(JSON.stringify({ type: 'record', name: 'R', fields: [{ name: '_kafka', type: 'int' }] }), '_kafka'))).toBe('BRONZE_COLUMN_CLASH');
  });

  it('keeps the Kafka coordinates exactly, timestamps in microseconds, and every header in order', () => {
    expect(metadataRow(record())).toEqual({
      topic: 'orders',
      partition: 2,
      offset: 41n,
      timestamp: 1_700_000_000_123_000n,
      key: Buffer.from('k'),
      headers: [
        { key: 'trace', value: Buffer.from('a') },
        { key: 'trace', value: null },
      ],
    });
  });

  it('copies the key and header values (silver keeps the row until its commit; the record’s are views into a reused fetch response)', () => {
    const r = record();
    const row = metadataRow(r);
    r.key!.fill(0);
    r.headers[0]!.value!.fill(0);
    expect(row.key).toEqual(Buffer.from('k'));
    expect(row.headers[0]!.value).toEqual(Buffer.from('a'));
  });

  it('stores Kafka’s "no timestamp" (-1) as null, not as a 1969 instant', () => {
    expect(metadataRow(record({ timestamp: -1 })).timestamp).toBeNull();
  });
});

describe('bronze value columns', () => {
  const schema: Schema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'note', required: false, type: 'string' },
      { id: 3, name: '_kafka', required: true, type: { type: 'struct', fields: [{ id: 4, name: 'topic', required: true, type: 'string' }] } },
    ],
  };

  it('makes top-level value columns optional (tombstones have no value) and leaves the metadata column', () => {
    const out = optionalValueColumns(schema, '_kafka');
    expect(out.fields.map((f) => [f.name, f.required])).toEqual([
      ['id', false],
      ['note', false],
      ['_kafka', true],
    ]);
    expect(requiredValueColumns(schema, '_kafka')).toEqual(['id']);
    expect(requiredValueColumns(out, '_kafka')).toEqual([]);
  });

  it('projects without the metadata column and writes tombstones as all-null values', () => {
    const values = withoutColumn(schema, '_kafka');
    expect(values.fields.map((f) => f.name)).toEqual(['id', 'note']);
    expect(tombstoneRow(values)).toEqual({ id: null, note: null });
  });

  it('maps $kafka partition sources into the metadata column', () => {
    expect(partitionSourcePath('$kafka.timestamp', '_kafka')).toBe('_kafka.timestamp');
    expect(partitionSourcePath('customer.id', '_kafka')).toBe('customer.id');
  });
});

describe('migrateHeaders', () => {
  const legacy: Schema = {
    type: 'struct',
    'schema-id': 3,
    fields: [
      { id: 1, name: 'id', required: false, type: 'long' },
      {
        id: 2,
        name: '_kafka',
        required: true,
        type: {
          type: 'struct',
          fields: [
            { id: 3, name: 'topic', required: true, type: 'string' },
            { id: 4, name: 'headers', required: true, type: { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: 'binary', 'value-required': false } },
          ],
        },
      },
    ],
  };

  it('renames the old map (same id, now optional) and adds a list of headers with fresh ids', () => {
    const out = migrateHeaders(legacy, '_kafka', 6)!;
    expect(out.lastColumnId).toBe(10);
    const meta = out.schema.fields[1]!.type as { fields: Array<{ id: number; name: string; required: boolean; type: unknown }> };
    expect(meta.fields.map((f) => [f.id, f.name, f.required])).toEqual([
      [3, 'topic', true],
      [4, LEGACY_HEADERS_FIELD, false],
      [7, 'headers', false],
    ]);
    expect(meta.fields[2]!.type).toMatchObject({ type: 'list', 'element-id': 8, element: { fields: [{ id: 9, name: 'key' }, { id: 10, name: 'value' }] } });
  });

  it('does nothing to a schema that already has the list', () => {
    const once = migrateHeaders(legacy, '_kafka', 6)!;
    expect(migrateHeaders(once.schema, '_kafka', once.lastColumnId)).toBeUndefined();
  });
});

describe('replayOf', () => {
  it('reads the original coordinates of a replayed dead letter from its header', () => {
    expect(replayOf(record({ headers: [{ key: 'floe.replay.of', value: Buffer.from('orders/3/1200') }] }))).toEqual({ topic: 'orders', partition: 3, offset: 1200n });
    expect(replayOf(record())).toBeUndefined();
    expect(replayOf(record({ headers: [{ key: 'floe.replay.of', value: Buffer.from('garbage') }] }))).toBeUndefined();
  });
});
