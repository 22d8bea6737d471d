/**
 * Several record types per topic, one table per type (`table: "{topic}_{record}"`), end to end:
 * Confluent's Python serializers (not floe's code) write interleaved types with
 * RecordNameStrategy (Avro, JSON Schema) and TopicRecordNameStrategy (Protobuf, two messages of
 * one file: message index paths [0] and [1]) over two partitions. The daemon is SIGKILLed after
 * the first half and restarted for the second: Spark must read every record exactly once, each
 * in its type's table, and every table's committed offsets must reach the end of every partition
 * (a table moves past its siblings' records).
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor, rowObjects, sparkRowsWhenCommitted } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { producePython, type PyMessage } from '../harness/python-producer.js';
import { sanitizeIdentifier } from '../../src/config/index.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const PROTOS = { dir: resolve(import.meta.dirname, '../fixtures/formats/protobuf'), files: ['events.proto'] };
const created = { type: 'record', name: 'OrderCreated', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }, { name: 'amount', type: 'double' }] };
const shipped = { type: 'record', name: 'OrderShipped', namespace: 'com.acme', fields: [{ name: 'id', type: 'long' }, { name: 'carrier', type: 'string' }] };
const draft7 = 'http://json-schema.org/draft-07/schema#';
const login = { $schema: draft7, title: 'Login', type: 'object', required: ['id'], properties: { id: { type: 'integer' }, user: { type: 'string' } } };
const logout = { $schema: draft7, title: 'Logout', type: 'object', required: ['id'], properties: { id: { type: 'integer' }, reason: { type: 'string' } } };

const partitionOf = (i: number) => ((i * 7) % 5 < 3 ? 0 : 1);

/** Record i of a topic: types alternate irregularly (2 of one, 1 of the other), partitions too. */
function messages(avroTopic: string, pbTopic: string, jsTopic: string, from: number, to: number): PyMessage[] {
  const out: PyMessage[] = [];
  for (let i = from; i < to; i++) {
    const first = i % 3 !== 2;
    const partition = partitionOf(i);
    out.push({
      topic: avroTopic,
      partition,
      value: first ? { avro: created, data: { id: i, amount: i / 4 }, strategy: 'record' } : { avro: shipped, data: { id: i, carrier: `c${i}` }, strategy: 'record' },
    });
    out.push({
      topic: pbTopic,
      partition,
      value: first ? { protobuf: 'events_pb2.Click', data: { id: i, page: `/p${i}` }, strategy: 'topic_record' } : { protobuf: 'events_pb2.Purchase', data: { id: i, cents: i * 100 }, strategy: 'topic_record' },
    });
    out.push({
      topic: jsTopic,
      partition,
      value: first ? { json_schema: login, data: { id: i, user: `u${i}` }, strategy: 'record' } : { json_schema: logout, data: { id: i, reason: `r${i}` }, strategy: 'record' },
    });
  }
  return out;
}

const N = 60;
const HALF = 30;
const ids = (pick: (i: number) => boolean) => [...Array(N).keys()].filter(pick).map(String);
const firstType = (i: number) => i % 3 !== 2;

