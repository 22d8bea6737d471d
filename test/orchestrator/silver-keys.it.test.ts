/**
 * Silver tables keyed from JSON and Protobuf Kafka keys (issue #15 item 4), produced by Confluent's
 * Python client (plain JSON key text; ProtobufSerializer keys and values through the registry):
 * upserts keep the latest row per key, a tombstone deletes the key its Kafka key names (the key's
 * `id` converted to the long key column), and a tombstone whose key cannot be that column is
 * dead-lettered as SILVER_BAD_KEY while the table carries on. Spark reads the final state.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { main } from '../../src/cli/main.js';
import { oracleFor, rowObjects } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { producePython, type Encoded, type PyRecord } from '../harness/python-producer.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const PROTOS = { dir: resolve(import.meta.dirname, '../fixtures/formats/protobuf'), files: ['account.proto'] };
const ACCOUNT = { $schema: 'http://json-schema.org/draft-07/schema#', title: 'Account', type: 'object', required: ['id', 'name'], properties: { id: { type: 'integer' }, name: { type: 'string' } } };

async function status(config: string): Promise<Array<{ table: string; exists: boolean; lagRecords: number }>> {
  let out = '';
  const code = await main(['status', '--config', config, '--json'], { io: { stdout: (t) => void (out += t), stderr: () => undefined }, env: { ...process.env, FLOE_LOG_LEVEL: 'warn' }, signal: new AbortController().signal });
  expect(code).toBe(0);
  return (JSON.parse(out) as { tables: Array<{ table: string; exists: boolean; lagRecords: number }> }).tables;
}

describe('silver keys from JSON and Protobuf Kafka keys', () => {
  it('upserts and tombstones land by key; a key that cannot be the key column is dead-lettered', async () => {
    const s = uniqueSuffix();
    const ns = `silver_keys_${s}`;
    const jsonTopic = `floe-silver-json-key-${s}`;
    const protoTopic = `floe-silver-proto-key-${s}`;
    for (const t of [jsonTopic, protoTopic]) await kafka.createTopic(t, 1);

    const jsonKey = (text: string): Encoded => ({ raw: 'text', data: text });
    const jsonValue = (id: number, name: string): Encoded => ({ json_schema: ACCOUNT, data: { id, name } });
    const protoKey = (id: number): Encoded => ({ protobuf: 'account_pb2.AccountKey', data: { id } });
    const protoValue = (id: number, name: string): Encoded => ({ protobuf: 'account_pb2.Account', data: { id, name } });
    const records: PyRecord[] = [
      { topic: jsonTopic, key: jsonKey('{"id": 1}'), value: jsonValue(1, 'one') },
      { topic: jsonTopic, key: jsonKey('{"id": 2}'), value: jsonValue(2, 'two') },
      { topic: jsonTopic, key: jsonKey('{"id": 1}'), value: jsonValue(1, 'one again') },
      { topic: jsonTopic, key: jsonKey('{"id": 2}'), value: null }, // removes id 2
      { topic: jsonTopic, key: jsonKey('{"id": "two"}'), value: null }, // not a long: dead letter
      { topic: jsonTopic, key: jsonKey('{"id": 3}'), value: jsonValue(3, 'three') },
      { topic: protoTopic, key: protoKey(10), value: protoValue(10, 'ten') },
      { topic: protoTopic, key: protoKey(20), value: protoValue(20, 'twenty') },
      { topic: protoTopic, key: protoKey(10), value: null }, // removes id 10
      { topic: protoTopic, key: protoKey(20), value: protoValue(20, 'twenty again') },
      { topic: protoTopic, key: protoKey(30), value: protoValue(30, 'thirty') },
    ];
    await producePython(stack, records, PROTOS);

    const dir = workDir('silver-keys');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-silver-keys-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: '500ms' } },
      tables: [
        { topics: [jsonTopic], table: 'by_json_key', mode: 'silver', key: { format: 'json', fields: ['id'] } },
        { topics: [protoTopic], table: 'by_proto_key', mode: 'silver', key: { format: 'registry', fields: ['id'] } },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      await waitFor('both tables caught up', async () => {
        if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-2000)}`);
        const tables = await status(config);
        return tables.length === 2 && tables.every((t) => t.exists && t.lagRecords === 0) ? true : undefined;
      }, 120_000, 1000);
      expect((await daemon.stop()).code, daemon.log().slice(-2000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    const state = async (table: string) => rowObjects(await oracle.sparkSql(`SELECT id, name FROM floe.${ns}.${table} ORDER BY id`)).map((r) => [r.id, r.name]);
    expect(await state('by_json_key')).toEqual([['1', 'one again'], ['3', 'three']]);
    expect(await state('by_proto_key')).toEqual([['20', 'twenty again'], ['30', 'thirty']]);
    const types = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.by_proto_key`)).rows.map((r) => [r[0], r[1]]));
    expect(types).toMatchObject({ id: 'bigint', name: 'string' });

    // The one bad tombstone, with its reason, in the default dead-letter topic.
    const letters = await readTopic(kafka, `${jsonTopic}.floe.dlq`, 1);
    const header = (name: string) => letters[0]!.headers?.[name]?.toString();
    expect(letters).toHaveLength(1);
    expect(header('floe.error.code')).toBe('SILVER_BAD_KEY');
    expect(header('floe.source.offset')).toBe('4');
    expect(header('floe.error.message')).toContain('key column id is long');
  }, 300_000);
});
