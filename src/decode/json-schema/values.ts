/**
 * Compiles converters from validated JSON payload values to the writer model's value shapes
 * (decode/avro.ts): long → bigint (exact, from the digits as sent) · decimal → unscaled bigint ·
 * date-time → µs since epoch (bigint; the offset applied) · date → days · time → µs of day (UTC
 * when an offset is given) · uuid → lower case · base64 bytes → Uint8Array · map → Map · union →
 * {branch: value} · JSON text nodes → the value's JSON text. A value the schema's keywords allow
 * but the model cannot hold exactly (a 2^64 integer, more fraction digits than the decimal's
 * scale, an impossible date) throws `Violation`, which dead-letters the record with its path.
 */
import { bigintFromTwosComplement } from '../logical.js';
import { JsonNumber, jsonText } from './exact-json.js';
import { parsedJsonVariant } from '../json-variant.js';
import { RecursiveValue } from '../recursive-value.js';
import { avroBranch, type JNode, type JsonKind, type JSlot, type PrimKind } from './mapper.js';

export class Violation extends Error {}

type Conv = (v: unknown, path: string) => unknown;

const MIN_LONG = -(2n ** 63n);
const MAX_LONG = 2n ** 63n - 1n;

function fail(path: string, what: string, v: unknown): never {
  const shown = v instanceof JsonNumber ? v.text : JSON.stringify(v);
  throw new Violation(`${path || '(root)'}: ${what}, got ${shown?.slice(0, 80)}`);
}

/** Days since 1970-01-01 of a proleptic Gregorian date (Howard Hinnant's days_from_civil). */
function daysFromCivil(y: number, m: number, d: number): number {
  const yy = m <= 2 ? y - 1 : y;
  const era = Math.floor(yy / 400);
  const yoe = yy - era * 400;
  const doy = Math.floor((153 * (m + (m > 2 ? -3 : 9)) + 2) / 5) + d - 1;
  const doe = yoe * 365 + Math.floor(yoe / 4) - Math.floor(yoe / 100) + doy;
  return era * 146097 + doe - 719468;
}

function validDate(y: number, m: number, d: number): boolean {
  if (m < 1 || m > 12 || d < 1) return false;
  const leap = (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0;
  return d <= [31, leap ? 29 : 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31][m - 1]!;
}

const DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
const TIME = /^(\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})?$/;
const DATE_TIME = /^(\d{4})-(\d{2})-(\d{2})[Tt ](\d{2}):(\d{2}):(\d{2})(?:\.(\d+))?([Zz]|[+-]\d{2}:\d{2})$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;
const DAY_US = 86_400_000_000n;

/** µs of a clock time, or undefined when out of range; fractions beyond µs are truncated. */
function clockMicros(h: string, mi: string, s: string, frac: string | undefined): bigint | undefined {
  const H = Number(h);
  const M = Number(mi);
  const S = Number(s);
  if (H > 23 || M > 59 || S > 59) return undefined;
  return BigInt((H * 3600 + M * 60 + S) * 1_000_000) + BigInt((frac ?? '').slice(0, 6).padEnd(6, '0'));
}

function offsetMicros(z: string | undefined): bigint {
  if (!z || z === 'Z' || z === 'z') return 0n;
  const sign = z.startsWith('-') ? -1n : 1n;
  const hh = BigInt(z.slice(1, 3));
  const mm = BigInt(z.slice(4, 6));
  return sign * (hh * 3600n + mm * 60n) * 1_000_000n;
}

/** The exact decimal digits of a JSON number as [unscaled digits, scale]. */
function decimalParts(v: unknown): { sign: bigint; digits: string; scale: number } | undefined {
  let text: string;
  if (v instanceof JsonNumber) text = v.text;
  else if (typeof v === 'number' && Number.isFinite(v)) text = String(v);
  else return undefined;
  const m = /^(-?)(\d+)(?:\.(\d+))?(?:[eE]([+-]?\d+))?$/.exec(text);
  if (!m) return undefined;
  const exp = Number(m[4] ?? 0);
  let digits = m[2]! + (m[3] ?? '');
  let scale = (m[3] ?? '').length - exp;
  if (scale < 0) {
    digits += '0'.repeat(-scale);
    scale = 0;
  }
  return { sign: m[1] === '-' ? -1n : 1n, digits, scale };
}

