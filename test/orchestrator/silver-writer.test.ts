/**
 * TableWriter in silver mode with in-memory fakes: one row per key per commit, an equality delete
 * for every touched key in the key's partition, `_key` for Kafka-keyed tables, and the refusal of
 * partitioning by a non-key column.
 */
import { describe, expect, it } from 'vitest';
import { StaticSchemaSource } from '../../src/decode/index.js';
import type { LoadedTable, TableIdentifier } from '../../src/iceberg/catalog/types.js';
import type { DataFile, TableMetadata } from '../../src/iceberg/spec/types.js';
import { TableWriter } from '../../src/orchestrator/table-writer.js';
import { FakeStore, fakeDeps, mapping, record } from './fakes.js';

const id = { namespace: ['raw'], name: 'orders' };
const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }] };
const schemas = new StaticSchemaSource({ 1: v1 });

class SilverStore extends FakeStore {
  deltas: Array<{ data: DataFile[]; deletes: DataFile[] }> = [];
  async rowDelta(i: TableIdentifier, t: LoadedTable, data: DataFile[], deletes: DataFile[], properties: (m: TableMetadata) => Record<string, string>): Promise<LoadedTable> {
    this.deltas.push({ data, deletes });
    return this.append(i, t, [...data, ...deletes], properties);
  }
}

async function setup(table: Record<string, unknown>) {
  const store = new SilverStore();
  const w = new TableWriter(id, mapping({ mode: 'silver', ...table }), fakeDeps(store));
  await w.assign([{ topic: 'orders', partition: 0 }]);
  const plan = await w.preparePlan(schemas.peek(1)!);
  return { store, w, plan };
}

describe('TableWriter, silver', () => {
  it('writes the last row per key and an equality delete per touched key, in the key partition', async () => {
    const { store, w, plan } = await setup({ key: { format: 'string', fields: ['id'] }, partitioning: [{ field: 'id', transform: 'bucket[4]' }] });
    if (plan.action !== 'write') throw new Error('plan');
    w.append(record('orders', 0, 0), plan.project({ id: 1n, qty: 1 }));
    w.append(record('orders', 0, 1), plan.project({ id: 2n, qty: 1 }));
    w.append(record('orders', 0, 2), plan.project({ id: 1n, qty: 2 }));
    w.remove(record('orders', 0, 3), { id: 2n });
    await w.flush('test');
    expect(store.deltas).toHaveLength(1);
    const d = store.deltas[0]!;
    expect(d.data.reduce((n, f) => n + f.recordCount, 0)).toBe(1);
    expect(d.deletes.reduce((n, f) => n + f.recordCount, 0)).toBe(2);
    expect(d.deletes.every((f) => f.content === 2 && f.equalityIds?.length === 1)).toBe(true);
    // Key 1's row, then its delete, then key 2's removal (no row) in a file of its own (it carries
    // the removal's position: silver.test.ts).
    const writes = store.events.filter((e) => e.startsWith('write'));
    expect(writes).toEqual(['write 1 rows schema 0 partition [0]', 'write 1 rows schema 0 partition [0]', 'write 1 rows schema 0 partition [0]']);
    expect(store.events.at(-1)).toMatch(/"orders":\{"0":"4"\}/);
    const fields = store.metadata!.schemas[0]!;
    expect(fields['identifier-field-ids']).toEqual([fields.fields.find((f) => f.name === 'id')!.id]);
  });

  it('keys by the Kafka key in a required _key column when key.fields is absent', async () => {
    const { store, w, plan } = await setup({ key: { format: 'string' } });
    if (plan.action !== 'write') throw new Error('plan');
    w.append(record('orders', 0, 0), plan.project({ id: 1n, qty: 1 }), 'k1');
    expect(() => w.append(record('orders', 0, 1), plan.project({ id: 2n, qty: 1 }), null)).toThrow(/no key/);
    await w.flush('test');
    const s = store.metadata!.schemas[0]!;
    const key = s.fields.find((f) => f.name === '_key')!;
    expect(key).toMatchObject({ required: true, type: 'string' });
    expect(s['identifier-field-ids']).toEqual([key.id]);
  });

  it('refuses partitioning by a column that is not part of the key', async () => {
    await expect(setup({ key: { format: 'string', fields: ['id'] }, partitioning: [{ field: 'qty', transform: 'identity' }] })).rejects.toThrow(/only be partitioned by key fields/);
  });
});
