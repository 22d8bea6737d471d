/**
 * Issue #17: schemaless JSON values as Iceberg v3 `variant` (`value.json: variant`), read by an
 * independent reader, Spark 4.1 with Iceberg 1.12 (the stack's always-on oracle). A producer
 * writes JSON documents of varied shapes; floe's daemon commits them; Spark 4 renders every value
 * with to_json and digs into them with variant_get and schema_of_variant, compared with values
 * written out by hand from the documents (numbers by the rules of src/decode/json-variant.ts:
 * integers exact, fractions as exact decimals, 1e300 as a double).
 * JSON a variant cannot hold and invalid JSON are dead-lettered with their reason. floe's own
 * compaction rewrites the variant files without changing a value. DuckDB 1.5.5 (iceberg extension),
 * which goes by the Parquet VARIANT annotation floe adds to the footer, reads every value exactly
 * too, before and after compaction (its own rendering: test/harness/duckdb.ts). PyIceberg 0.12 refuses the table
 * (here), Spark 3.5 with Iceberg 1.10.1 too (test/iceberg/table/older-reader.it.test.ts); both are
 * recorded in docs/querying.md.
 */
import { resolve } from 'node:path';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { compactTable } from '../../src/maintain/compact.js';
import { silentLogger } from '../../src/util/log.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { duckBlob, duckdbSql } from '../harness/duckdb.js';
import { oracleFor } from '../harness/oracle.js';
import { producePython } from '../harness/python-producer.js';
import { s3io } from '../iceberg/table/oracle-tables.js';

const stack = inject('stack');
const spark4 = oracleFor(stack);
const producer = new AvroProducer(stack);

afterAll(async () => {
  await producer.close();
});

const LONG = 'long text '.repeat(10);
/**
 * [document as produced, Spark 4's to_json of the variant, DuckDB 1.5.5's CAST(… AS JSON) where it
 * differs]: keys come back sorted, and Spark normalizes decimals without trailing zeros in to_json
 * and schema_of_variant alike (1.50 is stored as unscaled 150, scale 2 — test/decode/json-variant.test.ts
 * — and Spark shows 1.5, DECIMAL(2,1): the Variant spec makes them one value). DuckDB prints a
 * decimal with its stored scale (1.50, 3.0) and without a leading zero (.5, -.000001: DuckDB's
 * rendering, not JSON), and a double as 1e300.
 */
const DOCS: [string, string, string?][] = [
  [
    '{"id": 1, "name": "ångström ✓ 😀", "tags": ["a", "b"], "nested": {"x": {"y": [1, 2, {"z": null}]}}, "ok": true, "no": false, "nothing": null}',
    '{"id":1,"name":"ångström ✓ 😀","nested":{"x":{"y":[1,2,{"z":null}]}},"no":false,"nothing":null,"ok":true,"tags":["a","b"]}',
  ],
  [
    '{"id": 2, "big": 12345678901234567890123, "price": 19.99, "tiny": -0.000001, "sci": 2.5e3, "trailing": 1.50}',
    '{"big":12345678901234567890123,"id":2,"price":19.99,"sci":2500,"tiny":-0.000001,"trailing":1.5}',
    '{"big":12345678901234567890123,"id":2,"price":19.99,"sci":2500,"tiny":-.000001,"trailing":1.50}',
  ],
  ['{"id": 3, "max": 9223372036854775807, "min": -9223372036854775808, "over": 9223372036854775808}', '{"id":3,"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808}'],
  [`{"id": 4, "long": "${LONG}", "esc": "q\\"b\\\\n\\u0001"}`, `{"esc":"q\\"b\\\\n\\u0001","id":4,"long":"${LONG}"}`],
  ['{"id": 5, "dbl": 1e300, "small": 1e-50}', '{"dbl":1.0E300,"id":5,"small":1.0E-50}', '{"dbl":1e300,"id":5,"small":1e-50}'],
  ['[1, "two", 3.0, null, [], {}]', '[1,"two",3,null,[],{}]', '[1,"two",3.0,null,[],{}]'],
  ['"just a string"', '"just a string"'],
  ['42', '42'],
  ['null', 'null'],
  ['true', 'true'],
];
const MORE = 30;
for (let i = 0; i < MORE; i++) {
  DOCS.push([`{"i": ${i}, "half": ${i}.5, "s": "s${i}"}`, `{"half":${i}.5,"i":${i},"s":"s${i}"}`, `{"half":${i === 0 ? '' : i}.5,"i":${i},"s":"s${i}"}`]);
}
const BAD: [string, string][] = [
  ['{"a": ', 'DECODE_INVALID_JSON'],
  ['{"a": 1, "a": 2}', 'VARIANT_UNREPRESENTABLE'],
  [`{"a": 1${'0'.repeat(38)}}`, 'VARIANT_UNREPRESENTABLE'],
];

