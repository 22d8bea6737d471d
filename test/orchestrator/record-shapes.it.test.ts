/**
 * Every record shape Kafka allows reaches the table or the dead-letter topic, and the daemon stays
 * up. The records are produced by Python confluent-kafka (librdkafka), not by floe or kafkajs:
 * null and empty keys and values, null header values, repeated header keys, non-UTF-8 header
 * values, a value near the broker's size limit, records without a timestamp (CreateTime -1,
 * Kafka's NO_TIMESTAMP: librdkafka sends a timestamp of -1 as it is), a LogAppendTime topic, a
 * compacted topic with offset gaps, and transactions (committed, aborted, committed again). Spark
 * reads the tables; confluent-kafka reads the dead-letter topic and what the broker stored. A
 * table created (by Spark here) with the old required _kafka.timestamp gets it made optional by
 * the daemon, same field id, old rows unchanged.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { hex, PyKafka, type PyRecord } from '../fixtures/kafka-client.js';
import { oracleFor } from '../harness/oracle.js';
import { freePort } from '../harness/ports.js';
import { AvroProducer, DaemonProcess, sleep, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const avro = new AvroProducer(stack);
const py = new PyKafka(stack.kafkaBrokers.join(','));
afterAll(() => avro.close());

const schema = { type: 'record', name: 'Shape', fields: [{ name: 'id', type: 'long' }, { name: 'label', type: 'string' }] };
const BINARY = Buffer.from([0xff, 0xfe, 0x00, 0xc3, 0x28]); // not UTF-8

describe('record shapes', () => {
  it('every shape lands in the table or the dead-letter topic; the daemon stays up', async () => {
    const s = uniqueSuffix();
    const ns = `shapes_${s}`;
    const plain = `floe-shapes-${s}`;
    const lat = `floe-shapes-lat-${s}`;
    const compact = `floe-shapes-compact-${s}`;
    const nots = `floe-shapes-nots-${s}`;
    await py.createTopics([
      { name: plain },
      { name: nots },
      { name: lat, config: { 'message.timestamp.type': 'LogAppendTime' } },
      // The cleaner compacts closed segments: tiny segments and no lag make it do so within seconds.
      { name: compact, config: { 'cleanup.policy': 'compact', 'segment.ms': '100', 'min.cleanable.dirty.ratio': '0.001', 'min.compaction.lag.ms': '0', 'delete.retention.ms': '100' } },
    ]);
    const ids = new Map<string, number>();
    for (const t of [plain, lat, compact, nots]) ids.set(t, await avro.register(`${t}-value`, schema));
    const v = (topic: string, id: number, label = `l${id}`) => hex(avro.encode(ids.get(topic)!, { id, label }));

    // The compacted topic first, so the cleaner runs while the rest is produced: every key twice,
    // then a later record rolls the segment. Compaction removes the first copies: offset gaps.
    await py.produce(compact, [{ records: Array.from({ length: 10 }, (_, i) => ({ key: hex(`k${i % 5}`), value: v(compact, i) })) }]);
    await sleep(300);
    await py.produce(compact, [{ records: [{ key: hex('roll'), value: v(compact, 100) }] }]);

    const big = 'x'.repeat(1_000_000 - 200); // the framed record stays under the broker's 1 MB message.max.bytes
    const shapes: Array<PyRecord & { expect: 'row' | 'tombstone' | 'dead' }> = [
      { key: null, value: v(plain, 1), expect: 'row' },
      { key: hex(''), value: v(plain, 2), headers: [['k', hex('first')], ['n', null], ['k', hex('second')], ['bin', hex(BINARY)], ['', hex('')]], expect: 'row' },
      { key: hex('tomb'), value: null, headers: [['why', null]], expect: 'tombstone' },
      { key: hex('empty'), value: hex(''), headers: [['n', null]], expect: 'dead' },
      { key: hex('garbage'), value: hex('not avro'), headers: [['x', hex(BINARY)], ['x', null]], expect: 'dead' },
      { key: hex('big'), value: v(plain, 3, big), expect: 'row' },
      { key: hex('ts'), value: v(plain, 4), timestamp: 1_000, expect: 'row' },
      { key: hex(BINARY), value: v(plain, 5), headers: [['ключ', hex('значение')]], expect: 'row' },
      { key: hex('nots'), value: v(plain, 6), timestamp: -1, expect: 'row' },
    ];
    const plainOffsets = await py.produce(plain, [{ records: shapes }]);
    // Transactions: committed, aborted, committed; then a plain record after the last marker.
    const txOffsets = await py.produce(plain, [
      { transaction: 'commit', records: [{ key: hex('t'), value: v(plain, 10) }, { key: hex('t'), value: v(plain, 11) }] },
      { transaction: 'abort', records: [{ key: hex('a'), value: v(plain, 90) }, { key: hex('a'), value: v(plain, 91) }] },
      { transaction: 'commit', records: [{ key: hex('t'), value: v(plain, 12) }] },
    ]);
    const after = (await py.produce(plain, [{ records: [{ key: hex('after'), value: v(plain, 13) }] }]))[0]![1];
    const latOffsets = await py.produce(lat, [{ records: [{ value: v(lat, 1), timestamp: 1_000 }, { value: v(lat, 2), timestamp: 1_000 }] }]);
    // A topic of records without a timestamp only, in a table partitioned by the Kafka timestamp.
    const notsOffsets = await py.produce(nots, [{ records: [1, 2, 3].map((i) => ({ value: v(nots, i), timestamp: -1 })) }]);
    // What the broker stored, as an independent client reads it: CreateTime (1) with -1, NO_TIMESTAMP.
    const stored = await py.consume(nots, 3, 30);
    expect(stored.map((r) => [r.offset, r.timestamp_type, r.timestamp])).toEqual(notsOffsets.map(([, o]) => [o, 1, -1]));

    // What survives compaction, as an independent reader sees it (wait for the gaps to appear).
    const survivors = await waitFor('compaction', async () => {
      const read = await py.consume(compact, 11, 30, true);
      return read.length < 11 ? read : undefined;
    }, 90_000, 1000);

    const dir = workDir('shapes');
    const port = await freePort();
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-shapes-${s}`,
      serverPort: port,
      defaults: { namespace: ns },
      tables: [
        { topics: [plain], table: 'plain' },
        { topics: [lat], table: 'lat' },
        { topics: [compact], table: 'compact' },
        // Committed only at shutdown: its records wait in the buffer while freshness is read.
        { topics: [nots], table: 'nots', commit: { intervalMs: '1h' }, partitioning: [{ field: '$kafka.timestamp', transform: 'day' }] },
      ],
    });
    const freshness = async (table: string) => {
      const text = await (await fetch(`http://127.0.0.1:${port}/metrics`)).text();
      const line = text.split('\n').find((l) => l.startsWith(`floe_table_freshness_seconds{table="${ns}.${table}"}`));
      return line === undefined ? undefined : Number(line.split(' ').at(-1));
    };
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const rowsOf = shapes.filter((x) => x.expect !== 'dead').length + 3 + 1; // + committed txn records + 'after'
      const count = async (t: string) => Number((await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.${t}`)).rows[0]![0]);
      await waitFor('every shape committed', async () => ((await count('plain').catch(() => 0)) >= rowsOf && (await count('lat').catch(() => 0)) >= 2 && (await count('compact').catch(() => 0)) >= survivors.length ? true : undefined), 180_000, 2000);
      expect(daemon.running).toBe(true);

      const rows = await oracle.sparkSql(
        `SELECT _kafka.offset, id, hex(_kafka.key), transform(_kafka.headers, h -> array(h.key, hex(h.value))), length(label), unix_millis(_kafka.timestamp)
         FROM floe.${ns}.plain ORDER BY _kafka.offset`,
      );
      const byOffset = new Map(rows.rows.map((r) => [Number(r[0]), r]));
      expect(rows.rows).toHaveLength(rowsOf);
      shapes.forEach((shape, i) => {
        const row = byOffset.get(plainOffsets[i]![1]);
        if (shape.expect === 'dead') return expect(row, `shape ${i}`).toBeUndefined();
        expect(row, `shape ${i}`).toBeDefined();
        // Key bytes exactly (empty stays empty, null stays null); headers in order, nulls and all.
        expect(row![2], `key of shape ${i}`).toBe(shape.key === null || shape.key === undefined ? null : shape.key.toUpperCase());
        expect(row![3], `headers of shape ${i}`).toEqual((shape.headers ?? []).map(([k, val]) => [k, val === null ? null : val.toUpperCase()]));
        if (shape.expect === 'tombstone') expect(row![1]).toBeNull();
      });
      expect(Number(byOffset.get(plainOffsets[5]![1])![4])).toBe(big.length);
      expect(Number(byOffset.get(plainOffsets[6]![1])![5])).toBe(1_000); // CreateTime as the producer set it
      expect(byOffset.get(plainOffsets[8]![1])![5]).toBeNull(); // no timestamp (-1): null, not 1969-12-31T23:59:59.999Z
      // Records without a timestamp wait in the nots buffer: freshness counts them from when they
      // were read (a small, growing age), not from 1970 (56 years) and not 0.
      const f1 = await waitFor('nots buffered', async () => ((await freshness('nots')) ?? 0) > 0 && (await freshness('nots')), 60_000, 500);
      expect(f1).toBeLessThan(600);
      await sleep(1500);
      expect(await freshness('nots')).toBeGreaterThan(f1);
      expect(await freshness('plain')).toBeLessThan(600); // committed; a -1 among them did not count from 1970
      // Transactions: committed records in, aborted never; the record after the markers too.
      const txIds = rows.rows.filter((r) => r[1] !== null && Number(r[1]) >= 10).map((r) => Number(r[1]));
      expect(txIds.sort((a, b) => a - b)).toEqual([10, 11, 12, 13]);
      expect(byOffset.has(txOffsets[2]![1]) || byOffset.has(txOffsets[3]![1])).toBe(false);
      expect(byOffset.has(after)).toBe(true);

      // LogAppendTime: the broker's time, not the 1970 timestamp the producer asked for.
      const latRows = await oracle.sparkSql(`SELECT _kafka.offset, unix_millis(_kafka.timestamp) FROM floe.${ns}.lat ORDER BY _kafka.offset`);
      expect(latRows.rows.map((r) => Number(r[0]))).toEqual(latOffsets.map(([, o]) => o));
      for (const r of latRows.rows) expect(Number(r[1])).toBeGreaterThan(Date.now() - 3_600_000);

      // Compacted: exactly the surviving offsets, gaps and all.
      const compactRows = await oracle.sparkSql(`SELECT _kafka.offset, id FROM floe.${ns}.compact ORDER BY _kafka.offset`);
      expect(compactRows.rows.map((r) => [Number(r[0]), Number(r[1])])).toEqual(survivors.map((r) => [r.offset, idOf(r.value)]));

      // The bad ones are dead letters, original bytes and headers kept (a null header value
      // arrives empty: kafkajs cannot produce null header values).
      const dead = shapes.map((x, i) => ({ ...x, offset: plainOffsets[i]![1] })).filter((x) => x.expect === 'dead');
      const letters = await py.consume(`${plain}.floe.dlq`, dead.length, 60);
      expect(letters).toHaveLength(dead.length);
      for (const d of dead) {
        const l = letters.find((x) => x.headers.some(([k, val]) => k === 'floe.source.offset' && Buffer.from(val!, 'hex').toString() === String(d.offset)))!;
        expect(l, `letter for offset ${d.offset}`).toBeDefined();
        expect(l.key).toBe(d.key);
        expect(l.value).toBe(d.value);
        const original = l.headers.filter(([k]) => !k.startsWith('floe.'));
        expect(original).toEqual((d.headers ?? []).map(([k, val]) => [k, val ?? '']));
        const code = Buffer.from(l.headers.find(([k]) => k === 'floe.error.code')![1]!, 'hex').toString();
        expect(code).toMatch(/^DECODE_/);
      }

      expect(daemon.running).toBe(true);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    // The shutdown committed the nots table: every row there, timestamps null, in the null day partition.
    const notsRows = await oracle.sparkSql(`SELECT _kafka.offset, id, _kafka.timestamp FROM floe.${ns}.nots ORDER BY _kafka.offset`);
    expect(notsRows.rows.map((r) => [Number(r[0]), Number(r[1]), r[2]])).toEqual(notsOffsets.map(([, o], i) => [o, i + 1, null]));
    const parts = await oracle.sparkSql(`SELECT partition, record_count FROM floe.${ns}.nots.partitions`);
    expect(parts.rows.map((r) => [JSON.stringify(r[0]), Number(r[1])])).toEqual([[JSON.stringify({ '_kafka.timestamp_day': null }), 3]]);
  }, 600_000);
});

describe('records without a timestamp in a table from before', () => {
  it('a table whose _kafka.timestamp is required gets it made optional; old rows keep their timestamps', async () => {
    const s = uniqueSuffix();
    const ns = `shapes_old_${s}`;
    const topic = `floe-shapes-old-${s}`;
    await py.createTopics([{ name: topic }]);
    const id = await avro.register(`${topic}-value`, schema);
    // The bronze table as floe created it before: every _kafka field but key required.
    await oracle.sparkSql(`CREATE NAMESPACE IF NOT EXISTS floe.${ns}`);
    await oracle.sparkSql(
      `CREATE TABLE floe.${ns}.t (id BIGINT, label STRING, _kafka STRUCT<topic: STRING NOT NULL, partition: INT NOT NULL, offset: BIGINT NOT NULL,
        timestamp: TIMESTAMP NOT NULL, key: BINARY, headers: ARRAY<STRUCT<key: STRING NOT NULL, value: BINARY>> NOT NULL> NOT NULL) USING iceberg`,
    );
    await oracle.sparkSql(
      `INSERT INTO floe.${ns}.t VALUES (0, 'old', named_struct('topic', 'before', 'partition', 0, 'offset', 0L, 'timestamp', TIMESTAMP'2020-01-01 00:00:00Z',
        'key', CAST(NULL AS BINARY), 'headers', CAST(array() AS ARRAY<STRUCT<key: STRING, value: BINARY>>)))`,
    );
    const offsets = await py.produce(topic, [{ records: [{ value: hex(avro.encode(id, { id: 1, label: 'a' })), timestamp: -1 }, { value: hex(avro.encode(id, { id: 2, label: 'b' })), timestamp: 2_000 }] }]);

    const dir = workDir('shapes-old');
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-shapes-old-${s}`, defaults: { namespace: ns }, tables: [{ topics: [topic], table: 't' }] });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const count = async () => Number((await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.t`)).rows[0]![0]);
      await waitFor('records committed', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        return (await count()) >= 3 ? true : undefined;
      }, 180_000, 1000);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    const rows = await oracle.sparkSql(`SELECT id, _kafka.topic, _kafka.offset, unix_millis(_kafka.timestamp) FROM floe.${ns}.t ORDER BY id`);
    expect(rows.rows.map((r) => r.map((v) => (v === null ? null : String(v))))).toEqual([
      ['0', 'before', '0', String(Date.UTC(2020, 0, 1))],
      ['1', topic, String(offsets[0]![1]), null],
      ['2', topic, String(offsets[1]![1]), '2000'],
    ]);
    // The one schema change: timestamp optional with the same field id; nothing else of _kafka moved.
    type Field = { id: number; name: string; required: boolean; type: { fields?: Field[] } };
    const kafkaFields = (fields: unknown[]) => (fields as Field[]).find((f) => f.name === '_kafka')!.type.fields!.map((f) => [f.id, f.name, f.required]);
    const info = await oracle.pyicebergTable(`${ns}.t`);
    const first = (info.metadata.schemas as Array<{ fields: unknown[] }>)[0]!;
    expect(kafkaFields(info.schema.fields)).toEqual(kafkaFields(first.fields).map(([fid, name, required]) => [fid, name, name === 'timestamp' ? false : required]));
    expect(kafkaFields(first.fields).find(([, name]) => name === 'timestamp')![2]).toBe(true);
  }, 300_000);
});

/** The `id` field of a framed Avro Shape value: zigzag varint right after the 5-byte frame. */
function idOf(valueHex: string | null): number {
  const b = Buffer.from(valueHex!, 'hex');
  let n = 0;
  let shift = 0;
  for (let i = 5; ; i++) {
    const byte = b[i]!;
    n |= (byte & 0x7f) << shift;
    if ((byte & 0x80) === 0) break;
    shift += 7;
  }
  return (n >>> 1) ^ -(n & 1);
}
