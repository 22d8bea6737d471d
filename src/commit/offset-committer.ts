/**
 * The exactly-once bookkeeping of one table: which offsets the table stores, where each assigned
 * partition's next range continues from (`base`) and which offset the table needs next (`next`),
 * the replayed dead letters already landed or pending, and the summary properties of a commit —
 * computed from the *fresh* metadata on every attempt, refusing ranges that no longer continue the
 * table's offsets (another writer got there first).
 *
 * Like offsets.ts it is Kafka-agnostic: a partition is a (topic, partition) pair of a string and a
 * number, keyed `topic:partition`; how the records became rows is the writer's business.
 */
import type { TableMetadata } from '../iceberg/spec/types.js';
import { FloeError } from '../util/errors.js';
import { advanceOffsets, committedOffsets, continuityConflicts, OffsetMap, OFFSETS_PROPERTY, type ContinuityConflict, type OffsetRange } from './offsets.js';
import { REPLAYED_PROPERTY, ReplayedSet, replayedOriginals, type Coordinates } from './replayed.js';

export interface Shard {
  topic: string;
  partition: number;
}

/** `topic:partition`, the same key the source uses. */
export type ShardKey = string;

const keyOf = (topic: string, partition: number): ShardKey => `${topic}:${partition}`;

/** Stale ranges: another writer committed our offsets first, so the records are re-read. */
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

interface ShardState {
  shard: Shard;
  /** The table's offset as this writer expects it when its next range starts. */
  base: bigint | undefined;
  /** The next offset this table needs; records below it are already in the table (or buffered). */
  next: bigint | undefined;
  /**
   * Where the mapping's `startFrom` put a partition the table has no offsets for: records below it
   * are not wanted even when the partition is read from lower down for another table, and a
   * restart before the first commit goes back here rather than to the partition's beginning.
   */
  start?: bigint;
}

/** One commit under way: its summary properties, and the offsets it stored once it landed. */
export interface PendingCommit {
  properties(metadata: TableMetadata): Record<string, string>;
  /** The offsets the last evaluation of `properties` stored (undefined before). */
  readonly stored: OffsetMap | undefined;
}

export class OffsetCommitter {
  private committed = new OffsetMap();
  /** Dead letters replayed into the table (committed) and into the buffer (not yet). */
  private replayed = new ReplayedSet();
  private replayedPending = new ReplayedSet();
  private readonly shards = new Map<ShardKey, ShardState>();
  /**
   * The shard looked up last. wants() and advanced() run for every record, and a fetched batch's
   * records share one partition: this spares building the `topic:partition` key string per
   * record. Forgotten whenever `shards` changes.
   */
  private last: ShardState | undefined;

  private shardOf(topic: string, partition: number): ShardState | undefined {
    const last = this.last;
    if (last !== undefined && last.shard.partition === partition && last.shard.topic === topic) return last;
    const s = this.shards.get(keyOf(topic, partition));
    if (s !== undefined) this.last = s;
    return s;
  }

  /** Takes the offsets and replayed originals the table's metadata stores. */
  adopt(metadata: TableMetadata): void {
    this.committed = committedOffsets(metadata);
    this.replayed = replayedOriginals(metadata);
  }

  /** Assigned partitions start from the table's offsets; returns them (undefined: none stored). */
  assign(shards: Shard[]): Map<ShardKey, bigint | undefined> {
    const out = new Map<ShardKey, bigint | undefined>();
    for (const s of shards) {
      const offset = this.committed.get(s.topic, s.partition);
      this.shards.set(keyOf(s.topic, s.partition), { shard: s, base: offset, next: offset });
      this.last = undefined;
      out.set(keyOf(s.topic, s.partition), offset);
    }
    return out;
  }

  /**
   * Where partitions without table offsets start (the mapping's startFrom, resolved against the
   * brokers). Partitions the table holds offsets for keep them: the table's offsets always win.
   */
  startAt(starts: Map<ShardKey, bigint>): void {
    for (const [key, offset] of starts) {
      const s = this.shards.get(key);
      if (!s || s.base !== undefined) continue;
      s.start = offset;
      s.next = offset;
    }
  }

