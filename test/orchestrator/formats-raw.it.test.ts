/**
 * Topics without a schema: bytes, string, json, long and int values (and a long key), produced by
 * Confluent's Python client, land as bronze tables of one typed `value` column plus `_kafka`; Spark
 * reads every value back exactly. Values that are not of their format are dead-lettered.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { oracleFor } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { producePython, type PyMessage, type PyRecord } from '../harness/python-producer.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const kafka = new AvroProducer(stack);
afterAll(() => kafka.close());

const b64 = (b: number[]) => Buffer.from(b).toString('base64');

describe('topics without a schema', () => {
  it('bytes, string, json, long and int values land exactly; bad values are dead-lettered', async () => {
    const s = uniqueSuffix();
    const ns = `raw_${s}`;
    const t = (f: string) => `floe-raw-${f}-${s}`;
    const cases: Record<string, { good: PyRecord['value'][]; expected: unknown[]; type: string; bad: { value: PyRecord['value']; code: string }[] }> = {
      bytes: { good: [{ raw: 'bytes', data: b64([0, 255, 1]) }, { raw: 'bytes', data: '' }], expected: [{ $bytes: b64([0, 255, 1]) }, { $bytes: '' }], type: 'binary', bad: [] },
      string: {
        good: [{ raw: 'string', data: 'héllo ✓' }, { raw: 'string', data: '' }],
        expected: ['héllo ✓', ''],
        type: 'string',
        bad: [{ value: { raw: 'bytes', data: b64([0xff, 0xfe]) }, code: 'DECODE_SCHEMA_MISMATCH' }],
      },
      json: {
        good: [{ raw: 'text', data: '{"a": 12345678901234567890, "b": [1, "x", null]}' }, { raw: 'text', data: ' "s" ' }],
        expected: ['{"a": 12345678901234567890, "b": [1, "x", null]}', '"s"'],
        type: 'string',
        bad: [{ value: { raw: 'text', data: '{"a": ' }, code: 'DECODE_INVALID_JSON' }],
      },
      long: {
        good: [{ raw: 'long', data: '-9223372036854775808' }, { raw: 'long', data: '9223372036854775807' }],
        expected: ['-9223372036854775808', '9223372036854775807'],
        type: 'bigint',
        bad: [{ value: { raw: 'int', data: 7 }, code: 'DECODE_SCHEMA_MISMATCH' }],
      },
      int: { good: [{ raw: 'int', data: -2147483648 }, { raw: 'int', data: 2147483647 }], expected: [-2147483648, 2147483647], type: 'int', bad: [{ value: { raw: 'long', data: '1' }, code: 'DECODE_SCHEMA_MISMATCH' }] },
    };
    const messages: PyMessage[] = [];
    for (const [f, c] of Object.entries(cases)) {
      await kafka.createTopic(t(f), 1);
      c.good.forEach((value, i) => messages.push({ topic: t(f), value, key: { raw: 'long', data: String(i) } }));
      for (const b of c.bad) messages.push({ topic: t(f), value: b.value, key: { raw: 'long', data: '99' } });
    }
    await producePython(stack, messages);

    const dir = workDir('raw');
    const tables = Object.keys(cases).map((f) => ({ topics: [t(f)], table: f, value: { format: f }, key: { format: 'long' } }));
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-raw-${s}`, defaults: { namespace: ns }, tables });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      for (const [f, c] of Object.entries(cases)) {
        const r = await waitFor(`${f} committed`, async () => {
          if (!daemon.running) throw new Error(daemon.log().slice(-3000));
          const q = await oracle.sparkSql(`SELECT value, _kafka.offset, hex(_kafka.key) FROM floe.${ns}.${f} ORDER BY _kafka.offset`).catch(() => undefined);
          return q && q.rows.length >= c.good.length ? q : undefined;
        }, 180_000, 2000);
        expect(r.columns[0]!.type, f).toBe(c.type);
        expect(r.rows.map((row) => row[0]), f).toEqual(c.expected);
        expect(r.rows.map((row) => row[2]), f).toEqual(c.good.map((_, i) => `000000000000000${i}`));
        if (c.bad.length > 0) {
          const letters = await readTopic(kafka, `${t(f)}.floe.dlq`, c.bad.length);
          expect(letters.map((m) => m.headers?.['floe.error.code']?.toString()), f).toEqual(c.bad.map((b) => b.code));
        }
      }
      const described = await oracle.sparkSql(`DESCRIBE TABLE floe.${ns}.long`);
      expect(described.rows.slice(0, 2).map((r) => [r[0], r[1]])).toEqual([
        ['value', 'bigint'],
        ['_kafka', expect.stringMatching(/^struct</)],
      ]);
      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 600_000);
});
