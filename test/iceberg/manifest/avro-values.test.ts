import { describe, expect, it } from 'vitest';
import { fromAvroValue, toAvroValue } from '../../../src/iceberg/manifest/avro-values.js';

describe('toAvroValue / fromAvroValue', () => {
  it('round-trips decimals as sign-extended fixed bytes of the precision’s size', () => {
    const bytes = toAvroValue('decimal(9, 2)', -12345n) as Buffer;
    // decimal(9,…) needs 4 bytes; a negative value is sign-extended with 0xff.
    expect([...bytes]).toEqual([0xff, 0xff, 0xcf, 0xc7]);
    expect(fromAvroValue({ type: 'fixed', name: 'd', size: 4, logicalType: 'decimal', precision: 9, scale: 2 }, bytes)).toBe(-12345n);
  });

  it('refuses a decimal that does not fit its precision’s bytes instead of wrapping', () => {
    expect(() => toAvroValue('decimal(2, 0)', 1000n)).toThrow(RangeError);
  });

  it('reads decimals that other writers store as variable-length bytes', () => {
    expect(fromAvroValue({ type: 'bytes', logicalType: 'decimal', precision: 20, scale: 0 }, Buffer.from([0x01, 0x00]))).toBe(256n);
    expect(fromAvroValue({ type: 'bytes', logicalType: 'decimal', precision: 20, scale: 0 }, Buffer.from([0xff]))).toBe(-1n);
  });

  it('round-trips uuids as 16 fixed bytes', () => {
    const uuid = '123e4567-e89b-12d3-a456-426614174000';
    const bytes = toAvroValue('uuid', uuid) as Buffer;
    expect(bytes.length).toBe(16);
    expect(fromAvroValue({ type: 'fixed', name: 'u', size: 16, logicalType: 'uuid' }, bytes)).toBe(uuid);
  });

  it('reads every Avro long as a bigint, whatever its magnitude', () => {
    expect(fromAvroValue('long', 5)).toBe(5n);
    expect(fromAvroValue({ type: 'long', logicalType: 'timestamp-micros' }, 2n ** 60n)).toBe(2n ** 60n);
    expect(toAvroValue('timestamptz_ns', 2n ** 62n)).toBe(2n ** 62n);
  });

  it('copies binary both ways and passes nulls and plain scalars through', () => {
    const raw = new Uint8Array([1, 2, 3]);
    const avro = toAvroValue('binary', raw) as Buffer;
    expect(Buffer.isBuffer(avro)).toBe(true);
    const back = fromAvroValue('bytes', avro) as Uint8Array;
    expect(back).toBeInstanceOf(Uint8Array);
    expect([...back]).toEqual([1, 2, 3]);
    expect(toAvroValue('string', null)).toBeNull();
    expect(fromAvroValue(['null', 'string'], undefined)).toBeNull();
    expect(toAvroValue('int', 7)).toBe(7);
    expect(fromAvroValue('string', 'x')).toBe('x');
  });
});