describe('JSON values as Iceberg v3 variant', () => {
  it('Spark 4.1 reads every document exactly; bad JSON is dead-lettered; compaction keeps the values', async () => {
    const s = uniqueSuffix();
    const topic = `floe-variant-${s}`;
    const ns = `variant_${s}`;
    const table = `floe.${ns}.docs`;
    const dir = workDir('variant');
    const sql = async (q: string) => (await spark4.sparkSql(q)).rows;
    await producer.createTopic(topic, 1);
    // Two sends: two commits, so compaction has files to merge.
    const half = Math.floor(DOCS.length / 2);
    const messages = [...DOCS.map(([doc]) => doc), ...BAD.map(([doc]) => doc)].map((doc) => ({ value: Buffer.from(doc, 'utf8'), partition: 0 }));
    await producer.send(topic, messages.slice(0, half));
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-variant-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 500 }, formatVersion: 3 },
      tables: [{ topics: [topic], table: 'docs', value: { format: 'json', json: 'variant' } }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const count = async () => Number((await sql(`SELECT count(*) FROM ${table}`).catch(() => [[0]]))[0]![0]);
    const until = (n: number) =>
      waitFor(`${n} rows`, async () => {
        if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
        return (await count()) === n;
      }, 180_000, 1000);
    try {
      await until(half);
      await producer.send(topic, messages.slice(half));
      await until(DOCS.length);
      const letters = await readTopic(producer, `${topic}.floe.dlq`, BAD.length);
      expect(letters.map((m) => m.headers?.['floe.error.code']?.toString())).toEqual(BAD.map(([, code]) => code));
      expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    const described = await sql(`DESCRIBE TABLE ${table}`);
    expect(described[0]!.slice(0, 2)).toEqual(['value', 'variant']);
    const expected = DOCS.map(([, json], offset) => [String(offset), json]);
    const read = () => sql(`SELECT _kafka.offset, to_json(value) FROM ${table} ORDER BY _kafka.offset`);
    expect(await read()).toEqual(expected);

    // Paths into the values, typed by the reader, and the types Spark sees in them.
    const at = await sql(
      `SELECT variant_get(value, '$.nested.x.y[1]', 'int'), variant_get(value, '$.name', 'string'), ` +
      `variant_get(value, '$.nested.x.y[2].z', 'string') IS NULL, schema_of_variant(value) FROM ${table} WHERE _kafka.offset = 0`,
    );
    expect(at).toEqual([[2, 'ångström ✓ 😀', true, 'OBJECT<id: BIGINT, name: STRING, nested: OBJECT<x: OBJECT<y: ARRAY<VARIANT>>>, no: BOOLEAN, nothing: VOID, ok: BOOLEAN, tags: ARRAY<STRING>>']]);
    const nums = await sql(
      `SELECT CAST(variant_get(value, '$.big', 'decimal(38,0)') AS STRING), CAST(variant_get(value, '$.price', 'decimal(10,2)') AS STRING), ` +
      `CAST(variant_get(value, '$.tiny', 'decimal(10,6)') AS STRING), schema_of_variant(value) FROM ${table} WHERE _kafka.offset = 1`,
    );
    expect(nums).toEqual([['12345678901234567890123', '19.99', '-0.000001', 'OBJECT<big: DECIMAL(23,0), id: BIGINT, price: DECIMAL(4,2), sci: DECIMAL(4,0), tiny: DECIMAL(6,6), trailing: DECIMAL(2,1)>']]);
    expect(await sql(`SELECT variant_get(value, '$.dbl', 'double') FROM ${table} WHERE _kafka.offset = 4`)).toEqual([[1e300]]);
    expect(await sql(`SELECT count(*) FROM ${table} WHERE variant_get(value, '$.i', 'int') >= 10`)).toEqual([[String(MORE - 10)]]);

    // DuckDB 1.5.5 (iceberg extension) goes by the Parquet VARIANT annotation floe's footer carries
    // (src/parquet/variant-footer.ts): every value, and the Variant type of each leaf as stored.
    const duck = async (q: string) => (await duckdbSql(stack, q))[0]!.rows;
    expect((await duck(`DESCRIBE floe.${ns}.docs`)).map((r) => r.slice(0, 2))[0]).toEqual(['value', 'VARIANT']);
    const duckExpected = DOCS.map(([, json, duckJson], offset) => [String(offset), duckJson ?? json]);
    const duckRead = () => duck(`SELECT _kafka.offset, CAST(value AS JSON) FROM floe.${ns}.docs ORDER BY _kafka.offset`);
    expect(await duckRead()).toEqual(duckExpected);
    // Leaves keep the Variant types floe stored: the smallest integer width, decimals with their
    // scale (DuckDB's precision is its own: 38 for a 16-byte decimal, the unscaled digits otherwise).
    const leaves = (offset: number, exprs: string[]) => `SELECT ${exprs.join(', ')} FROM floe.${ns}.docs WHERE _kafka.offset = ${offset}`;
    const typeOf = (...paths: string[]) => paths.map((p) => `variant_typeof(value.${p})`);
    const typed = await duckdbSql(
      stack,
      leaves(0, typeOf('id', 'name', 'nothing', 'ok', 'no', 'tags', 'nested', 'nested.x.y')),
      leaves(1, [...typeOf('big', 'price', 'tiny', 'sci', 'trailing'), 'CAST(value.big AS DECIMAL(38,0))', 'CAST(value.tiny AS DECIMAL(10,6))']),
      leaves(2, [...typeOf('max', 'min', 'over'), 'CAST(value.min AS BIGINT)', 'CAST(value.over AS DECIMAL(38,0))']),
      leaves(4, [...typeOf('dbl', 'small'), 'CAST(value.dbl AS DOUBLE) = 1e300']),
    );
    expect(typed.map((r) => r.rows[0])).toEqual([
      ['INT8', 'VARCHAR', 'VARIANT_NULL', 'BOOL_TRUE', 'BOOL_FALSE', 'ARRAY(2)', 'OBJECT(x)', 'ARRAY(3)'],
      ['DECIMAL(38, 0)', 'DECIMAL(4, 2)', 'DECIMAL(1, 6)', 'DECIMAL(4, 0)', 'DECIMAL(3, 2)', '12345678901234567890123', '-0.000001'],
      ['INT64', 'INT64', 'DECIMAL(38, 0)', '-9223372036854775808', '9223372036854775808'],
      ['DOUBLE', 'DOUBLE', 'true'],
    ]);

    // floe's compaction rewrites the files; every value reads the same afterwards.
    const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
    const filesBefore = (await sql(`SELECT count(*) FROM ${table}.files`))[0]![0];
    expect(Number(filesBefore)).toBeGreaterThan(1);
    const io = s3io();
    await compactTable(catalog, () => io, { namespace: [ns], name: 'docs' }, { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
    expect(await sql(`SELECT count(*) FROM ${table}.files`)).toEqual([['1']]);
    expect(await read()).toEqual(expected);
    // DuckDB reads the compacted file (written by src/maintain through the same writer) as exactly.
    expect(await duckRead()).toEqual(duckExpected);

    // Column metrics: counts for the variant column, never single-value bounds.
    const metrics = await sql(`SELECT value_counts[1], null_value_counts[1], lower_bounds[1] IS NULL, upper_bounds[1] IS NULL FROM ${table}.files`);
    expect(metrics).toEqual([[String(DOCS.length), '0', true, true]]);

    // PyIceberg 0.12 refuses the table, as docs/querying.md records (Spark 3.5: older-reader.it.test.ts).
    await expect(spark4.pyicebergPlan(`${ns}.docs`)).rejects.toThrow("Unsupported field type: 'variant'");
  }, 600_000);
});

/**
 * Recursive Avro records (`value.recursive: variant`), in the shape of Avro's interop.avsc: a
 * Node whose children are Nodes, with a leaf of each type the mapping gives a Variant type
 * Spark 4.1 reads (time and the nanosecond timestamps are spec types Spark 4.1 does not read yet:
 * docs/querying.md). Produced by Confluent's Python AvroSerializer, not by floe.
 */
const NODE = {
  type: 'record',
  name: 'Node',
  namespace: 'floe.it',
  fields: [
    { name: 'label', type: 'string' },
    { name: 'n', type: 'int' },
    { name: 'big', type: 'long' },
    { name: 'score', type: 'double' },
    { name: 'weight', type: 'float' },
    { name: 'raw', type: 'bytes' },
    { name: 'price', type: { type: 'bytes', logicalType: 'decimal', precision: 9, scale: 2 } },
    { name: 'at', type: { type: 'long', logicalType: 'timestamp-micros' } },
    { name: 'local', type: { type: 'long', logicalType: 'local-timestamp-micros' } },
    { name: 'day', type: { type: 'int', logicalType: 'date' } },
    { name: 'id', type: { type: 'string', logicalType: 'uuid' } },
    { name: 'color', type: { type: 'enum', name: 'Color', symbols: ['RED', 'GREEN'] } },
    { name: 'note', type: ['null', 'string'], default: null },
    { name: 'extra', type: ['null', 'int', 'string'], default: null },
    { name: 'attrs', type: { type: 'map', values: 'long' } },
    { name: 'children', type: { type: 'array', items: 'Node' } },
  ],
};
const TREE = { type: 'record', name: 'Tree', namespace: 'floe.it', fields: [{ name: 'id', type: 'int' }, { name: 'root', type: NODE }] };
const UUID = '0e9d3f8a-5b1c-4c2d-8e7f-123456789abc';

/**
 * Node i at depth d (children down to depth 0): what the producer sends, what Spark must render
 * (`json`) and what DuckDB 1.5.5's CAST(… AS JSON) must (`duck`).
 */
function tree(i: number, depth: number): { data: Record<string, unknown>; json: string; duck: string } {
  const kids = depth === 0 ? [] : [tree(i * 10 + 1, depth - 1), tree(i * 10 + 2, depth - 1)];
  const big = 2n ** 60n + BigInt(i);
  const note = i % 2 === 0 ? null : `note ${i} ✓`;
  const micros = 1_700_000_000_123_456 + i;
  const extra = i % 3 === 0 ? null : i % 3 === 1 ? { int: i } : { string: `s${i}` };
  const rawBytes = [0, 255, i % 256];
  const data = {
    label: `n${i}`, n: -i, big: { $int: String(big) }, score: i + 0.25, weight: 1.5, raw: { $bytes: Buffer.from(rawBytes).toString('base64') },
    price: { $decimal: `${i}.05` }, at: micros, local: -1, day: 19_000 + i, id: UUID, color: i % 2 ? 'GREEN' : 'RED',
    // fastavro picks a union branch by the value's type: a bare int or string.
    note, extra: extra === null ? null : Object.values(extra)[0], attrs: { b: 2, a: i }, children: kids.map((k) => k.data),
  };
  // Spark's to_json of a variant: keys sorted; binary as base64, timestamps and dates as text in
  // the session's zone (UTC), the uuid as text, decimals as written (scale 2: 1.05).
  // (Spark drops trailing zeros of the fraction: .123460 shows as .12346.)
  // DuckDB: the same but for the timestamp's zone (+00) and binary as BLOB text (duckBlob).
  const fraction = String(micros % 1_000_000).padStart(6, '0').replace(/0+$/, '');
  const dateTime = `${new Date(Math.floor(micros / 1000)).toISOString().slice(0, 19).replace('T', ' ')}.${fraction}`;
  const day = new Date((19_000 + i) * 86_400_000).toISOString().slice(0, 10);
  const render = (at: string, raw: string, children: string[]) =>
    `{"at":"${at}","attrs":{"a":${i},"b":2},"big":${big},"children":[${children.join(',')}],"color":"${i % 2 ? 'GREEN' : 'RED'}",` +
    `"day":"${day}","extra":${extra === null ? 'null' : JSON.stringify(extra)},"id":"${UUID}","label":"n${i}","local":"1969-12-31 23:59:59.999999",` +
    `"n":${-i},"note":${note === null ? 'null' : JSON.stringify(note)},"price":${i}.05,"raw":${raw},` +
    `"score":${i + 0.25},"weight":1.5}`;
  return {
    data,
    json: render(`${dateTime}+00:00`, `"${Buffer.from(rawBytes).toString('base64')}"`, kids.map((k) => k.json)),
    duck: render(`${dateTime}+00`, duckBlob(rawBytes), kids.map((k) => k.duck)),
  };
}

describe('recursive Avro records as Iceberg v3 variant', () => {
  it('Spark 4.1 reads every tree exactly, with the types of the Avro schema; compaction keeps them', async () => {
    const s = uniqueSuffix();
    const topic = `floe-recvariant-${s}`;
    const ns = `recvariant_${s}`;
    const table = `floe.${ns}.trees`;
    const dir = workDir('recvariant');
    const sql = async (q: string) => (await spark4.sparkSql(q)).rows;
    await producer.createTopic(topic, 1);
    const TREES = Array.from({ length: 24 }, (_, i) => tree(i + 1, i % 3));
    const send = (from: number, to: number) =>
      producePython(stack, TREES.slice(from, to).map((t, k) => ({ topic, value: { avro: TREE, data: { id: from + k, root: t.data } } })));
    await send(0, 12);
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-recvariant-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 500 }, formatVersion: 3 },
      tables: [{ topics: [topic], table: 'trees', value: { format: 'registry', recursive: 'variant' } }],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const count = async () => Number((await sql(`SELECT count(*) FROM ${table}`).catch(() => [[0]]))[0]![0]);
    const until = (n: number) =>
      waitFor(`${n} rows`, async () => {
        if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
        return (await count()) === n;
      }, 180_000, 1000);
    try {
      await until(12);
      await send(12, TREES.length);
      await until(TREES.length);
      expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    const described = await sql(`DESCRIBE TABLE ${table}`);
    expect(described.slice(0, 2).map((r) => r.slice(0, 2))).toEqual([['id', 'int'], ['root', 'variant']]);
    const expected = TREES.map((t, i) => [i, t.json]);
    const read = () => sql(`SELECT id, to_json(root) FROM ${table} ORDER BY id`);
    expect(await read()).toEqual(expected);
    // Types as the schema states them (float FLOAT, not DOUBLE; Spark reports every integer width
    // as BIGINT, so int32 vs int64 is checked byte for byte in test/iceberg/spec/variant.test.ts), and paths.
    const typed = await sql(
      `SELECT schema_of_variant(variant_get(root, '$.children[0].children[0]')), variant_get(root, '$.big', 'bigint'), hex(variant_get(root, '$.raw', 'binary')), ` +
      `variant_get(root, '$.children[1].children[0].label', 'string'), CAST(variant_get(root, '$.price', 'decimal(9,2)') AS STRING) FROM ${table} WHERE id = 2`,
    );
    expect(typed).toEqual([[
      'OBJECT<at: TIMESTAMP, attrs: OBJECT<a: BIGINT, b: BIGINT>, big: BIGINT, children: ARRAY<VOID>, color: STRING, day: DATE, extra: OBJECT<string: STRING>, ' +
        'id: UUID, label: STRING, local: TIMESTAMP_NTZ, n: BIGINT, note: STRING, price: DECIMAL(5,2), raw: BINARY, score: DOUBLE, weight: FLOAT>',
      String(2n ** 60n + 3n),
      '00FF03',
      'n321',
      '3.05',
    ]]);

    // DuckDB 1.5.5 reads every tree exactly too, and tells int32 from int64 (Spark does not).
    const LEAVES = ['label', 'n', 'big', 'score', 'weight', 'raw', 'price', 'at', 'local', 'day', 'id', 'color', 'note', 'extra', 'attrs', 'children'];
    const duckRead = () => duckdbSql(stack, `SELECT id, CAST(root AS JSON) FROM floe.${ns}.trees ORDER BY id`);
    const duckExpected = TREES.map((t, i) => [String(i), t.duck]);
    const [duckTrees, duckTypes] = await duckdbSql(
      stack,
      `SELECT id, CAST(root AS JSON) FROM floe.${ns}.trees ORDER BY id`,
      `SELECT ${LEAVES.map((p) => `variant_typeof(root.${p})`).join(', ')} FROM floe.${ns}.trees WHERE id = 2`,
    );
    expect(duckTrees!.rows).toEqual(duckExpected);
    expect(duckTypes!.rows).toEqual([[
      'VARCHAR', 'INT32', 'INT64', 'DOUBLE', 'FLOAT', 'BLOB', 'DECIMAL(3, 2)', 'TIMESTAMP_MICROS_TZ', 'TIMESTAMP_MICROS', 'DATE', 'UUID', 'VARCHAR', 'VARCHAR',
      'VARIANT_NULL', 'OBJECT(a, b)', 'ARRAY(2)',
    ]]);

    const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
    expect(Number((await sql(`SELECT count(*) FROM ${table}.files`))[0]![0])).toBeGreaterThan(1);
    const io = s3io();
    await compactTable(catalog, () => io, { namespace: [ns], name: 'trees' }, { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
    expect(await sql(`SELECT count(*) FROM ${table}.files`)).toEqual([['1']]);
    expect(await read()).toEqual(expected);
    expect((await duckRead())[0]!.rows).toEqual(duckExpected);
  }, 600_000);
});

/**
 * JSON Schema and Protobuf recursion (`value.recursive: variant`): the first occurrence of the type
 * is a struct, the occurrences inside it (`children`) are the recursive ones, a list of variants.
 * Produced by Confluent's Python JSONSerializer and ProtobufSerializer.
 */
const JTREE = {
  $schema: 'http://json-schema.org/draft-07/schema#',
  title: 'JTree',
  type: 'object',
  properties: { id: { type: 'integer' }, root: { $ref: '#/definitions/node' } },
  definitions: {
    node: {
      type: 'object',
      properties: {
        label: { type: 'string' }, n: { type: 'integer' }, big: { type: 'integer' }, price: { type: 'number' }, ok: { type: 'boolean' },
        tags: { type: 'array', items: { type: 'string' } }, children: { type: 'array', items: { $ref: '#/definitions/node' } },
      },
    },
  },
};
const PROTOS = { dir: resolve(import.meta.dirname, '../fixtures/formats/protobuf'), files: ['tree.proto'] };

/** A JSON Schema node: the document and Spark's to_json of its variant (keys sorted, numbers as variants hold them). */
function jnode(i: number, depth: number): { data: Record<string, unknown>; json: string; duck: string; kids: string[]; duckKids: string[] } {
  const kids = depth === 0 ? [] : [jnode(i * 10 + 1, depth - 1), jnode(i * 10 + 2, depth - 1)];
  const big = 2n ** 60n + BigInt(i);
  const data = { label: `j${i}`, n: i, big: { $int: String(big) }, price: i + 0.99, ok: i % 2 === 0, tags: [`t${i}`], children: kids.map((k) => k.data) };
  const json = `{"big":${big},"children":[${kids.map((k) => k.json).join(',')}],"label":"j${i}","n":${i},"ok":${i % 2 === 0},"price":${i + 0.99},"tags":["t${i}"]}`;
  return { data, json, duck: json, kids: kids.map((k) => k.json), duckKids: kids.map((k) => k.json) };
}

/**
 * A Protobuf node: fields at their proto3 defaults are not on the wire, so neither in the variant
 * (nor in the JSON text): leaves have no children key, RED (0) no color.
 */
function pnode(i: number, depth: number): { data: Record<string, unknown>; json: string; duck: string; kids: string[]; duckKids: string[] } {
  const kids = depth === 0 ? [] : [pnode(i * 10 + 1, depth - 1), pnode(i * 10 + 2, depth - 1)];
  const big = -(2n ** 60n) - BigInt(i);
  const huge = 2n ** 64n - 1n - BigInt(i);
  const raw = Buffer.from([i % 256, 0, 255]).toString('base64');
  const data: Record<string, unknown> = {
    label: `p${i}`, n: -i, big: String(big), huge: String(huge), score: i + 0.5, weight: 0.25, raw, color: i % 2 ? 'GREEN' : 'RED', attrs: { k: String(i) }, children: kids.map((k) => k.data),
  };
  const render = (rawText: string, children: string[]) =>
    `{"attrs":{"k":${i}},"big":${big},${children.length ? `"children":[${children.join(',')}],` : ''}${i % 2 ? '"color":"GREEN",' : ''}` +
    `"huge":${huge},"label":"p${i}","n":${-i},"raw":${rawText},"score":${i + 0.5},"weight":0.25}`;
  const duck = render(duckBlob([i % 256, 0, 255]), kids.map((k) => k.duck));
  return { data, json: render(`"${raw}"`, kids.map((k) => k.json)), duck, kids: kids.map((k) => k.json), duckKids: kids.map((k) => k.duck) };
}

describe('recursive JSON Schema $refs and Protobuf messages as Iceberg v3 variant', () => {
  it('Spark 4.1 reads every recursive occurrence exactly, typed as the schema says', async () => {
    const s = uniqueSuffix();
    const [jtopic, ptopic] = [`floe-recj-${s}`, `floe-recp-${s}`];
    const ns = `recvariant2_${s}`;
    const dir = workDir('recvariant2');
    const sql = async (q: string) => (await spark4.sparkSql(q)).rows;
    await producer.createTopic(jtopic, 1);
    await producer.createTopic(ptopic, 1);
    const J = Array.from({ length: 12 }, (_, i) => jnode(i + 1, 1 + (i % 2)));
    const P = Array.from({ length: 12 }, (_, i) => pnode(i + 1, 1 + (i % 2)));
    await producePython(stack, [
      ...J.map((t, id) => ({ topic: jtopic, value: { json_schema: JTREE, data: { id, root: t.data } } })),
      // Valid JSON (a \u escape) and valid for the schema, but a lone surrogate has no UTF-8, so no
      // variant holds it. Built by hand with JTree's schema id: Python's serializer refuses such a string.
      { topic: jtopic, value: { framed_like: 'JTree', body: '{"id": 99, "root": {"label": "bad", "children": [{"label": "x\\ud800"}]}}' } },
      ...P.map((t, id) => ({ topic: ptopic, value: { protobuf: 'tree_pb2.Tree', data: { id, root: t.data } } })),
    ], PROTOS);
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-recvariant2-${s}`,
      defaults: { namespace: ns, commit: { intervalMs: 500 }, formatVersion: 3 },
      tables: [
        { topics: [jtopic], table: 'jtrees', value: { format: 'registry', recursive: 'variant' } },
        { topics: [ptopic], table: 'ptrees', value: { format: 'registry', recursive: 'variant' } },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const count = async (t: string) => Number((await sql(`SELECT count(*) FROM floe.${ns}.${t}`).catch(() => [[0]]))[0]![0]);
    try {
      await waitFor('both tables', async () => {
        if (!daemon.running) throw new Error(`daemon exited: ${daemon.log().slice(-3000)}`);
        return (await count('jtrees')) === J.length && (await count('ptrees')) === P.length;
      }, 180_000, 1000);
      const letters = await readTopic(producer, `${jtopic}.floe.dlq`, 1);
      expect(letters.map((m) => [m.headers?.['floe.source.offset']?.toString(), m.headers?.['floe.error.code']?.toString()])).toEqual([[String(J.length), 'VARIANT_UNREPRESENTABLE']]);
      expect((await daemon.stop()).code, daemon.log().slice(-3000)).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }
    // DuckDB 1.5.5: the recursive occurrences are a list of variants (VARIANT[]), every one exact.
    const [described, jrows, prows] = await duckdbSql(
      stack,
      `DESCRIBE floe.${ns}.jtrees`,
      ...['jtrees', 'ptrees'].map((t) => `SELECT id, root.label, CAST(root.children AS JSON) FROM floe.${ns}.${t} ORDER BY id`),
    );
    expect(described!.rows.find((r) => r[0] === 'root')![1]).toContain('children VARIANT[]');
    expect(jrows!.rows).toEqual(J.map((x, id) => [String(id), x.data.label, `[${x.duckKids.join(',')}]`]));
    expect(prows!.rows).toEqual(P.map((x, id) => [String(id), x.data.label, `[${x.duckKids.join(',')}]`]));
    for (const [t, trees] of [['jtrees', J], ['ptrees', P]] as const) {
      const rows = await sql(`SELECT id, root.label, transform(root.children, c -> to_json(c)) FROM floe.${ns}.${t} ORDER BY id`);
      // id: a JSON Schema integer is a long (the oracle sends longs as text), a Protobuf int32 an int.
      expect(rows).toEqual(trees.map((x, id) => [t === 'jtrees' ? String(id) : id, x.data.label, x.kids]));
    }
    expect(await sql(`SELECT schema_of_variant(root.children[0]) FROM floe.${ns}.jtrees WHERE id = 0`)).toEqual([
      ['OBJECT<big: BIGINT, children: ARRAY<VOID>, label: STRING, n: BIGINT, ok: BOOLEAN, price: DECIMAL(4,2), tags: ARRAY<STRING>>'],
    ]);
    expect(await sql(`SELECT schema_of_variant(root.children[0]), hex(variant_get(root.children[0], '$.raw', 'binary')) FROM floe.${ns}.ptrees WHERE id = 0`)).toEqual([
      ['OBJECT<attrs: OBJECT<k: BIGINT>, big: BIGINT, color: STRING, huge: DECIMAL(20,0), label: STRING, n: BIGINT, raw: BINARY, score: DOUBLE, weight: FLOAT>', '0B00FF'],
    ]);
  }, 600_000);
});
