/**
 * Every error floe raises carries a stable code (for logs, metrics and dead-letter headers),
 * whether retrying the same operation can succeed, and the underlying cause.
 */
export interface FloeErrorOptions {
  retryable?: boolean;
  cause?: unknown;
  /** Structured context (table, topic, path...) that logs and dead-letter headers include. */
  details?: Record<string, unknown>;
}

export class FloeError extends Error {
  readonly code: string;
  readonly retryable: boolean;
  readonly details: Record<string, unknown>;

  constructor(code: string, message: string, options: FloeErrorOptions = {}) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'FloeError';
    this.code = code;
    this.retryable = options.retryable ?? false;
    this.details = options.details ?? {};
  }
}

export function isFloeError(err: unknown, code?: string): err is FloeError {
  return err instanceof FloeError && (code === undefined || err.code === code);
}

/** A short, single-line description of any thrown value, for logs and headers. */
export function describeError(err: unknown): string {
  if (err instanceof FloeError) return `${err.code}: ${err.message}`;
  if (err instanceof Error) return err.message;
  return String(err);
}
