/**
 * KafkaSource: a kafkajs consumer group member built for exactly-once with the TABLE as the
 * source of truth. The source never decides where to read from: on every assignment it asks the
 * orchestrator (`onAssigned`, which reads committed offsets from the tables) and seeks there
 * before delivering a single record. Kafka group offsets are only a monitoring hint.
 *
 * Rebalance protocol (eager, as kafkajs implements it), per generation:
 *   1. before this member's JoinGroup: deliveries stop, in-flight `onRecords` finish, then
 *      `onRevoked(all owned)` is awaited (join-hook.ts) — nobody else can own them yet;
 *   2. GROUP_JOIN (emitted synchronously, before kafkajs' next fetch): every assigned partition
 *      is paused at once, so the first fetch cannot deliver anything;
 *   3. `onAssigned(assigned)` → seek each partition to the returned offset (or earliest/latest
 *      when undefined) → resume. kafkajs drops fetched data of partitions with a pending seek.
 * Hooks run strictly one after another (a promise chain), so onAssigned(P) always completes
 * before onRevoked(P) starts, and onRecords(P) only runs in between.
 *
 * Why it cannot duplicate even when step 1 is late (expelled member, hook not firing): the
 * orchestrator commits a partition's range only if the table's stored next offset equals the
 * range's first offset (asserted atomically with the commit). Two owners of one partition both
 * start from the table's offset; whichever commits second finds the offset moved and drops its
 * buffer. docs/kafka.md spells this out.
 */
import kafkajs from 'kafkajs';
import type { Admin, Consumer, ConsumerConfig, EachBatchPayload, Kafka } from 'kafkajs';
import { FloeError, type ErrorCode } from '../util/errors.js';
import { silentLogger, type Logger } from '../util/log.js';
import { fetchWatermarkMap } from './admin.js';
import { resolveStartOffsets, type StartPosition } from './start-position.js';
import { withJoinHook } from './join-hook.js';
import { FetchedRecords, groupByTopic, tpKey, type SourceBatch, type TopicPartition, type TpKey } from './types.js';

const { PartitionAssigners } = kafkajs;

export interface SourceHooks {
  /** Returns the next offset to read per assigned partition (key `tpKey`), undefined = none stored. */
  onAssigned(partitions: TopicPartition[]): Promise<Map<TpKey, bigint | undefined>>;
  /** Called before the partitions are given away: commit or drop their buffers. */
  onRevoked(partitions: TopicPartition[]): Promise<void>;
  /** One fetched batch of one partition. If it throws, the same batch is delivered again. */
  onRecords(batch: SourceBatch): Promise<void>;
  /** The source cannot go on (crash without restart, a failing hook): the daemon should exit. */
  onFatal?(err: FloeError): void;
  /** kafkajs crashed and restarts the consumer itself (e.g. a subscribed topic was deleted). */
  onRestart?(err: unknown): void;
}

export interface MemoryBudget {
  /** Fetching pauses when `usedBytes()` reaches this... */
  limitBytes: number;
  /** ...and resumes when it falls below this (default 75% of the limit). */
  resumeBelowBytes?: number;
  usedBytes(): number;
  /** How often to re-check while paused, in case nobody calls `memoryReleased()` (default 250). */
  recheckMs?: number;
}

export interface KafkaSourceOptions {
  kafka: Kafka;
  groupId: string;
  /** Topic names, or a pattern resolved when the source starts (kafkajs does not re-evaluate it: the daemon replaces the source, topic-watch.ts). */
  topics: string[] | RegExp;
  hooks: SourceHooks;
  /** Where to start a partition for which onAssigned returns undefined (default earliest). */
  startFrom?: StartPosition;
  memory?: MemoryBudget;
  /** Passed to kafkajs (timeouts, fetch sizes); groupId and assigners are set here. */
  consumer?: Omit<ConsumerConfig, 'groupId' | 'partitionAssigners'>;
  partitionsConsumedConcurrently?: number;
  logger?: Logger;
}

interface PartitionState {
  tp: TopicPartition;
  ready: boolean;
  nextOffset?: bigint;
  highWatermark?: bigint;
}

