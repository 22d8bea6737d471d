import { describe, expect, it } from 'vitest';
import { debeziumChange, debeziumRowSchema, kafkaKeyText, keyIdentity, keyRowFromKafkaKey, keyRowOf, SilverChanges } from '../../src/orchestrator/silver.js';

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
