/**
 * Issue 4 end to end: seven registered versions of one record schema (add a nested field, widen
 * int → long and float → double, make a required field optional (a no-op at the top level of a
 * bronze table, whose value columns are optional from the start), rename through an alias, drop a
 * field, add a decimal), produced interleaved into one topic, land in one table. Spark shows every
 * record with the right values in the right columns; the schema history shows each change with
 * stable field ids.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const address = (zip: boolean) => ({
  name: 'address',
  type: { type: 'record', name: 'Address', fields: [{ name: 'city', type: 'string' }, ...(zip ? [{ name: 'zip', type: ['null', 'string'], default: null }] : [])] },
});
function version(v: number) {
  const fields: object[] = [{ name: 'id', type: 'long' }];
  fields.push(v >= 5 ? { name: 'full_name', type: 'string', aliases: ['name'] } : { name: 'name', type: 'string' });
  fields.push({ name: 'qty', type: v >= 3 ? 'long' : 'int' }, { name: 'price', type: v >= 3 ? 'double' : 'float' });
  fields.push({ name: 'status', type: v >= 4 ? ['null', 'string'] : 'string', ...(v >= 4 ? { default: null } : {}) });
  if (v < 6) fields.push({ name: 'note', type: 'string' });
  fields.push(address(v >= 2));
  if (v >= 7) fields.push({ name: 'amount', type: ['null', { type: 'bytes', logicalType: 'decimal', precision: 10, scale: 2 }], default: null });
  return { type: 'record', name: 'Item', namespace: 'floe.it', fields };
}

function unscaledBytes(n: number): Buffer {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  const b = Buffer.from(hex, 'hex');
  return b[0]! & 0x80 ? Buffer.concat([Buffer.from([0]), b]) : b;
}

function valueFor(v: number, i: number) {
  const value: Record<string, unknown> = { id: i, qty: i * 10, price: i + 0.5, status: v >= 4 && i % 2 === 0 ? null : `s${i}` };
  value[v >= 5 ? 'full_name' : 'name'] = `item-${i}`;
  if (v < 6) value.note = `note-${i}`;
  value.address = v >= 2 ? { city: `c${i}`, zip: `z${i}` } : { city: `c${i}` };
  if (v >= 7) value.amount = unscaledBytes(i * 100 + 7);
  return value;
}

function expectedRow(v: number, i: number) {
  return [String(i), `item-${i}`, String(i * 10), i + 0.5, v >= 4 && i % 2 === 0 ? null : `s${i}`, v < 6 ? `note-${i}` : null, `c${i}`, v >= 2 ? `z${i}` : null, v >= 7 ? ((i * 100 + 7) / 100).toFixed(2) : null];
}

describe('schema evolution end to end', () => {
  it('seven interleaved writer versions land in one table with stable field ids', async () => {
    const s = uniqueSuffix();
    const topic = `floe-evolve-${s}`;
    const ns = `evolve_${s}`;
    await producer.createTopic(topic, 1);
    const ids: number[] = [];
    for (let v = 1; v <= 7; v++) ids.push(await producer.register(`${topic}-value`, version(v)));
    const PER = 20;
    const messages = [];
    const expected = [];
    for (let i = 0; i < 7 * PER; i++) {
      const v = (i % 7) + 1;
      messages.push({ value: producer.encode(ids[v - 1]!, valueFor(v, i)) });
      expected.push(expectedRow(v, i));
    }
    await producer.send(topic, messages);
    const dir = workDir('evolve');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-evolve-${s}`, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 'items' }] });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const table = `floe.${ns}.items`;
    try {
      await waitFor('all records', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        return Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]) >= messages.length ? true : undefined;
      }, 180_000, 2000);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const rows = await oracle.sparkSql(`SELECT id, full_name, qty, price, status, note, address.city, address.zip, CAST(amount AS STRING) FROM ${table} ORDER BY id`);
    expect(rows.rows).toEqual(expected);

    const info = await oracle.pyicebergTable(`${ns}.items`);
    type F = { id: number; name: string; type: unknown; required: boolean; fields?: F[] };
    const schemas = (info.metadata.schemas as Array<{ 'schema-id': number; fields: F[] }>).sort((a, b) => a['schema-id'] - b['schema-id']);
    const field = (sc: { fields: F[] }, name: string) => sc.fields.find((f) => f.name === name);
    const first = schemas[0]!;
    const last = schemas.at(-1)!;
    // One schema per change: zip, widening, rename, amount. A bronze table's top-level value
    // columns are optional from the start (a tombstone is a row of nulls), so "status becomes
    // optional" and "note dropped" change nothing at the top level.
    expect(schemas).toHaveLength(5);
    expect(first.fields.filter((f) => f.name !== '_kafka').every((f) => !f.required)).toBe(true);
    expect((field(first, 'address')!.type as { fields: F[] }).fields.find((f) => f.name === 'city')!.required).toBe(true); // nested requiredness kept
    expect(field(last, 'full_name')!.id).toBe(field(first, 'name')!.id);
    expect(field(last, 'qty')).toMatchObject({ id: field(first, 'qty')!.id, type: 'long' });
    expect(field(last, 'price')).toMatchObject({ id: field(first, 'price')!.id, type: 'double' });
    expect(field(last, 'status')).toMatchObject({ id: field(first, 'status')!.id, required: false });
    expect(field(last, 'note')).toMatchObject({ id: field(first, 'note')!.id, required: false });
    expect(field(last, '_kafka')!.id).toBe(field(first, '_kafka')!.id);
    expect(field(last, 'address')!.id).toBe(field(first, 'address')!.id);
    expect(field(last, 'amount')).toMatchObject({ type: 'decimal(10, 2)', required: false });
    const maxFirst = Math.max(...JSON.stringify(first).match(/"id":\d+/g)!.map((m) => Number(m.slice(5))));
    expect(field(last, 'amount')!.id).toBeGreaterThan(maxFirst);
  }, 600_000);
});
