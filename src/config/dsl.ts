/**
 * A tiny schema-description DSL. One description yields both the validator (with path-qualified
 * messages, all errors collected, unknown keys rejected with a suggestion) and the JSON Schema that
 * editors use — so the two can never disagree. Hand-written because the messages are the product:
 * generic validators report `/tables/2/partitioning/0/transform must match pattern ...`.
 */
export * from './dsl-core.js';
export * from './dsl-scalars.js';
export * from './dsl-composites.js';
import { ArrayNode, EitherNode, ObjectNode, RecordNode, TaggedNode, type Shape } from './dsl-composites.js';
import type { Node } from './dsl-core.js';
import { BYTE_UNITS, BooleanNode, CountOrKeywordNode, EnumNode, IntegerNode, MS_UNITS, StringNode } from './dsl-scalars.js';

export const dsl = {
  string: () => new StringNode(),
  integer: () => new IntegerNode(),
  bytes: () => new IntegerNode(BYTE_UNITS),
  duration: () => new IntegerNode(MS_UNITS),
  boolean: () => new BooleanNode(),
  countOr: <K extends string>(keyword: K, min: number, max: number) => new CountOrKeywordNode<K>(keyword, min, max),
  oneOf: <V extends string | number>(...values: V[]) => new EnumNode<V>(values),
  array: <V>(item: Node<V>, minItems = 0) => new ArrayNode<V>(item, minItems),
  record: <V>(value: Node<V>) => new RecordNode<V>(value),
  object: <O extends object = Record<string, unknown>>(shape: Shape) => new ObjectNode<O>(shape),
  tagged: <O extends object>(tag: string, branches: Record<string, ObjectNode>) => new TaggedNode<O>(tag, branches),
  either: <V>(expected: string, ...options: Node<unknown>[]) => new EitherNode<V>(options, expected),
};
