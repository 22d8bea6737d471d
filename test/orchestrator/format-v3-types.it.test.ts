/**
 * Issue #17, v3 types end to end: Avro `timestamp-nanos` / `local-timestamp-nanos` land exactly (every
 * nanosecond digit) in `timestamptz_ns` / `timestamp_ns` columns of a v3 table, with nanosecond
 * column bounds, while a v2 table fed by the same topic keeps microsecond columns (floored), also
 * after its mapping becomes v3 (only a nanosecond field added later gets a `_ns` column).
 * Avro field defaults become `initial-default`/`write-default` of a column added to a v3 table, and
 * rows written before the column existed read the default in PyIceberg, Spark and DuckDB.
 * Bodies are Avro binary encoded here by hand (zigzag varints, the Avro spec), not by floe's code;
 * PyIceberg, DuckDB and Spark read the tables back through the stack's REST catalog.
 */
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';
import { readManifestList } from '../../src/iceberg/manifest/manifest-list.js';
import { readManifest } from '../../src/iceberg/manifest/manifest-reader.js';
import { s3io } from '../iceberg/table/oracle-tables.js';
import { duckdbSql } from '../harness/duckdb.js';
import { oracleFor, rowObjects, type OracleResult } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { avroDouble, avroLong, avroString } from '../fixtures/avro-bytes.js';

const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

const framed = (schemaId: number, body: number[]) => Buffer.from([0, (schemaId >>> 24) & 255, (schemaId >>> 16) & 255, (schemaId >>> 8) & 255, schemaId & 255, ...body]);

const duckdb = (...sql: string[]) => duckdbSql(stack, ...sql);

const nanosSchema = {
  type: 'record',
  name: 'Tick',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-nanos' } },
    { name: 'local', type: { type: 'long', logicalType: 'local-timestamp-nanos' } },
  ],
};

// [id, ns since the epoch, expected ISO text with 9 digits]
const TICKS: [bigint, bigint, string][] = [
  [1n, 1_700_000_000_123_456_789n, '2023-11-14T22:13:20.123456789'],
  [2n, 1n, '1970-01-01T00:00:00.000000001'],
  [3n, -1n, '1969-12-31T23:59:59.999999999'],
  [4n, -86_400_000_000_001n, '1969-12-30T23:59:59.999999999'],
  [5n, 1_700_000_000_000_000_999n, '2023-11-14T22:13:20.000000999'],
];

/** The µs a v2 column holds: floored, so the ISO text keeps 6 digits of the floor. */
const floorText = (iso: string, ns: bigint) => {
  const micros = ns / 1000n - (ns % 1000n < 0n ? 1n : 0n);
  return ns < 0n && ns % 1000n !== 0n ? `${iso.slice(0, 20)}${String(((micros % 1_000_000n) + 1_000_000n) % 1_000_000n).padStart(6, '0')}` : iso.slice(0, 26);
};

