/**
 * RecordHandler: an unexpected exception while landing one record is that record's dead letter
 * (the exception is the reason), for that table only; fatal errors still stop the daemon.
 */
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { StaticSchemaSource } from '../../src/decode/index.js';
import { frame } from '../../src/decode/wire.js';
import { RecordHandler, type RecordContext } from '../../src/orchestrator/records.js';
import { TableWriter } from '../../src/orchestrator/table-writer.js';
import { FloeError, isFloeError } from '../../src/util/errors.js';
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
