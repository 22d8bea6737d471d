/** The error table decides retryable, fatal and exit; every code in it is one floe raises. */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { exitCodeFor } from '../../src/cli/exit-codes.js';
import { ERROR_CODES, type ErrorCode, FloeError, isFatal, isFloeError } from '../../src/util/errors.js';

const REPO = fileURLToPath(new URL('../..', import.meta.url));

function sources(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? sources(path) : path.endsWith('.ts') ? [path] : [];
  });
}

describe('ERROR_CODES', () => {
  it('lists only codes that some source file raises', () => {
    const text = [...sources(join(REPO, 'src')), ...sources(join(REPO, 'catalog'))]
      .filter((f) => !f.endsWith('error-codes.ts'))
      .map((f) => readFileSync(f, 'utf8'))
      .join('\n');
    const unused = Object.keys(ERROR_CODES).filter((code) => !text.includes(`'${code}'`));
    expect(unused).toEqual([]);
  });

  it('gives each code its default retryable and fatal; a site may override retryable or escalate', () => {
    const conflict = new FloeError('CATALOG_COMMIT_CONFLICT', 'x');
    expect([conflict.retryable, conflict.fatal]).toEqual([true, false]);
    const config = new FloeError('CONFIG_INVALID', 'x');
    expect([config.retryable, config.fatal]).toEqual([false, true]);
    expect(new FloeError('IO_FAILED', 'x', { retryable: true }).retryable).toBe(true);
    expect(isFatal(new FloeError('SCHEMA_INCOMPATIBLE', 'x'))).toBe(false);
    expect(isFatal(new FloeError('SCHEMA_INCOMPATIBLE', 'x', { fatal: true }))).toBe(true);
    expect(isFatal(new Error('CONFIG_INVALID'))).toBe(false);
  });

  it('stops the daemon for exactly the codes nothing can retry or dead-letter away', () => {
    const fatal = (Object.keys(ERROR_CODES) as ErrorCode[]).filter((c) => isFatal(new FloeError(c, 'x'))).sort();
    expect(fatal).toEqual(
      [
        'CATALOG_AUTH_REQUIRED',
        'CATALOG_CONFIG',
        'CATALOG_FORBIDDEN',
        'CATALOG_NO_SUCH_NAMESPACE',
        'CATALOG_NO_SUCH_TABLE',
        'CATALOG_STORE_AUTH_FAILED',
        'CATALOG_UNAUTHORIZED',
        'CONFIG_INVALID',
        'CONFIG_NOT_FOUND',
        'KAFKA_AUTHENTICATION_FAILED',
        'KAFKA_CONSUMER_CRASH',
        'KAFKA_TLS_AUTHENTICATION_FAILED',
        'RECORD_HALT',
        'REGISTRY_AUTH_FAILED',
        'REGISTRY_TLS_FAILED',
        'SOURCE_HOOK',
        'TABLE_FORMAT_UNSUPPORTED',
        'USAGE',
      ].sort(),
    );
  });

  it('derives the exit code from the table: 2 usage, 3 refused, 1 otherwise', () => {
    for (const [code, info] of Object.entries(ERROR_CODES)) {
      expect([code, exitCodeFor(new FloeError(code as ErrorCode, 'x'))]).toEqual([code, { runtime: 1, usage: 2, refused: 3 }[info.exit]]);
    }
    expect(exitCodeFor(new FloeError('CATALOG_NO_SUCH_TABLE', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('TABLE_FORMAT_UNSUPPORTED', 'x'))).toBe(1);
  });

  it('makes a misspelt code a compile error', () => {
    // @ts-expect-error: not a code in the table
    const typo = new FloeError('CONFIG_INVALD', 'x');
    // @ts-expect-error: isFloeError takes the same type
    expect(isFloeError(typo, 'CONFIG_INVALD')).toBe(true);
  });
});
