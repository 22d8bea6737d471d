/**
 * Tables routed by record type ({record} templates): interleaved types land in their own tables,
 * each table's offsets cover the partition (passes), a table's first record of a partition waits
 * for an offset seed, and a restart resumes at the lowest offset any table holds — a table that
 * never saw a partition does not hold it back — so every record lands exactly once.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { committedOffsets } from '../../src/commit/offsets.js';
import { parseConfig } from '../../src/config/index.js';
import { StaticSchemaSource } from '../../src/decode/index.js';
import { frame } from '../../src/decode/wire.js';
import { RecordHandler, type RecordContext } from '../../src/orchestrator/records.js';
import { findRecordTables, RecordFamilies } from '../../src/orchestrator/record-tables.js';
import { Router } from '../../src/orchestrator/router.js';
import { TableWriter } from '../../src/orchestrator/table-writer.js';
import { WriterSet } from '../../src/orchestrator/writers.js';
import { tpKey, type SourceRecord, type TopicPartition } from '../../src/source/types.js';
import { isFloeError } from '../../src/util/errors.js';
import { silentLogger } from '../../src/util/log.js';
import { FakeCatalog, fakeDeps, FakeStore, mapping, record } from './fakes.js';

const created = { type: 'record', name: 'OrderCreated', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }] };
const shipped = { type: 'record', name: 'OrderShipped', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }, { name: 'carrier', type: 'string' }] };
const schemas = new StaticSchemaSource({ 1: created, 2: shipped });
const A = (id: number) => frame(1, avro.Type.forSchema(created as avro.Schema).toBuffer({ id }));
const B = (id: number) => frame(2, avro.Type.forSchema(shipped as avro.Schema).toBuffer({ id, carrier: 'dhl' }));
const TA = 'orders_com_acme_ordercreated';
const TB = 'orders_com_acme_ordershipped';
const P0 = { topic: 'orders', partition: 0 };
const P1 = { topic: 'orders', partition: 1 };
const ctx: RecordContext = { current: () => true, retrying: (_what, fn) => fn() };

/** What the daemon does for one member of the group, against `catalog` (which outlives it). */
function daemon(catalog: FakeCatalog, table: Record<string, unknown> = { table: '{topic}_{record}' }, mappings = [mapping(table)]) {
  const deps = { ...fakeDeps(new FakeStore()), store: catalog, files: catalog };
  const writers = new WriterSet();
  writers.configure((r) => new TableWriter(r.table, r.mapping, deps));
  const router = new Router(mappings);
  const families = new RecordFamilies((topic) => router.recordRoutes(topic));
  families.configure({ writer: (r) => writers.get(r), existing: (n) => writers.peek(n), store: catalog, deadLetters: deps.deadLetters, metrics: deps.metrics });
  const handler = new RecordHandler(schemas, silentLogger);
  const startsAsked: string[] = [];
  return {
    deps,
    writers,
    startsAsked,
    assign: (tps: TopicPartition[]) =>
      families.assign(tps, {
        retrying: (_what, fn) => fn(),
        startPositions: async (_f, fresh) => {
          startsAsked.push(...fresh.map(tpKey));
          return new Map(fresh.map((tp) => [tpKey(tp), 0n]));
        },
        isStatic: () => false,
      }),
    /** The daemon's per-record step: decode only when some table of the family needs the record. */
    feed: async (...records: SourceRecord[]) => {
      for (const r of records) {
        const routed = families.of(r.topic).filter((f) => f.needs(r));
        if (routed.length > 0) expect(await handler.handle(r, [], ctx, routed)).toBe(true);
      }
    },
    flushAll: async () => {
      for (const w of writers.all()) await w.flush('test');
    },
  };
}

const ids = (catalog: FakeCatalog, name: string) => catalog.store(name).batches.flatMap((b) => [...b.getChild('id')!.toArray()].map(Number)).sort((a, b) => a - b);
const offsets = (catalog: FakeCatalog, name: string) => committedOffsets(catalog.store(name).metadata!).toJson();

