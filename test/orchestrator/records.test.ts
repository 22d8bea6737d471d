/**
 * RecordHandler: an unexpected exception while landing one record is that record's dead letter
 * (the exception is the reason), for that table only; fatal errors still stop the daemon.
 */
import avro from 'avsc';
import { describe, expect, it, vi } from 'vitest';
import { StaticSchemaSource } from '../../src/decode/index.js';
import { frame } from '../../src/decode/wire.js';
import { RecordHandler, type RecordContext } from '../../src/orchestrator/records.js';
import { TableWriter } from '../../src/orchestrator/table-writer.js';
import { FloeError, isFloeError } from '../../src/util/errors.js';
import { tableToIPC, Table } from 'apache-arrow';
import { silentLogger } from '../../src/util/log.js';
import { FakeStore, fakeDeps, mapping, record } from './fakes.js';

const v1 = { type: 'record', name: 'Order', fields: [{ name: 'id', type: 'long' }] };
const schemas = new StaticSchemaSource({ 1: v1 });
const value = (id: number) => frame(1, avro.Type.forSchema(v1 as avro.Schema).toBuffer({ id }));
const ctx: RecordContext = { current: () => true, retrying: (_what, fn) => fn() };

async function writerWith(store: FakeStore, name: string) {
  const deps = fakeDeps(store);
  const w = new TableWriter({ namespace: ['raw'], name }, mapping(), deps);
  await w.assign([{ topic: 'orders', partition: 0 }]);
  return { w, deps };
}

describe('RecordHandler', () => {
  it('an unexpected exception in one table dead-letters the record there; the other table takes it', async () => {
    const broken = new FakeStore();
    broken.create = async () => {
      throw new TypeError("Cannot read properties of null (reading 'length')");
    };
    const a = await writerWith(broken, 'broken');
    const b = await writerWith(new FakeStore(), 'fine');
    const handler = new RecordHandler(schemas, silentLogger);
    expect(await handler.handle(record('orders', 0, 0, value(1)), [a.w, b.w], ctx)).toBe(true);
    expect(a.deps.dlq.letters).toHaveLength(1);
    const letter = a.deps.dlq.letters[0]!;
    expect(isFloeError(letter.error, 'RECORD_UNEXPECTED')).toBe(true);
    expect((letter.error as Error).message).toContain("Cannot read properties of null (reading 'length')");
    expect(letter.record.offset).toBe(0n);
    // The dead letter advances the broken table's range; the other table buffered the row.
    expect(a.w.position({ topic: 'orders', partition: 0 })).toBe(1n);
    expect(b.deps.dlq.letters).toHaveLength(0);
    expect(b.w.bufferedRecords).toBe(1);
  });

  it('a fatal error still propagates (the pipeline itself cannot go on)', async () => {
    const store = new FakeStore();
    store.create = async () => {
      throw new FloeError('CATALOG_FORBIDDEN', 'no permission');
    };
    const { w, deps } = await writerWith(store, 't');
    const handler = new RecordHandler(schemas, silentLogger);
    await expect(handler.handle(record('orders', 0, 0, value(1)), [w], ctx)).rejects.toThrow('no permission');
    expect(deps.dlq.letters).toHaveLength(0);
  });

  it('with errors.policy halt an unexpected exception halts instead', async () => {
    const store = new FakeStore();
    store.create = async () => {
      throw new RangeError('boom');
    };
    const deps = fakeDeps(store);
    const w = new TableWriter({ namespace: ['raw'], name: 'h' }, mapping({ errors: { policy: 'halt' } }), deps);
    await w.assign([{ topic: 'orders', partition: 0 }]);
    await expect(new RecordHandler(schemas, silentLogger).handle(record('orders', 0, 0, value(1)), [w], ctx)).rejects.toThrow(/RECORD_UNEXPECTED.*boom.*halt/);
  });
});

