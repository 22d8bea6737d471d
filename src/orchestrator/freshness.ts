/**
 * Freshness of a table: how long its oldest record not yet committed has been waiting — 0 when
 * every record read is committed and nothing waits in Kafka. The previous gauge ("now − newest
 * committed record") grew on an idle topic, so the documented alert fired on tables that were
 * perfectly caught up.
 *
 * Two sources of "not yet committed":
 * - records read and buffered (or being committed): their Kafka timestamps are known exactly;
 * - records still in Kafka (the partition has lag but no batch arrived since it was seen): their
 *   timestamps are unknown without reading them, so the time since the lag was first seen is
 *   used — a lower bound, exact to the lag polling interval (5 s). This is what makes freshness
 *   grow when fetching is stuck or paused by the memory budget.
 */
export function freshnessSeconds(nowMs: number, oldestPendingMs: number | undefined, waitingSinceMs: Iterable<number>): number {
  let oldest = oldestPendingMs;
  for (const since of waitingSinceMs) if (oldest === undefined || since < oldest) oldest = since;
  // A producer clock ahead of ours gives a timestamp in the future: not a negative age.
  return oldest === undefined ? 0 : Math.max(0, (nowMs - oldest) / 1000);
}
