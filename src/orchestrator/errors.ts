/** Stale ranges: another writer committed our offsets first, so the records are re-read. */
import { type ContinuityConflict, type OffsetMap } from '../commit/offsets.js';
import { FloeError } from '../util/errors.js';

export { isFatal } from '../util/errors.js';

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

