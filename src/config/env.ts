/**
 * `${VAR}` and `${VAR:-default}` substitution in configuration values, so secrets stay out of
 * the file. It runs on the parsed document (values only, never keys), which keeps YAML quoting
 * rules out of the picture and lets a missing variable be reported at its path. `$${` is a
 * literal `${`.
 */
import { formatPath, type PathSegment, type RawIssue } from './dsl.js';

export type Env = Record<string, string | undefined>;

export interface Substituted {
  value: unknown;
  /** Formatted paths of values that contained a reference (their scalars may be coerced). */
  fromEnv: Set<string>;
  issues: RawIssue[];
}

const REFERENCE = /\$\$\{|\$\{([^}]*)\}|\$\{/g;
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;

export function substituteEnv(value: unknown, env: Env): Substituted {
  const fromEnv = new Set<string>();
  const issues: RawIssue[] = [];

  const substitute = (text: string, path: PathSegment[]): string => {
    let used = false;
    const out = text.replace(REFERENCE, (match: string, body: string | undefined) => {
      if (match === '$${') return '${';
      used = true;
      if (body === undefined) {
        issues.push({ path, message: `unterminated environment reference in ${JSON.stringify(text)}` });
        return match;
      }
      const sep = body.indexOf(':-');
      const name = sep === -1 ? body : body.slice(0, sep);
      if (!NAME.test(name)) {
        issues.push({ path, message: `invalid environment variable name "${name}" in "${match}"` });
        return match;
      }
      const current = env[name];
      // Shell semantics: `:-` also replaces an empty value.
      if (sep !== -1) return current === undefined || current === '' ? body.slice(sep + 2) : current;
      if (current === undefined) {
        issues.push({ path, message: `environment variable ${name} is not set (write \${${name}:-default} to give a default)` });
        return match;
      }
      return current;
    });
    if (used) fromEnv.add(formatPath(path));
    return out;
  };

  const walk = (v: unknown, path: PathSegment[]): unknown => {
    if (typeof v === 'string') return substitute(v, path);
    if (Array.isArray(v)) return v.map((item, i) => walk(item, [...path, i]));
    if (v !== null && typeof v === 'object') {
      const out: Record<string, unknown> = {};
      for (const [k, item] of Object.entries(v)) out[k] = walk(item, [...path, k]);
      return out;
    }
    return v;
  };

  return { value: walk(value, []), fromEnv, issues };
}
