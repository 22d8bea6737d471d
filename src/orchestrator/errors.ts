/** How the orchestrator classifies errors: fatal ones stop the daemon, stale ranges re-read. */
import { type ContinuityConflict, type OffsetMap } from '../commit/offsets.js';
import { FloeError, isFloeError } from '../util/errors.js';

export class StaleRangesError extends FloeError {
  constructor(
    readonly conflicts: ContinuityConflict[],
    readonly fresh: OffsetMap,
  ) {
    const c = conflicts[0]!;
    super('OFFSETS_STALE', `another writer committed ${c.topic}/${c.partition} (table at ${String(c.actual)}, our range started at ${String(c.expected)})`, {
      details: { conflicts: conflicts.length },
    });
  }
}

/** Errors that no amount of retrying fixes: the daemon stops with their exit code. */
export function isFatal(err: unknown): boolean {
  return isFloeError(err) && (/UNAUTHORIZED|FORBIDDEN|NO_SUCH_TABLE|NO_SUCH_NAMESPACE|TABLE_FORMAT_UNSUPPORTED|CONFIG_INVALID/.test(err.code) || err.details.fatal === true);
}
