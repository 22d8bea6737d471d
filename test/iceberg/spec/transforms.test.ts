import { describe, expect, it } from 'vitest';
import { daysFromCivil } from '../../../src/iceberg/spec/datetime.js';
import {
  applyTransform,
  canTransform,
  hashValue,
  murmur3,
  parseTransform,
  partitionPathValue,
  transformResultType,
  transformToString,
} from '../../../src/iceberg/spec/transforms.js';
import type { PrimitiveType, PrimitiveValue } from '../../../src/iceberg/spec/types.js';

const DAY_MICROS = 86_400_000_000n;
/** Microseconds since the epoch of a UTC date-time. */
function micros(y: number, mo: number, d: number, h = 0, mi = 0, s = 0, us = 0): bigint {
  return BigInt(daysFromCivil(y, mo, d)) * DAY_MICROS + BigInt(((h * 60 + mi) * 60 + s) * 1_000_000 + us);
}
const bytes = (...b: number[]) => Uint8Array.from(b);

describe('Appendix B hash test values (every value the spec lists)', () => {
  const ts = micros(2017, 11, 16, 22, 31, 8);
  const cases: [string, PrimitiveType, PrimitiveValue, number][] = [
    ['int 34', 'int', 34, 2017239379],
    ['long 34L', 'long', 34n, 2017239379],
    ['decimal 14.20', 'decimal(4,2)', 1420n, -500754589],
    ['date 2017-11-16', 'date', daysFromCivil(2017, 11, 16), -653330422],
    ['time 22:31:08', 'time', BigInt((22 * 3600 + 31 * 60 + 8) * 1_000_000), -662762989],
    ['timestamp 2017-11-16T22:31:08', 'timestamp', ts, -2047944441],
    ['timestamp 2017-11-16T22:31:08.000001', 'timestamp', ts + 1n, -1207196810],
    // 14:31:08-08:00 is 22:31:08 UTC; the value is stored in UTC.
    ['timestamptz 2017-11-16T14:31:08-08:00', 'timestamptz', ts, -2047944441],
    ['timestamptz 2017-11-16T14:31:08.000001-08:00', 'timestamptz', ts + 1n, -1207196810],
    ['timestamp_ns 2017-11-16T22:31:08', 'timestamp_ns', ts * 1000n, -2047944441],
    ['timestamp_ns 2017-11-16T22:31:08.000001001', 'timestamp_ns', ts * 1000n + 1001n, -1207196810],
    ['timestamptz_ns 2017-11-16T14:31:08-08:00', 'timestamptz_ns', ts * 1000n, -2047944441],
    ['timestamptz_ns 2017-11-16T14:31:08.000001001-08:00', 'timestamptz_ns', ts * 1000n + 1001n, -1207196810],
    ['string iceberg', 'string', 'iceberg', 1210000089],
    ['uuid', 'uuid', 'f79c3e09-677c-4bbd-a479-3f349cb785e7', 1488055340],
    ['fixed 00 01 02 03', 'fixed[4]', bytes(0, 1, 2, 3), -188683207],
    ['binary 00 01 02 03', 'binary', bytes(0, 1, 2, 3), -188683207],
    // Not bucketable, but the spec defines their hashes.
    ['boolean true', 'boolean', true, 1392991556],
    ['float 1.0F', 'float', 1.0, -142385009],
    ['float 0.0F', 'float', 0.0, 1669671676],
    ['float -0.0F', 'float', -0.0, 1669671676],
    ['double 1.0D', 'double', 1.0, -142385009],
    ['double 0.0D', 'double', 0.0, 1669671676],
    ['double -0.0D', 'double', -0.0, 1669671676],
    // From "Schema Evolution": bucket of 34 and "34" differ.
    ['string "34"', 'string', '34', -427558391],
  ];
  for (const [name, type, value, expected] of cases) {
    it(name, () => expect(hashValue(type, value)).toBe(expected));
  }

  it('int and long hash identically across the range (promotion keeps buckets)', () => {
    for (const v of [0, 1, -1, 2147483647, -2147483648, 123456]) {
      expect(hashValue('int', v)).toBe(hashValue('long', BigInt(v)));
    }
  });

  it('NaN bit patterns canonicalize', () => {
    expect(hashValue('double', NaN)).toBe(hashValue('float', NaN));
  });

  it('murmur3 handles every tail length', () => {
    // Known Murmur3_x86_32 seed-0 vectors.
    expect(murmur3(new Uint8Array(0))).toBe(0);
    expect(murmur3(new TextEncoder().encode('a'))).toBe(0x3c2569b2 | 0);
    expect(murmur3(new TextEncoder().encode('ab'))).toBe(0x9bbfd75f | 0);
    expect(murmur3(new TextEncoder().encode('abc'))).toBe(0xb3dd93fa | 0);
    expect(murmur3(new TextEncoder().encode('abcd'))).toBe(0x43ed676a | 0);
    expect(murmur3(new TextEncoder().encode('Hello, world!'))).toBe(0xc0363e43 | 0);
  });
});

