/**
 * Issue #17: schemaless JSON values as Iceberg v3 `variant` (`value.json: variant`), read by an
 * independent reader, Spark 4.1 with Iceberg 1.12 (scripts/stack/spark4.ts, started for this file
 * only). A producer writes JSON documents of varied shapes; floe's daemon commits them; Spark 4
 * renders every value with to_json and digs into them with variant_get and schema_of_variant,
 * compared with values written out by hand from the documents (numbers by the rules of
 * src/decode/json-variant.ts: integers exact, fractions as exact decimals, 1e300 as a double).
 * JSON a variant cannot hold and invalid JSON are dead-lettered with their reason. floe's own
 * compaction rewrites the variant files without changing a value. What the older readers
 * (Spark 3.5 with Iceberg 1.10.1, PyIceberg 0.12) say about the table is recorded in docs/querying.md.
 */
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { loadConfig } from '../../scripts/stack/config.js';
import { installSpark4, spark4Installed, startSpark4, type Spark4Oracle } from '../../scripts/stack/spark4.js';
import { RestCatalogClient } from '../../src/iceberg/catalog/rest-client.js';
import { compactTable } from '../../src/maintain/compact.js';
import { silentLogger } from '../../src/util/log.js';
import { AvroProducer, DaemonProcess, readTopic, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';
import { OracleClient, oracleFor } from '../harness/oracle.js';
import { s3io } from '../iceberg/table/oracle-tables.js';

const stack = inject('stack');
const spark35 = oracleFor(stack);
const producer = new AvroProducer(stack);
let server: Spark4Oracle;
let spark4: OracleClient;

beforeAll(async () => {
  const c = loadConfig();
  if (!(await spark4Installed(c))) await installSpark4(c, (line) => console.log(`[spark4] ${line}`));
  server = await startSpark4({}, c);
  spark4 = new OracleClient(server.url);
}, 600_000);

afterAll(async () => {
  await producer.close();
  await server?.stop();
});

const LONG = 'long text '.repeat(10);
/**
 * [document as produced, Spark 4's to_json of the variant]: keys come back sorted, and Spark
 * normalizes decimals without trailing zeros in to_json and schema_of_variant alike (1.50 is stored
 * as unscaled 150, scale 2 — test/decode/json-variant.test.ts — and Spark shows 1.5, DECIMAL(2,1):
 * the Variant spec makes them one value).
 */
const DOCS: [string, string][] = [
  [
    '{"id": 1, "name": "ångström ✓ 😀", "tags": ["a", "b"], "nested": {"x": {"y": [1, 2, {"z": null}]}}, "ok": true, "no": false, "nothing": null}',
    '{"id":1,"name":"ångström ✓ 😀","nested":{"x":{"y":[1,2,{"z":null}]}},"no":false,"nothing":null,"ok":true,"tags":["a","b"]}',
  ],
  [
    '{"id": 2, "big": 12345678901234567890123, "price": 19.99, "tiny": -0.000001, "sci": 2.5e3, "trailing": 1.50}',
    '{"big":12345678901234567890123,"id":2,"price":19.99,"sci":2500,"tiny":-0.000001,"trailing":1.5}',
  ],
  ['{"id": 3, "max": 9223372036854775807, "min": -9223372036854775808, "over": 9223372036854775808}', '{"id":3,"max":9223372036854775807,"min":-9223372036854775808,"over":9223372036854775808}'],
  [`{"id": 4, "long": "${LONG}", "esc": "q\\"b\\\\n\\u0001"}`, `{"esc":"q\\"b\\\\n\\u0001","id":4,"long":"${LONG}"}`],
  ['{"id": 5, "dbl": 1e300, "small": 1e-50}', '{"dbl":1.0E300,"id":5,"small":1.0E-50}'],
  ['[1, "two", 3.0, null, [], {}]', '[1,"two",3,null,[],{}]'],
  ['"just a string"', '"just a string"'],
  ['42', '42'],
  ['null', 'null'],
  ['true', 'true'],
];
const MORE = 30;
for (let i = 0; i < MORE; i++) DOCS.push([`{"i": ${i}, "half": ${i}.5, "s": "s${i}"}`, `{"half":${i}.5,"i":${i},"s":"s${i}"}`]);
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
    const sql = async (q: string, reader = spark4) => (await reader.sparkSql(q)).rows;
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

    // floe's compaction rewrites the files; every value reads the same afterwards.
    const catalog = new RestCatalogClient({ uri: stack.catalogUri, warehouse: stack.warehouse });
    const filesBefore = (await sql(`SELECT count(*) FROM ${table}.files`))[0]![0];
    expect(Number(filesBefore)).toBeGreaterThan(1);
    const io = s3io();
    await compactTable(catalog, () => io, { namespace: [ns], name: 'docs' }, { targetSizeBytes: 64 * 1024 * 1024, minFiles: 2, compression: 'zstd', rowGroupBytes: 8 * 1024 * 1024 }, silentLogger);
    expect(await sql(`SELECT count(*) FROM ${table}.files`)).toEqual([['1']]);
    expect(await read()).toEqual(expected);

    // Column metrics: counts for the variant column, never single-value bounds.
    const metrics = await sql(`SELECT value_counts[1], null_value_counts[1], lower_bounds[1] IS NULL, upper_bounds[1] IS NULL FROM ${table}.files`);
    expect(metrics).toEqual([[String(DOCS.length), '0', true, true]]);

    // The older readers refuse the table, as docs/querying.md records.
    await expect(spark35.sparkSql(`SELECT count(*) FROM ${table}`)).rejects.toThrow('UnsupportedOperationException: Unsupported type: variant');
    await expect(spark35.pyicebergPlan(`${ns}.docs`)).rejects.toThrow("Unsupported field type: 'variant'");
  }, 600_000);
});
