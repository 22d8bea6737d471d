/**
 * A tiny schema-description DSL. One description yields both the validator (with path-qualified
 * messages, all errors collected, unknown keys rejected with a suggestion) and the JSON Schema that
 * editors use — so the two can never disagree. Hand-written because the messages are the product:
 * generic validators report `/tables/2/partitioning/0/transform must match pattern ...`.
 */
import { didYouMean } from './suggest.js';

export type PathSegment = string | number;
export type JsonSchema = Record<string, unknown>;

/** `tables[2].partitioning[0].transform`; keys that are not identifiers are quoted: `x["a.b"]`. */
export function formatPath(path: readonly PathSegment[]): string {
  let out = '';
  for (const seg of path) {
    if (typeof seg === 'number') out += `[${seg}]`;
    else if (/^[A-Za-z_$][\w$]*$/.test(seg)) out += out === '' ? seg : `.${seg}`;
    else out += `[${JSON.stringify(seg)}]`;
  }
  return out;
}

export interface RawIssue {
  path: PathSegment[];
  message: string;
}

export class ValidationContext {
  readonly issues: RawIssue[] = [];
  /** Formatted paths whose string value came from `${VAR}`: scalar nodes may coerce them. */
  constructor(readonly fromEnv: ReadonlySet<string> = new Set()) {}

  report(path: readonly PathSegment[], message: string): void {
    this.issues.push({ path: [...path], message });
  }
}

export const INVALID: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof INVALID;
// Method-style signature: bivariant, so a Node<string> is usable where a Node<unknown> is expected.
type Refinement<T> = { check(value: T, path: PathSegment[], ctx: ValidationContext): void }['check'];
type Kind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

export function kindOf(value: unknown): Kind {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return 'array';
  const t = typeof value;
  if (t === 'string' || t === 'number' || t === 'boolean') return t;
  return 'object';
}

/** `string "abc"`, `number 5`, `a list`: what the user actually wrote, for "expected X, got Y". */
export function describeValue(value: unknown): string {
  switch (kindOf(value)) {
    case 'null':
      return 'nothing (null)';
    case 'array':
      return 'a list';
    case 'object':
      return 'a mapping';
    case 'string':
      return `string ${JSON.stringify(value)}`;
    default:
      return `${typeof value} ${String(value)}`;
  }
}

export abstract class Node<T> {
  description: string | undefined;
  defaultValue: unknown = undefined;
  hasDefault = false;
  isOptional = false;
  refinements: Refinement<T>[] = [];

  /** JS kinds this node accepts, so `either()` can pick a branch by what the user wrote. */
  abstract readonly kinds: readonly Kind[];
  protected abstract checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T>;
  protected abstract schema(): JsonSchema;

  protected clone(): this {
    const copy = Object.assign(Object.create(Object.getPrototypeOf(this) as object), this) as this;
    copy.refinements = [...this.refinements];
    return copy;
  }
  describe(text: string): this {
    const c = this.clone();
    c.description = text;
    return c;
  }
  default(value: T | Record<string, never>): this {
    const c = this.clone();
    c.defaultValue = value;
    c.hasDefault = true;
    return c;
  }
  optional(): this {
    const c = this.clone();
    c.isOptional = true;
    return c;
  }
  /** Drops optional/default: used to derive per-table overrides from the `defaults` section. */
  bare(): this {
    const c = this.clone();
    c.hasDefault = false;
    c.defaultValue = undefined;
    return c;
  }
  /** Extra JSON Schema keywords for editors where the check itself is code (a pattern, a format). */
  hint(extra: JsonSchema): this {
    const c = this.clone();
    c.schemaHint = { ...this.schemaHint, ...extra };
    return c;
  }
  schemaHint: JsonSchema = {};
  refine(fn: Refinement<T>): this {
    const c = this.clone();
    c.refinements.push(fn);
    return c;
  }

