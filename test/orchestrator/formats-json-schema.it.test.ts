/**
 * JSON Schema (Confluent wire format) end to end: records serialized by Confluent's Python
 * JSONSerializer through the stack's registry, an evolution sequence of five schema versions
 * (added columns, int → long, nested objects, arrays, maps, formats; renames through `aliases` are
 * unit-tested: Apicurio's compatibility rules refuse a removed property here),
 * a 2020-12 schema with a oneOf union, a recursive $ref, a Connect decimal and a 64-bit integer, and
 * poison records (invalid JSON, a schema violation, an unknown schema id, a wrong magic byte) that
 * must land in the dead-letter topic. Spark reads every value back, type for type.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor, rowObjects, sparkRowsWhenCommitted } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { producePython, type PyMessage } from '../harness/python-producer.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const draft7 = 'http://json-schema.org/draft-07/schema#';
const reading = (props: Record<string, unknown>) => ({ $schema: draft7, title: 'Reading', type: 'object', required: ['id'], properties: props });
const V1 = reading({ id: { type: 'integer', 'connect.type': 'int32' }, name: { type: 'string' } });
const V2 = reading({ ...V1.properties, score: { type: 'number' } });
const V3 = reading({ ...V2.properties, id: { type: 'integer' } });
const V4 = reading({
  ...V3.properties,
  address: { type: 'object', required: ['zip'], properties: { zip: { type: 'string' }, city: { type: ['string', 'null'] } } },
  tags: { type: 'array', items: { type: 'string' } },
});
const V5 = reading({
  ...V4.properties,
  at: { type: 'string', format: 'date-time' },
  day: { type: 'string', format: 'date' },
  ref: { type: 'string', format: 'uuid' },
  kind: { enum: ['A', 'B'] },
  attrs: { type: 'object', additionalProperties: { type: 'integer' } },
});

const EVENT = {
  $schema: 'https://json-schema.org/draft/2020-12/schema',
  title: 'Event',
  type: 'object',
  required: ['id'],
  $defs: { node: { type: 'object', properties: { v: { type: 'integer' }, next: { $ref: '#/$defs/node' } } } },
  properties: {
    id: { type: 'integer' },
    v: { oneOf: [{ type: 'integer' }, { type: 'string' }, { type: 'null' }] },
    node: { $ref: '#/$defs/node' },
    amount: { type: 'number', title: 'org.apache.kafka.connect.data.Decimal', 'connect.parameters': { scale: '2', 'connect.decimal.precision': '12' } },
    big: { type: 'integer' },
    raw: {},
  },
};

describe('JSON Schema', () => {
  it('five evolving versions, unions, $refs, exact numbers and poison records, read back by Spark', async () => {
    const s = uniqueSuffix();
    const ns = `jsonschema_${s}`;
    const readings = `floe-js-readings-${s}`;
    const events = `floe-js-events-${s}`;
    await kafka.createTopic(readings, 1);
    await kafka.createTopic(events, 1);
    const r = (schema: object, data: object, validate = true) => ({ topic: readings, value: { json_schema: schema, data, validate } });
    const messages: PyMessage[] = [
      r(V1, { id: 1, name: 'one' }),
      // Apicurio maps NONE to its global BACKWARD rule, which refuses added properties of an open model.
      { compat: `${readings}-value`, level: 'FORWARD' },
      r(V2, { id: 2, name: 'two', score: 2.5 }),
      r(V3, { id: 3000000000000, name: 'three', score: -0.125 }),
      r(V4, { id: 4, name: 'four', address: { zip: '1000', city: null }, tags: ['a', 'b'] }),
      r(V5, { id: 5, name: 'five', at: '2024-02-29T23:59:59.123456+01:00', day: '2024-03-01', ref: 'A0EEBC99-9C0B-4EF8-BB6D-6BB9BD380A11', kind: 'B', attrs: { x: { $int: '9007199254740993' } }, address: { zip: '2000' }, tags: [] }),
      { topic: readings, value: { framed_like: 'Reading', body: '{"id": ' } },
      r(V5, { id: 'not a number' }, false),
      { topic: readings, value: { framed: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 0x7b, 0x7d]).toString('base64') } },
      { topic: readings, value: { raw: 'text', data: '{"id": 6}' } },
      r(V5, { id: 7, name: 'seven' }),
      { topic: events, value: { json_schema: EVENT, data: { id: 1, v: 5, node: { v: 1, next: { v: 2 } }, amount: 1234.56, big: { $int: '9223372036854775807' }, raw: { a: [1, 2] } } } },
      { topic: events, value: { json_schema: EVENT, data: { id: 2, v: 'x' } } },
      { topic: events, value: { json_schema: EVENT, data: { id: 3, v: null } } },
    ];
    await producePython(stack, messages);

    const dir = workDir('jsonschema');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-js-${s}`,
      defaults: { namespace: ns },
      tables: [
        { topics: [readings], table: 'readings' },
        { topics: [events], table: 'events' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const rows = (table: string, n: number, cols: string) =>
        sparkRowsWhenCommitted(oracle, daemon, `SELECT ${cols} FROM floe.${ns}.${table} ORDER BY _kafka.offset`, n);
      const got = await rows('readings', 6, 'id, name, score, address, tags, at, day, ref, kind, attrs');
      expect(rowObjects(got)).toEqual([
        { id: '1', name: 'one', score: null, address: null, tags: null, at: null, day: null, ref: null, kind: null, attrs: null },
        { id: '2', name: 'two', score: 2.5, address: null, tags: null, at: null, day: null, ref: null, kind: null, attrs: null },
        { id: '3000000000000', name: 'three', score: -0.125, address: null, tags: null, at: null, day: null, ref: null, kind: null, attrs: null },
        { id: '4', name: 'four', score: null, address: { zip: '1000', city: null }, tags: ['a', 'b'], at: null, day: null, ref: null, kind: null, attrs: null },
        {
          id: '5',
          name: 'five',
          score: null,
          address: { zip: '2000', city: null },
          tags: [],
          at: '2024-02-29T22:59:59.123456Z',
          day: '2024-03-01',
          ref: 'a0eebc99-9c0b-4ef8-bb6d-6bb9bd380a11',
          kind: 'B',
          attrs: [['x', '9007199254740993']],
        },
        { id: '7', name: 'seven', score: null, address: null, tags: null, at: null, day: null, ref: null, kind: null, attrs: null },
      ]);
      const types = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.readings`)).rows.map((row) => [row[0], row[1]]));
      expect(types).toMatchObject({
        id: 'bigint',
        name: 'string',
        score: 'double',
        address: 'struct<zip:string,city:string>',
        tags: 'array<string>',
        at: 'timestamp',
        day: 'date',
        ref: 'string',
        kind: 'string',
        attrs: 'map<string,bigint>',
      });
      // Field ids: v1's columns first, then _kafka, then each version's additions in order.
      const info = await oracle.pyicebergTable(`${ns}.readings`);
      const fields = (info.schema as { fields: { id: number; name: string; type: unknown }[] }).fields;
      expect(fields.slice(0, 2).map((f) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'name']]);
      expect(fields.find((f) => f.name === 'ref')!.type).toBe('uuid');

      const ev = await rows('events', 3, 'id, v, node, amount, big, raw');
      expect(rowObjects(ev)).toEqual([
        { id: '1', v: { long: '5', string: null }, node: { v: '1', next: '{"v":2}' }, amount: '1234.56', big: '9223372036854775807', raw: '{"a":[1,2]}' },
        { id: '2', v: { long: null, string: 'x' }, node: null, amount: null, big: null, raw: null },
        { id: '3', v: null, node: null, amount: null, big: null, raw: null },
      ]);
      const evTypes = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.events`)).rows.map((row) => [row[0], row[1]]));
      expect(evTypes).toMatchObject({ v: 'struct<long:bigint,string:string>', node: 'struct<v:bigint,next:string>', amount: 'decimal(12,2)', big: 'bigint', raw: 'string' });

      const letters = await readTopic(kafka, `${readings}.floe.dlq`, 4);
      expect(letters.map((m) => m.headers?.['floe.error.code']?.toString())).toEqual([
        'DECODE_INVALID_JSON',
        'DECODE_SCHEMA_VIOLATION',
        'DECODE_UNKNOWN_SCHEMA',
        'DECODE_BAD_MAGIC',
      ]);
      expect(letters[1]!.headers?.['floe.error.message']?.toString()).toMatch(/\/id must be integer/);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});
