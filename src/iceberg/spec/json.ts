/**
 * JSON that keeps 64-bit integers exact.
 *
 * Iceberg snapshot ids are random 63-bit longs (Java's generator uses the whole positive range),
 * so a table touched by Spark has ids JSON.parse silently rounds. A rounded id is a corrupt
 * parent-snapshot-id and an `assert-ref-snapshot-id` that can never match (409 forever).
 * Integers outside Number's safe range are therefore parsed as `bigint` and written back as bare
 * digits; everything else stays a plain number. Compare ids with `sameId`, never with `===`.
 */

/** A string no real metadata value starts with; marks an integer literal during parsing. */
const MARK = '\u0000floe-int:';

/** Quick reject: a literal needs at least 16 digits to leave the safe range. */
const MAYBE_BIG = /\d{16,}/;

export function parseJson(text: string): unknown {
  if (!MAYBE_BIG.test(text)) return JSON.parse(text);
  return JSON.parse(quoteUnsafeIntegers(text), (_key, value: unknown) =>
    typeof value === 'string' && value.startsWith(MARK) ? BigInt(value.slice(MARK.length)) : value,
  );
}

export function stringifyJson(value: unknown): string {
  const text = JSON.stringify(value, (_key, v: unknown) =>
    typeof v === 'bigint' ? `${MARK}${v.toString()}` : v,
  );
  // JSON.stringify escapes U+0000 as \u0000, so the marker appears in that escaped form.
  return text.replace(/"\\u0000floe-int:(-?\d+)"/g, '$1');
}

/** Equality of ids (snapshot ids) that may be number or bigint; null and undefined equal nothing. */
export function sameId(a: number | bigint | null | undefined, b: number | bigint | null | undefined): boolean {
  if (a === null || a === undefined || b === null || b === undefined) return false;
  return String(a) === String(b);
}

/** Rewrites unsafe integer literals outside strings as marked strings, so JSON.parse keeps their digits. */
function quoteUnsafeIntegers(text: string): string {
  let out = '';
  let copiedUpTo = 0;
  let i = 0;
  const n = text.length;
  while (i < n) {
    const c = text.charCodeAt(i);
    if (c === 0x22 /* " */) {
      // Skip a string literal, honouring escapes.
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        if (d === 0x5c /* \ */) i += 2;
        else if (d === 0x22) {
          i++;
          break;
        } else i++;
      }
      continue;
    }
    if (c === 0x2d /* - */ || (c >= 0x30 && c <= 0x39)) {
      const start = i;
      i++;
      while (i < n) {
        const d = text.charCodeAt(i);
        // digits, '.', 'e', 'E', '+', '-'
        if ((d >= 0x30 && d <= 0x39) || d === 0x2e || d === 0x65 || d === 0x45 || d === 0x2b || d === 0x2d) i++;
        else break;
      }
      const literal = text.slice(start, i);
      if (/^-?\d{16,}$/.test(literal) && !Number.isSafeInteger(Number(literal))) {
        // Escaped form: raw control characters are not allowed inside JSON strings.
        out += text.slice(copiedUpTo, start) + `"\\u0000floe-int:${literal}"`;
        copiedUpTo = i;
      }
      continue;
    }
    i++;
  }
  return copiedUpTo === 0 ? text : out + text.slice(copiedUpTo);
}
