/**
 * Bad records next to good ones: garbage bytes, a wrong magic byte, unknown schema ids, a
 * truncated body. The valid ones land; every bad one is in the dead-letter topic with its original
 * bytes and the reason in its headers; the daemon keeps running and commits on. A tombstone is not
 * a bad record: bronze holds every event, a tombstone as a row of null values with its _kafka.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'long' }, { name: 'label', type: 'string' }] };

async function readAll(topic: string, expected: number): Promise<KafkaMessage[]> {
  const consumer = producer.kafka.consumer({ groupId: `floe-dlq-reader-${uniqueSuffix()}` });
  const out: KafkaMessage[] = [];
  await consumer.connect();
  await consumer.subscribe({ topics: [topic], fromBeginning: true });
  await consumer.run({ eachMessage: async ({ message }) => void out.push(message) });
  try {
    await waitFor(`${expected} dead letters`, () => out.length >= expected, 120_000);
    await sleep(1000);
  } finally {
    await consumer.disconnect();
  }
  return out;
}

describe('dead letters', () => {
  it('lands the valid records and dead-letters each bad one with its reason', async () => {
    const s = uniqueSuffix();
    const topic = `floe-dlq-${s}`;
    const ns = `dlq_${s}`;
    await producer.createTopic(topic, 1);
    const id = await producer.register(`${topic}-value`, schema);
    const good = (i: number) => ({ value: producer.encode(id, { id: i, label: `l${i}` }), key: `g${i}` });
    const truncated = producer.encode(id, { id: 1, label: 'a long label that gets cut' }).subarray(0, 8);
    const bad = [
      { value: Buffer.from('this is not avro at all'), key: 'garbage', code: 'DECODE_BAD_MAGIC' },
      { value: Buffer.concat([Buffer.from([1]), producer.encode(id, { id: 5, label: 'x' }).subarray(1)]), key: 'magic', code: 'DECODE_BAD_MAGIC' },
      { value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0]), Buffer.from([2, 2, 65])]), key: 'unknown-id', code: 'DECODE_UNKNOWN_SCHEMA' },
      { value: Buffer.concat([Buffer.from([0, 0x7f, 0xff, 0xff, 0xf1]), Buffer.from([2])]), key: 'unknown-id-2', code: 'DECODE_UNKNOWN_SCHEMA' },
      { value: truncated, key: 'truncated', code: 'DECODE_TRUNCATED' },
    ];
    const messages: Array<{ value: Buffer | null; key: string; headers?: Record<string, string> }> = [];
    let goodCount = 0;
    for (let i = 0; i < 60; i++) {
      messages.push(good(i));
      goodCount++;
      if (i % 10 === 5) {
        const b = bad[Math.floor(i / 10)];
        if (b) messages.push({ value: b.value, key: b.key, headers: { origin: `bad-${b.key}` } });
        else messages.push({ value: null, key: 'tombstone', headers: { origin: 'delete' } });
      }
    }
    await producer.send(topic, messages);

    const dir = workDir('dlq');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-dlq-${s}`, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 'events' }] });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const table = `floe.${ns}.events`;
      const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
      await waitFor('valid records and the tombstone committed', async () => ((await count().catch(() => 0)) >= goodCount + 1 ? true : undefined), 180_000, 2000);
      // The daemon keeps going: more valid records after the bad ones land too.
      await producer.send(topic, [good(100), good(101)]);
      await waitFor('later records committed', async () => ((await count()) >= goodCount + 3 ? true : undefined), 120_000, 2000);
      expect(daemon.running).toBe(true);
      const stats = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id), min(_kafka.offset), max(_kafka.offset) FROM ${table}`);
      expect(stats.rows[0]!.map(String)).toEqual([String(goodCount + 3), String(goodCount + 2), '0', String(messages.length + 1)]);
      // The tombstone is a row: no value, its key, headers and position in _kafka.
      const tombstoneOffset = messages.findIndex((m) => m.value === null);
      const t = await oracle.sparkSql(
        `SELECT id, label, CAST(_kafka.key AS STRING), CAST(_kafka.headers['origin'] AS STRING), _kafka.topic, _kafka.partition, _kafka.offset FROM ${table} WHERE id IS NULL`,
      );
      expect(t.rows.map((r) => r.map(String))).toEqual([['null', 'null', 'tombstone', 'delete', topic, '0', String(tombstoneOffset)]]);

      const letters = await readAll(`${topic}.floe.dlq`, bad.length);
      expect(letters).toHaveLength(bad.length);
      const h = (m: KafkaMessage, name: string) => m.headers?.[name]?.toString();
      const byKey = new Map(letters.map((m) => [m.key!.toString(), m]));
      for (const b of bad) {
        const m = byKey.get(b.key)!;
        expect(m, b.key).toBeDefined();
        expect(h(m, 'floe.error.code'), b.key).toBe(b.code);
        expect(h(m, 'floe.error.message')!.length).toBeGreaterThan(0);
        expect(h(m, 'floe.source.topic')).toBe(topic);
        expect(h(m, 'floe.source.partition')).toBe('0');
        expect(h(m, 'origin')).toBe(`bad-${b.key}`);
        expect(m.value === null ? null : Buffer.from(m.value)).toEqual(b.value);
        // The offset header points at the original record.
        const offset = Number(h(m, 'floe.source.offset'));
        expect(messages[offset]!.key).toBe(b.key);
      }
      const exit = await daemon.stop();
      expect(exit.code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});