  validate(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T> {
    const result = this.checkValue(value, path, ctx);
    if (result === INVALID) return INVALID;
    const before = ctx.issues.length;
    for (const fn of this.refinements) fn(result, path, ctx);
    return ctx.issues.length === before ? result : INVALID;
  }

  toJsonSchema(): JsonSchema {
    const s = { ...this.schema(), ...this.schemaHint };
    if (this.description !== undefined) s.description = this.description;
    if (this.hasDefault) s.default = this.defaultValue;
    return s;
  }
}

function typeError(expected: string, value: unknown, path: PathSegment[], ctx: ValidationContext): typeof INVALID {
  const hint = expected.includes('string') && kindOf(value) !== 'object' && kindOf(value) !== 'array' ? ' (quote it)' : '';
  ctx.report(path, `expected ${expected}, got ${describeValue(value)}${kindOf(value) === 'null' ? '' : hint}`);
  return INVALID;
}

/** Numbers and booleans written as `${VAR}` arrive as strings; editors must accept that too. */
const ENV_REF_SCHEMA: JsonSchema = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$' };
function envString(value: unknown, path: PathSegment[], ctx: ValidationContext): string | undefined {
  return typeof value === 'string' && ctx.fromEnv.has(formatPath(path)) ? value.trim() : undefined;
}

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

const BYTE_UNITS: Record<string, number> = { b: 1, kb: 1e3, kib: 1024, mb: 1e6, mib: 1024 ** 2, gb: 1e9, gib: 1024 ** 3 };
const MS_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000, d: 86_400_000 };

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

