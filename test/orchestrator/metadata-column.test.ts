import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { createColumn, RecordBatchBuilder, type RecordBatchBuilderOptions, type Row } from '../../src/arrow/builder.js';
import type { PartitionSpec, Schema, StructType } from '../../src/iceberg/spec/types.js';
import { metadataRow, migrateHeaders } from '../../src/orchestrator/bronze.js';
import { KafkaMetadataColumn } from '../../src/orchestrator/metadata-column.js';
import { tupleFunction } from '../../src/orchestrator/partition-tuple.js';
import type { SourceRecord } from '../../src/source/types.js';

/** floe's own bronze metadata struct (what table-create makes from metadataAvroField). */
const META: StructType = {
  type: 'struct',
  fields: [
    { id: 3, name: 'topic', required: true, type: 'string' },
    { id: 4, name: 'partition', required: true, type: 'int' },
    { id: 5, name: 'offset', required: true, type: 'long' },
    { id: 6, name: 'timestamp', required: false, type: 'timestamptz' },
    { id: 7, name: 'key', required: false, type: 'binary' },
    {
      id: 8, name: 'headers', required: true,
      type: { type: 'list', 'element-id': 9, 'element-required': true, element: { type: 'struct', fields: [{ id: 10, name: 'key', required: true, type: 'string' }, { id: 11, name: 'value', required: false, type: 'binary' }] } },
    },
  ],
};

function schemaWith(meta: StructType): Schema {
  return {
    type: 'struct', 'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: false, type: 'long' },
      { id: 2, name: '_kafka', required: true, type: meta },
      { id: 20, name: 'after', required: false, type: 'int' },
    ],
  };
}

const OWN: RecordBatchBuilderOptions = {
  columns: {
    _kafka: (f, arrowType, cap) => new KafkaMetadataColumn(arrowType as arrow.Struct, f.type as StructType, !f.required, f.name, cap),
  },
};

function record(k: number, topic = 'orders'): SourceRecord {
  const headers = k % 3 === 0 ? [] : [{ key: 'h', value: k % 2 ? Buffer.from([k & 0xff]) : null }, { key: 'h', value: Buffer.from('dup') }];
  return {
    topic,
    partition: k % 5,
    // Offsets beyond 2^53 and timestamps around the epoch, Kafka's -1 and far dates.
    offset: k % 7 === 0 ? 9_223_372_036_854_775_000n + BigInt(k % 800) : BigInt(k * 1000),
    timestamp: k % 11 === 0 ? -1 : k % 13 === 0 ? 0 : k % 17 === 0 ? 253_402_300_799_999 : 1_765_000_000_000 + k,
    key: k % 4 === 0 ? null : Buffer.from(`key-${k}`),
    value: Buffer.from('v'),
    headers,
    sizeBytes: 10,
  };
}

/** Rows as plain JSON-able values, to compare two tables column by column. */
function rowsOf(t: arrow.Table): unknown[] {
  return t.toArray().map((r) => JSON.parse(JSON.stringify(r.toJSON(), (_k, v) => (typeof v === 'bigint' ? `${v}n` : v instanceof Uint8Array ? [...v] : v))));
}

/** The same records through the generic builders (a MetadataRow per row) and through KafkaMetadataColumn. */
function both(schema: Schema, records: SourceRecord[]): { generic: arrow.Table; own: arrow.Table } {
  const g = new RecordBatchBuilder(schema, { initialCapacity: 4 });
  const o = new RecordBatchBuilder(schema, { ...OWN, initialCapacity: 4 });
  records.forEach((r, k) => {
    g.append({ id: BigInt(k), _kafka: metadataRow(r), after: k });
    o.append({ id: BigInt(k), _kafka: r, after: k });
  });
  return { generic: g.finishTable(), own: o.finishTable() };
}

