/**
 * The identifier rule (src/iceberg/catalog/identifiers.ts) applied to requests, wherever a name is
 * created: namespace create, table create/register/rename, view create/rename, create-by-commit.
 * Names that cannot exist simply answer 404 on other routes.
 */
import { identifierProblem } from '../../src/iceberg/catalog/identifiers.js';
import { badRequest } from './errors.js';
import type { Namespace } from './store.js';

/** Deepest namespace accepted. */
export const MAX_NAMESPACE_LEVELS = 16;

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
