import { describe, expect, it } from 'vitest';
import { civilFromDays, daysFromCivil, floorDiv, floorMod, isoDate, isoTimestampFromMicros, isoTimestampFromNanos, javaLocalTime } from '../../../src/iceberg/spec/datetime.js';

describe('civil dates', () => {
  it('round-trips days since the epoch, before 1970 and past leap days', () => {
    for (const days of [-719528, -1, 0, 59, 11016, 2932896]) {
      const { year, month, day } = civilFromDays(days);
      expect(daysFromCivil(year, month, day)).toBe(days);
    }
    expect(civilFromDays(-1)).toEqual({ year: 1969, month: 12, day: 31 });
    expect(daysFromCivil(2000, 2, 29)).toBe(11016);
  });

  it('floors toward negative infinity, as Java’s Math.floorDiv', () => {
    expect(floorDiv(-1n, 1000n)).toBe(-1n);
    expect(floorMod(-1n, 1000n)).toBe(999n);
    expect(floorDiv(1999n, 1000n)).toBe(1n);
  });
});

describe('ISO text as java.time writes it', () => {
  it('formats dates with java.time’s year rules', () => {
    expect(isoDate(0)).toBe('1970-01-01');
    expect(isoDate(-719529)).toBe('-0001-12-31');
    expect(isoDate(2932897)).toBe('+10000-01-01');
  });

  it('formats timestamps with the fraction trimmed of trailing zeros', () => {
    expect(isoTimestampFromMicros(0n)).toBe('1970-01-01T00:00:00');
    expect(isoTimestampFromMicros(1_510_871_468_000_001n)).toBe('2017-11-16T22:31:08.000001');
    expect(isoTimestampFromNanos(-1n)).toBe('1969-12-31T23:59:59.999999999');
    expect(isoTimestampFromNanos(1_500_000_000n)).toBe('1970-01-01T00:00:01.5');
  });

  it('formats times of day as LocalTime.toString, fractions in groups of three digits', () => {
    expect(javaLocalTime(0n)).toBe('00:00');
    expect(javaLocalTime(3_600_000_000n + 60_000_000n)).toBe('01:01');
    expect(javaLocalTime(1_000_000n)).toBe('00:00:01');
    expect(javaLocalTime(1_500_000n)).toBe('00:00:01.500');
    expect(javaLocalTime(1_000_001n)).toBe('00:00:01.000001');
  });
});
