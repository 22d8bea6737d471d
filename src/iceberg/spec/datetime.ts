/**
 * Epoch-based date/time arithmetic (proleptic Gregorian, UTC) for transforms and for rendering
 * values the way Java's java.time does. Everything floors, so values before 1970 land in the
 * right day/hour/month (integer division in JS and Java truncates toward zero; the spec does not).
 */

export const MICROS_PER_SECOND = 1_000_000n;
export const MICROS_PER_HOUR = 3_600_000_000n;
export const MICROS_PER_DAY = 86_400_000_000n;

export function floorDiv(a: bigint, b: bigint): bigint {
  const q = a / b;
  return a % b !== 0n && a < 0n !== b < 0n ? q - 1n : q;
}

export function floorMod(a: bigint, b: bigint): bigint {
  return a - floorDiv(a, b) * b;
}

/** Days since 1970-01-01 -> civil date (Howard Hinnant's civil_from_days). */
export function civilFromDays(days: number): { year: number; month: number; day: number } {
  const z = days + 719468;
  const era = Math.floor(z / 146097);
  const doe = z - era * 146097;
  const yoe = Math.floor((doe - Math.floor(doe / 1460) + Math.floor(doe / 36524) - Math.floor(doe / 146096)) / 365);
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  return { year: yoe + era * 400 + (month <= 2 ? 1 : 0), month, day };
}

/** Civil date -> days since 1970-01-01. */
export function daysFromCivil(year: number, month: number, day: number): number {
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yoe = y - era * 400;
  const mp = month > 2 ? month - 3 : month + 9;
  const doy = Math.floor((153 * mp + 2) / 5) + day - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

/** Java's String.format("%0Nd"): the width includes the sign ("-001"). */
export function zeroPad(n: number, width: number): string {
  const digits = String(Math.abs(n));
  return n < 0 ? '-' + digits.padStart(width - 1, '0') : digits.padStart(width, '0');
}

/** java.time's ISO year: 4 digits, '+' above 9999, '-' and at least 4 digits below year 0. */
function isoYear(year: number): string {
  if (year > 9999) return '+' + year;
  if (year < 0) return '-' + String(-year).padStart(4, '0');
  return String(year).padStart(4, '0');
}

/** ISO_LOCAL_DATE, e.g. 2017-11-16. */
export function isoDate(days: number): string {
  const { year, month, day } = civilFromDays(days);
  return `${isoYear(year)}-${zeroPad(month, 2)}-${zeroPad(day, 2)}`;
}

/** Fraction digits as DateTimeFormatter's appendFraction(NANO, 0, 9, true): trailing zeros dropped. */
function isoFraction(nanos: bigint): string {
  if (nanos === 0n) return '';
  return '.' + nanos.toString().padStart(9, '0').replace(/0+$/, '');
}

/** Time of day from nanoseconds since midnight as ISO_LOCAL_TIME (always HH:mm:ss). */
function isoTimeOfDay(nanosOfDay: bigint): string {
  const secs = Number(nanosOfDay / 1_000_000_000n);
  const h = Math.floor(secs / 3600);
  const m = Math.floor((secs % 3600) / 60);
  const s = secs % 60;
  return `${zeroPad(h, 2)}:${zeroPad(m, 2)}:${zeroPad(s, 2)}${isoFraction(nanosOfDay % 1_000_000_000n)}`;
}

/** ISO_LOCAL_DATE_TIME of nanoseconds since the epoch, e.g. 2017-11-16T22:31:08.000001. */
export function isoTimestampFromNanos(nanos: bigint): string {
  const nanosPerDay = MICROS_PER_DAY * 1000n;
  const days = Number(floorDiv(nanos, nanosPerDay));
  return `${isoDate(days)}T${isoTimeOfDay(floorMod(nanos, nanosPerDay))}`;
}

export function isoTimestampFromMicros(micros: bigint): string {
  return isoTimestampFromNanos(micros * 1000n);
}

/**
 * LocalTime.toString: HH:mm, seconds only when non-zero (or a fraction is present), the fraction
 * in groups of 3 digits. Iceberg renders identity-partitioned time values this way.
 */
export function javaLocalTime(microsOfDay: bigint): string {
  const nanos = microsOfDay * 1000n;
  const secs = Number(nanos / 1_000_000_000n);
  const frac = Number(nanos % 1_000_000_000n);
  let out = `${zeroPad(Math.floor(secs / 3600), 2)}:${zeroPad(Math.floor((secs % 3600) / 60), 2)}`;
  if (secs % 60 === 0 && frac === 0) return out;
  out += ':' + zeroPad(secs % 60, 2);
  if (frac === 0) return out;
  if (frac % 1_000_000 === 0) return out + '.' + String(frac / 1_000_000).padStart(3, '0');
  if (frac % 1000 === 0) return out + '.' + String(frac / 1000).padStart(6, '0');
  return out + '.' + String(frac).padStart(9, '0');
}