describe('KafkaMetadataColumn', () => {
  it('builds the same Arrow data as the generic builders from a MetadataRow, over several batches', () => {
    const schema = schemaWith(META);
    const g = new RecordBatchBuilder(schema, { initialCapacity: 4 });
    const o = new RecordBatchBuilder(schema, { ...OWN, initialCapacity: 4 });
    for (const size of [1, 37, 300]) {
      for (let k = 0; k < size; k++) {
        const r = record(k, k % 50 < 30 ? 'orders' : 'orders-β'); // two topics, one not ASCII
        g.append({ id: BigInt(k), _kafka: metadataRow(r), after: k });
        o.append({ id: BigInt(k), _kafka: r, after: k });
      }
      const a = g.finishTable();
      const b = o.finishTable();
      expect(rowsOf(b)).toEqual(rowsOf(a));
      expect(b.schema.fields.map((f) => String(f.type))).toEqual(a.schema.fields.map((f) => String(f.type)));
      // The same Arrow IPC bytes: types, nulls and buffers alike (what the Parquet writer gets).
      expect(Buffer.from(arrow.tableToIPC(b, 'stream')).equals(Buffer.from(arrow.tableToIPC(a, 'stream')))).toBe(true);
    }
  });

  it('stores Kafka’s "no timestamp" (-1) as null and microseconds exactly up to year 9999', () => {
    const { own } = both(schemaWith(META), [record(11), record(17)]);
    const ts = own.getChild('_kafka')!.getChildAt(3)!;
    expect(ts.get(0)).toBeNull();
    expect(ts.nullCount).toBe(1);
    expect((ts.data[0]!.values as BigInt64Array)[1]).toBe(253_402_300_799_999_000n);
  });

  it('keeps one topic batch small: no bytes per row beyond the topic itself', () => {
    const { own } = both(schemaWith(META), Array.from({ length: 1000 }, (_, k) => record(k)));
    const topic = own.getChild('_kafka')!.getChildAt(0)!;
    expect(topic.data[0]!.values.length).toBe(1000 * 'orders'.length);
    expect(topic.get(999)).toBe('orders');
  });

  it('rolls back a row whose later column fails, and the batch goes on', () => {
    const schema = schemaWith(META);
    const b = new RecordBatchBuilder(schema, OWN);
    b.append({ id: 1n, _kafka: record(1), after: 1 });
    expect(() => b.append({ id: 2n, _kafka: record(2, 'other'), after: 'not an int' } as Row)).toThrow(/after/);
    b.append({ id: 3n, _kafka: record(11), after: 3 });
    const t = b.finishTable();
    expect(t.numRows).toBe(2);
    const k = t.getChild('_kafka')!;
    expect(k.getChildAt(0)!.toArray()).toEqual(['orders', 'orders']);
    expect([...k.getChildAt(2)!.toArray()]).toEqual([1000n, 11000n]);
    expect(k.getChildAt(3)!.nullCount).toBe(1);
  });

  it('fills a migrated table’s headers_map with nulls and the list with every header, like the generic path', () => {
    const migrated = migrateHeaders(
      schemaWith({ ...META, fields: META.fields.map((f) => (f.name === 'headers' ? { ...f, type: { type: 'map', 'key-id': 12, key: 'string', 'value-id': 13, value: 'binary', 'value-required': false } } : f)) }),
      '_kafka',
      20,
    )!.schema;
    const { generic, own } = both(migrated, [record(1), record(3), record(5)]);
    expect(rowsOf(own)).toEqual(rowsOf(generic));
    expect(own.getChild('_kafka')!.getChild('headers_map')!.nullCount).toBe(3);
  });

  it('takes fields of other types than floe creates through the generic builders', () => {
    const odd: StructType = {
      type: 'struct',
      fields: META.fields.map((f) => (f.name === 'partition' ? { ...f, type: 'long' as const } : f.name === 'timestamp' ? { ...f, required: true } : f)),
    };
    const { generic, own } = both(schemaWith(odd), [record(1), record(2)]);
    expect(rowsOf(own)).toEqual(rowsOf(generic));
    // Required timestamp: a record without one fails the same way on both paths.
    expect(() => both(schemaWith(odd), [record(11)])).toThrow(/_kafka\.timestamp/);
  });

  it('refuses a value that is not a Kafka record', () => {
    const b = new RecordBatchBuilder(schemaWith(META), OWN);
    expect(() => b.append({ id: 1n, _kafka: metadataRow(record(1)) as unknown as Row, after: 1 })).toThrow(/Kafka record/);
  });

  it('falls back to the generic column for a non-struct metadata field (nothing else is built)', () => {
    const schema = schemaWith(META);
    const b = new RecordBatchBuilder(schema, { columns: { _kafka: (f, t, cap) => createColumn(f.type, t, !f.required, f.name, cap) } });
    b.append({ id: 1n, _kafka: metadataRow(record(1)), after: 1 });
    expect(b.finishTable().numRows).toBe(1);
  });
});

describe('partition tuples of bronze rows carrying the record', () => {
  it('reads $kafka sources from the record as its metadata row holds them', () => {
    const schema = schemaWith(META);
    const spec: PartitionSpec = {
      'spec-id': 1,
      fields: [
        { 'source-id': 6, 'field-id': 1000, name: 'ts_day', transform: 'day' },
        { 'source-id': 4, 'field-id': 1001, name: 'partition', transform: 'identity' },
        { 'source-id': 3, 'field-id': 1002, name: 'topic', transform: 'identity' },
      ],
    };
    const fromRecord = tupleFunction(schema, spec, '_kafka');
    const fromRow = tupleFunction(schema, spec);
    for (const k of [1, 11, 13, 17]) {
      const r = record(k);
      expect(fromRecord({ _kafka: r })).toEqual(fromRow({ _kafka: metadataRow(r) }));
    }
    expect(fromRecord({ _kafka: record(11) })[0]).toBeNull();
  });
});