export class KafkaSource {
  private readonly consumer: Consumer;
  private readonly admin: Admin;
  private readonly log: Logger;
  private readonly owned = new Map<TpKey, PartitionState>();
  /**
   * Partitions being given up (before a rejoin, or on stop) while `onRevoked` commits their
   * buffers: still ours in the current generation, so those commits' group offsets are sent too.
   */
  private readonly revoking = new Map<TpKey, TopicPartition>();
  /** Group offset commits in flight: a revocation waits for them before the member rejoins or leaves. */
  private readonly groupCommits = new Set<Promise<boolean>>();
  private readonly userPaused = new Set<TpKey>();
  private readonly kafkaPaused = new Set<TpKey>();
  private generation = 0;
  /** Set from "rebalance starts" until the next assignment: deliveries are refused meanwhile. */
  private closing = false;
  private stopping = false;
  private started = false;
  private memoryPaused = false;
  private memoryTimer: NodeJS.Timeout | undefined;
  private inFlight = 0;
  private drainWaiters: Array<() => void> = [];
  private chain: Promise<void> = Promise.resolve();
  private readonly stats = { revokedBeforeJoin: 0, revokedAfterJoin: 0 };

  constructor(private readonly options: KafkaSourceOptions) {
    this.log = (options.logger ?? silentLogger).child({ component: 'source', groupId: options.groupId });
    this.consumer = options.kafka.consumer({
      allowAutoTopicCreation: false,
      ...options.consumer,
      groupId: options.groupId,
      partitionAssigners: [withJoinHook(PartitionAssigners.roundRobin, () => this.beforeJoin())],
    });
    this.admin = options.kafka.admin();
    const { GROUP_JOIN, CRASH } = this.consumer.events;
    this.consumer.on(GROUP_JOIN, (e) => this.onGroupJoin(e.payload.memberAssignment));
    this.consumer.on(CRASH, (e) => {
      const { error, restart } = e.payload;
      this.log.error({ err: error, restart }, 'kafka consumer crashed');
      if (this.stopping) return;
      if (!restart) this.fatal('KAFKA_CONSUMER_CRASH', 'the Kafka consumer crashed', error);
      else this.options.hooks.onRestart?.(error);
    });
  }

  async start(): Promise<void> {
    if (this.started) throw new FloeError('SOURCE_STATE', 'KafkaSource.start() called twice');
    this.started = true;
    try {
      await this.admin.connect();
      await this.consumer.connect();
      const topics = this.options.topics;
      await this.consumer.subscribe({
        topics: Array.isArray(topics) ? topics : [topics],
        // Only used if kafkajs resets an out-of-range offset itself (data removed by retention).
        fromBeginning: this.options.startFrom !== 'latest',
      });
    } catch (err) {
      throw new FloeError('KAFKA_CONNECT', `cannot start consuming: ${(err as Error).message}`, { cause: err, retryable: true });
    }
    await this.consumer.run({
      autoCommit: false,
      eachBatchAutoResolve: false,
      partitionsConsumedConcurrently: this.options.partitionsConsumedConcurrently ?? 1,
      eachBatch: (payload) => this.eachBatch(payload),
    });
  }

  /** Stops fetching, lets the orchestrator commit or drop (onRevoked), then leaves the group. */
  async stop(): Promise<void> {
    if (this.stopping) return;
    this.stopping = true;
    this.closing = true;
    this.syncPause();
    clearInterval(this.memoryTimer);
    await this.enqueue(async () => {
      await this.drained();
      await this.revokeAll('stop');
    });
    await this.consumer.disconnect().catch((err) => this.log.warn({ err }, 'consumer disconnect failed'));
    await this.admin.disconnect().catch(() => undefined);
  }

  /** Partitions owned now (assigned in the current generation, whether or not seeked yet). */
  assignment(): TopicPartition[] {
    return [...this.owned.values()].map((s) => s.tp);
  }

  pause(tps: TopicPartition[]): void {
    for (const tp of tps) this.userPaused.add(tpKey(tp));
    this.syncPause();
  }

  resume(tps: TopicPartition[]): void {
    for (const tp of tps) this.userPaused.delete(tpKey(tp));
    this.syncPause();
  }

  /**
   * Re-reads an owned partition from `offset`, e.g. after the table refused a commit because
   * another writer moved the partition's offset: the buffer is dropped and reading restarts at
   * the table's offset. Batches fetched before the seek are discarded by kafkajs.
   */
  seek(tp: TopicPartition, offset: bigint): void {
    const state = this.owned.get(tpKey(tp));
    if (!state?.ready) throw new FloeError('SOURCE_NOT_OWNED', `${tpKey(tp)} is not assigned to this member`, { details: { ...tp } });
    this.consumer.seek({ ...tp, offset: offset.toString() });
    state.nextOffset = offset;
  }

