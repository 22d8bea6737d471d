/**
 * TableWriter with in-memory fakes: offsets stored with every commit, dead letters made durable
 * before the commit that covers them, data committed before a schema change, stale ranges
 * dropped and re-read, and the commit triggers.
 */
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { StaticSchemaSource } from '../../src/decode/index.js';
import { TableWriter } from '../../src/orchestrator/table-writer.js';
import { FloeError } from '../../src/util/errors.js';
import { withMetadataField } from '../../src/orchestrator/bronze.js';
import { avroToIceberg } from '../../src/schema/index.js';
import { FakeStore, fakeDeps, mapping, record } from './fakes.js';

const id = { namespace: ['raw'], name: 'orders' };
const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'int' }] };
const v2 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'qty', type: 'long' }, { name: 'note', type: ['null', 'string'], default: null }] };
const bad = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'string' }] };
const schemas = new StaticSchemaSource({ 1: v1, 2: v2, 3: bad });
const writer = (n: number) => schemas.peek(n)!;

async function setup(table: Record<string, unknown> = {}, now?: () => number) {
  const store = new FakeStore();
  const deps = fakeDeps(store, now);
  const w = new TableWriter(id, mapping(table), deps);
  const offsets = await w.assign([{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]);
  return { store, deps, w, offsets };
}

async function add(w: TableWriter, schemaId: number, offset: number, value: Record<string, unknown>, partition = 0) {
  const plan = w.plan(writer(schemaId)) ?? (await w.preparePlan(writer(schemaId)));
  if (plan.action !== 'write') throw new Error('unexpected dead-letter plan');
  w.append(record('orders', partition, offset), plan.project(value));
}

describe('TableWriter', () => {
  it('creates the table on first use and commits rows with the next offsets in the summary', async () => {
    const { store, w, offsets, deps } = await setup();
    expect([...offsets.values()]).toEqual([undefined, undefined]);
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await add(w, 1, 1, { id: 2n, qty: 3 });
    await add(w, 1, 7, { id: 3n, qty: 4 }, 1);
    await w.flush('test');
    expect(store.events).toEqual([
      'create schema 0',
      'dlq flush 0',
      'write 3 rows schema 0 partition []',
      'append 3 {"orders":{"0":"2","1":"8"}}',
    ]);
    expect(deps.ev.commits).toEqual(['raw.orders orders/0@2', 'raw.orders orders/1@8']);
    // The metadata column is part of the schema, with ids assigned with the rest.
    const names = store.metadata!.schemas[0]!.fields.map((f) => `${f.id}:${f.name}`);
    expect(names).toEqual(['1:id', '2:qty', '3:_kafka']);
  });

  it('reports the oldest uncommitted record for freshness until its commit lands, and the commit time', async () => {
    const { w, deps } = await setup();
    expect(w.oldestPendingMs).toBeUndefined();
    const plan = await w.preparePlan(writer(1));
    if (plan.action !== 'write') throw new Error('unexpected plan');
    w.append(record('orders', 0, 0, Buffer.from('x'), 5_000), plan.project({ id: 1n, qty: 2 }));
    w.append(record('orders', 1, 0, Buffer.from('x'), 3_000), plan.project({ id: 2n, qty: 2 }));
    w.append(record('orders', 0, 1, Buffer.from('x'), 9_000), plan.project({ id: 3n, qty: 2 }));
    expect(w.oldestPendingMs).toBe(3_000);
    const flushing = w.flush('test');
    // Drained into the commit in flight: still not committed, still counted.
    expect(w.oldestPendingMs).toBe(3_000);
    await flushing;
    expect(w.oldestPendingMs).toBeUndefined();
    expect(await deps.metrics.lastCommit.value({ table: 'raw.orders' })).toBeGreaterThan(0);
  });

  it('a new writer re-reads from the table offsets it reports', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await w.flush('test');
    const other = new TableWriter(id, mapping(), fakeDeps(store));
    const offsets = await other.assign([{ topic: 'orders', partition: 0 }]);
    expect(offsets.get('orders:0')).toBe(1n);
    expect(other.wants(record('orders', 0, 0))).toBe(false);
    expect(other.wants(record('orders', 0, 1))).toBe(true);
  });

  it('flushes dead letters before the commit that covers them, and their offsets advance', async () => {
    const { store, w, deps } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    w.deadLetter(record('orders', 0, 1), new FloeError('DECODE_BAD_MAGIC', 'bad'), 'decode');
    await w.flush('test');
    expect(deps.dlq.letters.map((l) => `${l.record.offset}:${l.template}`)).toEqual(['1:{topic}.floe.dlq']);
    expect(store.events.slice(1)).toEqual(['dlq flush 1', 'write 1 rows schema 0 partition []', 'append 1 {"orders":{"0":"2"}}']);
  });

  it('commits the buffered data before the schema change, then writes under the new schema', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await add(w, 2, 1, { id: 2n, qty: 5n, note: 'n' });
    await add(w, 1, 2, { id: 3n, qty: 6 });
    await w.flush('test');
    expect(store.events).toEqual([
      'create schema 0',
      'dlq flush 0',
      'write 1 rows schema 0 partition []',
      'append 1 {"orders":{"0":"1"}}',
      'schema 1',
      'dlq flush 0',
      'write 2 rows schema 1 partition []',
      'append 2 {"orders":{"0":"3"}}',
    ]);
    const s1 = store.metadata!.schemas[1]!;
    // Stable ids: qty keeps id 2 (widened), _kafka keeps 3, the new column gets a fresh id.
    expect(s1.fields.map((f) => `${f.id}:${f.name}:${typeof f.type === 'string' ? f.type : f.type.type}`)).toEqual(['1:id:long', '2:qty:long', '3:_kafka:struct', `${s1.fields[3]!.id}:note:string`]);
    expect(s1.fields[3]!.id).toBeGreaterThan(9);
  });

  it('dead-letters records of an incompatible writer schema (policy dead-letter)', async () => {
    const { w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    const plan = await w.preparePlan(writer(3));
    expect(plan.action).toBe('dead-letter');
    expect(plan.action === 'dead-letter' && plan.error.code).toBe('SCHEMA_INCOMPATIBLE');
  });

  it('dead-letters a writer whose record has no columns instead of creating an unwritable table', async () => {
    const empty = { type: 'record', name: 'Empty', fields: [{ name: 'nothing', type: 'null' }] };
    const nested = new StaticSchemaSource({ 1: { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }, { name: 'e', type: empty }] }, 2: v1 });
    const { store, w } = await setup();
    const plan = await w.preparePlan(nested.peek(1)!);
    expect(plan.action).toBe('dead-letter');
    expect(plan.action === 'dead-letter' && plan.error.code).toBe('SCHEMA_INCOMPATIBLE');
    expect(plan.action === 'dead-letter' && plan.error.message).toMatch(/e: a record with no columns/);
    expect(store.metadata).toBeUndefined(); // no table with an empty struct was created
    // Once the table exists, the same writer is still refused (its new column would be empty).
    expect((await w.preparePlan(nested.peek(2)!)).action).toBe('write');
    const again = new TableWriter(id, mapping(), fakeDeps(store));
    await again.assign([{ topic: 'orders', partition: 0 }]);
    expect((await again.preparePlan(nested.peek(1)!)).action).toBe('dead-letter');
    expect(store.metadata!.schemas).toHaveLength(1);
  });

  it('halts on a writer whose record has no columns when the policy says so', async () => {
    // Top level, the _kafka column keeps a bronze table's struct non-empty: a nested record matters.
    const noColumns = new StaticSchemaSource({ 1: { type: 'record', name: 'Order', fields: [{ name: 'e', type: { type: 'record', name: 'Empty', fields: [] } }] } });
    const { w } = await setup({ schemaEvolution: { incompatible: 'halt' } });
    await expect(w.preparePlan(noColumns.peek(1)!)).rejects.toThrow(/no columns/);
  });

  it('bronze: value columns are created optional and a tombstone is a row of nulls with its Kafka metadata', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    expect(await w.prepareTombstone()).toBeUndefined();
    w.tombstone(record('orders', 0, 1, null));
    await w.flush('test');
    expect(store.events).toEqual(['create schema 0', 'dlq flush 0', 'write 2 rows schema 0 partition []', 'append 2 {"orders":{"0":"2"}}']);
    expect(store.metadata!.schemas[0]!.fields.map((f) => `${f.name}:${f.required}`)).toEqual(['id:false', 'qty:false', '_kafka:true']);
  });

  it('bronze: a table created with required value columns makes them optional (after the buffered rows) on its first tombstone', async () => {
    const store = new FakeStore();
    const required = avroToIceberg(withMetadataField(JSON.stringify(v1), '_kafka')).newSchema;
    expect(required.fields.every((f) => f.required)).toBe(true);
    await store.create(id, required, () => ({ partitioning: [], sortOrder: [], properties: {} }));
    const w = new TableWriter(id, mapping(), fakeDeps(store));
    await w.assign([{ topic: 'orders', partition: 0 }]);
    await add(w, 1, 0, { id: 1n, qty: 2 });
    expect(() => w.tombstone(record('orders', 0, 1, null))).toThrow(/required value columns/);
    expect(await w.prepareTombstone()).toBeUndefined();
    w.tombstone(record('orders', 0, 1, null));
    await add(w, 1, 2, { id: 3n, qty: 4 });
    await w.flush('test');
    expect(store.events).toEqual([
      'create schema 0',
      'dlq flush 0',
      'write 1 rows schema 0 partition []',
      'append 1 {"orders":{"0":"1"}}',
      'schema 1',
      'dlq flush 0',
      'write 2 rows schema 1 partition []',
      'append 2 {"orders":{"0":"3"}}',
    ]);
    const current = store.metadata!.schemas.find((x) => x['schema-id'] === 1)!;
    expect(current.fields.map((f) => `${f.id}:${f.name}:${f.required}`)).toEqual(['1:id:false', '2:qty:false', '3:_kafka:true']);
    expect(await w.prepareTombstone()).toBeUndefined(); // nothing more to change
    expect(store.events.filter((e) => e.startsWith('schema'))).toHaveLength(1);
  });

  it('a record without a timestamp (-1) lands with a null _kafka.timestamp; a table from when it was required has it made optional first', async () => {
    const store = new FakeStore();
    // The metadata column as tables were created before records without a timestamp were stored as null.
    const old = withMetadataField(JSON.stringify(v1), '_kafka') as { fields: Array<{ name: string; type: { fields: Array<{ name: string; type: unknown }> } }> };
    const ts = old.fields.find((f) => f.name === '_kafka')!.type.fields.find((f) => f.name === 'timestamp')!;
    ts.type = (ts.type as unknown[])[1];
    await store.create(id, avroToIceberg(old).newSchema, () => ({ partitioning: [], sortOrder: [], properties: {} }));
    const w = new TableWriter(id, mapping(), fakeDeps(store));
    await w.assign([{ topic: 'orders', partition: 0 }]);
    const plan = await w.preparePlan(writer(1));
    if (plan.action !== 'write') throw new Error('plan');
    w.append(record('orders', 0, 0, Buffer.from('x'), -1), plan.project({ id: 1n, qty: 2 }));
    w.append(record('orders', 0, 1), plan.project({ id: 2n, qty: 3 }));
    expect(w.oldestPendingMs).toBe(1_700_000_000_000); // older than the read time the record without one counts from
    await w.flush('test');
    expect(store.events).toEqual(['create schema 0', 'schema 1', 'dlq flush 0', 'write 2 rows schema 1 partition []', 'append 2 {"orders":{"0":"2"}}']);
    const kafka = store.metadata!.schemas.find((x) => x['schema-id'] === 1)!.fields.find((f) => f.name === '_kafka')!;
    const fields = (kafka.type as { fields: Array<{ name: string; required: boolean }> }).fields;
    expect(fields.find((f) => f.name === 'timestamp')!.required).toBe(false);
    const column = store.batches.at(-1)!.getChild('_kafka')!.getChild('timestamp')!;
    expect([column.get(0), column.get(1)]).toEqual([null, 1_700_000_000_000]); // Arrow reads timestamps as ms
  });

  it('bronze: a tombstone before the table exists cannot be stored (its columns are unknown)', async () => {
    const { store, w } = await setup();
    const refused = await w.prepareTombstone();
    expect(refused?.code).toBe('BRONZE_TOMBSTONE_NO_TABLE');
    expect(store.metadata).toBeUndefined();
  });

  it('dead letters before the table exists stay pending instead of committing into nothing; the first commit covers them', async () => {
    const { store, w } = await setup();
    w.deadLetter(record('orders', 0, 0), new FloeError('BRONZE_TOMBSTONE_NO_TABLE', 'no table'), 'map');
    w.deadLetter(record('orders', 0, 1), new FloeError('DECODE_BAD_MAGIC', 'bad'), 'decode');
    await w.flush('test');
    expect(store.events).toEqual([]);
    expect(w.wants(record('orders', 0, 1))).toBe(false); // not read (and dead-lettered) again
    await add(w, 1, 2, { id: 1n, qty: 2 });
    await w.flush('test');
    expect(store.events.at(-1)).toBe('append 1 {"orders":{"0":"3"}}');
  });

  it('halts on an incompatible writer schema when the policy says so', async () => {
    const { w } = await setup({ schemaEvolution: { incompatible: 'halt' } });
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await expect(w.preparePlan(writer(3))).rejects.toMatchObject({ code: 'SCHEMA_INCOMPATIBLE', fatal: true });
  });

  it('drops a stale buffer when another writer moved the offsets, and re-reads from the table', async () => {
    const { store, w, deps } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await add(w, 1, 5, { id: 1n, qty: 2 }, 1);
    // A zombie or new owner commits partition 0 up to 40 meanwhile.
    store.beforeAppend = () => {
      store.beforeAppend = undefined;
      store.commitOffsets('{"orders":{"0":"40"}}');
    };
    await w.flush('test');
    expect(store.events.filter((e) => e.startsWith('append'))).toEqual([]);
    expect(deps.ev.reseeks.sort()).toEqual(['raw.orders orders/0@40', 'raw.orders orders/1@undefined']);
    expect(deps.ev.failures).toEqual([]); // a stale range is not an error for the status page
    expect(w.bufferedRecords).toBe(0);
    expect(w.wants(record('orders', 0, 39))).toBe(false);
    expect(w.wants(record('orders', 0, 40))).toBe(true);
    // Reading again from the table's offset commits on top of the other writer's offsets.
    await add(w, 1, 40, { id: 9n, qty: 9 });
    await add(w, 1, 5, { id: 1n, qty: 2 }, 1);
    await w.flush('test');
    expect(store.events.at(-1)).toBe('append 2 {"orders":{"0":"41","1":"6"}}');
  });

  it('keeps partitions other writers committed in the stored offsets', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    store.commitOffsets('{"other":{"3":"17"}}');
    await w.flush('test');
    expect(store.events.at(-1)).toBe('append 1 {"orders":{"0":"1"},"other":{"3":"17"}}');
  });

  it('re-reads from the last committed offsets when a commit fails', async () => {
    const { store, w, deps } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await w.flush('test');
    expect(deps.ev.infos).toEqual([{ reason: 'test', records: 1, rows: 1, files: 1, ms: expect.any(Number) }]);
    await add(w, 1, 1, { id: 2n, qty: 2 });
    store.failAppends = 1;
    await w.flush('test');
    expect(deps.ev.reseeks.sort()).toEqual(['raw.orders orders/0@1', 'raw.orders orders/1@undefined']);
    expect(deps.ev.failures).toHaveLength(1); // the status page lists it under recent errors
    expect(w.wants(record('orders', 0, 1))).toBe(true);
  });

  it('startFrom: partitions without table offsets skip records before their start, also after a stale re-read', async () => {
    const { store, w, deps } = await setup({ startFrom: 'latest' });
    w.startAt(new Map([['orders:0', 100n], ['orders:1', 7n]]));
    expect(w.position({ topic: 'orders', partition: 0 })).toBe(100n);
    expect(w.wants(record('orders', 0, 99))).toBe(false);
    expect(w.wants(record('orders', 0, 100))).toBe(true);
    await add(w, 1, 100, { id: 1n, qty: 2 });
    await add(w, 1, 7, { id: 2n, qty: 2 }, 1);
    // Another writer commits partition 0 meanwhile: partition 0 follows the table, 1 goes back to its start.
    store.beforeAppend = () => {
      store.beforeAppend = undefined;
      store.commitOffsets('{"orders":{"0":"140"}}');
    };
    await w.flush('test');
    expect(deps.ev.reseeks.sort()).toEqual(['raw.orders orders/0@140', 'raw.orders orders/1@7']);
    expect(w.wants(record('orders', 1, 6))).toBe(false);
    expect(w.wants(record('orders', 1, 7))).toBe(true);
    await add(w, 1, 7, { id: 2n, qty: 2 }, 1);
    await w.flush('test');
    expect(store.events.at(-1)).toBe('append 1 {"orders":{"0":"140","1":"8"}}');
  });

  it('startFrom is ignored for partitions the table has offsets for', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await w.flush('test');
    const other = new TableWriter(id, mapping({ startFrom: 'latest' }), fakeDeps(store));
    const offsets = await other.assign([{ topic: 'orders', partition: 0 }, { topic: 'orders', partition: 1 }]);
    expect(offsets.get('orders:0')).toBe(1n);
    expect(offsets.get('orders:1')).toBeUndefined();
    other.startAt(new Map([['orders:0', 50n], ['orders:1', 50n]]));
    expect(other.position({ topic: 'orders', partition: 0 })).toBe(1n);
    expect(other.wants(record('orders', 0, 1))).toBe(true);
    expect(other.position({ topic: 'orders', partition: 1 })).toBe(50n);
  });

  it('partitions rows by the Kafka timestamp', async () => {
    const { store, w } = await setup({ partitioning: [{ field: '$kafka.timestamp', transform: 'day' }] });
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await w.flush('test');
    expect(store.events).toContain('write 1 rows schema 0 partition [19675]');
  });

  it('fires the record, bytes and interval triggers', async () => {
    let now = 1000;
    const { w } = await setup({ commit: { maxRecords: 2, intervalMs: 500, maxBytes: '1MiB' } }, () => now);
    expect(w.due()).toBeUndefined();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    expect(w.due()).toBeUndefined();
    expect(w.full()).toBeUndefined();
    now += 600;
    expect(w.due()).toBe('interval');
    expect(w.full()).toBeUndefined();
    await add(w, 1, 1, { id: 1n, qty: 2 });
    expect(w.due()).toBe('records');
    expect(w.full()).toBe('records');
    const small = await setup({ commit: { maxRecords: 100, intervalMs: 500, maxBytes: 64 } }, () => now);
    await add(small.w, 1, 0, { id: 1n, qty: 2 });
    await add(small.w, 1, 1, { id: 2n, qty: 2 });
    expect(small.w.bufferedBytes).toBeGreaterThanOrEqual(64);
    expect(small.w.full()).toBe('bytes');
  });

  it('drains the buffer synchronously when a flush starts: what comes after is the next commit', async () => {
    const { store, w } = await setup({ commit: { maxRecords: 2 } });
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await add(w, 1, 1, { id: 2n, qty: 2 });
    expect(w.full()).toBe('records');
    const first = w.flush('records');
    expect(w.bufferedRecords).toBe(0);
    expect(w.full()).toBeUndefined();
    await add(w, 1, 2, { id: 3n, qty: 2 });
    // A second flush waits for the first, then commits only what came after it.
    const second = w.flush('records');
    expect(w.isFlushing).toBe(true);
    await Promise.all([first, second]);
    expect(store.events.filter((e) => e.startsWith('append'))).toEqual(['append 2 {"orders":{"0":"2"}}', 'append 1 {"orders":{"0":"3"}}']);
  });

  it('counts a commit whose oldest record waited past the cadence as late, and the time since the last commit', async () => {
    let now = 10_000;
    const { w, deps } = await setup({ commit: { intervalMs: 1000 } }, () => now);
    await add(w, 1, 0, { id: 1n, qty: 2 });
    now += 1500;
    expect(w.lastCommitAgeSeconds()).toBe(1.5);
    await w.flush('interval');
    expect(await deps.metrics.commitsLate.value({ table: 'raw.orders' })).toBe(0);
    expect(w.lastCommitAgeSeconds()).toBe(0);
    await add(w, 1, 1, { id: 2n, qty: 2 });
    now += 1000 + 5000 + 1; // intervalMs + max(intervalMs, 5 s) grace
    await w.flush('interval');
    expect(await deps.metrics.commitsLate.value({ table: 'raw.orders' })).toBe(1);
  });

  it('refuses to create a table when createTables is false', async () => {
    const store = new FakeStore();
    const w = new TableWriter(id, mapping({ createTables: false }), fakeDeps(store));
    const err = await w.assign([{ topic: 'orders', partition: 0 }]).then(() => undefined, (e: unknown) => e);
    expect(err).toMatchObject({ code: 'CATALOG_NO_SUCH_TABLE', fatal: true });
    expect(exitCodeFor(err)).toBe(3);
  });
});

