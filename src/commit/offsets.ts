/**
 * Kafka offsets stored in Iceberg snapshot summaries: the table, not the consumer group, is the
 * source of truth for what has been ingested. Every floe commit carries the next offset of every
 * topic-partition the table has ever covered (its own plus those carried forward from the parent
 * snapshot), so the newest floe snapshot alone tells where to resume.
 *
 * This module is Kafka-agnostic on purpose: it only knows "streams" (a topic) and "shards" (a
 * partition) as strings and numbers stored in a summary property.
 */
import type { Snapshot, TableMetadata } from '../iceberg/spec/types.js';

export const OFFSETS_PROPERTY = 'floe.offsets';

/** Next offset to read per (topic, partition). */
export class OffsetMap {
  private readonly byTopic = new Map<string, Map<number, bigint>>();

  static fromJson(text: string): OffsetMap {
    const out = new OffsetMap();
    const parsed = JSON.parse(text) as Record<string, Record<string, string>>;
    for (const [topic, parts] of Object.entries(parsed)) {
      for (const [p, off] of Object.entries(parts)) out.set(topic, Number(p), BigInt(off));
    }
    return out;
  }

  get(topic: string, partition: number): bigint | undefined {
    return this.byTopic.get(topic)?.get(partition);
  }

  set(topic: string, partition: number, next: bigint): void {
    let parts = this.byTopic.get(topic);
    if (!parts) {
      parts = new Map();
      this.byTopic.set(topic, parts);
    }
    parts.set(partition, next);
  }

  has(topic: string, partition: number): boolean {
    return this.get(topic, partition) !== undefined;
  }

  get size(): number {
    let n = 0;
    for (const parts of this.byTopic.values()) n += parts.size;
    return n;
  }

  *entries(): IterableIterator<[string, number, bigint]> {
    for (const [topic, parts] of this.byTopic) {
      for (const [p, off] of parts) yield [topic, p, off];
    }
  }

  clone(): OffsetMap {
    const out = new OffsetMap();
    for (const [t, p, o] of this.entries()) out.set(t, p, o);
    return out;
  }

  /** Entries of `other` override ours. */
  merge(other: OffsetMap): OffsetMap {
    const out = this.clone();
    for (const [t, p, o] of other.entries()) out.set(t, p, o);
    return out;
  }

  /** Deterministic JSON (sorted topics and partitions) so equal maps serialize identically. */
  toJson(): string {
    const obj: Record<string, Record<string, string>> = {};
    for (const topic of [...this.byTopic.keys()].sort()) {
      const parts = this.byTopic.get(topic)!;
      const inner: Record<string, string> = {};
      for (const p of [...parts.keys()].sort((a, b) => a - b)) inner[String(p)] = parts.get(p)!.toString();
      obj[topic] = inner;
    }
    return JSON.stringify(obj);
  }
}

function snapshotOffsets(s: Snapshot): OffsetMap | undefined {
  const text = s.summary[OFFSETS_PROPERTY];
  if (text === undefined) return undefined;
  try {
    return OffsetMap.fromJson(text);
  } catch {
    // A summary we cannot parse was not written by floe (or was corrupted by hand): treat it as
    // absent and keep walking to an older floe snapshot rather than resuming from garbage.
    return undefined;
  }
}

/**
 * The offsets committed on a branch: the newest snapshot in its ancestry that carries floe
 * offsets. Snapshots written by other engines (e.g. a Spark compaction) carry none and are
 * skipped, which is safe because they never add Kafka data.
 */
export function committedOffsets(metadata: TableMetadata, ref = 'main'): OffsetMap {
  const byId = new Map<number, Snapshot>();
  for (const s of metadata.snapshots ?? []) byId.set(s['snapshot-id'], s);
  let id: number | undefined | null =
    metadata.refs?.[ref]?.['snapshot-id'] ?? (ref === 'main' ? metadata['current-snapshot-id'] : undefined);
  const seen = new Set<number>();
  while (id !== undefined && id !== null && id !== -1 && !seen.has(id)) {
    seen.add(id);
    const snap = byId.get(id);
    if (!snap) break; // expired ancestor: nothing older is reachable
    const offsets = snapshotOffsets(snap);
    if (offsets) return offsets;
    id = snap['parent-snapshot-id'];
  }
  return new OffsetMap();
}

/** A range of offsets a writer buffered for one partition: [base, next). */
export interface OffsetRange {
  topic: string;
  partition: number;
  /**
   * The committed offset this range continues from, as the writer saw it when it started
   * reading; undefined when the table had no offset for the partition yet.
   */
  base: bigint | undefined;
  /** Next offset after the last record in the range. */
  next: bigint;
}

export interface ContinuityConflict {
  topic: string;
  partition: number;
  expected: bigint | undefined;
  actual: bigint | undefined;
}

/**
 * The per-partition compare-and-swap that makes commits exactly-once even with zombie writers:
 * a writer may only commit a range that continues exactly from what the table holds now. If
 * another writer (a new owner after a rebalance, or a daemon that was presumed dead) committed
 * that partition meanwhile, the range is stale and must be dropped and re-read from the table's
 * offset, never committed on top.
 */
export function continuityConflicts(table: OffsetMap, ranges: Iterable<OffsetRange>): ContinuityConflict[] {
  const conflicts: ContinuityConflict[] = [];
  for (const r of ranges) {
    const actual = table.get(r.topic, r.partition);
    if (actual !== r.base) {
      conflicts.push({ topic: r.topic, partition: r.partition, expected: r.base, actual });
    }
  }
  return conflicts;
}

/** The offsets a new commit stores: everything the table had, advanced by our ranges. */
export function advanceOffsets(table: OffsetMap, ranges: Iterable<OffsetRange>): OffsetMap {
  const out = table.clone();
  for (const r of ranges) out.set(r.topic, r.partition, r.next);
  return out;
}
