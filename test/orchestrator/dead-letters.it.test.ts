/**
 * Bad records next to good ones: garbage bytes, a wrong magic byte, unknown schema ids, a
 * truncated body. The valid ones land; every bad one is in the dead-letter topic with its original
 * bytes and the reason in its headers; the daemon keeps running and commits on. A tombstone is not
 * a bad record: bronze holds every event, a tombstone as a row of null values with its _kafka.
 * A record whose value would expand to millions of items is dead-lettered at once (DECODE_TOO_LARGE).
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import type { KafkaMessage } from 'kafkajs';
import { oracleFor } from '../harness/oracle.js';
import { freePort } from '../harness/ports.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const schema = { type: 'record', name: 'Event', fields: [{ name: 'id', type: 'long' }, { name: 'label', type: 'string' }] };

const readAll = (topic: string, expected: number) => readTopic(producer, topic, expected);

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
        `SELECT id, label, CAST(_kafka.key AS STRING), CAST(element_at(filter(_kafka.headers, x -> x.key = 'origin'), -1).value AS STRING), _kafka.topic, _kafka.partition, _kafka.offset FROM ${table} WHERE id IS NULL`,
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

  it('a tombstone before any value creates the bronze table from the latest registered schema; with none registered it is dead-lettered', async () => {
    const s = uniqueSuffix();
    const first = `floe-tomb-first-${s}`;
    const orphan = `floe-tomb-orphan-${s}`;
    const ns = `tomb_${s}`;
    await producer.createTopic(first, 1);
    await producer.createTopic(orphan, 1);
    const id = await producer.register(`${first}-value`, schema);
    // The values of k0 and k1 were compacted away; only their tombstones are left at the head.
    await producer.send(first, [
      { value: null, key: 'k0' },
      { value: null, key: 'k1' },
      ...Array.from({ length: 10 }, (_, i) => ({ value: producer.encode(id, { id: i, label: `l${i}` }), key: `v${i}` })),
    ]);
    await producer.send(orphan, [{ value: null, key: 'nobody' }]);

    const dir = workDir('tomb');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-tomb-${s}`,
      defaults: { namespace: ns },
      tables: [
        { topics: [first], table: 'first' },
        { topics: [orphan], table: 'orphan' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const table = `floe.${ns}.first`;
      await waitFor('tombstones and values committed', async () => {
        const r = await oracle.sparkSql(`SELECT count(*) FROM ${table}`).catch(() => undefined);
        return r && Number(r.rows[0]![0]) >= 12 ? true : undefined;
      }, 180_000, 2000);
      const rows = await oracle.sparkSql(`SELECT id, label, CAST(_kafka.key AS STRING), _kafka.offset FROM ${table} ORDER BY _kafka.offset`);
      expect(rows.rows.slice(0, 3).map((r) => r.map(String))).toEqual([
        ['null', 'null', 'k0', '0'],
        ['null', 'null', 'k1', '1'],
        ['0', 'l0', 'v0', '2'],
      ]);
      expect(rows.rows).toHaveLength(12);
      // The columns come from the registered schema, exactly as a value would have created them.
      const columns = await oracle.sparkSql(`DESCRIBE TABLE ${table}`);
      expect(columns.rows.slice(0, 3).map((r) => [String(r[0]), String(r[1])])).toEqual([
        ['id', 'bigint'],
        ['label', 'string'],
        ['_kafka', expect.stringMatching(/^struct</) as unknown as string],
      ]);

      const letters = await readAll(`${orphan}.floe.dlq`, 1);
      expect(letters.map((m) => [m.key?.toString(), m.headers?.['floe.error.code']?.toString()])).toEqual([['nobody', 'BRONZE_TOMBSTONE_NO_TABLE']]);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);

  it('a tiny record claiming 40 million array<null> items (DECODE_TOO_LARGE) is dead-lettered at once; the daemon keeps running', async () => {
    const s = uniqueSuffix();
    const topic = `floe-bomb-${s}`;
    const ns = `bomb_${s}`;
    await producer.createTopic(topic, 1);
    const id = await producer.register(`${topic}-value`, schema);
    // The bomb's writer schema, under a subject of its own (it is not compatible with Event): floe
    // fetches a schema by the id in the record, whatever the subject.
    const bombId = await producer.register(`${topic}-bomb`, { type: 'record', name: 'Bomb', fields: [{ name: 'id', type: 'long' }, { name: 'nulls', type: { type: 'array', items: 'null' } }] });
    // id = 0, then 40 blocks of 1,000,000 zero-byte items, then the end of the array: 127 bytes framed.
    const body = Buffer.from([0, ...Array.from({ length: 40 }, () => varint(2 * 1_000_000)).flat(), 0]);
    const header = Buffer.alloc(5);
    header.writeUInt32BE(bombId, 1);
    const bomb = Buffer.concat([header, body]);
    expect(bomb.length).toBe(127);
    const good = (i: number) => ({ value: producer.encode(id, { id: i, label: `l${i}` }), key: `g${i}` });
    const messages = [
      ...Array.from({ length: 20 }, (_, i) => good(i)),
      ...[0, 1, 2].map((i) => ({ value: bomb, key: `bomb${i}` })),
      ...Array.from({ length: 20 }, (_, i) => good(20 + i)),
    ];
    await producer.send(topic, messages);

    const dir = workDir('bomb');
    const port = await freePort();
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-bomb-${s}`, serverPort: port, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 'events' }] });
    const started = Date.now();
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const table = `floe.${ns}.events`;
      const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM ${table}`)).rows[0]![0]);
      await waitFor('the records around the bombs committed', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        return (await count().catch(() => 0)) >= 40 ? true : undefined;
      }, 120_000, 1000);
      // Decoding 40 million nulls took minutes and GiBs per record before the cap; now the daemon
      // commits everything around three of them about as fast as it starts, in little memory.
      const elapsed = Date.now() - started;
      expect(elapsed).toBeLessThan(60_000);
      const metrics = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const rss = Number(metrics.split('\n').find((l) => l.startsWith('process_resident_memory_bytes'))!.split(' ').at(-1));
      expect(rss).toBeLessThan(1024 * 1024 * 1024);

      const letters = await readAll(`${topic}.floe.dlq`, 3);
      expect(letters.map((m) => m.key!.toString()).sort()).toEqual(['bomb0', 'bomb1', 'bomb2']);
      for (const m of letters) {
        expect(m.headers?.['floe.error.code']?.toString()).toBe('DECODE_TOO_LARGE');
        expect(m.headers?.['floe.error.message']?.toString()).toMatch(/more than 100000 zero-byte/);
        expect(Buffer.from(m.value!)).toEqual(bomb);
      }
      // Still consuming: later records land too.
      await producer.send(topic, [good(100), good(101)]);
      await waitFor('later records committed', async () => ((await count()) >= 42 ? true : undefined), 120_000, 1000);
      const ids = await oracle.sparkSql(`SELECT count(*), count(DISTINCT id), min(id), max(id) FROM ${table}`);
      expect(ids.rows[0]!.map(String)).toEqual(['42', '42', '0', '101']);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 300_000);
});

/** Avro's varint of a non-negative number already zigzag-encoded. */
function varint(n: number): number[] {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n & 0x7f) | 0x80);
    n = Math.floor(n / 128);
  }
  out.push(n);
  return out;
}