describe('RecordHandler: bronze records straight into columns (src/schema/direct.ts)', () => {
  const click = {
    type: 'record', name: 'Click', fields: [
      { name: 'id', type: 'long' }, { name: 'page', type: 'string' }, { name: 'ref', type: ['null', 'string'] },
      { name: 'ts', type: { type: 'long', logicalType: 'timestamp-millis' } },
      { name: 'geo', type: ['null', { type: 'record', name: 'Geo', fields: [{ name: 'country', type: 'string' }] }] },
    ],
  };
  const type = avro.Type.forSchema(click as avro.Schema);
  // Half a day apart and alternating countries, so a value-partitioned table switches partitions often.
  const body = (k: number) => frame(7, type.toBuffer({ id: k * 1e9, page: `/p/${k}/ü`, ref: k % 2 ? null : `r${k % 3}`, ts: 1_700_000_000_000 + k * 43_200_000, geo: k % 4 === 3 ? null : { country: ['DE', 'FR'][k % 2] } }));
  const records = () => [
    record('clicks', 0, 0, body(0)),
    record('clicks', 0, 1, body(1)),
    record('clicks', 0, 2, body(2).subarray(0, 12)), // truncated
    record('clicks', 0, 3, Buffer.concat([body(3), Buffer.from([0])])), // trailing byte
    ...Array.from({ length: 12 }, (_, k) => record('clicks', 0, 4 + k, body(4 + k))),
  ];

  async function run(direct: boolean, partitioning: unknown[]) {
    const store = new FakeStore();
    const deps = fakeDeps(store);
    const w = new TableWriter({ namespace: ['raw'], name: 'clicks' }, mapping({ topics: ['clicks'], partitioning }), deps);
    await w.assign([{ topic: 'clicks', partition: 0 }]);
    const handler = new RecordHandler(new StaticSchemaSource({ 7: click }), silentLogger);
    const spy = vi.spyOn(w, 'appendDirect');
    if (!direct) spy.mockReturnValue(false);
    for (const r of records()) expect(await handler.handle(r, [w], ctx)).toBe(true);
    await w.flush('test');
    const taken = spy.mock.results.map((r) => r.value as boolean);
    return { taken, letters: deps.dlq.letters, batches: store.batches.map((b) => Buffer.from(tableToIPC(new Table([b])))), position: w.position({ topic: 'clicks', partition: 0 }) };
  }

  it('a table whose rows switch partition on every record goes back to the general path after one window', async () => {
    const store = new FakeStore();
    const deps = fakeDeps(store);
    const w = new TableWriter({ namespace: ['raw'], name: 'clicks' }, mapping({ topics: ['clicks'], partitioning: [{ field: 'geo.country', transform: 'identity' }] }), deps);
    await w.assign([{ topic: 'clicks', partition: 0 }]);
    const handler = new RecordHandler(new StaticSchemaSource({ 7: click }), silentLogger);
    const spy = vi.spyOn(w, 'appendDirect');
    for (let k = 0; k < 1500; k++) expect(await handler.handle(record('clicks', 0, k, body(k % 2)), [w], ctx)).toBe(true);
    const taken = spy.mock.results.map((r) => r.value as boolean);
    // Record 0 creates the table; then one window of 1,024 direct placements, then the general path.
    expect(taken.slice(0, 1023).every(Boolean)).toBe(true);
    expect(taken.slice(1024).some(Boolean)).toBe(false);
    expect(w.bufferedRecords).toBe(1500);
  });

  const partitionings: Array<[string, unknown[]]> = [
    ['unpartitioned', []],
    ['by Kafka timestamp', [{ field: '$kafka.timestamp', transform: 'day' }]],
    ['by value columns (day of ts, a nullable string, a field of a nullable struct, a bucket)', [
      { field: 'ts', transform: 'day' }, { field: 'ref', transform: 'identity' }, { field: 'geo.country', transform: 'identity' }, { field: 'id', transform: 'bucket[3]' },
    ]],
  ];
  for (const [what, partitioning] of partitionings) {
    it(`${what}: takes good records directly, leaves bad ones to the general path, and stores what the general path stores`, async () => {
      const direct = await run(true, partitioning);
      const general = await run(false, partitioning);
      // The first record of a writer goes the async way (the table is created), the rest directly.
      expect(direct.taken).toEqual([true, false, false, ...Array(12).fill(true)]);
      expect(direct.letters.map((l) => (l.error as FloeError).code)).toEqual(['DECODE_TRUNCATED', 'DECODE_SCHEMA_MISMATCH']);
      expect(direct.letters.map((l) => (l.error as Error).message)).toEqual(general.letters.map((l) => (l.error as Error).message));
      expect(direct.position).toBe(16n);
      expect(general.position).toBe(16n);
      expect(direct.batches.length).toBe(general.batches.length);
      if (partitioning.length > 1) expect(direct.batches.length).toBeGreaterThan(4);
      direct.batches.forEach((b, i) => expect(b.equals(general.batches[i]!), `file ${i}`).toBe(true));
    });
  }
});
