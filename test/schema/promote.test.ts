import { describe, expect, it } from 'vitest';
import { columnType, decimalHint, promote } from '../../src/schema/promote.js';

describe('promote', () => {
  it('widens int→long, float→double and decimal precision at the same scale, in either order', () => {
    expect(promote('int', 'long')).toBe('long');
    expect(promote('long', 'int')).toBe('long');
    expect(promote('float', 'double')).toBe('double');
    expect(promote('double', 'float')).toBe('double');
    expect(promote('decimal(9, 2)', 'decimal(18, 2)')).toBe('decimal(18, 2)');
    expect(promote('decimal(18, 2)', 'decimal(9, 2)')).toBe('decimal(18, 2)');
  });

  it('refuses what Iceberg cannot promote', () => {
    expect(promote('long', 'double')).toBe('incompatible');
    expect(promote('string', 'binary')).toBe('incompatible');
    expect(promote('decimal(9, 2)', 'decimal(9, 3)')).toBe('incompatible');
  });

  it('keeps a timestamp column’s precision whichever precision the writer has', () => {
    expect(promote('timestamptz', 'timestamptz_ns')).toBe('timestamptz');
    expect(promote('timestamp_ns', 'timestamp')).toBe('timestamp_ns');
    expect(promote('timestamp', 'timestamptz_ns')).toBe('incompatible');
  });

  it('says why a decimal change is refused', () => {
    expect(decimalHint('decimal(9, 2)', 'decimal(9, 3)')).toBe(' (decimal scale change)');
    expect(decimalHint('long', 'string')).toBe('');
  });
});

describe('columnType', () => {
  it('gives nanosecond columns only to v3 tables', () => {
    expect(columnType('timestamptz_ns', 2)).toBe('timestamptz');
    expect(columnType('timestamp_ns', 2)).toBe('timestamp');
    expect(columnType('timestamptz_ns', 3)).toBe('timestamptz_ns');
    expect(columnType('long', 2)).toBe('long');
  });
});
