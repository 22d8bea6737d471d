/**
 * Process exit codes of `floe`. Supervisors (systemd, Kubernetes) and scripts act on these:
 * 2 and 3 will not fix themselves by restarting, 1 may.
 */
import { FloeError } from '../util/errors.js';

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

const USAGE_CODES = new Set(['CONFIG_INVALID', 'CONFIG_NOT_FOUND', 'USAGE']);
/** Matched against FloeError codes from every stage (CATALOG_UNAUTHORIZED, ..._NO_SUCH_TABLE). */
const FATAL_EXTERNAL = /(UNAUTHORIZED|FORBIDDEN|AUTH(ENTICATION)?_FAILED|NO_SUCH_TABLE|NO_SUCH_NAMESPACE|TABLE_NOT_FOUND|FATAL_EXTERNAL)$/;

export function exitCodeFor(err: unknown): number {
  if (err instanceof FloeError) {
    const explicit = err.details.exitCode;
    if (typeof explicit === 'number') return explicit;
    if (USAGE_CODES.has(err.code)) return EXIT.USAGE;
    if (FATAL_EXTERNAL.test(err.code)) return EXIT.FATAL_EXTERNAL;
    return EXIT.RUNTIME;
  }
  // kafkajs reports bad credentials with its own error class.
  if (err instanceof Error && /SASLAuthentication|Authorization/i.test(err.name)) return EXIT.FATAL_EXTERNAL;
  if (err instanceof Error && err.name === 'AbortError') return EXIT.INTERRUPTED;
  return EXIT.RUNTIME;
}
