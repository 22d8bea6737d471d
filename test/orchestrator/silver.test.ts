import { describe, expect, it } from 'vitest';
import type { RecordBatchBuilder } from '../../src/arrow/builder.js';
import type { DataFile, Schema } from '../../src/iceberg/spec/types.js';
import type { PartitionData } from '../../src/orchestrator/ports.js';
import { debeziumChange, debeziumRowSchema, kafkaKeyText, keyIdentity, keyInColumnTypes, keyRowFromKafkaKey, keyRowOf, SilverChanges, writeChangeFiles } from '../../src/orchestrator/silver.js';
import type { FloeError } from '../../src/util/errors.js';

const envelope = {
  type: 'record',
  name: 'Envelope',
  namespace: 'db.public.customers',
  fields: [
    { name: 'before', type: ['null', { type: 'record', name: 'Value', fields: [{ name: 'id', type: 'long' }, { name: 'email', type: 'string' }] }], default: null },
    { name: 'after', type: ['null', 'Value'], default: null },
    { name: 'source', type: { type: 'record', name: 'Source', fields: [{ name: 'db', type: 'string' }] } },
    { name: 'op', type: 'string' },
    { name: 'ts_ms', type: ['null', 'long'], default: null },
  ],
};

describe('silver keys', () => {
  it('Kafka keys become _key text: strings as is, Avro records as JSON, bytes as hex', () => {
    expect(kafkaKeyText('k1')).toBe('k1');
    expect(kafkaKeyText({ id: 7n, region: 'eu' })).toBe('{"id":"7","region":"eu"}');
    expect(kafkaKeyText(new Uint8Array([1, 255]))).toBe('01ff');
    expect(kafkaKeyText(null)).toBeNull();
  });

  it('tombstone keys map onto the key columns or are refused', () => {
    expect(keyRowFromKafkaKey(['_key'], 'a')).toEqual({ _key: 'a' });
    expect(keyRowFromKafkaKey(['id'], { id: 3n, other: 1 })).toEqual({ id: 3n });
    expect(keyRowFromKafkaKey(['id'], 'x')).toEqual({ id: 'x' });
    expect(keyRowFromKafkaKey(['id', 'r'], { id: 3n })).toBeUndefined();
    expect(keyRowFromKafkaKey(['id'], null)).toBeUndefined();
  });

  it('a json Kafka key is read as a document for key fields, big integers exactly; _key keeps its text', () => {
    expect(keyRowFromKafkaKey(['id'], '{"id": 2, "x": 1.5}', 'json')).toEqual({ id: 2 });
    expect(keyRowFromKafkaKey(['id'], '{"id": 9007199254740993}', 'json')).toEqual({ id: 9007199254740993n });
    expect(keyRowFromKafkaKey(['id', 'r'], '{"r": "eu", "id": -3}', 'json')).toEqual({ id: -3, r: 'eu' });
    expect(keyRowFromKafkaKey(['id'], '42', 'json')).toEqual({ id: 42 });
    expect(keyRowFromKafkaKey(['id'], '{"other": 1}', 'json')).toBeUndefined();
    expect(keyRowFromKafkaKey(['_key'], '{"id": 2}', 'json')).toEqual({ _key: '{"id": 2}' });
    // A string key format is not parsed: '{"id": 2}' is the key's whole value.
    expect(keyRowFromKafkaKey(['id'], '{"id": 2}', 'string')).toEqual({ id: '{"id": 2}' });
  });

  it('keys from the Kafka key take the key columns types, or are refused with SILVER_BAD_KEY', () => {
    const schema = { type: 'struct', 'schema-id': 0, fields: [
      { id: 1, name: 'id', type: 'long', required: true },
      { id: 2, name: 'n', type: 'int', required: true },
      { id: 3, name: 's', type: 'string', required: true },
      { id: 4, name: 'd', type: 'date', required: true },
    ] } as unknown as Schema;
    const cols = ['id', 'n', 's', 'd'];
    expect(keyInColumnTypes(cols, { id: '42', n: '-7', s: 9, d: 5 }, schema)).toEqual({ id: 42n, n: -7, s: '9', d: 5 });
    expect(keyInColumnTypes(cols, { id: 42, n: 7n, s: 'x', d: 5 }, schema)).toEqual({ id: 42n, n: 7, s: 'x', d: 5 });
    expect(keyInColumnTypes(['id'], { id: '9223372036854775807' }, schema)).toEqual({ id: 9223372036854775807n });
    const refused = (key: Record<string, unknown>) => {
      try {
        keyInColumnTypes(Object.keys(key), key, schema);
      } catch (err) {
        return (err as FloeError).code;
      }
      return 'accepted';
    };
    expect(refused({ id: 'k4' })).toBe('SILVER_BAD_KEY');
    expect(refused({ id: '9223372036854775808' })).toBe('SILVER_BAD_KEY');
    expect(refused({ id: 1.5 })).toBe('SILVER_BAD_KEY');
    expect(refused({ n: '2147483648' })).toBe('SILVER_BAD_KEY');
    expect(refused({ s: new Uint8Array([1]) })).toBe('SILVER_BAD_KEY');
    // No table yet: nothing to coerce against.
    expect(keyInColumnTypes(['id'], { id: 'k4' }, undefined)).toEqual({ id: 'k4' });
  });

  it('rows with a null key column have no key; 3 and 3n are the same key', () => {
    expect(keyRowOf(['id'], { id: null, v: 1 })).toBeUndefined();
    expect(keyIdentity(['id'], { id: 3 })).toBe(keyIdentity(['id'], { id: 3n }));
  });

  it('two different composite keys never share an identity, whatever their strings hold', () => {
    // A producer controls key strings; once these two keys merged and one of them was lost.
    const c = new SilverChanges(['a', 'b']);
    c.put({ a: 'x\u0000string:y', b: 'z' }, { a: 'x\u0000string:y', b: 'z', v: 1 });
    c.put({ a: 'x', b: 'y\u0000string:z' }, { a: 'x', b: 'y\u0000string:z', v: 2 });
    expect(c.drain().map((ch) => ch.row?.v)).toEqual([1, 2]);
  });

  it('the last change per key wins within a commit', () => {
    const c = new SilverChanges(['id']);
    c.put({ id: 1 }, { id: 1, v: 'a' });
    c.put({ id: 2 }, { id: 2, v: 'b' });
    c.put({ id: 1 }, null);
    c.put({ id: 2 }, { id: 2, v: 'c' });
    expect(c.drain()).toEqual([
      { key: { id: 1 }, row: null },
      { key: { id: 2 }, row: { id: 2, v: 'c' } },
    ]);
    expect(c.size).toBe(0);
  });
});