describe('format v3 types end to end', () => {
  it('timestamp-nanos: exact nanoseconds in timestamptz_ns / timestamp_ns on v3, floored µs on v2 and in µs columns kept through a v2→v3 upgrade; PyIceberg and DuckDB read them', async () => {
    const s = uniqueSuffix();
    const topic = `floe-v3t-${s}`;
    const ns = `v3t_${s}`;
    const dir = workDir('v3types');
    await producer.createTopic(topic, 1);
    const sid = await producer.register(`${topic}-value`, nanosSchema);
    await producer.send(topic, TICKS.map(([id, t]) => ({ value: framed(sid, [...avroLong(id), ...avroLong(t), ...avroLong(t)]) })));
    const localTopic = `${topic}-local`;
    await producer.createTopic(localTopic, 1);
    const localSid = await producer.register(`${localTopic}-value`, { ...nanosSchema, fields: nanosSchema.fields.filter((f) => f.name !== 'at') });
    await producer.send(localTopic, TICKS.map(([id, t]) => ({ value: framed(localSid, [...avroLong(id), ...avroLong(t)]) })));
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-v3t-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 500 } },
      tables: [
        { topics: [topic], table: 'ticks3', formatVersion: 3 },
        { topics: [topic], table: 'ticks2', formatVersion: 2 },
        { topics: [localTopic], table: 'local3', formatVersion: 3 },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const rows = async (table: string) => rowObjects(await oracle.pyicebergScan(`${ns}.${table}`, { selectedFields: ['id', 'at', 'local'] })).sort((a, b) => Number(a.id) - Number(b.id));
      // The catalog's metadata as stored (PyIceberg 0.12 cannot serialize v3 metadata: "Writing V3 is not yet supported").
      const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
      const metadata = async (table: string): Promise<TableMetadata> => (await catalog.loadTable({ namespace: [ns], name: table })).metadata;
      const types = (md: TableMetadata) => Object.fromEntries(md.schemas.find((x) => x['schema-id'] === md['current-schema-id'])!.fields.map((f) => [f.name, f.type]));
      const arrowTypes = (r: OracleResult) => Object.fromEntries(r.columns.map((c) => [c.name, c.type]));
      await waitFor('both tables', async () => {
        if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
        const n = async (table: string) => (await oracle.pyicebergScan(`${ns}.${table}`, { selectedFields: ['id'] }).catch(() => ({ rows: [] }))).rows.length;
        return (await n('ticks3')) === TICKS.length && (await n('ticks2')) === TICKS.length && (await n('local3')) === TICKS.length;
      }, 180_000, 1000);

      const v3 = await metadata('ticks3');
      expect(v3['format-version']).toBe(3);
      expect(types(v3)).toMatchObject({ at: 'timestamptz_ns', local: 'timestamp_ns' });
      expect(arrowTypes(await oracle.pyicebergScan(`${ns}.ticks3`))).toMatchObject({ at: 'timestamp[ns, tz=UTC]', local: 'timestamp[ns]' });
      expect(await rows('ticks3')).toEqual(TICKS.map(([id, , iso]) => ({ id: String(id), at: `${iso}Z`, local: iso })));

      const v2 = await metadata('ticks2');
      expect(v2['format-version']).toBe(2);
      expect(types(v2)).toMatchObject({ at: 'timestamptz', local: 'timestamp' });
      expect(await rows('ticks2')).toEqual(TICKS.map(([id, t, iso]) => ({ id: String(id), at: `${floorText(iso, t)}Z`, local: floorText(iso, t) })));

      // Column bounds are nanoseconds (spec: 8-byte little-endian), min and max over every data file.
      // PyIceberg 0.12 cannot evaluate a filter on timestamp_ns ("Cannot convert StringLiteral into
      // timestamp_ns"), so the manifests are read directly.
      const io = s3io();
      const bounds = { lower: [] as bigint[], upper: [] as bigint[] };
      const snap = v3.snapshots!.find((x) => x['snapshot-id'] === v3['current-snapshot-id'])!;
      for (const m of readManifestList(await io.read(snap['manifest-list'])).manifests) {
        for (const e of readManifest(await io.read(m.manifestPath)).entries) {
          const id = v3.schemas[0]!.fields.find((f) => f.name === 'local')!.id;
          bounds.lower.push(Buffer.from(e.dataFile.lowerBounds!.get(id)!).readBigInt64LE());
          bounds.upper.push(Buffer.from(e.dataFile.upperBounds!.get(id)!).readBigInt64LE());
        }
      }
      const all = TICKS.map(([, t]) => t);
      expect(bounds.lower.reduce((a, b) => (a < b ? a : b))).toBe(all.reduce((a, b) => (a < b ? a : b)));
      expect(bounds.upper.reduce((a, b) => (a > b ? a : b))).toBe(all.reduce((a, b) => (a > b ? a : b)));

      // DuckDB 1.5.5 refuses a table with a timestamptz_ns column but reads timestamp_ns exactly
      // (TIMESTAMP_NS renders all nine digits): the third table has only the local column.
      await expect(duckdb(`SELECT id FROM floe.${ns}.ticks3`)).rejects.toThrow('Unrecognized primitive type: timestamptz_ns');
      const [duck] = await duckdb(`SELECT id, local FROM floe.${ns}.local3 ORDER BY id`);
      expect(duck!.types).toEqual(['BIGINT', 'TIMESTAMP_NS']);
      expect(duck!.rows).toEqual(TICKS.map(([id, , iso]) => [String(id), iso.replace('T', ' ')]));

      // Spark cannot read nanosecond columns: 4.1 with Iceberg 1.12 says so here, 3.5 with 1.10.1 in
      // older-reader.it.test.ts (docs/querying.md's reader matrix).
      await expect(oracle.sparkSql(`SELECT id, local FROM floe.${ns}.local3`)).rejects.toThrow('Cannot convert unsupported type to Spark: timestamp_ns');
      const exit = await daemon.stop();
      expect(exit.code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    // The v2 table's mapping becomes v3: upgraded in place, its µs columns stay µs (no micros → nanos
    // promotion exists) and keep flooring; a nanosecond field added afterwards gets a timestamptz_ns column.
    const withExtra = { ...nanosSchema, fields: [...nanosSchema.fields, { name: 'extra', type: ['null', { type: 'long', logicalType: 'timestamp-nanos' }], default: null }] };
    const sid2 = await producer.register(`${topic}-value`, withExtra);
    const t = 1_700_000_000_987_654_321n;
    await producer.send(topic, [{ value: framed(sid2, [...avroLong(6n), ...avroLong(t), ...avroLong(t), ...avroLong(1n), ...avroLong(t)]) }]);
    const upgraded = DaemonProcess.start(
      writeDaemonConfig(stack, dir, { groupId: `floe-v3t-${s}`, defaults: { namespace: ns, commit: { intervalMs: 500 } }, tables: [{ topics: [topic], table: 'ticks2', formatVersion: 3 }] }),
      `${dir}/daemon-upgraded.log`,
    );
    try {
      const scan = async () => rowObjects(await oracle.pyicebergScan(`${ns}.ticks2`, { selectedFields: ['id', 'at', 'extra'], rowFilter: 'id = 6' }).catch(() => ({ columns: [], rows: [] })));
      await waitFor('the upgraded table has row 6', async () => {
        if (!upgraded.running) throw new Error(`daemon exited: ${upgraded.log().slice(-3000)}`);
        return (await scan()).length === 1;
      }, 180_000, 1000);
      const md = (await new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse }).loadTable({ namespace: [ns], name: 'ticks2' })).metadata;
      expect(md['format-version']).toBe(3);
      const current = md.schemas.find((x) => x['schema-id'] === md['current-schema-id'])!;
      expect(Object.fromEntries(current.fields.map((f) => [f.name, f.type]))).toMatchObject({ at: 'timestamptz', local: 'timestamp', extra: 'timestamptz_ns' });
      expect(await scan()).toEqual([{ id: '6', at: '2023-11-14T22:13:20.987654Z', extra: '2023-11-14T22:13:20.987654321Z' }]);
    } finally {
      upgraded.kill('SIGKILL');
    }
  }, 300_000);

  it('Avro defaults become initial-default / write-default of a column added to a v3 table; rows written before it read the default', async () => {
    const s = uniqueSuffix();
    const topic = `floe-v3d-${s}`;
    const ns = `v3d_${s}`;
    const dir = workDir('v3defaults');
    await producer.createTopic(topic, 1);
    const v1 = { type: 'record', name: 'Row', fields: [{ name: 'id', type: 'long' }] };
    const v2 = {
      ...v1,
      fields: [
        ...v1.fields,
        { name: 'note', type: 'string', default: 'n/a' },
        { name: 'n', type: 'int', default: 7 },
        { name: 'flag', type: 'boolean', default: true },
        { name: 'ratio', type: 'double', default: 0.5 },
        { name: 'day', type: { type: 'int', logicalType: 'date' }, default: 17486 },
        { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' }, default: 1_510_871_468_123_456 },
        { name: 'amount', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 }, default: '\u0005\u0039' },
      ],
    };
    const id1 = await producer.register(`${topic}-value`, v1);
    await producer.send(topic, [0n, 1n, 2n].map((id) => ({ value: framed(id1, avroLong(id)) })));
    const config = writeDaemonConfig(stack, dir, { groupId: `floe-v3d-${s}`, defaults: { namespace: ns, commit: { intervalMs: 500 }, formatVersion: 3 }, tables: [{ topics: [topic], table: 'rows' }] });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    try {
      const count = async () => (await oracle.pyicebergScan(`${ns}.rows`, { selectedFields: ['id'] }).catch(() => ({ rows: [] }))).rows.length;
      const until = (n: number) =>
        waitFor(`${n} rows`, async () => {
          if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
          return (await count()) === n;
        }, 180_000, 1000);
      await until(3);
      const id2 = await producer.register(`${topic}-value`, v2);
      const body = [...avroLong(3n), ...avroString('given'), ...avroLong(-1n), 0, ...avroDouble(2.25), ...avroLong(1n), ...avroLong(1n), ...avroLong(2n), 0xff, 0xff];
      await producer.send(topic, [{ value: framed(id2, body) }]);
      await until(4);

      const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
      const md = (await catalog.loadTable({ namespace: [ns], name: 'rows' })).metadata;
      const fields = md.schemas.find((x) => x['schema-id'] === md['current-schema-id'])!.fields;
      // As the reference catalog (Iceberg Java's parser) stored them.
      expect(Object.fromEntries(fields.map((f) => [f.name, [f['initial-default'], f['write-default']]]))).toEqual({
        id: [undefined, undefined],
        _kafka: [undefined, undefined],
        note: ['n/a', 'n/a'],
        n: [7, 7],
        flag: [true, true],
        ratio: [0.5, 0.5],
        day: ['2017-11-16', '2017-11-16'],
        at: ['2017-11-16T22:31:08.123456+00:00', '2017-11-16T22:31:08.123456+00:00'],
        amount: ['13.37', '13.37'],
      });

      // Rows 0-2 were committed in files written before the columns existed: they read the initial-default.
      const defaults = ['n/a', 7, true, 0.5, '2017-11-16', '2017-11-16T22:31:08.123456Z', '13.37'];
      const expected = [
        ['0', ...defaults],
        ['1', ...defaults],
        ['2', ...defaults],
        ['3', 'given', -1, false, 2.25, '1970-01-02', '1970-01-01T00:00:00.000001Z', '-0.01'],
      ];
      const columns = ['id', 'note', 'n', 'flag', 'ratio', 'day', 'at', 'amount'];
      const py = await oracle.pyicebergScan(`${ns}.rows`, { selectedFields: columns });
      expect(rowObjects(py).sort((a, b) => Number(a.id) - Number(b.id)).map((r) => columns.map((c) => r[c]))).toEqual(expected);
      // Spark 4.1 with Iceberg 1.12 honours initial-default too (3.5 with 1.10.1: older-reader.it.test.ts).
      expect((await oracle.sparkSql(`SELECT ${columns.join(', ')} FROM floe.${ns}.rows ORDER BY id`)).rows).toEqual(expected);
      // And DuckDB 1.5.5.
      const [duck] = await duckdb(`SELECT id, note, n, day, amount FROM floe.${ns}.rows ORDER BY id`);
      expect(duck!.rows).toEqual(expected.map((r) => [r[0], r[1], String(r[2]), r[5], r[7]].map(String)));
    } finally {
      daemon.kill('SIGKILL');
    }
  }, 300_000);
});
