import { describe, expect, it } from 'vitest';
import { frame, readSchemaId } from '../../src/decode/wire.js';
import { FloeError } from '../../src/util/errors.js';

const codeOf = (f: () => unknown): string => {
  try {
    f();
  } catch (err) {
    return err instanceof FloeError ? err.code : 'not a FloeError';
  }
  return 'no error';
};

describe('Confluent wire format', () => {
  it('frames a body behind magic byte 0 and a big-endian schema id, and reads the id back', () => {
    const framed = frame(258, new Uint8Array([7, 8]));
    expect([...framed]).toEqual([0, 0, 0, 1, 2, 7, 8]);
    expect(readSchemaId(framed)).toBe(258);
  });

  it('reads ids as unsigned: the high bit does not make them negative', () => {
    expect(readSchemaId(frame(0xfffffffe, new Uint8Array()))).toBe(0xfffffffe);
  });

  it('refuses empty, unframed and short messages with typed codes', () => {
    expect(codeOf(() => readSchemaId(new Uint8Array()))).toBe('DECODE_TRUNCATED');
    expect(codeOf(() => readSchemaId(Buffer.from('{"json":1}')))).toBe('DECODE_BAD_MAGIC');
    expect(codeOf(() => readSchemaId(new Uint8Array([0, 0, 1])))).toBe('DECODE_TRUNCATED');
  });
});
