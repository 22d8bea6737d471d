/**
 * The identifier rule for namespaces, tables and views. Names become path segments of the
 * default locations (`<warehouse>/<ns levels>/<table>`), so a name that is not a plain segment
 * could place files outside the warehouse or somewhere another object lives: `..`, `/abs`, a
 * control character (the namespace separator %1F among them). Enforced wherever a name is
 * created (namespace create, table create/register/rename, view create/rename, create-by-commit);
 * names that cannot exist simply answer 404 on other routes.
 */
import { badRequest } from './errors.js';
import type { Namespace } from './store.js';

/** Longest name (in UTF-16 code units, ≥ bytes of most names): a path segment limit on most filesystems. */
export const MAX_NAME_LENGTH = 255;
/** Deepest namespace accepted. */
export const MAX_NAMESPACE_LEVELS = 16;

// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u001f\u007f-\u009f]/;
/** Text that has no UTF-8 form (a JSON "\ud800" escape): it would be rewritten when stored. */
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/;

/** Why `name` is not an acceptable identifier part, or undefined when it is. */
export function identifierProblem(name: unknown): string | undefined {
  if (typeof name !== 'string') return 'must be a string';
  if (name.length === 0) return 'must not be empty';
  if (name.length > MAX_NAME_LENGTH) return `must be at most ${MAX_NAME_LENGTH} characters`;
  if (name === '.' || name === '..') return 'must not be "." or ".."';
  if (name.includes('/') || name.includes('\\')) return 'must not contain "/" or "\\"';
  if (CONTROL.test(name)) return 'must not contain control characters';
  if (LONE_SURROGATE.test(name)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}

export function checkName(kind: 'table' | 'view', name: unknown): asserts name is string {
  const problem = identifierProblem(name);
  if (problem) throw badRequest(`invalid ${kind} name ${show(name)}: ${problem}`);
}

/** A namespace being created (or named as a new home): every level follows the rule. */
export function checkNewNamespace(ns: Namespace): Namespace {
  if (ns.length > MAX_NAMESPACE_LEVELS) throw badRequest(`invalid namespace: more than ${MAX_NAMESPACE_LEVELS} levels`);
  for (const level of ns) {
    const problem = identifierProblem(level);
    if (problem) throw badRequest(`invalid namespace level ${show(level)}: ${problem}`);
  }
  return ns;
}

/** JSON of the value, cut short: a name can be megabytes long and errors are logged by clients. */
function show(v: unknown): string {
  const s = JSON.stringify(v) ?? String(v);
  return s.length > 80 ? `${s.slice(0, 77)}...` : s;
}
