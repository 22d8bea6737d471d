/**
 * Process exit codes of `floe`. Supervisors (systemd, Kubernetes) and scripts act on these:
 * 2 and 3 will not fix themselves by restarting, 1 may.
 */
import { errorCodeInfo, FloeError, type ExitKind } from '../util/errors.js';

export const EXIT = {
  OK: 0,
  /** Runtime failure; restarting may help. */
  RUNTIME: 1,
  /** Bad command line or invalid configuration. */
  USAGE: 2,
  /** An external system refused us for good: authentication, authorization, a missing table. */
  FATAL_EXTERNAL: 3,
  /** Stopped by a signal before finishing cleanly (128 + SIGINT). */
  INTERRUPTED: 130,
} as const;

const EXIT_FOR_KIND: Record<ExitKind, number> = { runtime: EXIT.RUNTIME, usage: EXIT.USAGE, refused: EXIT.FATAL_EXTERNAL };

/** A FloeError's exit code is its code's row in the error table (src/util/error-codes.ts). */
export function exitCodeFor(err: unknown): number {
  if (err instanceof FloeError) return EXIT_FOR_KIND[errorCodeInfo(err.code).exit];
  // kafkajs reports bad credentials with its own error class.
  if (err instanceof Error && /SASLAuthentication|Authorization/i.test(err.name)) return EXIT.FATAL_EXTERNAL;
  if (err instanceof Error && err.name === 'AbortError') return EXIT.INTERRUPTED;
  return EXIT.RUNTIME;
}
