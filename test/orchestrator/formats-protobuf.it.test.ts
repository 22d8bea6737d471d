/**
 * Protobuf (Confluent wire format) end to end: records serialized by Confluent's Python
 * ProtobufSerializer (protoc-generated classes, grpcio-tools) through the stack's registry, which
 * hands floe back the registered FileDescriptorProto. An evolution sequence of five versions
 * (added fields, int32 → int64, a field renamed under its number, then removed, a message, an enum,
 * a oneof, wrappers,
 * Timestamp), every scalar width and well-known type on a second topic whose message is the file's
 * second one (index path [1]) and imports a registered reference (common.proto), and
 * poison records (a wrong index path, a truncated payload, an unknown schema id) that must land in
 * the dead-letter topic with their reasons. Spark reads every value back, type for type. Decimals
 * (money.proto: confluent.type.Decimal and google.type.Decimal with and without field_meta params)
 * come both from the serializer (descriptor form) and from .proto text registered through the REST
 * API with a payload from Python's protobuf runtime.
 */
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor, rowObjects, sparkRowsWhenCommitted } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { producePython, type PyMessage } from '../harness/python-producer.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const PROTOS = {
  dir: resolve(import.meta.dirname, '../fixtures/formats/protobuf'),
  files: ['reading_v1.proto', 'reading_v2.proto', 'reading_v3.proto', 'reading_v4.proto', 'reading_v5.proto', 'common.proto', 'types.proto', 'money.proto'],
};

/** Big-endian two's complement of an unscaled decimal, base64 (a confluent.type.Decimal's value in proto3 JSON). */
function twos(n: bigint): string {
  let len = 1;
  while (n >= 1n << BigInt(len * 8 - 1) || n < -(1n << BigInt(len * 8 - 1))) len++;
  const x = BigInt.asUintN(len * 8, n);
  return Buffer.from(Uint8Array.from({ length: len }, (_, i) => Number((x >> BigInt((len - 1 - i) * 8)) & 0xffn))).toString('base64');
}

