/**
 * Every error floe raises carries a stable code (for logs, metrics and dead-letter headers),
 * whether retrying the same operation can succeed, whether it must stop the daemon, and the
 * underlying cause. Codes and their defaults live in one table (./error-codes.ts).
 */
import { errorCodeInfo, type ErrorCode } from './error-codes.js';

export { ERROR_CODES, errorCodeInfo, type ErrorCode, type ErrorCodeInfo, type ExitKind } from './error-codes.js';

export interface FloeErrorOptions {
  /** Overrides the code's default when the answer depends on the failure (HTTP status, errno). */
  retryable?: boolean;
  /** Escalates one error of a non-fatal code, when a policy says halt. */
  fatal?: true;
  cause?: unknown;
  /** Structured context (table, topic, path...) that logs and dead-letter headers include. */
  details?: Record<string, unknown>;
}

export class FloeError extends Error {
  readonly code: ErrorCode;
  readonly retryable: boolean;
  /** No retry or dead letter fixes it: the daemon stops (exit code from the code's table row). */
  readonly fatal: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: ErrorCode, message: string, options: FloeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FloeError';
    this.code = code;
    const info = errorCodeInfo(code);
    this.retryable = options.retryable ?? info.retryable;
    this.fatal = options.fatal ?? info.fatal;
    this.details = options.details ?? {};
  }
}

export function isFloeError(err: unknown, code?: ErrorCode): err is FloeError {
  return err instanceof FloeError && (code === undefined || err.code === code);
}

/** Errors that no amount of retrying fixes: the daemon stops with their exit code. */
export function isFatal(err: unknown): boolean {
  return err instanceof FloeError && err.fatal;
}

/** A short, single-line description of any thrown value, for logs and headers. */
export function describeError(err: unknown): string {
  if (err instanceof FloeError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
