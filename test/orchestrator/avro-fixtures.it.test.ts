/**
 * Issue 4 end to end: Apache Avro's own `interop.avsc` and `withUnion` schemas, registered in the
 * real Schema Registry, produced to Kafka, written by one `floe run` daemon and read back by Spark
 * exactly — every column, including the recursive `Node` as the JSON string docs/schema-mapping.md
 * defines, the union structs with exactly one member set, fixed(16), bytes, a map of records, the
 * enum as a string, and no column for the `null` field.
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { afterAll, describe, expect, inject, it } from 'vitest';
import { frame } from '../../src/decode/wire.js';
import { oracleFor, type OracleValue } from '../harness/oracle.js';
import { AvroProducer, DaemonProcess, uniqueSuffix, waitFor, workDir, writeDaemonConfig } from '../harness/daemon.js';

const DATA = fileURLToPath(new URL('../fixtures/avro', import.meta.url));
const stack = inject('stack');
const oracle = oracleFor(stack);
const producer = new AvroProducer(stack);
afterAll(() => producer.close());

/** Records of a container file as avsc decodes them (unions unwrapped: plain branch values). */
function containerRecords(path: string): Promise<Record<string, unknown>[]> {
  const out: Record<string, unknown>[] = [];
  return new Promise((resolve, reject) => {
    avro
      .createFileDecoder(path)
      .on('data', (r: Record<string, unknown>) => out.push(r))
      .on('end', () => resolve(out))
      .on('error', reject);
  });
}

const b64 = (b: Buffer): { $bytes: string } => ({ $bytes: b.toString('base64') });

interface TreeNode {
  label: string;
  children: TreeNode[];
}
/** The documented JSON of a recursive record: fields in schema order, no whitespace. */
const nodeJson = (n: TreeNode): string => JSON.stringify(n);

/** Interop records crafted to hit every union branch, deep and wide trees, edge values. */
function interopRecords(): Record<string, unknown>[] {
  const deep: TreeNode = { label: 'd0', children: [{ label: 'd1', children: [{ label: 'd2', children: [{ label: 'd3 "quoted" \\ ü', children: [] }] }] }] };
  const wide: TreeNode = { label: 'root', children: [{ label: 'a', children: [] }, { label: 'b', children: [{ label: 'b1', children: [] }] }, { label: 'c', children: [] }] };
  const unions: unknown[] = [true, false, -2.5e300, 0.1, [Buffer.from([0, 255, 7]), Buffer.alloc(0)], []];
  const trees: TreeNode[] = [{ label: 'leaf', children: [] }, wide, deep];
  return unions.map((u, i) => ({
    intField: i === 0 ? -2147483648 : i === 1 ? 2147483647 : i * 11,
    longField: i === 0 ? -9007199254740993n : i === 1 ? 9223372036854775807n : BigInt(i) * 1_000_000_007n,
    stringField: i === 2 ? '' : `s-${i} héllo ✓`,
    boolField: i % 2 === 0,
    floatField: Math.fround([1.25, -0.5, 3.4028234663852886e38, 0, 1e-45, 65504][i]!), // float32 values, as Spark returns them
    doubleField: [Math.PI, -1e-300, 1.7976931348623157e308, 0, 2 ** 53 + 2, -7.25][i]!,
    bytesField: i === 3 ? Buffer.alloc(0) : Buffer.from(Array.from({ length: i + 2 }, (_, k) => (k * 37 + i) & 255)),
    nullField: null,
    arrayField: i === 4 ? [] : [i, i + 0.5, -i],
    mapField: i === 5 ? {} : { [`k${i}`]: { label: `v${i}` }, a: { label: 'A' }, 'ключ': { label: '' } },
    unionField: u,
    enumField: ['A', 'B', 'C'][i % 3],
    fixedField: Buffer.from(Array.from({ length: 16 }, (_, k) => (k * 16 + i) & 255)),
    recordField: trees[i % 3],
  }));
}

// avsc encodes longs as JS numbers by default; a bigint-aware long type keeps 64-bit values exact.
const longType = avro.types.LongType.__with({
  fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
  toBuffer: (n: bigint) => {
    const buf = Buffer.alloc(8);
    buf.writeBigInt64LE(n);
    return buf;
  },
  fromJSON: BigInt,
  toJSON: Number,
  isValid: (n: unknown) => typeof n === 'bigint',
  compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
});

function expectedInterop(r: Record<string, unknown>): OracleValue[] {
  const u = r.unionField;
  const union = {
    boolean: typeof u === 'boolean' ? u : null,
    double: typeof u === 'number' ? u : null,
    array: Array.isArray(u) ? (u as Buffer[]).map(b64) : null,
  };
  const map = Object.entries(r.mapField as Record<string, { label: string }>)
    .map(([k, v]) => [k, { label: v.label }] as OracleValue)
    .sort((a, b) => ((a as string[])[0]! < (b as string[])[0]! ? -1 : 1));
  return [
    r.intField as number,
    String(r.longField),
    r.stringField as string,
    r.boolField as boolean,
    r.floatField as number,
    r.doubleField as number,
    b64(r.bytesField as Buffer),
    r.arrayField as number[],
    map,
    union,
    r.enumField as string,
    b64(r.fixedField as Buffer),
    nodeJson(r.recordField as TreeNode),
  ];
}