  get backpressured(): boolean {
    return this.memoryPaused;
  }

  /** Tell the source that buffers were flushed: resumes at once if usage is under the budget. */
  memoryReleased(): void {
    this.checkMemory();
  }

  /**
   * Commits Kafka group offsets (next offset per partition) as a monitoring hint only, for the
   * partitions this member owns in the current generation — assigned and seeked, or being given up
   * (the commit `onRevoked` makes). Never throws; returns false when it did not commit (not owned,
   * coordinator errors such as an expelled member's stale generation).
   *
   * A rebalance under way does not stop it: until this member rejoins, nobody else owns its
   * partitions and the coordinator accepts commits of the current generation. Partitions revoked
   * only after the rejoin (an expelled member) are not committed — they may be someone else's now;
   * the new generation commits the table's offsets as soon as its positions are set.
   */
  commitGroupOffsets(offsets: Map<TpKey, bigint>): Promise<boolean> {
    const entries: Array<TopicPartition & { offset: string }> = [];
    for (const [k, offset] of offsets) {
      const state = this.owned.get(k);
      const tp = state?.ready ? state.tp : this.revoking.get(k);
      if (tp) entries.push({ ...tp, offset: offset.toString() });
    }
    if (entries.length === 0) return Promise.resolve(false);
    const commit = this.consumer.commitOffsets(entries).then(
      () => true,
      (err: unknown) => {
        this.log.info({ err: (err as Error)?.message ?? String(err), partitions: entries.map(tpKey) }, 'group offset commit (monitoring hint) failed; the next table commit sends them again');
        return false;
      },
    );
    this.groupCommits.add(commit);
    void commit.finally(() => this.groupCommits.delete(commit));
    return commit;
  }

  /** Lag per owned partition from the last fetched batch: highWatermark − next offset. */
  lagSnapshot(): Map<TpKey, bigint> {
    const lag = new Map<TpKey, bigint>();
    for (const [k, s] of this.owned) {
      if (s.nextOffset !== undefined && s.highWatermark !== undefined) lag.set(k, maxZero(s.highWatermark - s.nextOffset));
    }
    return lag;
  }

  /** Lag per owned, seeked partition against fresh high watermarks (idle partitions included). */
  async lag(): Promise<Map<TpKey, bigint>> {
    const ready = [...this.owned.values()].filter((s) => s.ready && s.nextOffset !== undefined);
    if (ready.length === 0) return new Map();
    const marks = await fetchWatermarkMap(this.admin, ready.map((s) => s.tp));
    const lag = new Map<TpKey, bigint>();
    for (const s of ready) {
      const w = marks.get(tpKey(s.tp));
      if (!w) continue;
      s.highWatermark = w.high;
      lag.set(tpKey(s.tp), maxZero(w.high - s.nextOffset!));
    }
    return lag;
  }

  /** Counters for tests and metrics: how revocations were detected. */
  rebalanceStats(): Readonly<{ revokedBeforeJoin: number; revokedAfterJoin: number }> {
    return { ...this.stats };
  }

  // ---------------------------------------------------------------------------------------------

  private async eachBatch({ batch, resolveOffset, isStale, heartbeat }: EachBatchPayload): Promise<void> {
    const state = this.owned.get(tpKey(batch));
    // Not ours, not seeked yet, a rebalance under way, or a seek pending: drop it unresolved.
    // kafkajs fetches it again from the (seeked) position once the partition is delivered again.
    if (!state?.ready || this.closing || isStale()) return;
    this.inFlight++;
    try {
      const { topic, partition } = batch;
      const nextOffset = BigInt(batch.lastOffset()) + 1n;
      const highWatermark = BigInt(batch.highWatermark);
      if (batch.messages.length > 0) {
        const records = new FetchedRecords(topic, partition, batch.messages);
        const first = records.at(0)!;
        if (state.nextOffset !== undefined && first.offset > state.nextOffset) {
          // Compaction or retention; visible so that a reset by retention is never silent.
          this.log.info({ topic, partition, expected: String(state.nextOffset), got: String(first.offset) }, 'offset gap');
        }
        const keepAlive = <T>(work: () => Promise<T>) => this.keepingAlive(heartbeat, work);
        await this.options.hooks.onRecords({ topic, partition, records, nextOffset, highWatermark, keepAlive });
      }
      resolveOffset(batch.lastOffset());
      state.nextOffset = nextOffset;
      state.highWatermark = highWatermark;
    } finally {
      this.inFlight--;
      if (this.inFlight === 0) for (const wake of this.drainWaiters.splice(0)) wake();
    }
    this.checkMemory();
  }

