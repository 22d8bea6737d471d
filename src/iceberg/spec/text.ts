/**
 * Values as text the way Iceberg's Java reference renders them (Transform.toHumanString): the
 * partition directory names in data file paths. Paths are informational to readers, but matching
 * Java keeps floe's layout identical to Spark's for the same table, which makes comparing easy.
 */
import { civilFromDays, isoDate, isoTimestampFromMicros, isoTimestampFromNanos, javaLocalTime, zeroPad } from './datetime.js';
import { decimalParams, primitiveKind } from './schema.js';
import type { PrimitiveType, PrimitiveValue } from './types.js';
import { toInt, toLong } from './values.js';

export function humanYear(yearOrdinal: number): string {
  return zeroPad(1970 + yearOrdinal, 4);
}

export function humanMonth(monthOrdinal: number): string {
  const year = 1970 + Math.floor(monthOrdinal / 12);
  const month = 1 + (((monthOrdinal % 12) + 12) % 12);
  return `${zeroPad(year, 4)}-${zeroPad(month, 2)}`;
}

export function humanDay(dayOrdinal: number): string {
  const { year, month, day } = civilFromDays(dayOrdinal);
  return `${zeroPad(year, 4)}-${zeroPad(month, 2)}-${zeroPad(day, 2)}`;
}

export function humanHour(hourOrdinal: number): string {
  const days = Math.floor(hourOrdinal / 24);
  const hour = hourOrdinal - days * 24;
  return `${humanDay(days)}-${zeroPad(hour, 2)}`;
}

/**
 * Java's Double.toString / Float.toString: plain notation with at least one fractional digit for
 * 1e-3 <= |v| < 1e7, otherwise "d.dddE±n". The digits are the shortest that round-trip, which is
 * what JS produces for doubles (and modern JDKs for both); floats need their own shortest digits.
 */
export function javaFloatingString(v: number, single = false): string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  if (v === 0) return Object.is(v, -0) ? '-0.0' : '0.0';
  let digits: string; // shortest significant digits, no sign
  let exp: number; // decimal exponent of the first digit
  let repr = Math.abs(v).toExponential();
  if (single) {
    for (let p = 1; p <= 9; p++) {
      const candidate = Math.abs(v).toExponential(p - 1);
      if (Math.fround(Number(candidate)) === Math.abs(v)) {
        repr = candidate;
        break;
      }
    }
  }
  const [mant, e] = repr.split('e') as [string, string];
  digits = mant.replace('.', '');
  exp = Number(e);
  digits = digits.replace(/0+$/, '') || '0';
  const sign = v < 0 ? '-' : '';
  const abs = Math.abs(v);
  if (abs >= 1e-3 && abs < 1e7) {
    let intPart: string;
    let fracPart: string;
    if (exp >= 0) {
      intPart = digits.slice(0, exp + 1).padEnd(exp + 1, '0');
      fracPart = digits.slice(exp + 1);
    } else {
      intPart = '0';
      fracPart = '0'.repeat(-exp - 1) + digits;
    }
    return `${sign}${intPart}.${fracPart || '0'}`;
  }
  return `${sign}${digits[0]}.${digits.slice(1) || '0'}E${exp}`;
}

/** BigDecimal.toString of an unscaled value and scale (plain unless the exponent is < -6). */
export function javaDecimalString(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString();
  const sign = neg ? '-' : '';
  const adjusted = -scale + (digits.length - 1);
  if (scale >= 0 && adjusted >= -6) {
    if (scale === 0) return sign + digits;
    if (digits.length > scale) {
      return `${sign}${digits.slice(0, digits.length - scale)}.${digits.slice(digits.length - scale)}`;
    }
    return `${sign}0.${'0'.repeat(scale - digits.length)}${digits}`;
  }
  const mant = digits.length > 1 ? `${digits[0]}.${digits.slice(1)}` : digits;
  return `${sign}${mant}E${adjusted >= 0 ? '+' : ''}${adjusted}`;
}

/** Transform.toHumanString for a value of a primitive type (identity/truncate/bucket results). */
export function humanValue(type: PrimitiveType, value: PrimitiveValue | null): string {
  if (value === null) return 'null';
  const kind = primitiveKind(type);
  switch (kind) {
    case 'date':
      return humanDay(toInt(value, kind));
    case 'time':
      return javaLocalTime(toLong(value, kind));
    case 'timestamp':
      return isoTimestampFromMicros(toLong(value, kind));
    case 'timestamptz':
      return isoTimestampFromMicros(toLong(value, kind)) + '+00:00';
    case 'timestamp_ns':
      return isoTimestampFromNanos(toLong(value, kind));
    case 'timestamptz_ns':
      return isoTimestampFromNanos(toLong(value, kind)) + '+00:00';
    case 'fixed':
    case 'binary':
      return Buffer.from(value as Uint8Array).toString('base64');
    case 'float':
      return javaFloatingString(value as number, true);
    case 'double':
      return javaFloatingString(value as number);
    case 'decimal':
      return javaDecimalString(value as bigint, decimalParams(type)!.scale);
    default:
      return String(value);
  }
}


