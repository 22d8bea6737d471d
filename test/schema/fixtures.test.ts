/** Apache Avro's own test schemas and container files map and project exactly. */
import { readFileSync } from 'node:fs';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import { parseAvroSchema } from '../../src/decode/avro.js';
import { decodeBody } from '../../src/decode/decoder.js';
import { avroToIceberg, compileProjector } from '../../src/schema/index.js';

const DATA = fileURLToPath(new URL('../fixtures/avro', import.meta.url));

/** Raw record bodies of a container file: decoding them is floe's job, not avsc's resolver's. */
function rawRecords(path: string): Promise<Buffer[]> {
  const out: Buffer[] = [];
  return new Promise((resolve, reject) => {
    avro
      .createFileDecoder(path, { noDecode: true } as never)
      .on('data', (b: Buffer) => out.push(b))
      .on('end', () => resolve(out))
      .on('error', reject);
  });
}

function projectFile(schemaText: string, bodies: Buffer[]) {
  const type = parseAvroSchema(schemaText);
  const table = avroToIceberg(schemaText).newSchema;
  const project = compileProjector(type, table);
  return bodies.map((b) => project(decodeBody(type, b, 0)));
}

describe('interop.avsc', () => {
  const text = readFileSync(join(DATA, 'interop.avsc'), 'utf8');

  it('maps every field, the union to a struct and the recursive record to JSON', () => {
    const schema = avroToIceberg(text).newSchema;
    expect(schema.fields.map((f) => [f.name, typeof f.type === 'string' ? f.type : f.type.type])).toEqual([
      ['intField', 'int'],
      ['longField', 'long'],
      ['stringField', 'string'],
      ['boolField', 'boolean'],
      ['floatField', 'float'],
      ['doubleField', 'double'],
      ['bytesField', 'binary'],
      ['arrayField', 'list'],
      ['mapField', 'map'],
      ['unionField', 'struct'],
      ['enumField', 'string'],
      ['fixedField', 'fixed[16]'],
      ['recordField', 'string'],
    ]);
    const union = schema.fields[9]!.type as { fields: { name: string; type: unknown }[] };
    expect(union.fields.map((f) => f.name)).toEqual(['boolean', 'double', 'array']);
  });

  it('round-trips a record through an Avro container file', async () => {
    const type = parseAvroSchema(text);
    const value = {
      intField: 12,
      longField: 2n ** 55n + 1n,
      stringField: 'héllo',
      boolField: true,
      floatField: 1.25,
      doubleField: -2.5e-300,
      bytesField: Buffer.from([1, 2, 3]),
      nullField: null,
      arrayField: [1, 2.5],
      mapField: { a: { label: 'A' }, b: { label: 'B' } },
      unionField: { array: [Buffer.from([9]), Buffer.alloc(0)] },
      enumField: 'C',
      fixedField: Buffer.alloc(16, 7),
      recordField: { label: 'root', children: [{ label: 'kid', children: [] }] },
    };
    const path = join(mkdtempSync(join(tmpdir(), 'floe-interop-')), 'interop.avro');
    await new Promise<void>((resolve, reject) => {
      const enc = avro.createFileEncoder(path, type);
      enc.on('error', reject).on('finish', () => resolve());
      enc.end(value);
    });
    // 'finish' is the encoder's; give the file stream behind it a moment to flush.
    await new Promise((r) => setTimeout(r, 50));
    const [row] = projectFile(text, await rawRecords(path));
    expect(row).toEqual({
      intField: 12,
      longField: 2n ** 55n + 1n,
      stringField: 'héllo',
      boolField: true,
      floatField: 1.25,
      doubleField: -2.5e-300,
      bytesField: Buffer.from([1, 2, 3]),
      arrayField: [1, 2.5],
      mapField: new Map([['a', { label: 'A' }], ['b', { label: 'B' }]]),
      unionField: { boolean: null, double: null, array: [Buffer.from([9]), Buffer.alloc(0)] },
      enumField: 'C',
      fixedField: Buffer.alloc(16, 7),
      recordField: '{"label":"root","children":[{"label":"kid","children":[]}]}',
    });
  });
});

describe('withUnion', () => {
  it('maps the non-nullable union, the nested record in a union and the 4-way union with null', async () => {
    const text = readFileSync(join(DATA, 'withUnion/schema.json'), 'utf8');
    const schema = avroToIceberg(text).newSchema;
    expect(schema.fields).toEqual([
      { id: 1, name: 'data1', required: true, type: { type: 'struct', fields: [
        { id: 3, name: 'string', required: false, type: 'string' },
        { id: 4, name: 'int', required: false, type: 'int' },
      ] } },
      { id: 2, name: 'data2', required: false, type: { type: 'struct', fields: [
        { id: 5, name: 'd1', required: false, type: { type: 'struct', fields: [
          { id: 6, name: 'string', required: false, type: 'string' },
          { id: 7, name: 'int', required: false, type: 'int' },
          { id: 8, name: 'boolean', required: false, type: 'boolean' },
        ] } },
      ] } },
    ]);
    const rows = projectFile(text, await rawRecords(join(DATA, 'withUnion/data.avro')));
    expect(rows).toEqual([
      { data1: { string: 'textValue', int: null }, data2: null },
      { data1: { string: null, int: 123 }, data2: { d1: { string: null, int: null, boolean: false } } },
      { data1: { string: null, int: 3 }, data2: { d1: { string: 'text value', int: null, boolean: null } } },
    ]);
  });
});

describe('simple and weather', () => {
  it('simple/data.avro', async () => {
    const text = readFileSync(join(DATA, 'simple/schema.json'), 'utf8');
    expect(projectFile(text, await rawRecords(join(DATA, 'simple/data.avro')))).toEqual([{ text: 'hello' }, { text: 'bonjour' }, { text: 'guten tag' }]);
  });

  for (const file of ['weather.avro', 'weather-deflate.avro']) {
    it(`${file} matches weather.json`, async () => {
      const text = readFileSync(join(DATA, 'weather.avsc'), 'utf8');
      const expected = readFileSync(join(DATA, 'weather.json'), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { station: string; time: number; temp: number })
        .map((r) => ({ ...r, time: BigInt(r.time) }));
      expect(projectFile(text, await rawRecords(join(DATA, file)))).toEqual(expected);
    });
  }
});