function exactInteger(v: unknown): bigint | undefined {
  if (typeof v === 'number') return Number.isInteger(v) ? BigInt(v) : undefined;
  const p = decimalParts(v);
  if (!p) return undefined;
  const frac = p.digits.slice(p.digits.length - p.scale);
  if (p.scale > 0 && /[^0]/.test(frac)) return undefined;
  return p.sign * BigInt(p.digits.slice(0, p.digits.length - p.scale) || '0');
}

function prim(p: PrimKind): Conv {
  if (typeof p === 'object') {
    const [precision, scale] = p.decimal;
    const limit = 10n ** BigInt(precision);
    return (v, path) => {
      let unscaled: bigint;
      if (typeof v === 'string') {
        // Connect's decimal.format BASE64: the unscaled value as big-endian two's complement.
        if (!BASE64.test(v)) fail(path, 'a base64 decimal', v);
        unscaled = bigintFromTwosComplement(Buffer.from(v, 'base64'));
      } else {
        const d = decimalParts(v);
        if (!d) fail(path, `a decimal(${precision},${scale})`, v);
        if (d.scale > scale) {
          const cut = d.digits.slice(d.digits.length - (d.scale - scale));
          if (/[^0]/.test(cut)) fail(path, `at most ${scale} fraction digits for decimal(${precision},${scale})`, v);
          unscaled = d.sign * BigInt(d.digits.slice(0, d.digits.length - (d.scale - scale)) || '0');
        } else unscaled = d.sign * BigInt(d.digits) * 10n ** BigInt(scale - d.scale);
      }
      if (unscaled >= limit || unscaled <= -limit) fail(path, `at most ${precision} digits for decimal(${precision},${scale})`, v);
      return unscaled;
    };
  }
  switch (p) {
    case 'boolean':
      return (v, path) => (typeof v === 'boolean' ? v : fail(path, 'a boolean', v));
    case 'long':
      return (v, path) => {
        const n = exactInteger(v);
        if (n === undefined || n < MIN_LONG || n > MAX_LONG) fail(path, 'an integer within 64 bits', v);
        return n;
      };
    case 'int':
      return (v, path) => (typeof v === 'number' && Number.isInteger(v) && v >= -(2 ** 31) && v < 2 ** 31 ? v : fail(path, 'an integer within 32 bits', v));
    case 'double':
      return (v, path) => (typeof v === 'number' ? v : v instanceof JsonNumber ? Number(v.text) : fail(path, 'a number', v));
    case 'float':
      return (v, path) => (typeof v === 'number' ? Math.fround(v) : v instanceof JsonNumber ? Math.fround(Number(v.text)) : fail(path, 'a number', v));
    case 'string':
      return (v, path) => (typeof v === 'string' ? v : fail(path, 'a string', v));
    case 'bytes':
      return (v, path) => (typeof v === 'string' && BASE64.test(v) ? new Uint8Array(Buffer.from(v, 'base64')) : fail(path, 'base64 bytes', v));
    case 'uuid':
      return (v, path) => (typeof v === 'string' && UUID.test(v) ? v.toLowerCase() : fail(path, 'a uuid', v));
    case 'date':
      return (v, path) => {
        const m = typeof v === 'string' ? DATE.exec(v) : null;
        if (!m || !validDate(+m[1]!, +m[2]!, +m[3]!)) fail(path, 'a date (YYYY-MM-DD)', v);
        return daysFromCivil(+m[1]!, +m[2]!, +m[3]!);
      };
    case 'time':
      return (v, path) => {
        const m = typeof v === 'string' ? TIME.exec(v) : null;
        const us = m ? clockMicros(m[1]!, m[2]!, m[3]!, m[4]) : undefined;
        if (!m || us === undefined) fail(path, 'a time (HH:MM:SS[.fraction][offset])', v);
        return (((us - offsetMicros(m[5])) % DAY_US) + DAY_US) % DAY_US;
      };
    case 'timestamp':
      return (v, path) => {
        const m = typeof v === 'string' ? DATE_TIME.exec(v) : null;
        const us = m ? clockMicros(m[4]!, m[5]!, m[6]!, m[7]) : undefined;
        if (!m || us === undefined || !validDate(+m[1]!, +m[2]!, +m[3]!)) fail(path, 'an RFC 3339 date-time with an offset', v);
        return BigInt(daysFromCivil(+m[1]!, +m[2]!, +m[3]!)) * DAY_US + us - offsetMicros(m[8]);
      };
    case 'timestamp-nanos':
      // Only Protobuf's Timestamp maps to it; a JSON Schema date-time is `timestamp` (µs).
      throw new Error('a JSON Schema has no nanosecond timestamp type');
    case 'date-ms':
      return (v, path) => (typeof v === 'number' && Number.isInteger(v) ? v : fail(path, 'days since the epoch', v));
    case 'time-ms':
      return (v, path) => (typeof v === 'number' && Number.isInteger(v) && v >= 0 && v < 86_400_000 ? BigInt(v) * 1000n : fail(path, 'milliseconds of the day', v));
    case 'timestamp-ms':
      return (v, path) => {
        const n = exactInteger(v);
        if (n === undefined) fail(path, 'milliseconds since the epoch', v);
        return n * 1000n;
      };
  }
}

