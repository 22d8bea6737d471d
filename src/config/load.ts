/**
 * Loading a configuration: YAML → environment substitution → validation (all errors, each with
 * its path and, where known, its line) → defaults and table resolution → cross-table checks.
 * Any problem throws one `ConfigError` (code CONFIG_INVALID) listing every issue, so a user fixes
 * a file in one round rather than one error per run.
 */
import { isUtf8 } from 'node:buffer';
import { existsSync, readFileSync } from 'node:fs';
import { LineCounter, isMap, isScalar, parseDocument, type Document } from 'yaml';
import { FloeError } from '../util/errors.js';
import { INVALID, ValidationContext, formatPath, type PathSegment, type RawIssue } from './dsl.js';
import { substituteEnv, type Env } from './env.js';
import { checkConfig } from './checks.js';
import type { FloeConfig } from './model.js';
import { resolveConfig, type RawConfig } from './resolve.js';
import { configSchema } from './schema.js';

export interface ConfigIssue {
  /** `tables[2].partitioning[0].transform`; empty for whole-file problems such as YAML syntax. */
  path: string;
  message: string;
  /** 1-based position in the source, when the path exists in it. */
  line?: number;
  column?: number;
}

/** `tables[2].partitioning[0].transform: unknown transform "bukket[16]" (...)` */
export function formatIssue(issue: ConfigIssue): string {
  return issue.path === '' ? issue.message : `${issue.path}: ${issue.message}`;
}

export class ConfigError extends FloeError {
  constructor(
    readonly issues: ConfigIssue[],
    readonly source: string | undefined,
  ) {
    const where = source === undefined ? 'configuration' : source;
    const n = issues.length;
    super('CONFIG_INVALID', `${where}: ${n} configuration ${n === 1 ? 'error' : 'errors'}\n${issues.map((i) => `  ${formatIssue(i)}`).join('\n')}`, {
      details: { source, errors: issues.map(formatIssue) },
    });
    this.name = 'ConfigError';
  }
}

export interface ParseOptions {
  env?: Env;
  /** File name for messages. */
  source?: string;
}

