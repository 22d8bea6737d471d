/**
 * JSON parsing that keeps every number exact. `JSON.parse` rounds integers beyond 2^53 and long
 * decimals to doubles; a JSON Schema `integer` is a 64-bit long column and a Connect decimal is
 * exact, so floe must see the digits as sent. The native parser is used whenever no number token
 * can lose digits (no run of 16+ digits in the text — the common case); otherwise this small
 * parser returns numbers with more than 15 significant digits as `JsonNumber` (their text).
 */
export class JsonNumber {
  constructor(readonly text: string) {}
}

const LONG_DIGITS = /\d{16}/;

/** Parses JSON; throws SyntaxError like JSON.parse. */
export function parseExact(text: string): unknown {
  if (!LONG_DIGITS.test(text)) return JSON.parse(text);
  const p = new Parser(text);
  p.ws();
  const v = p.value(0);
  p.ws();
  if (p.i !== text.length) p.fail('unexpected trailing characters');
  return v;
}

const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y;
const MAX_DEPTH = 1000;

class Parser {
  i = 0;
  constructor(readonly s: string) {}
  fail(msg: string): never {
    throw new SyntaxError(`${msg} at position ${this.i}`);
  }
  ws(): void {
    const s = this.s;
    while (this.i < s.length) {
      const c = s.charCodeAt(this.i);
      if (c === 32 || c === 9 || c === 10 || c === 13) this.i++;
      else break;
    }
  }
  value(depth: number): unknown {
    if (depth > MAX_DEPTH) this.fail('nesting too deep');
    const c = this.s[this.i];
    if (c === '{') return this.object(depth);
    if (c === '[') return this.array(depth);
    if (c === '"') return this.string();
    if (this.s.startsWith('true', this.i)) return (this.i += 4), true;
    if (this.s.startsWith('false', this.i)) return (this.i += 5), false;
    if (this.s.startsWith('null', this.i)) return (this.i += 4), null;
    NUMBER.lastIndex = this.i;
    const m = NUMBER.exec(this.s);
    if (!m) this.fail('unexpected character');
    this.i += m[0].length;
    const digits = m[0].replace(/[-.]|[eE].*$/g, '').replace(/^0+/, '');
    return digits.length > 15 ? new JsonNumber(m[0]) : Number(m[0]);
  }
  string(): string {
    // Delegate escapes to the native parser: find the closing quote, skipping escaped characters.
    const start = this.i;
    let j = start + 1;
    const s = this.s;
    while (j < s.length && s[j] !== '"') j += s[j] === '\\' ? 2 : 1;
    if (j >= s.length) this.fail('unterminated string');
    this.i = j + 1;
    return JSON.parse(s.slice(start, j + 1)) as string;
  }
  array(depth: number): unknown[] {
    const out: unknown[] = [];
    this.i++;
    this.ws();
    if (this.s[this.i] === ']') return this.i++, out;
    for (;;) {
      this.ws();
      out.push(this.value(depth + 1));
      this.ws();
      const c = this.s[this.i++];
      if (c === ']') return out;
      if (c !== ',') this.fail('expected , or ]');
    }
  }
  object(depth: number): Record<string, unknown> {
    const out: Record<string, unknown> = {};
    this.i++;
    this.ws();
    if (this.s[this.i] === '}') return this.i++, out;
    for (;;) {
      this.ws();
      if (this.s[this.i] !== '"') this.fail('expected a property name');
      const k = this.string();
      this.ws();
      if (this.s[this.i++] !== ':') this.fail('expected :');
      this.ws();
      Object.defineProperty(out, k, { value: this.value(depth + 1), enumerable: true, writable: true, configurable: true });
      this.ws();
      const c = this.s[this.i++];
      if (c === '}') return out;
      if (c !== ',') this.fail('expected , or }');
    }
  }
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