describe('tables routed by record type', () => {
  it('interleaved types land in one table each; every table moves past the others\' records', async () => {
    const catalog = new FakeCatalog();
    const d = daemon(catalog);
    // no table yet: the mapping's startFrom decides
    expect([...(await d.assign([P0, P1]))]).toEqual([['orders:0', 0n], ['orders:1', 0n]]);
    expect(d.startsAsked).toEqual(['orders:0', 'orders:1']);
    await d.feed(record('orders', 0, 0, A(1)), record('orders', 0, 1, B(2)), record('orders', 0, 2, A(3)), record('orders', 0, 3, B(4)));
    await d.feed(record('orders', 1, 0, A(10)), record('orders', 1, 1, A(11)));
    await d.flushAll();
    expect(ids(catalog, TA)).toEqual([1, 3, 10, 11]);
    expect(ids(catalog, TB)).toEqual([2, 4]);
    expect(offsets(catalog, TA)).toBe('{"orders":{"0":"4","1":"2"}}');
    // B never had a record of partition 1, but passed A's: its offsets keep up there too.
    expect(offsets(catalog, TB)).toBe('{"orders":{"0":"4","1":"2"}}');
    // Each table's first record of a partition came after an offset seed had landed (an empty commit).
    expect(catalog.store(TB).events.slice(0, 2)).toEqual(['create schema 0', 'append  {"orders":{"0":"1"}}']);
    expect(catalog.store(TA).events.slice(0, 2)).toEqual(['create schema 0', 'append  {"orders":{"0":"0"}}']);
  });

  it('a restart resumes at the lowest offset the tables hold and each table skips what it has', async () => {
    const catalog = new FakeCatalog();
    const first = daemon(catalog);
    await first.assign([P0]);
    await first.feed(record('orders', 0, 0, A(1)), record('orders', 0, 1, B(2)), record('orders', 0, 2, A(3)));
    await first.writers.peek(`raw.${TA}`)!.flush('test'); // A commits up to 3; B only its seed (1); crash
    expect(offsets(catalog, TA)).toBe('{"orders":{"0":"3"}}');
    expect(offsets(catalog, TB)).toBe('{"orders":{"0":"1"}}');

    const second = daemon(catalog);
    expect([...(await second.assign([P0]))]).toEqual([['orders:0', 1n]]);
    expect(second.startsAsked).toEqual([]);
    await second.feed(record('orders', 0, 1, B(2)), record('orders', 0, 2, A(3)), record('orders', 0, 3, B(4)), record('orders', 0, 4, A(5)));
    await second.flushAll();
    expect(ids(catalog, TA)).toEqual([1, 3, 5]);
    expect(ids(catalog, TB)).toEqual([2, 4]);
    expect(offsets(catalog, TA)).toBe('{"orders":{"0":"5"}}');
    expect(offsets(catalog, TB)).toBe('{"orders":{"0":"5"}}');
  });

  it('a table that never saw a partition does not hold it back', async () => {
    const catalog = new FakeCatalog();
    const first = daemon(catalog);
    await first.assign([P0, P1]);
    await first.feed(record('orders', 0, 0, B(1))); // B seeded on partition 0 only
    await first.feed(...[0, 1, 2, 3, 4].map((o) => record('orders', 1, o, A(10 + o))));
    await first.writers.peek(`raw.${TA}`)!.flush('test');
    expect(offsets(catalog, TB)).toBe('{"orders":{"0":"0"}}');
    expect(offsets(catalog, TA)).toBe('{"orders":{"1":"5"}}');

    const second = daemon(catalog);
    // Partition 1 resumes where A is, not at B's (absent) offset; partition 0 where B's seed is.
    expect(new Map(await second.assign([P0, P1]))).toEqual(new Map([['orders:0', 0n], ['orders:1', 5n]]));
    expect(second.startsAsked).toEqual([]);
    await second.feed(record('orders', 0, 0, B(1)), record('orders', 1, 5, B(15)));
    await second.flushAll();
    expect(ids(catalog, TA)).toEqual([10, 11, 12, 13, 14]);
    expect(ids(catalog, TB)).toEqual([1, 15]);
    expect(offsets(catalog, TB)).toBe('{"orders":{"0":"1","1":"6"}}');
  });

  it('a failed offset seed abandons the batch instead of buffering the record', async () => {
    const catalog = new FakeCatalog();
    const d = daemon(catalog);
    await d.assign([P0]);
    catalog.store(TB).failAppends = 1;
    const handler = new RecordHandler(schemas, silentLogger);
    const r = record('orders', 0, 0, B(1));
    const families = new RecordFamilies((t) => new Router([mapping({ table: '{topic}_{record}' })]).recordRoutes(t));
    families.configure({ writer: (x) => d.writers.get(x), existing: (n) => d.writers.peek(n), store: catalog, deadLetters: d.deps.deadLetters, metrics: d.deps.metrics });
    await families.assign([P0], { retrying: (_w, fn) => fn(), startPositions: async (_f, fresh) => new Map(fresh.map((tp) => [tpKey(tp), 0n])), isStatic: () => false });
    expect(await handler.handle(r, [], ctx, families.of('orders'))).toBe(false);
    expect(d.writers.peek(`raw.${TB}`)!.bufferedRecords).toBe(0);
    expect(d.deps.ev.reseeks).toEqual([`raw.${TB} orders/0@0`]);
  });

  it('records that name no type are dead letters: a bronze tombstone, an undecodable value with no table yet', async () => {
    const catalog = new FakeCatalog();
    const d = daemon(catalog);
    await d.assign([P0]);
    await d.feed(record('orders', 0, 0, Buffer.from('not framed')));
    await d.feed(record('orders', 0, 1, A(1)), record('orders', 0, 2, null), record('orders', 0, 3, B(2)));
    await d.flushAll();
    const letters = d.deps.dlq.letters;
    expect(letters.map((l) => [Number(l.record.offset), isFloeError(l.error) ? l.error.code : String(l.error)])).toEqual([
      [0, 'DECODE_BAD_MAGIC'],
      [2, 'RECORD_TYPE_UNKNOWN'],
    ]);
    // The tombstone's offset is carried by a table (A's), so a restart does not send it again.
    expect(offsets(catalog, TA)).toBe('{"orders":{"0":"4"}}');
    expect(ids(catalog, TB)).toEqual([2]);
  });

  it('findRecordTables: the tables the template can name for the topic that hold its offsets (the daemon\'s rule and floe status\')', async () => {
    const catalog = new FakeCatalog();
    const d = daemon(catalog);
    await d.assign([P0]);
    await d.feed(record('orders', 0, 0, A(1)), record('orders', 0, 1, B(2)));
    await d.flushAll();
    // Named like the template's tables but holding no offsets of the topic: not the template's.
    const other = daemon(catalog, { topics: ['orders_eu'], table: '{topic}_{record}' });
    await other.assign([{ topic: 'orders_eu', partition: 0 }]);
    await other.feed(record('orders_eu', 0, 0, A(5)));
    await other.flushAll();
    expect([...catalog.tables.keys()].sort()).toEqual([TA, TB, 'orders_eu_com_acme_ordercreated']);
    const m = mapping({ table: '{topic}_{record}' });
    const found = await findRecordTables(catalog, m, 'orders');
    expect(found.map((f) => f.fullName).sort()).toEqual([`raw.${TA}`, `raw.${TB}`]);
    expect(committedOffsets(found[0]!.loaded.metadata).toJson()).toBe('{"orders":{"0":"2"}}');
    // skip drops names before their metadata is read; a template that cannot name them finds none.
    expect((await findRecordTables(catalog, m, 'orders', { skip: (n) => n === `raw.${TA}` })).map((f) => f.fullName)).toEqual([`raw.${TB}`]);
    // A template of the topic that spells out more of a name owns it.
    const rival = { namespace: ['raw'], table: '{topic}_com_acme_{record}' };
    expect(await findRecordTables(catalog, m, 'orders', { rivals: [rival] })).toEqual([]);
    expect((await findRecordTables(catalog, rival, 'orders', { rivals: [m] })).map((f) => f.fullName).sort()).toEqual([`raw.${TA}`, `raw.${TB}`]);
    expect(await findRecordTables(catalog, mapping({ table: 'x_{record}' }), 'orders')).toEqual([]);
  });

  it('two templates of one topic whose names overlap keep their own tables across a restart', async () => {
    // `{topic}_{record}` could name `orders_com_acme_ordercreated_copy` too (a record named
    // com.acme.OrderCreated_copy): without telling them apart, a restarted daemon took the copy
    // table into the first template, moved its offsets past record 1 and never wrote it there.
    const two = parseConfig(
      JSON.stringify({
        kafka: { brokers: ['k:9092'], groupId: 'g' },
        schemaRegistry: { url: 'http://r' },
        catalog: { type: 'rest', uri: 'http://c' },
        storage: { type: 'local', root: '/tmp' },
        defaults: { namespace: 'raw' },
        tables: [{ topics: ['orders'], table: '{topic}_{record}' }, { topics: ['orders'], table: '{topic}_{record}_copy' }],
      }),
      { env: {} },
    ).tables;
    const catalog = new FakeCatalog();
    const first = daemon(catalog, {}, two);
    await first.assign([P0]);
    await first.feed(record('orders', 0, 0, A(1)));
    await first.flushAll();
    const second = daemon(catalog, {}, two);
    await second.assign([P0]);
    await second.feed(record('orders', 0, 1, A(2)));
    await second.flushAll();
    expect(second.writers.all().map((w) => [w.fullName, w.mapping.index]).sort()).toEqual([[`raw.${TA}`, 0], [`raw.${TA}_copy`, 1]]);
    expect(ids(catalog, TA)).toEqual([1, 2]);
    expect(ids(catalog, `${TA}_copy`)).toEqual([1, 2]);
  });
});