  revoke(shards: Shard[]): void {
    for (const s of shards) this.shards.delete(keyOf(s.topic, s.partition));
    this.last = undefined;
  }

  covers(key: ShardKey): boolean {
    return this.shards.has(key);
  }

  /** The next offset the table needs from a partition (undefined: anything). */
  position(topic: string, partition: number): bigint | undefined {
    return this.shardOf(topic, partition)?.next;
  }

  /** False for offsets the table already holds or buffered, and for partitions not assigned. */
  wants(topic: string, partition: number, offset: bigint): boolean {
    const s = this.shardOf(topic, partition);
    return s !== undefined && (s.next === undefined || offset >= s.next);
  }

  /** Where a new range of an assigned partition continues from; throws when it is not assigned. */
  base(topic: string, partition: number, table: string): bigint | undefined {
    const s = this.shardOf(topic, partition);
    if (!s) throw new FloeError('ORCHESTRATOR_STATE', `${table}: ${topic}/${partition} is not assigned`);
    return s.base;
  }

  /** The offset is covered (a row, a dead letter, a skipped replay). */
  advanced(topic: string, partition: number, offset: bigint): void {
    this.shardOf(topic, partition)!.next = offset + 1n;
  }

  /** True when the original of a replayed dead letter landed here (committed or buffered). */
  hasReplayed(of: Coordinates): boolean {
    return this.replayed.has(of) || this.replayedPending.has(of);
  }

  noteReplayed(of: Coordinates): void {
    this.replayedPending.add(of);
  }

  /**
   * Starts a commit of the drained `ranges`: ranges buffered from now on continue from theirs, and
   * the pending replays go with this commit.
   */
  begin(ranges: OffsetRange[]): PendingCommit {
    for (const r of ranges) {
      const s = this.shards.get(keyOf(r.topic, r.partition));
      if (s) s.base = r.next;
    }
    const replayedNow = this.replayedPending;
    this.replayedPending = new ReplayedSet();
    const pending = {
      stored: undefined as OffsetMap | undefined,
      properties: (metadata: TableMetadata): Record<string, string> => {
        const fresh = committedOffsets(metadata);
        const conflicts = continuityConflicts(fresh, ranges);
        if (conflicts.length > 0) throw new StaleRangesError(conflicts, fresh);
        pending.stored = advanceOffsets(fresh, ranges);
        const replayed = replayedOriginals(metadata).merge(replayedNow);
        return { [OFFSETS_PROPERTY]: pending.stored.toJson(), ...(replayed.isEmpty ? {} : { [REPLAYED_PROPERTY]: replayed.toJson() }) };
      },
    };
    return pending;
  }

  /** The commit landed with `metadata`, storing `stored`. */
  landed(metadata: TableMetadata, stored: OffsetMap): void {
    this.adopt(metadata);
    this.committed = stored;
  }

  /** The offsets the table stored, as last seen. */
  get stored(): OffsetMap {
    return this.committed;
  }

  /**
   * After a refused or failed commit (the buffer is dropped): every assigned partition is read
   * again from `fresh`; returns where.
   */
  restart(fresh: OffsetMap): Array<Shard & { offset: bigint | undefined }> {
    this.committed = fresh;
    this.replayedPending = new ReplayedSet();
    const out: Array<Shard & { offset: bigint | undefined }> = [];
    for (const s of this.shards.values()) {
      const offset = fresh.get(s.shard.topic, s.shard.partition);
      s.base = offset;
      // Still no offsets in the table: back to where startFrom put the partition.
      s.next = offset ?? s.start;
      out.push({ ...s.shard, offset: s.next });
    }
    return out;
  }

  /** The buffer was dropped without a commit: back to the table's offsets. */
  discard(): void {
    this.replayedPending = new ReplayedSet();
    for (const s of this.shards.values()) {
      const offset = this.committed.get(s.shard.topic, s.shard.partition);
      s.base = offset;
      s.next = offset ?? s.start;
    }
  }
}
