/**
 * Values written in readable form, converted to floe's canonical representation with plain JS
 * (Date.UTC, BigInt), not with floe's own date or decimal code, so a test's expectation is
 * independent of the implementation it checks.
 */

const DAY_MS = 86_400_000;

/** "1969-12-31" → days since the epoch. */
export function days(iso: string): number {
  const [y, m, d] = iso.split('-').map(Number) as [number, number, number];
  const dt = new Date(0);
  dt.setUTCFullYear(y, m - 1, d); // setUTCFullYear keeps years 0-99 literal (Date.UTC would not)
  return Math.round(dt.getTime() / DAY_MS);
}

/** "1969-12-31T23:59:59.999999" (optionally ending in Z) → µs since the epoch. */
export function micros(iso: string): bigint {
  const m = /^(\d{4}-\d{2}-\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.(\d{1,6}))?Z?$/.exec(iso);
  if (!m) throw new Error(`bad timestamp ${iso}`);
  const [, date, hh, mm, ss, frac = ''] = m;
  const seconds = BigInt(days(date!)) * 86_400n + BigInt(Number(hh) * 3600 + Number(mm) * 60 + Number(ss));
  return seconds * 1_000_000n + BigInt(frac.padEnd(6, '0'));
}

/** "13:45:00.000001" → µs of the day. */
export function timeMicros(iso: string): bigint {
  return micros(`1970-01-01T${iso}`);
}

/** "123.45" in a column of scale `scale` → the unscaled bigint. */
export function unscaled(text: string, scale: number): bigint {
  const negative = text.startsWith('-');
  const [int, frac = ''] = text.replace(/^[-+]/, '').split('.') as [string, string?];
  if (frac.length > scale) throw new Error(`${text} has more than ${scale} decimals`);
  const v = BigInt(int + frac.padEnd(scale, '0'));
  return negative ? -v : v;
}

export function bytes(...values: number[]): Uint8Array {
  return Uint8Array.from(values);
}

export function b64(b: Uint8Array): { $bytes: string } {
  return { $bytes: Buffer.from(b).toString('base64') };
}

/** The oracle's encoding of a float column: NaN and infinities as strings. */
export function encFloat(v: number): number | string {
  if (Number.isNaN(v)) return 'NaN';
  if (v === Infinity) return 'Infinity';
  if (v === -Infinity) return '-Infinity';
  return v;
}
