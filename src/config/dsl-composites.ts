/** Composite nodes of the schema DSL: lists, maps, objects and unions. */
import { didYouMean } from './suggest.js';
import {
  INVALID,
  Node,
  kindOf,
  typeError,
  type Checked,
  type JsonSchema,
  type Kind,
  type PathSegment,
  type Refinement,
  type ValidationContext,
} from './dsl-core.js';
import { EnumNode } from './dsl-scalars.js';

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