describe('parseTransform', () => {
  it('parses every transform and round-trips', () => {
    for (const s of ['identity', 'year', 'month', 'day', 'hour', 'void', 'bucket[16]', 'truncate[4]'] as const) {
      expect(transformToString(parseTransform(s))).toBe(s);
    }
    expect(parseTransform('bucket[16]')).toEqual({ kind: 'bucket', n: 16 });
    expect(parseTransform('truncate[ 3 ]')).toEqual({ kind: 'truncate', width: 3 });
  });
  it('keeps unknown transforms (readers must tolerate them) but refuses to apply them', () => {
    const t = parseTransform('zorder');
    expect(t).toEqual({ kind: 'unknown', name: 'zorder' });
    expect(canTransform(t, 'int')).toBe(false);
    expect(() => applyTransform(t, 'int', 1)).toThrow();
    expect(() => transformResultType(t, 'int')).toThrow();
  });
  it('rejects non-positive parameters', () => {
    expect(() => parseTransform('bucket[0]')).toThrow();
    expect(() => parseTransform('truncate[0]')).toThrow();
  });
});

describe('bucket', () => {
  it('is (hash & MAX_INT) % N', () => {
    expect(applyTransform('bucket[16]', 'int', 34)).toBe((2017239379 & 0x7fffffff) % 16);
    // Negative hash: the sign bit is discarded, not the absolute value taken.
    expect(applyTransform('bucket[100]', 'decimal(4,2)', 1420n)).toBe((-500754589 & 0x7fffffff) % 100);
    expect(applyTransform('bucket[7]', 'string', 'iceberg')).toBe(1210000089 % 7);
  });
  it('returns null for null and accepts number longs', () => {
    expect(applyTransform('bucket[4]', 'long', null)).toBeNull();
    expect(applyTransform('bucket[4]', 'long', 34)).toBe(applyTransform('bucket[4]', 'long', 34n));
  });
  it('rejects unbucketable types', () => {
    for (const t of ['boolean', 'float', 'double'] as const) expect(canTransform('bucket[4]', t)).toBe(false);
    expect(() => applyTransform('bucket[4]', 'double', 1)).toThrow();
  });
});

describe('truncate', () => {
  it('ints and longs floor toward negative infinity (spec examples)', () => {
    expect(applyTransform('truncate[10]', 'int', 1)).toBe(0);
    expect(applyTransform('truncate[10]', 'int', -1)).toBe(-10);
    expect(applyTransform('truncate[10]', 'int', -10)).toBe(-10);
    expect(applyTransform('truncate[10]', 'int', -11)).toBe(-20);
    expect(applyTransform('truncate[10]', 'int', 15)).toBe(10);
    expect(applyTransform('truncate[10]', 'long', 1n)).toBe(0n);
    expect(applyTransform('truncate[10]', 'long', -1n)).toBe(-10n);
    // Java's long arithmetic wraps below the minimum; we agree with it.
    expect(applyTransform('truncate[3]', 'long', -9223372036854775807n)).toBe(9223372036854775807n);
    expect(applyTransform('truncate[3]', 'int', -2147483647)).toBe(2147483647);
    expect(applyTransform('truncate[4]', 'long', -9223372036854775808n)).toBe(-9223372036854775808n);
  });
  it('decimals truncate the unscaled value: W=50, 10.65 -> 10.50', () => {
    expect(applyTransform('truncate[50]', 'decimal(9,2)', 1065n)).toBe(1050n);
    expect(applyTransform('truncate[50]', 'decimal(9,2)', -1065n)).toBe(-1100n);
  });
  it('strings by code points, binary by bytes', () => {
    expect(applyTransform('truncate[3]', 'string', 'iceberg')).toBe('ice');
    expect(applyTransform('truncate[2]', 'string', 'a😀b')).toBe('a😀');
    expect(applyTransform('truncate[5]', 'string', 'ab')).toBe('ab');
    expect(applyTransform('truncate[3]', 'binary', bytes(1, 2, 3, 4, 5))).toEqual(bytes(1, 2, 3));
  });
  it('result type is the source type; not allowed for dates or floats', () => {
    expect(transformResultType('truncate[4]', 'decimal(9,2)')).toBe('decimal(9,2)');
    expect(canTransform('truncate[4]', 'date')).toBe(false);
    expect(canTransform('truncate[4]', 'double')).toBe(false);
    expect(canTransform('truncate[4]', 'fixed[4]')).toBe(false);
  });
});