export function parseConfig(text: string, options: ParseOptions = {}): FloeConfig {
  const env = options.env ?? process.env;
  const lines = new LineCounter();
  const doc = parseDocument(text, { prettyErrors: true, lineCounter: lines, merge: true, uniqueKeys: true });
  if (doc.errors.length > 0) {
    const sourceLines = text.split('\n');
    // Only the first: later syntax errors are almost always the same mistake seen again.
    const issues = doc.errors.slice(0, 1).map((e): ConfigIssue => {
      const pos = e.linePos?.[0];
      // yaml's own message ends with " at line L, column C:" plus a code frame; we format our own.
      let reason = e.message.split('\n')[0]!.replace(/ at line \d+, column \d+:?$/, '');
      // `{port: ${PORT}}`: braces of an unquoted reference end a flow mapping early.
      const line = pos ? (sourceLines[pos.line - 1] ?? '') : '';
      if (/[[{][^'"]*\$\{/.test(line)) reason += ' (quote "${VAR}" inside {...} and [...])';
      else if (/\{[^'"]*(bucket|truncate)\[/.test(line)) reason += ' (quote "bucket[N]" and "truncate[W]" inside {...})';
      return pos
        ? { path: '', message: `YAML syntax error at line ${pos.line}, column ${pos.col}: ${reason}`, line: pos.line, column: pos.col }
        : { path: '', message: `YAML syntax error: ${reason}` };
    });
    throw new ConfigError(issues, options.source);
  }
  let parsed: unknown;
  try {
    // yaml refuses documents whose aliases expand past maxAliasCount (a "billion laughs" file).
    parsed = doc.toJS({ maxAliasCount: MAX_ALIAS_COUNT });
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new ConfigError([{ path: '', message: `YAML aliases expand too much (more than ${MAX_ALIAS_COUNT} per alias): ${reason}` }], options.source);
  }
  if (parsed === null || parsed === undefined) throw new ConfigError([{ path: '', message: 'the configuration is empty' }], options.source);
  const forbidden = forbiddenKeys(parsed, []);
  if (forbidden.length > 0) throw new ConfigError(toIssues(forbidden, doc, lines), options.source);

  const substituted = substituteEnv(parsed, env);
  const ctx = new ValidationContext(substituted.fromEnv);
  ctx.issues.push(...substituted.issues);
  const raw = configSchema.validate(substituted.value, [], ctx);
  let config: FloeConfig | undefined;
  // Cross-table checks need a structurally valid document; they run once the rest is fixed.
  if (raw !== INVALID && ctx.issues.length === 0) {
    config = resolveConfig(raw as unknown as RawConfig);
    checkConfig(config, (path, message) => ctx.report(path, message));
  }
  if (ctx.issues.length > 0 || config === undefined) throw new ConfigError(toIssues(ctx.issues, doc, lines), options.source);
  return config;
}

/** yaml's own default; named so the error message can say it. */
const MAX_ALIAS_COUNT = 100;
/** Keys that mean something to JavaScript objects: refused rather than risk a polluted prototype. */
const FORBIDDEN_KEYS = new Set(['__proto__', 'constructor', 'prototype']);
const MAX_NESTING = 64;

function forbiddenKeys(v: unknown, path: PathSegment[]): RawIssue[] {
  if (v === null || typeof v !== 'object') return [];
  if (path.length > MAX_NESTING) return [{ path, message: `nested more than ${MAX_NESTING} levels deep` }];
  if (Array.isArray(v)) return v.flatMap((x, i) => forbiddenKeys(x, [...path, i]));
  return Object.keys(v).flatMap((k) =>
    FORBIDDEN_KEYS.has(k) ? [{ path: [...path, k], message: `the key "${k}" is not allowed` }] : forbiddenKeys((v as Record<string, unknown>)[k], [...path, k]),
  );
}

function toIssues(raw: RawIssue[], doc: Document, lines: LineCounter): ConfigIssue[] {
  const seen = new Set<string>();
  const out: ConfigIssue[] = [];
  for (const r of raw) {
    const issue: ConfigIssue = { path: formatPath(r.path), message: r.message };
    const key = formatIssue(issue);
    if (seen.has(key)) continue;
    seen.add(key);
    const offset = offsetOf(doc, r.path);
    if (offset !== undefined) {
      const pos = lines.linePos(offset);
      issue.line = pos.line;
      issue.column = pos.col;
    }
    out.push(issue);
  }
  // Report in file order; issues without a position (none in practice) keep their place at the end.
  return out
    .map((issue, i) => ({ issue, i }))
    .sort((a, b) => (a.issue.line ?? Infinity) - (b.issue.line ?? Infinity) || a.i - b.i)
    .map((x) => x.issue);
}

/**
 * Where the nearest existing node along `path` starts (a missing key points at its parent). A
 * mapping entry points at its key, where an editor's cursor should go.
 */
function offsetOf(doc: Document, path: PathSegment[]): number | undefined {
  for (let n = path.length; n >= 0; n--) {
    if (n > 0) {
      const parent = n === 1 ? doc.contents : doc.getIn(path.slice(0, n - 1), true);
      if (isMap(parent)) {
        const pair = parent.items.find((p) => isScalar(p.key) && String(p.key.value) === String(path[n - 1]));
        const keyRange = (pair?.key as { range?: [number, number, number] } | undefined)?.range;
        if (keyRange) return keyRange[0];
        continue;
      }
    }
    const node = n === 0 ? doc.contents : doc.getIn(path.slice(0, n), true);
    const range = (node as { range?: [number, number, number] } | undefined)?.range;
    if (range) return range[0];
  }
  return undefined;
}

/**
 * Loads from a file path, or parses the text itself when given YAML (anything with a newline,
 * or a single line that is not an existing file but looks like a mapping).
 */
export function loadConfig(pathOrText: string, env: Env = process.env): FloeConfig {
  if (pathOrText.includes('\n')) return parseConfig(pathOrText, { env });
  if (existsSync(pathOrText)) {
    const bytes = readFileSync(pathOrText);
    // Read as UTF-8, invalid bytes would silently become U+FFFD inside names and secrets.
    if (!isUtf8(bytes)) throw new ConfigError([{ path: '', message: 'the file is not valid UTF-8' }], pathOrText);
    return parseConfig(bytes.toString('utf8'), { env, source: pathOrText });
  }
  if (/^\s*\{|:\s/.test(pathOrText)) return parseConfig(pathOrText, { env });
  throw new FloeError('CONFIG_NOT_FOUND', `configuration file not found: ${pathOrText}`, { details: { path: pathOrText } });
}
