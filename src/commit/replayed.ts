/**
 * Dead letters replayed into a table, by their original coordinates: what makes `floe dlq
 * replay` idempotent. A replayed record carries `floe.replay.of` (topic/partition/offset of the
 * record that was dead-lettered); the table's snapshot summary keeps the set of originals that
 * landed (`floe.replayed`), committed atomically with the rows and `floe.offsets` — so replaying
 * the same dead letter twice, or a crash between replay and commit, never writes it twice.
 *
 * Stored as sorted offset ranges per topic and partition (replays come in runs), on the same
 * snapshot as `floe.offsets` (compaction carries both forward).
 */
import type { Snapshot, TableMetadata } from '../iceberg/spec/types.js';
import { OFFSETS_PROPERTY } from './offsets.js';

export const REPLAYED_PROPERTY = 'floe.replayed';
/** Header a replayed record carries: `topic/partition/offset` of the dead-lettered original. */
export const REPLAY_OF_HEADER = 'floe.replay.of';

export interface Coordinates {
  topic: string;
  partition: number;
  offset: bigint;
}

/** `topic/partition/offset`; the topic may itself contain slashes, so parse from the right. */
export function parseCoordinates(text: string): Coordinates | undefined {
  const m = /^(.+)\/(\d{1,9})\/(\d{1,19})$/.exec(text);
  return m ? { topic: m[1]!, partition: Number(m[2]), offset: BigInt(m[3]!) } : undefined;
}

export function formatCoordinates(c: Coordinates): string {
  return `${c.topic}/${c.partition}/${c.offset}`;
}

export class ReplayedSet {
  /** topic → partition → sorted, disjoint [from, to) ranges. */
  private readonly ranges = new Map<string, Map<number, Array<[bigint, bigint]>>>();

  static fromJson(text: string | undefined): ReplayedSet {
    const out = new ReplayedSet();
    if (!text) return out;
    try {
      const parsed = JSON.parse(text) as Record<string, Record<string, Array<[string, string]>>>;
      for (const [topic, parts] of Object.entries(parsed)) {
        for (const [p, list] of Object.entries(parts)) for (const [a, b] of list) out.addRange(topic, Number(p), BigInt(a), BigInt(b));
      }
    } catch {
      // Not floe's: treat as empty (a replay then lands once more, never zero times).
    }
    return out;
  }

  get isEmpty(): boolean {
    return this.ranges.size === 0;
  }

  has(c: Coordinates): boolean {
    return (this.ranges.get(c.topic)?.get(c.partition) ?? []).some(([a, b]) => c.offset >= a && c.offset < b);
  }

  add(c: Coordinates): void {
    this.addRange(c.topic, c.partition, c.offset, c.offset + 1n);
  }

  /** Adds offsets [from, to) of a partition. */
  addRange(topic: string, partition: number, from: bigint, to: bigint): void {
    if (to <= from) return;
    let parts = this.ranges.get(topic);
    if (!parts) this.ranges.set(topic, (parts = new Map()));
    const list = parts.get(partition) ?? [];
    list.push([from, to]);
    list.sort((x, y) => (x[0] < y[0] ? -1 : x[0] > y[0] ? 1 : 0));
    const merged: Array<[bigint, bigint]> = [];
    for (const r of list) {
      const last = merged.at(-1);
      if (last && r[0] <= last[1]) last[1] = r[1] > last[1] ? r[1] : last[1];
      else merged.push([r[0], r[1]]);
    }
    parts.set(partition, merged);
  }

  merge(other: ReplayedSet): ReplayedSet {
    const out = ReplayedSet.fromJson(this.toJson());
    for (const [topic, parts] of other.ranges) for (const [p, list] of parts) for (const [a, b] of list) out.addRange(topic, p, a, b);
    return out;
  }

  toJson(): string {
    const obj: Record<string, Record<string, Array<[string, string]>>> = {};
    for (const topic of [...this.ranges.keys()].sort()) {
      const parts = this.ranges.get(topic)!;
      obj[topic] = {};
      for (const p of [...parts.keys()].sort((a, b) => a - b)) obj[topic][String(p)] = parts.get(p)!.map(([a, b]) => [a.toString(), b.toString()]);
    }
    return JSON.stringify(obj);
  }
}

/** The replayed set on the newest snapshot of main's ancestry that carries floe offsets. */
export function replayedOriginals(metadata: TableMetadata): ReplayedSet {
  const byId = new Map<string, Snapshot>((metadata.snapshots ?? []).map((s) => [String(s['snapshot-id']), s]));
  let id: number | bigint | undefined | null = metadata.refs?.main?.['snapshot-id'] ?? metadata['current-snapshot-id'];
  const seen = new Set<string>();
  while (id !== undefined && id !== null && String(id) !== '-1' && !seen.has(String(id))) {
    seen.add(String(id));
    const snap = byId.get(String(id));
    if (!snap) break;
    if (snap.summary?.[OFFSETS_PROPERTY] !== undefined) return ReplayedSet.fromJson(snap.summary[REPLAYED_PROPERTY]);
    id = snap['parent-snapshot-id'];
  }
  return new ReplayedSet();
}