export class ArrayNode<T> extends Node<T[]> {
  readonly kinds = ['array'] as const;
  constructor(readonly item: Node<T>, readonly minItems = 0) {
    super();
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T[]> {
    if (!Array.isArray(value)) return typeError('a list', value, path, ctx);
    if (value.length < this.minItems) {
      ctx.report(path, `must have at least ${this.minItems} ${this.minItems === 1 ? 'entry' : 'entries'}`);
      return INVALID;
    }
    const out: T[] = [];
    let ok = true;
    value.forEach((v, i) => {
      const r = this.item.validate(v, [...path, i], ctx);
      if (r === INVALID) ok = false;
      else out.push(r);
    });
    return ok ? out : INVALID;
  }
  protected schema(): JsonSchema {
    const s: JsonSchema = { type: 'array', items: this.item.toJsonSchema() };
    if (this.minItems > 0) s.minItems = this.minItems;
    return s;
  }
}

/** A free-form map of string → value (table properties, HTTP headers). */
export class RecordNode<T> extends Node<Record<string, T>> {
  readonly kinds = ['object'] as const;
  constructor(readonly value: Node<T>) {
    super();
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<Record<string, T>> {
    if (kindOf(value) !== 'object') return typeError('a mapping', value, path, ctx);
    const out: Record<string, T> = {};
    let ok = true;
    for (const [k, v] of Object.entries(value as Record<string, unknown>)) {
      const r = this.value.validate(v, [...path, k], ctx);
      if (r === INVALID) ok = false;
      else out[k] = r;
    }
    return ok ? out : INVALID;
  }
  protected schema(): JsonSchema {
    return { type: 'object', additionalProperties: this.value.toJsonSchema() };
  }
}

export type Shape = Record<string, Node<unknown>>;

export class ObjectNode<T extends object = Record<string, unknown>> extends Node<T> {
  readonly kinds = ['object'] as const;
  /** Checks on what was written, run even when some keys are invalid, so all errors surface. */
  inputChecks: Refinement<Record<string, unknown>>[] = [];
  constructor(readonly shape: Shape) {
    super();
  }
  checkInput(fn: Refinement<Record<string, unknown>>): this {
    const c = this.clone();
    c.inputChecks = [...this.inputChecks, fn];
    return c;
  }
  /** Every key optional and without defaults, recursively: per-table overrides of `defaults`. */
  partial(): ObjectNode<Partial<T>> {
    const shape: Shape = {};
    for (const [k, node] of Object.entries(this.shape)) {
      const inner = node instanceof ObjectNode ? (node.partial() as Node<unknown>) : node;
      shape[k] = inner.bare().optional();
    }
    const c = new ObjectNode<Partial<T>>(shape);
    c.description = this.description;
    return c;
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T> {
    if (kindOf(value) !== 'object') return typeError('a mapping', value, path, ctx);
    const input = value as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const before = ctx.issues.length;
    for (const fn of this.inputChecks) fn(input, path, ctx);
    let ok = ctx.issues.length === before;
    const keys = Object.keys(this.shape);
    for (const key of Object.keys(input)) {
      if (key in this.shape) continue;
      const guess = didYouMean(key, keys);
      ctx.report([...path, key], `unknown key${guess ? ` (did you mean "${guess}"?)` : ` (expected one of ${keys.join(', ')})`}`);
      ok = false;
    }
    for (const [key, node] of Object.entries(this.shape)) {
      let v = input[key];
      if (v === undefined || v === null) {
        if (node.hasDefault) v = structuredClone(node.defaultValue);
        else if (node.isOptional) continue;
        else {
          ctx.report([...path, key], 'is required');
          ok = false;
          continue;
        }
      }
      const r = node.validate(v, [...path, key], ctx);
      if (r === INVALID) ok = false;
      else out[key] = r;
    }
    return ok ? (out as T) : INVALID;
  }
  protected schema(): JsonSchema {
    const properties: JsonSchema = {};
    const required: string[] = [];
    for (const [k, node] of Object.entries(this.shape)) {
      properties[k] = node.toJsonSchema();
      if (!node.isOptional && !node.hasDefault) required.push(k);
    }
    const s: JsonSchema = { type: 'object', properties, additionalProperties: false };
    if (required.length > 0) s.required = required;
    return s;
  }
}

/** One of several shapes chosen by a `type` key: `catalog: {type: rest, ...}`. */
export class TaggedNode<T extends object> extends Node<T> {
  readonly kinds = ['object'] as const;
  constructor(readonly tag: string, readonly branches: Record<string, ObjectNode>) {
    super();
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T> {
    if (kindOf(value) !== 'object') return typeError('a mapping', value, path, ctx);
    const names = Object.keys(this.branches);
    const tagValue = (value as Record<string, unknown>)[this.tag];
    if (tagValue === undefined || tagValue === null) {
      ctx.report([...path, this.tag], `is required (one of ${names.join(', ')})`);
      return INVALID;
    }
    const branch = typeof tagValue === 'string' ? this.branches[tagValue] : undefined;
    if (!branch) return new EnumNode(names).validate(tagValue, [...path, this.tag], ctx) as typeof INVALID;
    return branch.validate(value, path, ctx) as Checked<T>;
  }
  protected schema(): JsonSchema {
    const names = Object.keys(this.branches);
    return {
      type: 'object',
      required: [this.tag],
      properties: { [this.tag]: { enum: names } },
      oneOf: names.map((n) => this.branches[n]!.toJsonSchema()),
    };
  }
}

/** Alternatives told apart by the kind of value written: `ssl: true` or `ssl: {ca: ...}`. */
export class EitherNode<T> extends Node<T> {
  readonly kinds: readonly Kind[];
  constructor(readonly options: Node<unknown>[], readonly expected: string) {
    super();
    this.kinds = options.flatMap((o) => o.kinds);
  }
  protected checkValue(value: unknown, path: PathSegment[], ctx: ValidationContext): Checked<T> {
    const kind = kindOf(value);
    const branch = this.options.find((o) => o.kinds.includes(kind));
    if (!branch) return typeError(this.expected, value, path, ctx);
    return branch.validate(value, path, ctx) as Checked<T>;
  }
  protected schema(): JsonSchema {
    return { anyOf: this.options.map((o) => o.toJsonSchema()) };
  }
}

export const dsl = {
  string: () => new StringNode(),
  integer: () => new IntegerNode(),
  bytes: () => new IntegerNode(BYTE_UNITS),
  duration: () => new IntegerNode(MS_UNITS),
  boolean: () => new BooleanNode(),
  oneOf: <V extends string | number>(...values: V[]) => new EnumNode<V>(values),
  array: <V>(item: Node<V>, minItems = 0) => new ArrayNode<V>(item, minItems),
  record: <V>(value: Node<V>) => new RecordNode<V>(value),
  object: <O extends object = Record<string, unknown>>(shape: Shape) => new ObjectNode<O>(shape),
  tagged: <O extends object>(tag: string, branches: Record<string, ObjectNode>) => new TaggedNode<O>(tag, branches),
  either: <V>(expected: string, ...options: Node<unknown>[]) => new EitherNode<V>(options, expected),
};