function kindOf(v: unknown): JsonKind | undefined {
  if (typeof v === 'boolean') return 'boolean';
  if (typeof v === 'string') return 'string';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  if (v instanceof JsonNumber) return exactInteger(v) === undefined ? 'number' : 'integer';
  if (Array.isArray(v)) return 'array';
  if (v !== null && typeof v === 'object') return 'object';
  return undefined;
}

function slot(s: JSlot): Conv {
  const inner = node(s.node);
  if (s.nullable) return (v, path) => (v === null || v === undefined ? null : inner(v, path));
  return (v, path) => (v === null || v === undefined ? fail(path, 'a value (the field is required)', v) : inner(v, path));
}

export function node(n: JNode): Conv {
  switch (n.kind) {
    case 'prim':
      return prim(n.prim);
    case 'null':
      return () => null;
    case 'json':
      if (n.recursive !== undefined) return (v) => new RecursiveValue(() => jsonText(v), () => parsedJsonVariant(v));
      return (v) => jsonText(v);
    case 'list': {
      const item = slot(n.item);
      return (v, path) => {
        if (!Array.isArray(v)) fail(path, 'an array', v);
        const out = new Array<unknown>(v.length);
        for (let i = 0; i < v.length; i++) out[i] = item(v[i], `${path}[${i}]`);
        return out;
      };
    }
    case 'map': {
      const value = slot(n.value);
      return (v, path) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
        const out = new Map<string, unknown>();
        for (const [k, x] of Object.entries(v)) out.set(k, value(x, `${path}.${k}`));
        return out;
      };
    }
    case 'record': {
      const fields = n.fields.map((f) => ({ prop: f.prop, column: f.column, conv: slot(f) }));
      return (v, path) => {
        if (v === null || typeof v !== 'object' || Array.isArray(v)) fail(path, 'an object', v);
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const f of fields) out[f.column] = f.conv(Object.hasOwn(o, f.prop) ? o[f.prop] : undefined, path ? `${path}.${f.prop}` : f.prop);
        return out;
      };
    }
    case 'union': {
      const arms = n.branches.map((b) => ({ json: b.json, branch: avroBranch(b.node), conv: node(b.node) }));
      const numberArm = arms.find((a) => a.json === 'number');
      return (v, path) => {
        const kind = kindOf(v);
        const arm = arms.find((a) => a.json === kind) ?? (kind === 'integer' ? numberArm : undefined);
        if (!arm) fail(path, `one of ${arms.map((a) => a.json).join(', ')}`, v);
        return { [arm.branch]: arm.conv(v, path) };
      };
    }
  }
}
