/**
 * JSON text → variant value (src/iceberg/spec/variant.ts), for `value.json: variant`. A parser of
 * its own because a variant object's keys are unique and JSON.parse silently keeps the last of a
 * repeated key (exact-json.ts reads numbers exactly with JSON.parse's source text instead, where
 * repeated keys may stay as JSON.parse has them). Numbers keep their exact value:
 * - an integer (no fraction, no exponent) in int64 range → the smallest int8/16/32/64;
 *   beyond int64 with at most 38 digits → decimal with scale 0; more digits → refused;
 * - a number with a fraction or exponent → decimal when its exact value fits 38 digits and a
 *   scale of 0..38 (`1.50` is decimal 1.50, `2.5e3` is 2500); otherwise a double (`1e300`,
 *   `1e-50`: no decimal holds them), refused if it overflows a double (`1e400`);
 * - `-0` and `-0.0` lose their sign (integers and decimals have no negative zero).
 * Refused as well (the record is dead-lettered with the reason): duplicate keys in one object
 * (a variant object's keys are unique; JSON.parse would silently keep the last), a lone UTF-16
 * surrogate in a string (UTF-8 cannot hold it), and nesting deeper than MAX_DEPTH.
 */
import { FloeError } from '../util/errors.js';
import { VariantDecimal, decimalDigits, type VariantValue } from '../iceberg/spec/variant.js';
import { DecodeCode, decodeError } from './errors.js';
import { JsonNumber } from './json-schema/exact-json.js';

export const MAX_DEPTH = 1000;
const MAX_DIGITS = 38;
const INT64_MIN = -(1n << 63n);
const INT64_MAX = (1n << 63n) - 1n;
const NUMBER = /-?(?:0|[1-9][0-9]*)(?:\.([0-9]+))?(?:[eE]([+-]?[0-9]+))?/y;

function unrepresentable(message: string): FloeError {
  return new FloeError('VARIANT_UNREPRESENTABLE', message);
}

/** The variant value of a JSON number's text (already matched against the JSON grammar). */
export function jsonNumber(text: string): VariantValue {
  NUMBER.lastIndex = 0;
  const m = NUMBER.exec(text);
  if (!m || m[0].length !== text.length) throw decodeError(DecodeCode.InvalidJson, `not a JSON number: ${text}`);
  const frac = m[1];
  const exp = m[2];
  if (frac === undefined && exp === undefined) {
    const v = BigInt(text);
    if (v >= INT64_MIN && v <= INT64_MAX) return v;
    if (decimalDigits(v) <= MAX_DIGITS) return new VariantDecimal(v, 0);
    throw unrepresentable(`integer ${text} has more than 38 digits`);
  }
  const negative = text.startsWith('-');
  const intPart = text.slice(negative ? 1 : 0).split(/[.eE]/)[0]!;
  let digits = (intPart + (frac ?? '')).replace(/^0+/, '');
  // scale = digits after the point minus the exponent; the value is digits × 10^-scale.
  const e = exp === undefined ? 0 : Number(exp);
  let scale = (frac?.length ?? 0) - e;
  // Trailing zeros beyond scale 38 carry no value: drop them before giving up on a decimal.
  while (scale > MAX_DIGITS && digits.endsWith('0')) {
    digits = digits.slice(0, -1);
    scale--;
  }
  if (digits === '') return new VariantDecimal(0n, Math.max(0, Math.min(scale, MAX_DIGITS)));
  const precision = digits.length + Math.max(0, -scale);
  if (Number.isSafeInteger(scale) && scale <= MAX_DIGITS && precision <= MAX_DIGITS) {
    let unscaled = BigInt(digits);
    if (scale < 0) {
      unscaled *= 10n ** BigInt(-scale);
      scale = 0;
    }
    return new VariantDecimal(negative ? -unscaled : unscaled, scale);
  }
  const d = Number(text);
  if (!Number.isFinite(d)) throw unrepresentable(`number ${text} overflows a double`);
  return d;
}

class Parser {
  private at = 0;
  constructor(private readonly s: string) {}

  fail(what: string): never {
    throw decodeError(DecodeCode.InvalidJson, `value is not valid JSON: ${what} at position ${this.at}`);
  }

  ws(): void {
    const s = this.s;
    while (this.at < s.length) {
      const c = s.charCodeAt(this.at);
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return;
      this.at++;
    }
  }

  document(): VariantValue {
    this.ws();
    const v = this.value(0);
    this.ws();
    if (this.at !== this.s.length) this.fail('unexpected text after the value');
    return v;
  }

  value(depth: number): VariantValue {
    if (depth > MAX_DEPTH) throw unrepresentable(`JSON nested deeper than ${MAX_DEPTH} levels`);
    const c = this.s[this.at];
    switch (c) {
      case '{': return this.object(depth);
      case '[': return this.array(depth);
      case '"': return this.string();
      case 't': return this.literal('true', true);
      case 'f': return this.literal('false', false);
      case 'n': return this.literal('null', null);
      default:
        if (c === '-' || (c !== undefined && c >= '0' && c <= '9')) return this.number();
        return this.fail(c === undefined ? 'unexpected end' : `unexpected character ${JSON.stringify(c)}`);
    }
  }

