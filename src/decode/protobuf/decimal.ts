/**
 * Protobuf decimals (docs/schema-mapping.md, "Protobuf decimals"). Neither decimal message carries
 * its precision and scale in the schema's types, so a column is only a decimal(p,s) when the field
 * says so with Confluent's field option `(confluent.field_meta).params` ("precision", "scale");
 * without it the message stays the struct of its fields. Values are converted exactly: one that
 * does not fit (p,s), that states another precision or scale, or (google.type.Decimal) whose text
 * is not a decimal is a Violation, dead-lettered, never rounded.
 */
import protobuf from 'protobufjs';
import type { Conv } from './mapper.js';
import { Violation } from './violation.js';

export const CONFLUENT_DECIMAL = '.confluent.type.Decimal';
export const GOOGLE_DECIMAL = '.google.type.Decimal';
const MAX_PRECISION = 38;

/** Confluent's field_meta params of a field: text form from protobufjs's parsed options, descriptor form from `byField`. */
export function fieldMetaParams(f: protobuf.Field, byField?: ReadonlyMap<string, Record<string, string>>): Record<string, string> | undefined {
  const fromDescriptor = byField?.get(`${f.parent?.fullName.slice(1)}.${f.name}`);
  if (fromDescriptor) return fromDescriptor;
  const parsed = (f as protobuf.Field & { parsedOptions?: Record<string, unknown>[] }).parsedOptions;
  let out: Record<string, string> | undefined;
  for (const o of parsed ?? []) {
    const meta = (o['(confluent.field_meta)'] ?? o['(.confluent.field_meta)']) as { params?: unknown } | undefined;
    if (!meta || meta.params === undefined) continue;
    // One `params { … }` is an object, several (or a list) an array: protobufjs keeps what it read.
    for (const p of [meta.params].flat() as { key?: unknown; value?: unknown }[]) {
      if (p && p.key !== undefined) (out ??= {})[String(p.key)] = String(p.value ?? '');
    }
  }
  return out;
}

/** decimal(p,s) from the params, or undefined when they name neither; a precision or scale Iceberg cannot hold throws (the schema is unusable). */
export function decimalOf(params: Record<string, string> | undefined, where: string): [number, number] | undefined {
  if (!params || (params.precision === undefined && params.scale === undefined)) return undefined;
  const num = (t: string | undefined, dflt: number) => (t === undefined ? dflt : /^\d{1,3}$/.test(t.trim()) ? Number(t.trim()) : NaN);
  // A scale alone: every value of up to 38 digits fits (Connect's decimals may omit the precision).
  const precision = num(params.precision, MAX_PRECISION);
  const scale = num(params.scale, 0);
  if (!(precision >= 1 && precision <= MAX_PRECISION && scale >= 0 && scale <= precision)) {
    throw new Error(`${where}: field_meta precision ${String(params.precision)} and scale ${String(params.scale)} cannot be an Iceberg decimal (1 <= precision <= 38, 0 <= scale <= precision)`);
  }
  return [precision, scale];
}

function fits(unscaled: bigint, precision: number): boolean {
  return (unscaled < 0n ? -unscaled : unscaled) < 10n ** BigInt(precision);
}

function show(unscaled: bigint, scale: number): string {
  const neg = unscaled < 0n;
  const digits = (neg ? -unscaled : unscaled).toString().padStart(scale + 1, '0');
  const text = scale === 0 ? digits : `${digits.slice(0, -scale)}.${digits.slice(-scale)}`;
  return neg ? `-${text}` : text;
}

/** Big-endian two's complement, as Avro's decimal bytes; empty is 0. */
export function unscaledOf(bytes: Uint8Array): bigint {
  if (bytes.length === 0) return 0n;
  let x = 0n;
  for (const b of bytes) x = (x << 8n) | BigInt(b);
  return bytes[0]! & 0x80 ? x - (1n << BigInt(bytes.length * 8)) : x;
}

/** confluent.type.Decimal { bytes value; uint32 precision; int32 scale } → the unscaled value at (p,s). */
export function confluentDecimal(precision: number, scale: number): Conv {
  return (v) => {
    const o = v as { value?: Uint8Array; precision?: number; scale?: number };
    const unscaled = unscaledOf(o.value ?? new Uint8Array(0));
    const statedP = Number(o.precision ?? 0);
    const statedS = Number(o.scale ?? 0);
    // proto3 cannot tell a precision of 0 from none (Confluent's Python helper writes 0): 0 states nothing.
    // The scale is always the value's own (0 when absent, as Confluent's deserializers read it).
    if (statedP !== 0 && statedP !== precision) throw new Violation(`confluent.type.Decimal states precision ${statedP}, the column is decimal(${precision},${scale})`);
    if (statedS !== scale) throw new Violation(`confluent.type.Decimal states scale ${statedS}, the column is decimal(${precision},${scale})`);
    if (!fits(unscaled, precision)) throw new Violation(`confluent.type.Decimal ${show(unscaled, statedS)} does not fit decimal(${precision},${scale})`);
    return unscaled;
  };
}

/** google.type.Decimal's grammar: [sign] significand [exponent]; the empty string is 0. */
const DECIMAL_TEXT = /^([+-])?(?:(\d+)\.?(\d*)|\.(\d+))(?:[eE]([+-]?\d+))?$/;

/** A decimal string → the unscaled value at `scale`, exactly, or undefined when that needs rounding or more than `precision` digits. */
export function parseDecimalText(text: string, precision: number, scale: number): bigint | undefined | 'invalid' {
  if (text === '') return 0n;
  const m = DECIMAL_TEXT.exec(text);
  if (!m) return 'invalid';
  const int = m[2] ?? '';
  const frac = m[3] ?? m[4] ?? '';
  // Leading zeros carry no digit; the exponent is compared, never expanded, so `1e999999999` costs nothing.
  const digits = (int + frac).replace(/^0+/, '');
  if (digits === '') return 0n;
  const exp = m[5] === undefined ? 0 : Number(m[5]);
  if (!Number.isSafeInteger(exp)) return undefined;
  // value = digits · 10^(exp − frac.length); at the column's scale the unscaled value is digits · 10^shift.
  const shift = exp - frac.length + scale;
  let unscaledDigits: string;
  if (shift >= 0) {
    if (digits.length + shift > precision) return undefined;
    unscaledDigits = digits + '0'.repeat(shift);
  } else {
    const cut = -shift;
    // Only zeros may be dropped: anything else would be rounding.
    if (cut >= digits.length || !/^0*$/.test(digits.slice(-cut))) return undefined;
    unscaledDigits = digits.slice(0, -cut);
  }
  if (unscaledDigits.replace(/^0+/, '').length > precision) return undefined;
  const x = BigInt(unscaledDigits);
  return m[1] === '-' ? -x : x;
}

/** google.type.Decimal { string value } → the unscaled value at (p,s). */
export function googleDecimal(precision: number, scale: number): Conv {
  return (v) => {
    const text = String((v as { value?: unknown }).value ?? '');
    const x = parseDecimalText(text, precision, scale);
    if (x === 'invalid') throw new Violation(`google.type.Decimal "${text.slice(0, 80)}" is not a decimal number`);
    if (x === undefined) throw new Violation(`google.type.Decimal "${text.slice(0, 80)}" does not fit decimal(${precision},${scale}) without rounding`);
    return x;
  };
}