describe('time transforms', () => {
  const t = micros(2024, 1, 2, 3, 4, 5, 6);
  it('year, month, day, hour since 1970', () => {
    expect(applyTransform('year', 'timestamp', t)).toBe(54);
    expect(applyTransform('month', 'timestamp', t)).toBe(54 * 12);
    expect(applyTransform('day', 'timestamptz', t)).toBe(daysFromCivil(2024, 1, 2));
    expect(applyTransform('hour', 'timestamp', t)).toBe(daysFromCivil(2024, 1, 2) * 24 + 3);
    expect(applyTransform('day', 'timestamp_ns', t * 1000n + 999n)).toBe(daysFromCivil(2024, 1, 2));
    expect(applyTransform('month', 'date', daysFromCivil(2024, 12, 31))).toBe(54 * 12 + 11);
    expect(applyTransform('year', 'date', daysFromCivil(1970, 1, 1))).toBe(0);
  });
  it('floors negative values (before 1970)', () => {
    const lastMicro = -1n; // 1969-12-31T23:59:59.999999
    expect(applyTransform('day', 'timestamp', lastMicro)).toBe(-1);
    expect(applyTransform('hour', 'timestamp', lastMicro)).toBe(-1);
    expect(applyTransform('month', 'timestamp', lastMicro)).toBe(-1);
    expect(applyTransform('year', 'timestamp', lastMicro)).toBe(-1);
    expect(applyTransform('day', 'timestamp_ns', -1n)).toBe(-1);
    expect(applyTransform('hour', 'timestamptz_ns', -1n)).toBe(-1);
    expect(applyTransform('day', 'timestamp', -DAY_MICROS)).toBe(-1);
    expect(applyTransform('day', 'timestamp', -DAY_MICROS - 1n)).toBe(-2);
    expect(applyTransform('month', 'date', -1)).toBe(-1);
    expect(applyTransform('year', 'date', -1)).toBe(-1);
    expect(applyTransform('month', 'date', daysFromCivil(1969, 1, 1))).toBe(-12);
    expect(applyTransform('year', 'date', daysFromCivil(1900, 6, 1))).toBe(-70);
    expect(applyTransform('month', 'timestamp', micros(1900, 3, 1, 12))).toBe(-70 * 12 + 2);
  });
  it('result types and allowed sources', () => {
    expect(transformResultType('day', 'timestamp')).toBe('date');
    expect(transformResultType('hour', 'timestamp')).toBe('int');
    expect(transformResultType('month', 'date')).toBe('int');
    expect(transformResultType('year', 'date')).toBe('int');
    expect(transformResultType('bucket[3]', 'string')).toBe('int');
    expect(canTransform('hour', 'date')).toBe(false);
    expect(canTransform('day', 'time')).toBe(false);
    expect(canTransform('day', 'long')).toBe(false);
    expect(canTransform('day', 'timestamptz_ns')).toBe(true);
  });
});