describe('several record types per topic', () => {
  it('{topic}_{record}: interleaved Avro, Protobuf and JSON Schema types each land in their own table exactly once across a SIGKILL', async () => {
    const s = uniqueSuffix();
    const ns = `record_tables_${s}`;
    const avroTopic = `floe-rt-avro-${s}`;
    const pbTopic = `floe-rt-pb-${s}`;
    const jsTopic = `floe-rt-js-${s}`;
    for (const t of [avroTopic, pbTopic, jsTopic]) await kafka.createTopic(t, 2);
    await producePython(stack, messages(avroTopic, pbTopic, jsTopic, 0, HALF), PROTOS);

    const dir = workDir('record-tables');
    const configWith = (commit: object) =>
      writeDaemonConfig(stack, dir, {
        groupId: `floe-rt-${s}`,
        defaults: { namespace: ns, commit },
        tables: [{ topics: [avroTopic, pbTopic, jsTopic], table: '{topic}_{record}' }],
      });
    // The first daemon commits every 4 records (passes included) and never on time: when it is
    // killed, every table holds the tail of what it read uncommitted, at a different offset.
    const killed = configWith({ intervalMs: 600_000, maxRecords: 4 });
    const config = configWith({ intervalMs: 500 });
    const table = (topic: string, record: string) => `floe.${ns}.${sanitizeIdentifier(`${topic}_${record}`)}`;
    const tables: Array<[string, (i: number) => boolean, string]> = [
      [table(avroTopic, 'com.acme.OrderCreated'), firstType, 'amount'],
      [table(avroTopic, 'com.acme.OrderShipped'), (i) => !firstType(i), 'carrier'],
      [table(pbTopic, 'floe.events.Click'), firstType, 'page'],
      [table(pbTopic, 'floe.events.Purchase'), (i) => !firstType(i), 'cents'],
      [table(jsTopic, 'Login'), firstType, 'user'],
      [table(jsTopic, 'Logout'), (i) => !firstType(i), 'reason'],
    ];

    // First half, then a SIGKILL as soon as one table shows rows: the others may hold rows
    // committed, buffered or not yet read.
    let daemon = DaemonProcess.start(killed, `${dir}/daemon-1.log`);
    try {
      await sparkRowsWhenCommitted(oracle, daemon, `SELECT id FROM ${tables[0]![0]}`, 1);
    } finally {
      daemon.kill('SIGKILL');
    }
    await producePython(stack, messages(avroTopic, pbTopic, jsTopic, HALF, N), PROTOS);
    daemon = DaemonProcess.start(config, `${dir}/daemon-2.log`);
    try {
      const positions = async () => {
        for (;;) {
          const line = daemon.log().split('\n').find((l) => l.includes('"positions set"'));
          if (line) return JSON.parse(line).positions as Record<string, string>;
          await new Promise((r) => setTimeout(r, 200));
        }
      };
      // The restart resumed inside the first half (the lowest offset of the topic's tables), not
      // at its end: records some tables had not committed were read again.
      const resumed = await positions();
      expect(Object.values(resumed).some((o) => Number(o) < 18), JSON.stringify(resumed)).toBe(true);
      for (const [name, pick, column] of tables) {
        const want = ids(pick);
        const got = await sparkRowsWhenCommitted(oracle, daemon, `SELECT CAST(id AS STRING) AS id, ${column} FROM ${name} ORDER BY id`, want.length);
        expect(rowObjects(got).map((r) => r.id).sort(), name).toEqual([...want].sort());
        // Values of the type's own columns came through (spot check the first row).
        expect(rowObjects(got).find((r) => r.id === want[0])![column], name).not.toBeNull();
      }
      // Avro values read back exactly.
      const shippedRows = rowObjects(await oracle.sparkSql(`SELECT id, carrier FROM ${tables[1]![0]} WHERE id < 6 ORDER BY id`));
      expect(shippedRows).toEqual([{ id: '2', carrier: 'c2' }, { id: '5', carrier: 'c5' }]);
      const clicks = (await oracle.sparkSql(`DESCRIBE TABLE ${tables[2]![0]}`)).rows.map((r) => r[0]);
      expect(clicks).not.toContain('cents');
      expect((await daemon.stop()).code).toBe(0);
      // After a clean stop every table's offsets reach the end of both partitions of its topic,
      // its siblings' records included.
      // Each topic holds record i on partitionOf(i): the partitions' end offsets are their counts.
      const ends = { '0': String(ids((i) => partitionOf(i) === 0).length), '1': String(ids((i) => partitionOf(i) === 1).length) };
      for (const [name] of tables) {
        const topic = [avroTopic, pbTopic, jsTopic].find((t) => name.includes(sanitizeIdentifier(t)))!;
        const q = await oracle.sparkSql(`SELECT summary['floe.offsets'] FROM ${name}.snapshots ORDER BY committed_at DESC LIMIT 1`);
        expect(JSON.parse(String(q.rows[0]![0]))[topic], name).toEqual(ends);
      }
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});
