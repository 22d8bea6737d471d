import { describe, expect, it } from 'vitest';
import { DecodeCode, decodeRaw, KeyDecoder, RAW_FORMATS, RawValueDecoder } from '../../src/decode/index.js';
import { evolveSchema } from '../../src/schema/index.js';

describe('raw formats', () => {
  it('decode what Kafka serializers write', () => {
    const bytes = Buffer.from([1, 2]);
    const decoded = decodeRaw('bytes', bytes) as Buffer;
    expect(decoded).toEqual(Buffer.from([1, 2]));
    bytes[0] = 9; // a copy: the value is a view into a fetch response that is reused (src/source/fetch-buffers.ts)
    expect(decoded[0]).toBe(1);
    expect(decodeRaw('string', Buffer.from('hé'))).toBe('hé');
    expect(decodeRaw('json', Buffer.from(' {"a": 12345678901234567890} '))).toBe('{"a": 12345678901234567890}');
    expect(decodeRaw('long', Buffer.from('8000000000000000', 'hex'))).toBe(-(2n ** 63n));
    expect(decodeRaw('int', Buffer.from('7fffffff', 'hex'))).toBe(2 ** 31 - 1);
  });

  it('refuse values that are not of their format', () => {
    expect(() => decodeRaw('json', Buffer.from('{"a":'))).toThrow(expect.objectContaining({ code: DecodeCode.InvalidJson }));
    expect(() => decodeRaw('string', Buffer.from([0xff]))).toThrow(expect.objectContaining({ code: DecodeCode.SchemaMismatch }));
    expect(() => decodeRaw('long', Buffer.alloc(4))).toThrow(/must be 8 bytes/);
    expect(() => decodeRaw('int', Buffer.alloc(8), 'key')).toThrow(/key of format int must be 4 bytes/);
  });

  it('map to one typed value column', () => {
    const types = RAW_FORMATS.map((f) => evolveSchema(undefined, new RawValueDecoder(f).writer.type).newSchema.fields.map((c) => [c.name, c.type, c.required]));
    expect(types).toEqual([
      [['value', 'binary', true]],
      [['value', 'string', true]],
      [['value', 'string', true]],
      [['value', 'long', true]],
      [['value', 'int', true]],
    ]);
    expect(new RawValueDecoder('long').decodeCached(Buffer.from('0000000000000005', 'hex')).value).toEqual({ value: 5n });
  });

  it('keys of every raw format', async () => {
    expect(await new KeyDecoder('long').decode(Buffer.from('00000000000000ff', 'hex'))).toBe(255n);
    expect(await new KeyDecoder('json').decode(Buffer.from('[1]'))).toBe('[1]');
    expect(await new KeyDecoder('int').decode(null)).toBeNull();
  });
});