describe('Debezium envelopes', () => {
  it('the row schema is the before/after record, resolved by name', () => {
    const row = debeziumRowSchema(JSON.stringify(envelope));
    expect(row.name).toBe('Value');
    expect((row.fields as unknown[]).length).toBe(2);
    expect(() => debeziumRowSchema(JSON.stringify({ type: 'record', name: 'X', fields: [{ name: 'a', type: 'int' }] }))).toThrow(/before\/after/);
  });

  it('c, r, u upsert after; d deletes before; anything else is refused', () => {
    expect(debeziumChange({ op: 'c', before: null, after: { id: 1 } })).toEqual({ kind: 'upsert', value: { id: 1 } });
    expect(debeziumChange({ op: 'r', before: null, after: { id: 1 } }).kind).toBe('upsert');
    expect(debeziumChange({ op: 'u', before: { id: 1 }, after: { id: 1 } }).kind).toBe('upsert');
    expect(debeziumChange({ op: 'd', before: { id: 1 }, after: null })).toEqual({ kind: 'delete', before: { id: 1 } });
    expect(() => debeziumChange({ op: 'd', before: null, after: null })).toThrow(/before/);
    expect(() => debeziumChange({ op: 't', before: null, after: null })).toThrow(/unsupported/);
  });
});

describe('writeChangeFiles', () => {
  const meta = { topic: 'orders', partition: 0, offset: 9n, timestamp: null, key: null, headers: [] };
  const schema: Schema = {
    type: 'struct',
    'schema-id': 0,
    fields: [
      { id: 1, name: 'id', required: true, type: 'long' },
      { id: 2, name: 'qty', required: false, type: 'int' },
      { id: 3, name: '_kafka', required: true, type: { type: 'struct', fields: [{ id: 4, name: 'offset', required: true, type: 'long' }] } },
    ],
  };

  it("writes a removed key's delete with its Kafka metadata, in a file of its own; upserts' deletes hold the key only", async () => {
    const sinks: Array<{ names: string[]; rows: number }> = [];
    const write = async (parts: PartitionData[]): Promise<DataFile[]> =>
      parts
        .filter((p) => p.sink.rowCount > 0)
        .map((p) => {
          sinks.push({ names: (p.sink as RecordBatchBuilder).schema.fields.map((f) => f.name), rows: p.sink.rowCount });
          return { content: 0, filePath: `f${sinks.length}`, fileFormat: 'PARQUET', partition: [], recordCount: p.sink.rowCount, fileSizeInBytes: 1, specId: 0 } as unknown as DataFile;
        });
    const changes = [
      { key: { id: 1n }, row: { id: 1n, qty: 2, _kafka: { offset: 8n } } },
      { key: { id: 2n }, row: null, meta: { offset: meta.offset } },
      { key: { id: 3n }, row: null }, // a removal without metadata (no position known)
    ];
    const out = await writeChangeFiles(changes, schema, ['id'], '_kafka', () => ({ tuple: [], key: '' }), write);
    expect(sinks).toEqual([
      { names: ['id', 'qty', '_kafka'], rows: 1 },
      { names: ['id'], rows: 2 },
      { names: ['id', '_kafka'], rows: 1 },
    ]);
    expect(out.deletes.map((f) => [f.content, f.equalityIds])).toEqual([
      [2, [1]],
      [2, [1]],
    ]);
  });
});
