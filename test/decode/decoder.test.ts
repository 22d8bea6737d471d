import { describe, expect, it } from 'vitest';
import { DecodeCode, frame, KeyDecoder, StaticSchemaSource, ValueDecoder } from '../../src/decode/index.js';
import { isFloeError } from '../../src/util/errors.js';

const schema = {
  type: 'record',
  name: 'R',
  fields: [
    { name: 'id', type: 'long' },
    { name: 'name', type: 'string' },
    { name: 'u', type: ['null', 'int'] },
    { name: 'k', type: { type: 'enum', name: 'K', symbols: ['A', 'B'] } },
    { name: 'xs', type: { type: 'array', items: 'int' } },
  ],
};

function setup() {
  const source = new StaticSchemaSource({ 7: schema });
  const decoder = new ValueDecoder(source);
  const type = source.peek(7)!.type;
  const body = type.toBuffer({ id: 2n ** 60n, name: 'ok', u: { int: 1 }, k: 'B', xs: [1, 2] });
  return { decoder, type, body };
}

async function codeOf(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    expect(isFloeError(err)).toBe(true);
    return (err as { code: string }).code;
  }
}

describe('ValueDecoder', () => {
  it('decodes a framed record, synchronously once the schema is loaded', async () => {
    const { decoder, body } = setup();
    const d = await decoder.decode(frame(7, body));
    expect(d.schemaId).toBe(7);
    expect(d.value).toMatchObject({ id: 2n ** 60n, name: 'ok', u: 1, k: 'B', xs: [1, 2] });
    expect(decoder.decodeCached(frame(7, body))?.value).toEqual(d.value);
  });

  it('bad magic byte → DECODE_BAD_MAGIC', async () => {
    const { decoder, body } = setup();
    const buf = frame(7, body);
    buf[0] = 1;
    expect(await codeOf(decoder.decode(buf))).toBe(DecodeCode.BadMagic);
  });

  it('empty or short header → DECODE_TRUNCATED', async () => {
    const { decoder } = setup();
    expect(await codeOf(decoder.decode(Buffer.alloc(0)))).toBe(DecodeCode.Truncated);
    expect(await codeOf(decoder.decode(Buffer.from([0, 0, 0])))).toBe(DecodeCode.Truncated);
  });

  it('unknown schema id → DECODE_UNKNOWN_SCHEMA, not retryable', async () => {
    const { decoder, body } = setup();
    const err = await decoder.decode(frame(8, body)).catch((e: unknown) => e);
    expect(err).toMatchObject({ code: DecodeCode.UnknownSchema, retryable: false });
  });

  it('truncated body → DECODE_TRUNCATED at every cut point', async () => {
    const { decoder, body } = setup();
    for (let cut = 0; cut < body.length; cut++) {
      expect(await codeOf(decoder.decode(frame(7, body.subarray(0, cut))))).toBe(DecodeCode.Truncated);
    }
  });

  it('trailing bytes → DECODE_SCHEMA_MISMATCH', async () => {
    const { decoder, body } = setup();
    const err = await decoder.decode(frame(7, Buffer.concat([body, Buffer.from([0])]))).catch((e: Error) => e);
    expect(err).toMatchObject({ code: DecodeCode.SchemaMismatch });
    expect((err as Error).message).toMatch(/trailing/);
  });

  it('invalid union index → DECODE_SCHEMA_MISMATCH', async () => {
    const { decoder, type } = setup();
    const good = type.toBuffer({ id: 1n, name: '', u: null, k: 'A', xs: [] });
    // layout: id(1 byte) name-len(1 byte) union-index(1 byte)...
    const bad = Buffer.from(good);
    bad[2] = 8; // zig-zag 4
    const err = await decoder.decode(frame(7, bad)).catch((e: Error) => e);
    expect(err).toMatchObject({ code: DecodeCode.SchemaMismatch });
    expect((err as Error).message).toMatch(/union index/);
  });

  it('invalid enum index → DECODE_SCHEMA_MISMATCH', async () => {
    const { decoder, type } = setup();
    const bad = Buffer.from(type.toBuffer({ id: 1n, name: '', u: null, k: 'A', xs: [] }));
    bad[3] = 10;
    expect(await codeOf(decoder.decode(frame(7, bad)))).toBe(DecodeCode.SchemaMismatch);
  });

  it('invalid UTF-8 in a string → DECODE_SCHEMA_MISMATCH', async () => {
    const { decoder } = setup();
    const bad = Buffer.from([2, 4, 0xc3, 0x28, 0, 0, 0]); // id=1, name = 2 bytes C3 28 (invalid), u=null, k=A, xs=[]
    const err = await decoder.decode(frame(7, bad)).catch((e: Error) => e);
    expect(err).toMatchObject({ code: DecodeCode.SchemaMismatch });
    expect((err as Error).message).toMatch(/UTF-8/);
  });

  it('negative string length and absurd array counts are rejected, not looped on', async () => {
    const { decoder } = setup();
    expect(await codeOf(decoder.decode(frame(7, Buffer.from([2, 3, 0, 0]))))).toBe(DecodeCode.SchemaMismatch);
    // xs block count of 2^40 items with a few bytes left
    const huge = Buffer.from([2, 0, 0, 0, 0x80, 0x80, 0x80, 0x80, 0x80, 0x40, 0]);
    expect(await codeOf(decoder.decode(frame(7, huge)))).toBe(DecodeCode.Truncated);
  });

  it('random garbage never escapes as anything but a typed error', async () => {
    const { decoder, body } = setup();
    let seed = 12345;
    const rnd = () => ((seed = (seed * 1103515245 + 12345) >>> 0) & 0xff);
    for (let i = 0; i < 3000; i++) {
      const len = rnd() % 40;
      const garbage = Buffer.from(Array.from({ length: len }, rnd));
      const mutated = Buffer.from(body);
      mutated[rnd() % mutated.length] = rnd();
      for (const b of [garbage, mutated]) {
        try {
          await decoder.decode(frame(7, b));
        } catch (err) {
          expect(isFloeError(err)).toBe(true);
          expect([DecodeCode.Truncated, DecodeCode.SchemaMismatch]).toContain((err as { code: string }).code);
        }
      }
    }
  });
});

describe('KeyDecoder', () => {
  it('decodes string, bytes and Avro keys as configured', async () => {
    const source = new StaticSchemaSource({ 3: { type: 'record', name: 'Key', fields: [{ name: 'id', type: 'long' }] } });
    expect(await new KeyDecoder('string').decode(Buffer.from('abc'))).toBe('abc');
    expect(await new KeyDecoder('bytes').decode(Buffer.from([1, 2]))).toEqual(Buffer.from([1, 2]));
    expect(await new KeyDecoder('string').decode(null)).toBeNull();
    const type = source.peek(3)!.type;
    expect(await new KeyDecoder('avro', source).decode(frame(3, type.toBuffer({ id: 5n })))).toMatchObject({ id: 5n });
    expect(await codeOf(new KeyDecoder('string').decode(Buffer.from([0xff])))).toBe(DecodeCode.SchemaMismatch);
  });
});