describe('Protobuf', () => {
  it('five evolving versions, every scalar width and well-known type, and poison records, read back by Spark', async () => {
    const s = uniqueSuffix();
    const ns = `protobuf_${s}`;
    const readings = `floe-pb-readings-${s}`;
    const samples = `floe-pb-samples-${s}`;
    await kafka.createTopic(readings, 1);
    await kafka.createTopic(samples, 1);
    // One subject per version (TopicRecordNameStrategy: each version is another package): Apicurio
    // 3.0.9's compatibility check parses the subject's stored version, the base64 FileDescriptorProto the
    // serializer registered, as .proto text and fails registering a second version with HTTP 500
    // "Syntax error in :1:1: unexpected label: ChByZWFkaW5n…", whatever the subject's level.
    const r = (v: number, data: object) => ({ topic: readings, value: { protobuf: `reading_v${v}_pb2.Reading`, data, strategy: 'topic_record' as const } });
    const messages: PyMessage[] = [
      r(1, { id: 1, name: 'one' }),
      r(2, { id: 2, name: 'two', score: 2.5, note: '' }),
      r(3, { id: '3000000000000', name: 'three', tags: ['a', 'b'], attrs: { x: '9007199254740993' } }),
      r(4, { id: 4, label: 'four', at: '2024-02-29T23:59:59.123456789Z', color: 'BLUE' }),
      r(5, { id: 5, address: { zip: '1000', city: 'Gent' }, num: '-7' }),
      // Count 1, index 7: names no message of the schema.
      { topic: readings, value: { framed_like: 'reading_v5_pb2.Reading', body: '\u0002\u000e' } },
      // Path [0], then field 10 (text) claiming 10 bytes of which 2 follow.
      { topic: readings, value: { framed_like: 'reading_v5_pb2.Reading', body: '\u0000R\u000aab' } },
      { topic: readings, value: { framed: Buffer.from([0, 0x7f, 0xff, 0xff, 0xf0, 0, 8, 1]).toString('base64') } },
      r(5, { id: 6, text: 'six' }),
      {
        topic: samples,
        value: {
          protobuf: 'types_pb2.Sample',
          data: {
            i32: -2147483648, s32: -5, u32: 4294967295, f32: 7,
            i64: '-9223372036854775808', s64: '9223372036854775807', sf64: '-1', u64: '18446744073709551615', f64: '9007199254740993',
            b: true, fl: 1.5, d: -0.125, by: Buffer.from([0, 1, 254, 255]).toString('base64'),
            took: '-1.5000015s', w64: '0', day: { year: 2024, month: 2, day: 29 },
            doc: { a: [1, true, null], b: 's' }, tree: { v: 1, next: { v: 2 } }, tag: { key: 'k', weight: '18446744073709551615' },
          },
        },
      },
      { topic: samples, value: { protobuf: 'types_pb2.Sample', data: {} } },
    ];
    await producePython(stack, messages, PROTOS);

    const dir = workDir('protobuf');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-pb-${s}`,
      defaults: { namespace: ns },
      tables: [
        { topics: [readings], table: 'readings' },
        { topics: [samples], table: 'samples' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const rows = (table: string, n: number, cols: string) =>
        sparkRowsWhenCommitted(oracle, daemon, `SELECT ${cols} FROM floe.${ns}.${table} ORDER BY _kafka.offset`, n);
      const got = await rows('readings', 6, 'id, label, score, note, tags, attrs, at, color, address, text, num');
      const base = { label: null, score: 0, note: null, tags: [], attrs: [], at: null, color: 'RED', address: null, text: null, num: null };
      expect(rowObjects(got)).toEqual([
        { ...base, id: '1', label: 'one', score: null, tags: null, attrs: null, color: null },
        { ...base, id: '2', label: 'two', score: 2.5, note: '', tags: null, attrs: null, color: null },
        { ...base, id: '3000000000000', label: 'three', tags: ['a', 'b'], attrs: [['x', '9007199254740993']], color: null },
        // Timestamp nanos floored to µs.
        { ...base, id: '4', label: 'four', at: '2024-02-29T23:59:59.123456Z', color: 'BLUE' },
        { ...base, id: '5', address: { zip: '1000', city: 'Gent' }, num: '-7' },
        { ...base, id: '6', text: 'six' },
      ]);
      const types = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.readings`)).rows.map((row) => [row[0], row[1]]));
      expect(types).toMatchObject({
        id: 'bigint',
        label: 'string',
        score: 'double',
        note: 'string',
        tags: 'array<string>',
        attrs: 'map<string,bigint>',
        at: 'timestamp',
        color: 'string',
        address: 'struct<zip:string,city:string>',
        text: 'string',
        num: 'bigint',
      });
      // Field ids: v1's columns first, then _kafka, then each version's additions in order.
      const info = await oracle.pyicebergTable(`${ns}.readings`);
      const fields = (info.schema as { fields: { id: number; name: string; required: boolean }[] }).fields;
      // The field renamed under number 2 kept id 2; removed in v5, it stays, optional.
      expect(fields.slice(0, 2).map((f) => [f.id, f.name])).toEqual([[1, 'id'], [2, 'label']]);
      expect(fields.find((f) => f.name === 'label')!.required).toBe(false);

      const sm = await rows('samples', 2, 'i32, s32, u32, f32, i64, s64, sf64, u64, f64, b, fl, d, hex(by) AS by, took, w64, day, doc, tree, tag');
      expect(rowObjects(sm)).toEqual([
        {
          i32: -2147483648, s32: -5, u32: '4294967295', f32: '7',
          i64: '-9223372036854775808', s64: '9223372036854775807', sf64: '-1', u64: '18446744073709551615', f64: '9007199254740993',
          b: true, fl: 1.5, d: -0.125, by: '0001FEFF',
          took: '-1500001', w64: '0', day: '2024-02-29', doc: '{"a":[1,true,null],"b":"s"}', tree: { v: 1, next: '{"v":2}' }, tag: { key: 'k', weight: '18446744073709551615' },
        },
        {
          i32: 0, s32: 0, u32: '0', f32: '0', i64: '0', s64: '0', sf64: '0', u64: '0', f64: '0',
          b: false, fl: 0, d: 0, by: '', took: null, w64: null, day: null, doc: null, tree: null, tag: null,
        },
      ]);
      const smTypes = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.samples`)).rows.map((row) => [row[0], row[1]]));
      expect(smTypes).toMatchObject({
        i32: 'int', s32: 'int', u32: 'bigint', f32: 'bigint', i64: 'bigint', s64: 'bigint', sf64: 'bigint',
        u64: 'decimal(20,0)', f64: 'decimal(20,0)', b: 'boolean', fl: 'float', d: 'double', by: 'binary',
        took: 'bigint', w64: 'bigint', day: 'date', doc: 'string', tree: 'struct<v:int,next:string>', tag: 'struct<key:string,weight:decimal(20,0)>',
      });

      const letters = await readTopic(kafka, `${readings}.floe.dlq`, 3);
      expect(letters.map((m) => m.headers?.['floe.error.code']?.toString())).toEqual(['DECODE_SCHEMA_MISMATCH', 'DECODE_TRUNCATED', 'DECODE_UNKNOWN_SCHEMA']);
      expect(letters[0]!.headers?.['floe.error.message']?.toString()).toMatch(/index path \[7\] names no message/);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);

  it('decimals: confluent.type.Decimal and google.type.Decimal with field_meta precision/scale land as decimal(p,s), from a descriptor and from .proto text; one that does not fit is dead-lettered', async () => {
    const s = uniqueSuffix();
    const ns = `protobuf_dec_${s}`;
    const topic = `floe-pb-dec-${s}`;
    await kafka.createTopic(topic, 1);
    const max38 = 10n ** 38n - 1n;
    // Python's ProtobufSerializer registers money.proto as protoc's descriptor (field_meta inside its
    // FieldOptions); the last good record's schema is the .proto text, registered as written.
    const pay = (data: object) => ({ topic, value: { protobuf: 'money_pb2.Payment', data } });
    const messages: PyMessage[] = [
      pay({
        id: 1, amount: { value: twos(-1234567n), scale: 2 }, rate: { value: '-12.345' }, whole: [{ value: twos(max38) }, { value: twos(-1n) }], raw: { value: twos(-5n), scale: 1 }, text: { value: '1.50' },
        prices: { a: { value: twos(-123456789n), scale: 2 }, b: { value: twos(999999999n), scale: 2 } },
      }),
      pay({ id: 2, amount: { scale: 2 }, rate: { value: '0' } }),
      pay({ id: 3, amount: { value: twos(9999999n), scale: 2 }, rate: { value: '99.999' }, whole: [{ value: twos(-max38) }] }),
      // 100000.00 needs 8 digits: decimal(7,2) cannot hold it.
      pay({ id: 4, amount: { value: twos(10000000n), scale: 2 } }),
      {
        topic,
        value: {
          protobuf_text: 'money_pb2.Payment',
          schema: readFileSync(resolve(PROTOS.dir, 'money.proto'), 'utf8'),
          subject: `${topic}-text-value`,
          data: { id: 5, amount: { value: twos(1234n), scale: 2 }, rate: { value: '2.5E-2' } },
        },
      },
    ];
    const ids = await producePython(stack, messages, PROTOS);
    expect(ids[topic]!['money_pb2.Payment']).not.toBe(ids[topic]![`${topic}-text-value`]);
    const dir = workDir('protobuf-dec');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-pb-dec-${s}`, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 'payments' }] });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const got = await sparkRowsWhenCommitted(oracle, daemon, `SELECT id, amount, rate, whole, raw, text, prices FROM floe.${ns}.payments ORDER BY _kafka.offset`, 4);
      expect(rowObjects(got)).toEqual([
        {
          id: 1, amount: '-12345.67', rate: '-12.345', whole: [max38.toString(), '-1'], raw: { value: { $bytes: twos(-5n) }, precision: '0', scale: 1 }, text: { value: '1.50' },
          prices: [['a', '-1234567.89'], ['b', '9999999.99']],
        },
        { id: 2, amount: '0.00', rate: '0.000', whole: [], raw: null, text: null, prices: [] },
        { id: 3, amount: '99999.99', rate: '99.999', whole: [(-max38).toString()], raw: null, text: null, prices: [] },
        { id: 5, amount: '12.34', rate: '0.025', whole: [], raw: null, text: null, prices: [] },
      ]);
      const types = Object.fromEntries((await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.payments`)).rows.map((row) => [row[0], row[1]]));
      expect(types).toMatchObject({
        amount: 'decimal(7,2)', rate: 'decimal(5,3)', whole: 'array<decimal(38,0)>', prices: 'map<string,decimal(9,2)>',
        raw: 'struct<value:binary,precision:bigint,scale:int>', text: 'struct<value:string>',
      });
      const letters = await readTopic(kafka, `${topic}.floe.dlq`, 1);
      expect(letters.map((m) => m.headers?.['floe.error.code']?.toString())).toEqual(['DECODE_SCHEMA_MISMATCH']);
      expect(letters[0]!.headers?.['floe.error.message']?.toString()).toMatch(/confluent.type.Decimal 100000.00 does not fit decimal\(7,2\)/);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);

  it('a Timestamp keeps every nanosecond in a v3 table (timestamptz_ns, read exactly by PyIceberg) and is floored to µs in a v2 table', async () => {
    const s = uniqueSuffix();
    const ns = `protobuf_ns_${s}`;
    const topic = `floe-pb-ns-${s}`;
    await kafka.createTopic(topic, 1);
    // [RFC 3339 with 9 digits, what a µs column holds: floored, so before 1970 it rounds down]
    const at: [string, string][] = [
      ['2024-02-29T23:59:59.123456789Z', '2024-02-29T23:59:59.123456Z'],
      ['1969-12-31T23:59:59.999999999Z', '1969-12-31T23:59:59.999999Z'],
      ['1970-01-01T00:00:00.000000001Z', '1970-01-01T00:00:00.000000Z'],
      ['1969-12-31T23:59:59.000000001Z', '1969-12-31T23:59:59.000000Z'],
    ];
    await producePython(stack, at.map(([t], i) => ({ topic, value: { protobuf: 'reading_v4_pb2.Reading', data: { id: i + 1, at: t }, strategy: 'topic_record' as const } })), PROTOS);
    const dir = workDir('protobuf-ns');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-pb-ns-${s}`,
      defaults: { namespace: ns },
      tables: [
        { topics: [topic], table: 'v3', formatVersion: 3 },
        { topics: [topic], table: 'v2' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const scan = async (table: string) =>
        rowObjects(await oracle.pyicebergScan(`${ns}.${table}`, { selectedFields: ['id', 'at'] }).catch(() => ({ columns: [], rows: [] }))).sort((a, b) => Number(a.id) - Number(b.id));
      await waitFor('both tables', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        return (await scan('v3')).length === at.length && (await scan('v2')).length === at.length;
      }, 180_000, 1000);
      const arrow = async (table: string) => Object.fromEntries((await oracle.pyicebergScan(`${ns}.${table}`, { selectedFields: ['at'] })).columns.map((c) => [c.name, c.type]));
      expect(await arrow('v3')).toEqual({ at: 'timestamp[ns, tz=UTC]' });
      expect(await scan('v3')).toEqual(at.map(([t], i) => ({ id: String(i + 1), at: t })));
      expect(await arrow('v2')).toEqual({ at: 'timestamp[us, tz=UTC]' });
      expect(await scan('v2')).toEqual(at.map(([, t], i) => ({ id: String(i + 1), at: t })));
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});