describe('bronze headers', () => {
  it('stores headers as the ordered list, repeated keys and null values included', async () => {
    const { store, w } = await setup();
    const r = { ...record('orders', 0, 0), headers: [{ key: 'k', value: Buffer.from('first') }, { key: 'n', value: null }, { key: 'k', value: Buffer.from('second') }] };
    const plan = await w.preparePlan(writer(1));
    if (plan.action !== 'write') throw new Error('unexpected plan');
    w.append(r, plan.project({ id: 1n, qty: 2 }));
    await w.flush('test');
    const kafka = store.metadata!.schemas[0]!.fields.find((f) => f.name === '_kafka')!;
    const headers = (kafka.type as { fields: Array<{ name: string; required: boolean; type: unknown }> }).fields.find((f) => f.name === 'headers')!;
    expect(headers.required).toBe(true);
    expect(headers.type).toMatchObject({ type: 'list', 'element-required': true, element: { type: 'struct', fields: [{ name: 'key', type: 'string', required: true }, { name: 'value', type: 'binary', required: false }] } });
    expect(store.events).toContain('write 1 rows schema 0 partition []');
  });

  it('migrates a table whose headers are still a map: map kept as headers_map (same id), list added', async () => {
    const { store, w } = await setup();
    await add(w, 1, 0, { id: 1n, qty: 2 });
    await w.flush('test');
    // Rewrite the table as an older floe created it: _kafka.headers a map<string, binary>.
    const m = store.metadata!;
    const schema = m.schemas[0]!;
    const kafka = schema.fields.find((f) => f.name === '_kafka')!;
    const struct = kafka.type as unknown as { type: 'struct'; fields: Array<Record<string, unknown>> };
    const list = struct.fields.find((f) => f.name === 'headers')! as { id: number; type: { 'element-id': number } };
    const legacy = { id: list.id, name: 'headers', required: true, type: { type: 'map', 'key-id': list.type['element-id'], key: 'string', 'value-id': list.type['element-id'] + 1, value: 'binary', 'value-required': false } };
    const legacySchema = { ...schema, fields: schema.fields.map((f) => (f === kafka ? { ...kafka, type: { ...struct, fields: struct.fields.map((x) => (x.name === 'headers' ? legacy : x)) } } : f)) };
    store.metadata = { ...m, schemas: [legacySchema as never], 'last-column-id': list.type['element-id'] + 1 };

    const next = new TableWriter(id, mapping(), fakeDeps(store));
    await next.assign([{ topic: 'orders', partition: 0 }]);
    const plan = await next.preparePlan(writer(1));
    if (plan.action !== 'write') throw new Error('unexpected plan');
    next.append({ ...record('orders', 0, 1), headers: [{ key: 'a', value: Buffer.from('1') }, { key: 'a', value: null }] }, plan.project({ id: 2n, qty: 3 }));
    await next.flush('test');
    const current = store.metadata!.schemas.find((s) => s['schema-id'] === store.metadata!['current-schema-id'])!;
    const fields = ((current.fields.find((f) => f.name === '_kafka')!.type as { fields: Array<{ id: number; name: string; required: boolean; type: unknown }> }).fields);
    const old = fields.find((f) => f.name === 'headers_map')!;
    expect(old.id).toBe(list.id);
    expect(old.required).toBe(false);
    expect(old.type).toMatchObject({ type: 'map' });
    const added = fields.find((f) => f.name === 'headers')!;
    expect(added.id).toBeGreaterThan(list.type['element-id'] + 1);
    expect(added.required).toBe(false);
    expect(added.type).toMatchObject({ type: 'list' });
    expect(store.events.filter((e) => e.startsWith('schema ') || e.startsWith('write '))).toEqual(['write 1 rows schema 0 partition []', 'schema 1', 'write 1 rows schema 1 partition []']);
  });
});