function expectedWithUnion(r: { data1: string | number; data2: { d1: string | number | boolean | null } | null }): OracleValue[] {
  const d1 = r.data2?.d1 ?? null;
  return [
    { string: typeof r.data1 === 'string' ? r.data1 : null, int: typeof r.data1 === 'number' ? r.data1 : null },
    r.data2 === null
      ? null
      : { d1: d1 === null ? null : { string: typeof d1 === 'string' ? d1 : null, int: typeof d1 === 'number' ? d1 : null, boolean: typeof d1 === 'boolean' ? d1 : null } },
  ];
}

describe("Apache Avro's interop and withUnion schemas end to end", () => {
  it('Spark reads back every record exactly', async () => {
    const s = uniqueSuffix();
    const interopTopic = `floe-interop-${s}`;
    const unionTopic = `floe-withunion-${s}`;
    const ns = `avro_fixtures_${s}`;
    await producer.createTopic(interopTopic, 1);
    await producer.createTopic(unionTopic, 1);

    const interopSchema = JSON.parse(readFileSync(`${DATA}/interop.avsc`, 'utf8')) as object;
    const unionSchema = JSON.parse(readFileSync(`${DATA}/withUnion/schema.json`, 'utf8')) as object;
    const interopId = await producer.register(`${interopTopic}-value`, interopSchema);
    const unionId = await producer.register(`${unionTopic}-value`, unionSchema);
    const interopType = avro.Type.forSchema(interopSchema as avro.Schema, { registry: { long: longType } });

    const interop = interopRecords();
    await producer.send(interopTopic, interop.map((r) => ({ value: frame(interopId, interopType.toBuffer(r)) })));

    // The fixture's container file, plus records for every branch it does not cover.
    const unionRecords = [
      ...(await containerRecords(`${DATA}/withUnion/data.avro`)),
      { data1: '', data2: { d1: null } },
      { data1: -1, data2: { d1: true } },
      { data1: 'x', data2: { d1: 42 } },
      { data1: 2147483647, data2: null },
    ] as Array<{ data1: string | number; data2: { d1: string | number | boolean | null } | null }>;
    await producer.send(unionTopic, unionRecords.map((r) => ({ value: producer.encode(unionId, r) })));

    const dir = workDir('avro-fixtures');
    const config = writeDaemonConfig(stack, dir, {
      groupId: `floe-fixtures-${s}`,
      defaults: { namespace: ns },
      tables: [
        { topics: [interopTopic], table: 'interop' },
        { topics: [unionTopic], table: 'with_union' },
      ],
    });
    const daemon = DaemonProcess.start(config, `${dir}/daemon.log`);
    const count = async (t: string) => Number((await oracle.sparkSql(`SELECT count(*) FROM floe.${ns}.${t}`)).rows[0]![0]);
    try {
      await waitFor('both tables', async () => {
        if (!daemon.running) throw new Error(daemon.log().slice(-3000));
        try {
          return (await count('interop')) >= interop.length && (await count('with_union')) >= unionRecords.length ? true : undefined;
        } catch {
          return undefined; // a table that does not exist yet
        }
      }, 180_000, 2000);
      expect((await daemon.stop()).code).toBe(0);
    } finally {
      daemon.kill('SIGKILL');
    }

    const cols = ['intField', 'longField', 'stringField', 'boolField', 'floatField', 'doubleField', 'bytesField', 'arrayField', 'mapField', 'unionField', 'enumField', 'fixedField', 'recordField'];
    const described = await oracle.sparkSql(`SELECT * FROM floe.${ns}.interop LIMIT 0`);
    // Every Avro field but `nullField` (type null: no column), then the bronze metadata column.
    expect(described.columns.map((c) => c.name)).toEqual([...cols, '_kafka']);
    expect(Object.fromEntries(described.columns.map((c) => [c.name, c.type]))).toMatchObject({
      longField: 'bigint',
      floatField: 'float',
      bytesField: 'binary',
      arrayField: 'array<double>',
      mapField: 'map<string,struct<label:string>>',
      unionField: 'struct<boolean:boolean,double:double,array:array<binary>>',
      enumField: 'string',
      fixedField: 'binary',
      recordField: 'string',
    });
    const got = await oracle.sparkSql(`SELECT ${cols.join(', ')} FROM floe.${ns}.interop ORDER BY _kafka.offset`);
    const sortMap = (row: OracleValue[]) => row.map((v, i) => (i === 8 ? [...(v as OracleValue[][])].sort((a, b) => (String(a[0]) < String(b[0]) ? -1 : 1)) : v));
    expect(got.rows.map(sortMap)).toEqual(interop.map(expectedInterop));

    const fixedType = await oracle.pyicebergTable(`${ns}.interop`);
    const fixedField = (fixedType.schema.fields as Array<{ name: string; type: unknown }>).find((f) => f.name === 'fixedField');
    expect(fixedField?.type).toBe('fixed[16]');

    const unionRows = await oracle.sparkSql(`SELECT data1, data2 FROM floe.${ns}.with_union ORDER BY _kafka.offset`);
    expect(unionRows.rows).toEqual(unionRecords.map(expectedWithUnion));
  }, 600_000);
});