describe('identity and void', () => {
  it('identity returns the value, void returns null', () => {
    expect(applyTransform('identity', 'string', 'x')).toBe('x');
    expect(applyTransform('identity', 'boolean', false)).toBe(false);
    expect(applyTransform('void', 'string', 'x')).toBeNull();
    expect(transformResultType('void', 'string')).toBe('string');
    expect(applyTransform('identity', 'int', null)).toBeNull();
    expect(applyTransform('identity', 'timestamp', 5)).toBe(5n);
    expect(() => applyTransform('identity', 'int', 2 ** 40)).toThrow();
  });
});

describe('partitionPathValue', () => {
  const t = micros(2024, 1, 2, 3, 4, 5);
  it('renders time transforms like Iceberg', () => {
    expect(partitionPathValue('day', 'date', applyTransform('day', 'timestamp', t))).toBe('2024-01-02');
    expect(partitionPathValue('month', 'int', applyTransform('month', 'timestamp', t))).toBe('2024-01');
    expect(partitionPathValue('hour', 'int', applyTransform('hour', 'timestamp', t))).toBe('2024-01-02-03');
    expect(partitionPathValue('year', 'int', applyTransform('year', 'timestamp', t))).toBe('2024');
    expect(partitionPathValue('hour', 'int', -1)).toBe('1969-12-31-23');
    expect(partitionPathValue('month', 'int', -1)).toBe('1969-12');
    expect(partitionPathValue('year', 'int', -1971)).toBe('-001');
  });
  it('renders identity values like Java toString', () => {
    expect(partitionPathValue('identity', 'timestamp', t)).toBe('2024-01-02T03:04:05');
    expect(partitionPathValue('identity', 'timestamp', t + 1n)).toBe('2024-01-02T03:04:05.000001');
    expect(partitionPathValue('identity', 'timestamp', t + 100_000n)).toBe('2024-01-02T03:04:05.1');
    expect(partitionPathValue('identity', 'timestamptz', t)).toBe('2024-01-02T03:04:05+00:00');
    expect(partitionPathValue('identity', 'timestamp', -1n)).toBe('1969-12-31T23:59:59.999999');
    expect(partitionPathValue('identity', 'timestamp_ns', t * 1000n + 1n)).toBe('2024-01-02T03:04:05.000000001');
    expect(partitionPathValue('identity', 'date', daysFromCivil(2017, 11, 16))).toBe('2017-11-16');
    expect(partitionPathValue('identity', 'time', 3_600_000_000n)).toBe('01:00');
    expect(partitionPathValue('identity', 'time', 3_601_000_000n)).toBe('01:00:01');
    expect(partitionPathValue('identity', 'time', 3_601_500_000n)).toBe('01:00:01.500');
    expect(partitionPathValue('identity', 'time', 3_601_000_001n)).toBe('01:00:01.000001');
    expect(partitionPathValue('identity', 'decimal(9,2)', 1420n)).toBe('14.20');
    expect(partitionPathValue('identity', 'decimal(9,2)', -5n)).toBe('-0.05');
    expect(partitionPathValue('identity', 'decimal(9,0)', 7n)).toBe('7');
    expect(partitionPathValue('identity', 'decimal(38,10)', 1n)).toBe('1E-10');
    expect(partitionPathValue('identity', 'double', 1)).toBe('1.0');
    expect(partitionPathValue('identity', 'double', 1e7)).toBe('1.0E7');
    expect(partitionPathValue('identity', 'double', 0.001)).toBe('0.001');
    expect(partitionPathValue('identity', 'double', 0.0001)).toBe('1.0E-4');
    expect(partitionPathValue('identity', 'double', -123.456)).toBe('-123.456');
    expect(partitionPathValue('identity', 'float', Math.fround(0.1))).toBe('0.1');
    expect(partitionPathValue('identity', 'float', Math.fround(1.1))).toBe('1.1');
    expect(partitionPathValue('identity', 'binary', bytes(0, 1, 2, 255))).toBe('AAEC/w==');
    expect(partitionPathValue('identity', 'boolean', true)).toBe('true');
    expect(partitionPathValue('identity', 'long', 34n)).toBe('34');
    expect(partitionPathValue('bucket[16]', 'int', 3)).toBe('3');
    expect(partitionPathValue('truncate[3]', 'string', 'ice')).toBe('ice');
    expect(partitionPathValue('identity', 'string', null)).toBe('null');
    expect(partitionPathValue('void', 'string', null)).toBe('null');
  });
});
