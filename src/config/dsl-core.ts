/**
 * The core of the schema DSL (see dsl.ts): paths, the validation context that collects issues,
 * and the `Node` base class every schema node extends.
 */
import { isSecretKey, maskUrlPasswords } from '../util/redact.js';

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

  /**
   * Messages quote what the user wrote ("expected a string, got number 12345"); under a secret key
   * that would print the secret, so the value is left out there, and URL passwords everywhere.
   */
  report(path: readonly PathSegment[], message: string): void {
    const secret = path.some((seg) => typeof seg === 'string' && isSecretKey(seg));
    const safe = secret ? message.replace(/,? got .*$/s, ' (the value is not shown: secret)') : maskUrlPasswords(message);
    this.issues.push({ path: [...path], message: safe });
  }
}

export const INVALID: unique symbol = Symbol('invalid');
export type Checked<T> = T | typeof INVALID;
// Method-style signature: bivariant, so a Node<string> is usable where a Node<unknown> is expected.
export type Refinement<T> = { check(value: T, path: PathSegment[], ctx: ValidationContext): void }['check'];
export type Kind = 'string' | 'number' | 'boolean' | 'array' | 'object' | 'null';

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

export function typeError(expected: string, value: unknown, path: PathSegment[], ctx: ValidationContext): typeof INVALID {
  const hint = expected.includes('string') && kindOf(value) !== 'object' && kindOf(value) !== 'array' ? ' (quote it)' : '';
  ctx.report(path, `expected ${expected}, got ${describeValue(value)}${kindOf(value) === 'null' ? '' : hint}`);
  return INVALID;
}

/** Numbers and booleans written as `${VAR}` arrive as strings; editors must accept that too. */
export const ENV_REF_SCHEMA: JsonSchema = { type: 'string', pattern: '^\\$\\{[A-Za-z_][A-Za-z0-9_]*(:-[^}]*)?\\}$' };
export function envString(value: unknown, path: PathSegment[], ctx: ValidationContext): string | undefined {
  return typeof value === 'string' && ctx.fromEnv.has(formatPath(path)) ? value.trim() : undefined;
}