  /**
   * kafkajs heartbeats only between batches, and the orchestrator may hold a batch for as long as
   * a commit takes (it commits a full buffer before reading on): it heartbeats meanwhile through
   * `SourceBatch.keepAlive`, or a slow commit gets the member expelled. A failed heartbeat (a
   * rebalance under way) is left to kafkajs, which sees it again at its own heartbeat after the batch.
   */
  private async keepingAlive<T>(heartbeat: () => Promise<void>, work: () => Promise<T>): Promise<T> {
    const timer = setInterval(() => {
      heartbeat().catch((err: unknown) => this.log.debug({ err }, 'heartbeat during a batch failed'));
    }, this.options.consumer?.heartbeatInterval ?? 3000);
    try {
      return await work();
    } finally {
      clearInterval(timer);
    }
  }

  /** Awaited by kafkajs right before JoinGroup (join-hook.ts). Never throws: the join must go on. */
  private beforeJoin(): Promise<void> {
    this.closing = true;
    return this.enqueue(async () => {
      await this.drained();
      await this.revokeAll('before-join');
    });
  }

  /** GROUP_JOIN listener: runs synchronously inside kafkajs' joinAndSync, before any fetch. */
  private onGroupJoin(memberAssignment: Record<string, number[]>): void {
    const generation = ++this.generation;
    const assigned: TopicPartition[] = [];
    for (const [topic, partitions] of Object.entries(memberAssignment)) {
      for (const partition of partitions) assigned.push({ topic, partition });
    }
    // Normally empty (revoked before the join). If not — expelled member, hook not fired — the
    // partitions may already be someone else's: revoke them now; table offsets keep this safe.
    const late = [...this.owned.values()].map((s) => s.tp);
    this.owned.clear();
    for (const tp of assigned) this.owned.set(tpKey(tp), { tp, ready: false });
    this.closing = this.stopping;
    // Pause every assigned partition, whatever we believe kafkajs' state is (a crash restart
    // gives kafkajs a fresh, unpaused state): not ready ⇒ paused, before this generation's fetch.
    this.kafkaPaused.clear();
    this.syncPause();
    this.log.info({ generation, assigned: assigned.map(tpKey) }, 'partitions assigned');

    void this.enqueue(async () => {
      if (late.length > 0) {
        this.stats.revokedAfterJoin += late.length;
        this.log.warn({ partitions: late.map(tpKey) }, 'revocation detected only after the rejoin');
        await this.options.hooks.onRevoked(late);
      }
      if (generation !== this.generation || this.stopping || assigned.length === 0) return;
      const offsets = await this.options.hooks.onAssigned(assigned);
      if (generation !== this.generation || this.stopping) return;
      const positions = await this.resolvePositions(assigned, offsets);
      if (generation !== this.generation || this.stopping) return;
      for (const tp of assigned) {
        const offset = positions.get(tpKey(tp))!;
        this.consumer.seek({ ...tp, offset: offset.toString() });
        const state = this.owned.get(tpKey(tp))!;
        state.nextOffset = offset;
        state.ready = true;
      }
      // seek() is applied by kafkajs at its next fetch, before the request is built: resuming
      // in the same tick is safe, and kafkajs discards any response fetched before the seek.
      this.syncPause();
      this.log.info({ generation, positions: Object.fromEntries([...positions].map(([k, v]) => [k, String(v)])) }, 'positions set');
      // The group's offsets follow the tables from the start of every generation: after an
      // expulsion the last commits of the old one were refused (stale generation), and a
      // partition with nothing new to read would otherwise keep showing that lag forever.
      const stored = new Map([...offsets].filter((e): e is [TpKey, bigint] => e[1] !== undefined));
      if (stored.size > 0) void this.commitGroupOffsets(stored);
    });
  }

  /**
   * Where partitions with no stored offsets start for `start` (the daemon asks per table: tables
   * reading one topic may start at different places). Only after start().
   */
  startOffsets(tps: TopicPartition[], start: StartPosition): Promise<Map<TpKey, bigint>> {
    return resolveStartOffsets(this.admin, tps, start);
  }

