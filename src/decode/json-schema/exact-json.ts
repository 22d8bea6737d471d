/**
 * JSON parsing that keeps every number exact. `JSON.parse` rounds integers beyond 2^53 and long
 * decimals to doubles; a JSON Schema `integer` is a 64-bit long column and a Connect decimal is
 * exact, so floe must see the digits as sent. The plain native parse is used whenever no number
 * token can lose digits (no run of 16+ digits in the text — the common case); otherwise the native
 * parser still does the parsing, and its reviver, which sees each number's source text (Node ≥ 21,
 * JSON.parse source text access), returns numbers with more than 15 significant digits as
 * `JsonNumber` (their text). floe's other hand-written JSON parser (json-variant.ts) exists only
 * because a variant must refuse repeated keys, which JSON.parse drops silently.
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

const LONG_DIGITS = /\d{16}/;

/** Significant digits of a JSON number's text: sign, point, exponent and leading zeros left out. */
function significantDigits(text: string): number {
  return text.replace(/[-.]|[eE].*$/g, '').replace(/^0+/, '').length;
}

type SourceReviver = (key: string, value: unknown, context?: { source?: string }) => unknown;

const exact: SourceReviver = (_key, value, context) =>
  typeof value === 'number' && context?.source !== undefined && significantDigits(context.source) > 15 ? new JsonNumber(context.source) : value;

/** Parses JSON; throws SyntaxError like JSON.parse. */
export function parseExact(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  return JSON.parse(text, exact as (key: string, value: unknown) => unknown);
}

/** JSON text of a parsed value (keys in their order); `JsonNumber`s are written as their exact digits. */
export function jsonText(v: unknown): string {
  if (v instanceof JsonNumber) return v.text;
  if (Array.isArray(v)) return `[${v.map(jsonText).join(',')}]`;
  if (v !== null && typeof v === 'object') {
    return `{${Object.entries(v).map(([k, x]) => `${JSON.stringify(k)}:${jsonText(x)}`).join(',')}}`;
  }
  return JSON.stringify(v) ?? 'null';
}
