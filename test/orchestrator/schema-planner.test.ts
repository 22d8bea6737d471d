/**
 * SchemaPlanner alone, with the in-memory table store and a host that records what it is asked:
 * a missing table is an error only when floe may not create it; schema and spec follow new
 * metadata only while the host's buffer is empty; every schema change asks the host to flush
 * first; plans are remembered per writer schema until the working schema changes; tombstone rows
 * are refused until the value columns are optional.
 */
import { describe, expect, it } from 'vitest';
import { StaticSchemaSource } from '../../src/decode/index.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { withMetadataField } from '../../src/orchestrator/bronze.js';
import { daemonMetrics } from '../../src/orchestrator/metrics.js';
import { SchemaPlanner, type PlannerHost } from '../../src/orchestrator/schema-planner.js';
import { avroToIceberg } from '../../src/schema/index.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeStore, mapping } from './fakes.js';

const id = { namespace: ['raw'], name: 'orders' };
const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] };
const v2 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }] };
const schemas = new StaticSchemaSource({ 1: v1, 2: v2 });

class Host implements PlannerHost {
  bufferEmpty = true;
  readonly flushes: string[] = [];
  readonly adoptedIds: number[] = [];
  constructor(private readonly store: FakeStore) {}
  async flush(reason: string): Promise<void> {
    this.flushes.push(reason);
    this.store.events.push(`flush ${reason}`);
  }
  adopted(metadata: TableMetadata): void {
    this.adoptedIds.push(metadata['current-schema-id']);
  }
}

function planner(table: Record<string, unknown> = {}, store = new FakeStore()) {
  const host = new Host(store);
  const p = new SchemaPlanner(id, 'raw.orders', mapping(table), undefined, { store, metrics: daemonMetrics(), log: silentLogger }, host);
  return { p, host, store };
}

describe('SchemaPlanner', () => {
  it('opens a missing table only when floe may create it', async () => {
    await expect(planner({ createTables: false }).p.open()).rejects.toMatchObject({ code: 'CATALOG_NO_SUCH_TABLE' });
    const { p } = planner();
    await p.open();
    expect(p.table).toBeUndefined();
  });

  it('creates the table for the first writer schema and remembers its plan', async () => {
    const { p, host, store } = planner();
    const plan = await p.preparePlan(schemas.peek(1)!);
    expect(plan.action).toBe('write');
    expect(p.plan(schemas.peek(1)!)).toBe(plan);
    expect(p.schema!['schema-id']).toBe(0);
    expect(host.adoptedIds).toEqual([0]);
    expect(store.events).toEqual(['create schema 0']);
  });

  it('asks the host to flush before every schema change, and forgets plans of the old schema', async () => {
    const { p, host, store } = planner();
    const first = await p.preparePlan(schemas.peek(1)!);
    expect((await p.preparePlan(schemas.peek(2)!)).action).toBe('write');
    expect(store.events).toEqual(['create schema 0', 'flush schema-change', 'schema 1']);
    expect(host.flushes).toEqual(['schema-change']);
    expect(p.schema!['schema-id']).toBe(1);
    expect(p.plan(schemas.peek(1)!)).toBeUndefined(); // built for schema 0: planned again when needed
    expect(first.action).toBe('write');
  });

  it('keeps the working schema while rows are buffered; takes the new one once the buffer is empty', async () => {
    const store = new FakeStore();
    const other = planner({}, store).p;
    const { p, host } = planner({}, store);
    await p.preparePlan(schemas.peek(1)!);
    await other.open();
    await other.preparePlan(schemas.peek(2)!); // another writer evolves the table
    host.bufferEmpty = false;
    p.setTable((await store.load(id))!);
    expect(p.schema!['schema-id']).toBe(0); // rows in the buffer were built for schema 0
    expect(p.table!.metadata['current-schema-id']).toBe(1);
    host.bufferEmpty = true;
    p.setTable((await store.load(id))!);
    expect(p.schema!['schema-id']).toBe(1);
  });

  it('refuses tombstone rows until the value columns are optional, then makes them so after a flush', async () => {
    const store = new FakeStore();
    await store.create(id, avroToIceberg(withMetadataField(JSON.stringify(v1), '_kafka')).newSchema, () => ({ partitioning: [], sortOrder: [], properties: {} }));
    const { p } = planner({}, store);
    await p.open();
    expect(() => p.tombstoneRow()).toThrow(expect.objectContaining({ code: 'BRONZE_TOMBSTONE_REQUIRED' }));
    expect(await p.prepareTombstone()).toBeUndefined();
    expect(p.tombstoneRow()).toEqual({ id: null });
    expect(store.events).toEqual(['create schema 0', 'flush schema-change', 'schema 1']);
  });
});
