/**
 * The identifier rule for namespace levels, tables and views, shared by floe's catalog server
 * and the configuration (a namespace level in floe's config becomes one in the catalog). Names
 * become path segments of the default locations (`<warehouse>/<ns levels>/<table>`), so a name that
 * is not a plain segment could place files outside the warehouse or where another object lives:
 * `..`, `/abs`, a control character (the REST namespace separator %1F among them).
 */

/** Longest name, in UTF-16 code units: a path segment limit on most filesystems. */
export const MAX_NAME_LENGTH = 255;

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
  if (name.includes('\uFFFD')) return 'must not contain U+FFFD (invalid UTF-8 in the source)';
  if (LONE_SURROGATE.test(name)) return 'must be valid Unicode (no lone surrogates)';
  return undefined;
}