  private async resolvePositions(tps: TopicPartition[], stored: Map<TpKey, bigint | undefined>): Promise<Map<TpKey, bigint>> {
    const positions = new Map<TpKey, bigint>();
    const missing: TopicPartition[] = [];
    for (const tp of tps) {
      const offset = stored.get(tpKey(tp));
      if (offset === undefined) missing.push(tp);
      else positions.set(tpKey(tp), offset);
    }
    const starts = await resolveStartOffsets(this.admin, missing, this.options.startFrom ?? 'earliest');
    for (const [key, offset] of starts) positions.set(key, offset);
    return positions;
  }

  private async revokeAll(reason: 'before-join' | 'stop'): Promise<void> {
    const revoked = [...this.owned.values()].filter((s) => s.ready).map((s) => s.tp);
    const unready = [...this.owned.values()].filter((s) => !s.ready).map((s) => s.tp);
    this.owned.clear();
    this.generation++; // anything still pending for the old generation becomes a no-op
    const all = [...revoked, ...unready];
    if (all.length === 0) return;
    if (reason === 'before-join') this.stats.revokedBeforeJoin += all.length;
    this.log.info({ reason, partitions: all.map(tpKey) }, 'partitions revoked');
    // Still ours until the rejoin (or the leave): the commit onRevoked makes sends group offsets.
    for (const tp of revoked) this.revoking.set(tpKey(tp), tp);
    try {
      await this.options.hooks.onRevoked(all);
      await this.groupCommitsSettled(GROUP_COMMIT_WAIT_MS);
    } finally {
      this.revoking.clear();
    }
  }

  /** Waits (at most `ms`) for the group offset commits in flight. */
  private async groupCommitsSettled(ms: number): Promise<void> {
    if (this.groupCommits.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<void>((resolve) => (timer = setTimeout(resolve, ms)));
    await Promise.race([Promise.allSettled([...this.groupCommits]), timeout]);
    clearTimeout(timer);
  }

  /** Runs hook work strictly in order; a failing hook is fatal (the orchestrator decides). */
  private enqueue(work: () => Promise<void>): Promise<void> {
    this.chain = this.chain.then(work).catch((err) => {
      this.fatal('SOURCE_HOOK', `a source hook failed: ${(err as Error)?.message ?? String(err)}`, err);
    });
    return this.chain;
  }

  private drained(): Promise<void> {
    if (this.inFlight === 0) return Promise.resolve();
    return new Promise((resolve) => this.drainWaiters.push(resolve));
  }

  /** Brings kafkajs' paused set in line with: not ready, paused by the user, or over budget. */
  private syncPause(): void {
    if (!this.started) return;
    const toPause: TopicPartition[] = [];
    const toResume: TopicPartition[] = [];
    for (const [k, s] of this.owned) {
      const want = this.stopping || !s.ready || this.memoryPaused || this.userPaused.has(k);
      if (want && !this.kafkaPaused.has(k)) {
        toPause.push(s.tp);
        this.kafkaPaused.add(k);
      } else if (!want && this.kafkaPaused.has(k)) {
        toResume.push(s.tp);
        this.kafkaPaused.delete(k);
      }
    }
    try {
      if (toPause.length > 0) this.consumer.pause(groupByTopic(toPause));
      if (toResume.length > 0) this.consumer.resume(groupByTopic(toResume));
    } catch (err) {
      // Only before run() or after a crash, when kafkajs has no consumer group: nothing to pause.
      this.log.debug({ err }, 'pause/resume skipped');
    }
  }

  private checkMemory(): void {
    const budget = this.options.memory;
    if (!budget) return;
    const used = budget.usedBytes();
    if (!this.memoryPaused && used >= budget.limitBytes) {
      this.memoryPaused = true;
      this.log.info({ used, limit: budget.limitBytes }, 'memory budget reached: fetching paused');
      this.memoryTimer = setInterval(() => this.checkMemory(), budget.recheckMs ?? 250);
      this.memoryTimer.unref();
      this.syncPause();
    } else if (this.memoryPaused && used < (budget.resumeBelowBytes ?? budget.limitBytes * 0.75)) {
      this.memoryPaused = false;
      clearInterval(this.memoryTimer);
      this.log.info({ used }, 'memory below budget: fetching resumed');
      this.syncPause();
    }
  }

  private fatal(code: ErrorCode, message: string, cause: unknown): void {
    const err = cause instanceof FloeError ? cause : new FloeError(code, message, { cause });
    this.log.error({ err }, message);
    this.options.hooks.onFatal?.(err);
  }
}

const maxZero = (n: bigint): bigint => (n < 0n ? 0n : n);
/** How long a revocation waits for group offset commits (a hint) before rejoining or leaving. */
const GROUP_COMMIT_WAIT_MS = 5000;
