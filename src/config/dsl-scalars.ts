/** Scalar nodes of the schema DSL: strings, enums, booleans, integers with units. */
import { didYouMean } from './suggest.js';
import {
  ENV_REF_SCHEMA,
  INVALID,
  Node,
  describeValue,
  envString,
  kindOf,
  typeError,
  type Checked,
  type JsonSchema,
  type Kind,
  type PathSegment,
  type ValidationContext,
} from './dsl-core.js';

export class StringNode extends Node<string> {
  readonly kinds = ['string'] as const;
  allowEmpty = false;
  pattern: { regex: RegExp; message: string } | undefined;
  enumValues: readonly string[] | undefined;

  matches(regex: RegExp, message: string): this {
    const c = this.clone();
    c.pattern = { regex, message };
    return c;
  }
  emptyOk(): this {
    const c = this.clone();
    c.allowEmpty = true;
    return c;
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<string> {
    if (typeof value !== 'string') return typeError('a string', value, path, ctx);
    if (!this.allowEmpty && value === '') {
      ctx.report(path, 'must not be empty');
      return INVALID;
    }
    if (this.pattern && !this.pattern.regex.test(value)) {
      ctx.report(path, `${this.pattern.message}, got ${JSON.stringify(value)}`);
      return INVALID;
    }
    return value;
  }
  protected schema(): JsonSchema {
    const s: JsonSchema = { type: 'string' };
    if (!this.allowEmpty) s.minLength = 1;
    // Values checked against a pattern may still be written as references: `url: ${REGISTRY_URL}`.
    if (this.pattern) return { anyOf: [{ ...s, pattern: this.pattern.regex.source }, { type: 'string', pattern: '\\$\\{' }] };
    return s;
  }
}

export class EnumNode<T extends string | number> extends Node<T> {
  get kinds(): readonly Kind[] {
    return [...new Set(this.values.map((v) => kindOf(v)))];
  }
  constructor(readonly values: readonly T[]) {
    super();
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T> {
    const env = envString(value, path, ctx);
    const candidate = env !== undefined && typeof this.values[0] === 'number' ? Number(env) : value;
    if ((this.values as readonly unknown[]).includes(candidate)) return candidate as T;
    const list = this.values.map((v) => JSON.stringify(v)).join(', ');
    const guess = typeof value === 'string' ? didYouMean(value, this.values.map(String)) : undefined;
    ctx.report(path, `expected one of ${list}, got ${describeValue(value)}${guess ? ` (did you mean "${guess}"?)` : ''}`);
    return INVALID;
  }
  protected schema(): JsonSchema {
    return this.values.length === 1 ? { const: this.values[0] } : { enum: [...this.values] };
  }
}

export class BooleanNode extends Node<boolean> {
  readonly kinds = ['boolean'] as const;
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<boolean> {
    const env = envString(value, path, ctx);
    if (env === 'true' || env === 'false') return env === 'true';
    if (typeof value !== 'boolean') return typeError('true or false', value, path, ctx);
    return value;
  }
  protected schema(): JsonSchema {
    return { anyOf: [{ type: 'boolean' }, ENV_REF_SCHEMA] };
  }
}

export const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
export const MS_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

/**
 * Integers, optionally also written with a unit (`128MiB`, `5d`): sizes and durations are far
 * easier to review as `5d` than as 432000000.
 */
export class IntegerNode extends Node<number> {
  readonly kinds = ['number', 'string'] as const;
  min: number | undefined;
  max: number | undefined;
  units: Record<string, number> | undefined;

  constructor(units?: Record<string, number>) {
    super();
    this.units = units;
  }
  range(min: number | undefined, max?: number): this {
    const c = this.clone();
    c.min = min;
    c.max = max;
    return c;
  }
  private parseUnit(text: string): number | undefined {
    const m = /^(\d+(?:\.\d+)?)\s*([A-Za-z]*)$/.exec(text.trim());
    if (!m) return undefined;
    const factor = m[2] === '' ? 1 : this.units?.[m[2]!.toLowerCase()];
    if (factor === undefined) return undefined;
    return Math.round(Number(m[1]) * factor);
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<number> {
    let n: number | undefined;
    if (typeof value === 'number') n = value;
    else if (typeof value === 'string' && (this.units || envString(value, path, ctx) !== undefined)) {
      n = this.parseUnit(value);
    }
    const what = this.units === BYTE_UNITS ? 'an integer or a size like "128MiB"'
      : this.units === MS_UNITS ? 'an integer (milliseconds) or a duration like "30s", "5m", "5d"'
      : 'an integer';
    if (n === undefined || !Number.isInteger(n)) return typeError(what, value, path, ctx);
    if (this.min !== undefined && n < this.min) {
      ctx.report(path, `must be at least ${this.min}, got ${describeValue(value).replace(/^\w+ /, '')}`);
      return INVALID;
    }
    if (this.max !== undefined && n > this.max) {
      ctx.report(path, `must be at most ${this.max}, got ${describeValue(value).replace(/^\w+ /, '')}`);
      return INVALID;
    }
    return n;
  }
  protected schema(): JsonSchema {
    const int: JsonSchema = { type: 'integer' };
    if (this.min !== undefined) int.minimum = this.min;
    if (this.max !== undefined) int.maximum = this.max;
    if (!this.units) return { anyOf: [int, ENV_REF_SCHEMA] };
    // ECMA-262 regexes have no inline case-insensitive flag: spell the cases out as classes.
    const ecma = this.units === BYTE_UNITS ? '^\\d+(\\.\\d+)?\\s*([kKmMgG][iI]?)?[bB]$' : '^\\d+(\\.\\d+)?\\s*(ms|MS|[smhdSMHD])$';
    return { anyOf: [int, { type: 'string', pattern: ecma }, ENV_REF_SCHEMA] };
  }
}

/** A whole number in a range, or one keyword the program resolves at run time (`workerThreads: auto`). */
export class CountOrKeywordNode<K extends string> extends Node<number | K> {
  readonly kinds = ['number', 'string'] as const;
  constructor(
    readonly keyword: K,
    readonly min: number,
    readonly max: number,
  ) {
    super();
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<number | K> {
    if (typeof value === 'string' && value.trim() === this.keyword) return this.keyword;
    const env = envString(value, path, ctx);
    const n = typeof value === 'number' ? value : env !== undefined && /^\d+$/.test(env) ? Number(env) : undefined;
    if (n === undefined || !Number.isInteger(n) || n < this.min || n > this.max) {
      return typeError(`an integer ${this.min}–${this.max} or ${this.keyword}`, value, path, ctx);
    }
    return n;
  }
  protected schema(): JsonSchema {
    return { anyOf: [{ type: 'integer', minimum: this.min, maximum: this.max }, { const: this.keyword }, ENV_REF_SCHEMA] };
  }
}