  literal(word: string, v: VariantValue): VariantValue {
    if (!this.s.startsWith(word, this.at)) this.fail(`expected ${word}`);
    this.at += word.length;
    return v;
  }

  number(): VariantValue {
    NUMBER.lastIndex = this.at;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('malformed number');
    this.at += m[0].length;
    return jsonNumber(m[0]);
  }

  string(): string {
    const s = this.s;
    this.at++; // opening quote
    let out = '';
    let start = this.at;
    for (;;) {
      if (this.at >= s.length) this.fail('unterminated string');
      const c = s.charCodeAt(this.at);
      if (c === 0x22) break;
      if (c < 0x20) this.fail('control character in string');
      if (c >= 0xd800 && c <= 0xdfff) this.surrogate(s, this.at);
      if (c !== 0x5c) {
        this.at++;
        continue;
      }
      out += s.slice(start, this.at);
      const e = s[this.at + 1];
      this.at += 2;
      switch (e) {
        case '"': out += '"'; break;
        case '\\': out += '\\'; break;
        case '/': out += '/'; break;
        case 'b': out += '\b'; break;
        case 'f': out += '\f'; break;
        case 'n': out += '\n'; break;
        case 'r': out += '\r'; break;
        case 't': out += '\t'; break;
        case 'u': {
          const unit = this.hex4();
          if (unit >= 0xd800 && unit <= 0xdbff && s.startsWith('\\u', this.at)) {
            this.at += 2;
            const low = this.hex4();
            if (low < 0xdc00 || low > 0xdfff) this.fail('lone UTF-16 surrogate escape');
            out += String.fromCharCode(unit, low);
          } else if (unit >= 0xd800 && unit <= 0xdfff) {
            this.fail('lone UTF-16 surrogate escape');
          } else {
            out += String.fromCharCode(unit);
          }
          break;
        }
        default:
          this.at -= 1;
          this.fail('bad escape');
      }
      start = this.at;
    }
    out += s.slice(start, this.at);
    this.at++; // closing quote
    return out;
  }

  /** A raw surrogate in the text must be a well-formed pair (the text came from UTF-8). */
  surrogate(s: string, i: number): void {
    const c = s.charCodeAt(i);
    const next = s.charCodeAt(i + 1);
    if (c <= 0xdbff && next >= 0xdc00 && next <= 0xdfff) {
      this.at++; // the high half; the loop steps over the low half
      return;
    }
    this.fail('lone UTF-16 surrogate');
  }

  hex4(): number {
    const h = this.s.slice(this.at, this.at + 4);
    if (!/^[0-9a-fA-F]{4}$/.test(h)) this.fail('bad \\u escape');
    this.at += 4;
    return parseInt(h, 16);
  }

  array(depth: number): VariantValue[] {
    this.at++;
    const out: VariantValue[] = [];
    this.ws();
    if (this.s[this.at] === ']') {
      this.at++;
      return out;
    }
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.at++];
      if (c === ']') return out;
      if (c !== ',') {
        this.at--;
        this.fail('expected , or ]');
      }
    }
  }

  object(depth: number): Map<string, VariantValue> {
    this.at++;
    const out = new Map<string, VariantValue>();
    this.ws();
    if (this.s[this.at] === '}') {
      this.at++;
      return out;
    }
    for (;;) {
      this.ws();
      if (this.s[this.at] !== '"') this.fail('expected a string key');
      const key = this.string();
      if (out.has(key)) throw unrepresentable(`duplicate key ${JSON.stringify(key)} in one JSON object`);
      this.ws();
      if (this.s[this.at] !== ':') this.fail('expected :');
      this.at++;
      this.ws();
      out.set(key, this.value(depth + 1));
      this.ws();
      const c = this.s[this.at++];
      if (c === '}') return out;
      if (c !== ',') {
        this.at--;
        this.fail('expected , or }');
      }
    }
  }
}

/** Parses JSON text into a variant value; throws DECODE_INVALID_JSON or VARIANT_UNREPRESENTABLE. */
export function parseJsonVariant(text: string): VariantValue {
  return new Parser(text).document();
}

/**
 * A JSON value already parsed by exact-json.ts (numbers beyond 15 digits as JsonNumber text) as a
 * variant value, by the rules above: a JSON Schema recursive `$ref`'s value with `value.recursive:
 * variant`. A JS number is read from its shortest text, which is the text the JSON column holds.
 * Keys are unique already (the last of a repeated key won, as in the JSON text); a lone surrogate
 * is refused by the encoder.
 */
export function parsedJsonVariant(v: unknown, depth = 0): VariantValue {
  if (depth > MAX_DEPTH) throw unrepresentable(`JSON nested deeper than ${MAX_DEPTH} levels`);
  if (v === null || v === undefined) return null;
  if (typeof v === 'boolean' || typeof v === 'string') return v;
  if (typeof v === 'number') return jsonNumber(JSON.stringify(v));
  if (v instanceof JsonNumber) return jsonNumber(v.text);
  if (Array.isArray(v)) return v.map((x) => parsedJsonVariant(x, depth + 1));
  const out = new Map<string, VariantValue>();
  for (const [k, x] of Object.entries(v as Record<string, unknown>)) out.set(k, parsedJsonVariant(x, depth + 1));
  return out;
}
