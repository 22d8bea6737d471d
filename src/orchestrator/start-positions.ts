/**
 * Where partitions that no table offsets cover start: the mapping's startFrom (earliest, latest or
 * a timestamp), resolved against the brokers. Resolved per table, and per family of tables routed
 * by record type: two tables reading one topic may start at different places.
 */
import { parseStartFrom, type TableMapping } from '../config/index.js';
import type { KafkaSource } from '../source/consumer.js';
import type { TopicPartition, TpKey } from '../source/types.js';
import { FloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';

export async function startPositions(
  source: KafkaSource,
  retrying: <T>(what: string, fn: () => Promise<T>) => Promise<T | undefined>,
  log: Logger,
  mapping: TableMapping,
  table: string,
  fresh: TopicPartition[],
): Promise<Map<TpKey, bigint> | undefined> {
  if (fresh.length === 0) return undefined;
  const start = parseStartFrom(mapping.startFrom);
  if (typeof start === 'object' && 'problem' in start) throw new FloeError('CONFIG_INVALID', start.problem);
  const starts = await retrying(`start positions of ${table}`, () => source.startOffsets(fresh, start));
  if (!starts) return undefined;
  log.info(
    { table, startFrom: mapping.startFrom, positions: Object.fromEntries([...starts].map(([k, v]) => [k, String(v)])) },
    'partitions with no offsets in the table start here',
  );
  return starts;
}
