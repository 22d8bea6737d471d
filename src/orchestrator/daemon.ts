/**
 * `floe run`: one Kafka consumer group member feeding Iceberg tables, from start to exit.
 *
 * Lifecycle: connect (catalog, registry, Kafka) → serve /healthz /readyz /metrics → consume until
 * the signal aborts or a fatal error → stop fetching, flush and commit every table, leave the group
 * → exit 0 (or the fatal error's code). Shutdown is bounded by `shutdown.timeoutMs`.
 */
import { setRecycleLimit } from '../arrow/recycle.js';
import type { FloeConfig, TableMapping } from '../config/index.js';
import type { RestCatalogClient } from '../iceberg/catalog/index.js';
import { withAdmin } from '../source/admin.js';
import { KafkaSource } from '../source/consumer.js';
import { DeadLetterSink } from '../source/dead-letter.js';
import { deadLetterTopicFor } from '../config/index.js';
import { startPositions } from './start-positions.js';
import { tpKey, type SourceBatch, type TopicPartition, type TpKey } from '../source/types.js';
import { FloeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { CatalogTableStore, consumerSettings, createKafka, createRegistry, encoderFor, s3Options } from './table-store.js';
import { connectDependencies } from './startup.js';
import { daemonMetrics, maintenanceMetrics, type DaemonMetrics } from './metrics.js';
import type { CommitInfo, DeadLetterQueue, WriterEvents } from './ports.js';
import { RecordHandler, type RecordContext } from './records.js';
import { Router } from './router.js';
import { isFatal } from './errors.js';
import { TableWriter } from './table-writer.js';
import { WriterSet } from './writers.js';
import { RecordFamilies, type RecordTables } from './record-tables.js';
import { MaintenanceScheduler } from '../maintain/schedule.js';
import { settingsFor } from '../maintain/index.js';
import { version } from '../util/version.js';
import { freshnessSeconds } from './freshness.js';
import { StatusBoard } from './live-status.js';
import { serveDaemonEndpoints } from './endpoints.js';
import { TopicWatch } from './topic-watch.js';
import { FlushControl } from './flush-control.js';

const TICK_MS = 200;
/** Shared empty lists for the record loop (never written to): no allocation per record. */
const NONE: TableWriter[] = [];
const NONE_ROUTED: RecordTables[] = [];
const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

export class Daemon implements WriterEvents {
  readonly metrics: DaemonMetrics;
  private readonly router: Router;
  private readonly writers: WriterSet;
  /** Targets routed by record type ({record} templates): their tables appear as records arrive. */
  private readonly families: RecordFamilies;
  private readonly gens = new Map<TpKey, number>();
  private source: KafkaSource | undefined;
  private catalog: RestCatalogClient | undefined;
  private readonly dlq = new Map<string, DeadLetterSink>();
  private fatalError: unknown;
  private stopping = false;
  private joined = false;
  private lastTick = Date.now();
  private wake: () => void = () => undefined;
  private maintenance: MaintenanceScheduler | undefined;
  /** Partitions seen with lag and no batch since: records waiting in Kafka, since when (ms). */
  private readonly waiting = new Map<TpKey, number>();
  /** Lag, freshness over the last hour, recent commits and errors for the status page (bounded). */
  private readonly board = new StatusBoard();
  /** Commit triggers, the memory budget and backpressure across the writers. */
  private readonly flushes: FlushControl<TableWriter>;
  /** Set while start-up waits for a dependency: what /readyz reports. */
  private waitingFor: string | undefined;
  /** With a topicPattern: lists topics every kafka.topicRefreshMs and re-subscribes on a change. */
  private topicWatch: TopicWatch | undefined;

  constructor(
    private readonly config: FloeConfig,
    private readonly log: Logger,
    private readonly hooks: { onServing?: (url: string) => void } = {},
  ) {
    this.metrics = daemonMetrics({ defaults: true, build: { version: version(), revision: process.env.FLOE_BUILD_REVISION ?? 'unknown' } });
    this.router = new Router(config.tables);
    this.writers = new WriterSet();
    this.families = new RecordFamilies((topic) => this.router.recordRoutes(topic));
    this.flushes = new FlushControl({
      writers: () => this.writers.all(),
      budgetBytes: config.memory.budgetBytes,
      onFailure: (err) => this.fail(err),
      onMemoryReleased: () => this.source?.memoryReleased(),
      nextCheckInMs: () => Math.min(TICK_MS, Math.max(0, this.lastTick + TICK_MS - Date.now())),
    });
  }

  async run(signal: AbortSignal): Promise<number> {
    const server = await serveDaemonEndpoints(this.config.server, this.metrics.registry, {
      lastTick: () => this.lastTick,
      joined: () => this.joined,
      waitingFor: () => this.waitingFor,
      catalog: () => this.catalog,
      status: () =>
        this.board.snapshot({
          groupId: this.config.kafka.groupId,
          ready: this.joined && this.catalog !== undefined,
          writers: this.writers.all(),
          templates: this.families.all().map((f) => f.view()),
          waiting: this.waiting,
          now: Date.now(),
        }),
    });
    if (server) {
      this.log.info({ url: server.url }, 'serving the status page (/, /status.json), /healthz, /readyz and /metrics');
      this.hooks.onServing?.(server.url);
    }
    const timers: NodeJS.Timeout[] = [];
    try {
      await this.start(signal);
      timers.push(setInterval(() => this.tick(), TICK_MS));
      timers.push(setInterval(() => void this.updateLag(), 5000));
      void this.updateLag(); // the status page has lag from the start, not after 5 s
      await new Promise<void>((resolve) => {
        this.wake = resolve;
        if (signal.aborted || this.fatalError !== undefined) resolve();
        signal.addEventListener('abort', () => resolve(), { once: true });
      });
      this.log.info({ reason: this.fatalError === undefined ? 'signal' : 'fatal error' }, 'shutting down');
      const clean = await this.shutdown();
      if (this.fatalError !== undefined) throw this.fatalError;
      return clean ? 0 : 1;
    } finally {
      for (const t of timers) clearInterval(t);
      await server?.close();
    }
  }

  private async start(signal: AbortSignal): Promise<void> {
    const log = this.log;
    const wait = { signal, log, onWaiting: (reason: string | undefined) => void (this.waitingFor = reason) };
    const connected = await connectDependencies(this.config, wait);
    if (connected === undefined) return;
    const { catalog, kafka } = connected;
    this.catalog = catalog;
    const store = new CatalogTableStore(this.catalog, s3Options(this.config), log.child({ component: 'commit' }), encoderFor(this.config, log));
    const registry = createRegistry(this.config);
    const handler = new RecordHandler(registry, log);
    const deadLetters: DeadLetterQueue = {
      add: (letter, template) => this.deadLetterSink(kafka, template).add(letter),
      flush: async () => {
        await Promise.all([...this.dlq.values()].map((s) => s.flush()));
      },
    };
    // Written batches' string and binary buffers wait for the next batch (src/arrow/recycle.ts):
    // at most two commits' worth at the default share of the budget (cadence.ts, budget / 32).
    setRecycleLimit(Math.floor(this.config.memory.budgetBytes / 16));
    this.writers.configure((route) => new TableWriter(route.table, route.mapping, { store, files: store, deadLetters, events: this, metrics: this.metrics, log, memoryBudgetBytes: this.config.memory.budgetBytes }));
    this.families.configure({ writer: (r) => this.writers.get(r), existing: (name) => this.writers.peek(name), store, deadLetters, metrics: this.metrics });
    const mlog = log.child({ component: 'maintenance' });
    this.maintenance = new MaintenanceScheduler({ catalog: this.catalog, io: (t) => store.io(t), log: mlog }, mlog, (e) => maintenanceMetrics(this.metrics, e));

    const listTopics = async () => this.router.subscription(this.router.needsTopicListing ? await withAdmin(kafka, (a) => a.listTopics()) : []);
    const topics = await listTopics();
    if (topics.length === 0) throw new FloeError('NO_TOPICS', 'no existing topic matches any table mapping');
    log.info({ topics }, 'subscribing');
    this.source = this.createSource(kafka, topics, handler);
    await this.source.start();
    if (this.router.needsTopicListing) {
      this.topicWatch = new TopicWatch(topics, {
        intervalMs: this.config.kafka.topicRefreshMs,
        list: listTopics,
        apply: (next) => this.resubscribe(kafka, next, handler),
        log,
      });
      this.topicWatch.start();
    }
  }

  private createSource(kafka: ReturnType<typeof createKafka>, topics: string[], handler: RecordHandler): KafkaSource {
    const k = this.config.kafka;
    return new KafkaSource({
      kafka,
      groupId: k.groupId,
      topics,
      logger: this.log,
      memory: { limitBytes: this.config.memory.budgetBytes, usedBytes: () => this.flushes.usedBytes },
      consumer: consumerSettings(k),
      hooks: {
        onAssigned: (tps) => this.onAssigned(tps),
        onRevoked: (tps) => this.onRevoked(tps),
        onRecords: (batch) => this.onRecords(batch, handler),
        onFatal: (err) => this.sourceFailed(err),
        // A deleted topic makes kafkajs crash and restart in a loop, reading nothing meanwhile:
        // list the topics now rather than at the next refresh.
        onRestart: () => void this.topicWatch?.checkSoon(),
      },
    });
  }

  /**
   * Replaces the consumer by one subscribed to `topics` (kafkajs cannot change a running
   * consumer's subscription). The old member stops like at shutdown — its buffers are committed
   * (onRevoked), then it leaves the group — and the new one joins; every partition, old or new,
   * is read from the offsets in the tables, as after any rebalance.
   */
  private async resubscribe(kafka: ReturnType<typeof createKafka>, topics: string[], handler: RecordHandler): Promise<void> {
    if (this.stopping) return;
    await this.source?.stop();
    let delay = 500;
    while (!this.stopping) {
      const next = this.createSource(kafka, topics, handler);
      this.source = next;
      try {
        await next.start();
        this.log.info({ topics }, 'subscribing');
        return;
      } catch (err) {
        if (!(isFloeError(err) && err.retryable)) return this.fail(err);
        this.log.warn({ err: err.message, retryInMs: delay }, 're-subscribing: retrying');
        await next.stop().catch(() => undefined);
        await sleep(delay);
        delay = Math.min(delay * 2, 30_000);
      }
    }
  }

  /**
   * The consumer gave up. With a topicPattern this is what a deleted topic does to kafkajs (its
   * metadata requests fail for the missing topic): if the topics changed, re-subscribe instead
   * of stopping; otherwise the failure is fatal.
   */
  private sourceFailed(err: FloeError): void {
    const watch = this.topicWatch;
    if (!watch || this.stopping) return this.fail(err);
    const before = watch.topics;
    void watch.check().then(() => {
      if (watch.topics === before) this.fail(err);
    });
  }

  private deadLetterSink(kafka: ReturnType<typeof createKafka>, template: string): DeadLetterSink {
    let sink = this.dlq.get(template);
    if (!sink) {
      sink = new DeadLetterSink({ kafka, topic: (r) => deadLetterTopicFor(template, r.topic), logger: this.log });
      this.dlq.set(template, sink);
      // add() only queues; the producer connects in the background and flush() waits for it
      // (a failed connect makes the flush, and so the commit, fail and retry).
      sink.start().catch(() => undefined);
    }
    return sink;
  }

  // ---- source hooks -------------------------------------------------------------------------

  private async onAssigned(tps: TopicPartition[]): Promise<Map<TpKey, bigint | undefined>> {
    this.metrics.rebalances.inc();
    const out = new Map<TpKey, bigint | undefined>();
    try {
      await this.writers.settled();
      const byWriter = new Map<TableWriter, TopicPartition[]>();
      for (const tp of tps) {
        this.bump(tp);
        for (const route of this.router.routes(tp.topic)) {
          const w = this.writers.get(route);
          byWriter.set(w, [...(byWriter.get(w) ?? []), tp]);
        }
      }
      const merge = (key: TpKey, offset: bigint | undefined) => {
        // A partition feeding several tables is read from the lowest of their offsets; each
        // table skips what it already has.
        const prev = out.get(key);
        out.set(key, !out.has(key) ? offset : prev === undefined || offset === undefined ? undefined : prev < offset ? prev : offset);
      };
      const retrying = <T>(what: string, fn: () => Promise<T>) => this.retrying(what, fn, () => !this.stopping);
      const startsOf = (m: TableMapping, table: string, fresh: TopicPartition[]) => startPositions(this.source!, retrying, this.log, m, table, fresh);
      for (const [w, list] of byWriter) {
        const offsets = await retrying(`offsets of ${w.fullName}`, () => w.assign(list));
        if (offsets) {
          const starts = await startsOf(w.mapping, w.fullName, list.filter((tp) => offsets.get(tpKey(tp)) === undefined));
          if (starts) w.startAt(starts);
          for (const [key, offset] of starts ?? []) offsets.set(key, offset);
        }
        for (const [key, offset] of offsets ?? []) merge(key, offset);
      }
      // Tables routed by record type: resume at the lowest offset any of the topic's tables holds.
      const routed = await this.families.assign(tps, {
        retrying,
        startPositions: (f, fresh) => startsOf(f.mapping, f.label, fresh),
        isStatic: (topic, name) => this.router.routes(topic).some((r) => r.fullName === name),
      });
      for (const [key, offset] of routed) merge(key, offset);
      this.joined = true;
      this.log.info({ partitions: tps.map(tpKey) }, 'partitions assigned');
    } catch (err) {
      this.fail(err);
    }
    return out;
  }

  private async onRevoked(tps: TopicPartition[]): Promise<void> {
    const affected = this.writers.all().filter((w) => tps.some((tp) => w.covers(tp)));
    if (this.fatalError === undefined) {
      // Commit what is buffered while we still own the partitions; a commit that does not finish
      // in time may still land later, which the continuity check makes harmless.
      const budget = Math.max(1000, Math.min(this.config.kafka.sessionTimeoutMs - 2000, this.config.shutdown.timeoutMs));
      const done = Promise.all(affected.map((w) => w.flush('revoke').catch((err) => this.fail(err))));
      const timedOut = await Promise.race([done.then(() => false), sleep(budget).then(() => true)]);
      if (timedOut) this.log.warn({ budgetMs: budget }, 'commit on revocation still running; the next owner re-reads what it does not cover');
    } else {
      for (const w of affected) w.discard();
    }
    for (const w of affected) w.revoke(tps);
    for (const topic of new Set(tps.map((tp) => tp.topic))) for (const f of this.families.of(topic)) f.revoke(tps);
    for (const tp of tps) {
      this.bump(tp);
      this.metrics.lag.remove({ topic: tp.topic, partition: String(tp.partition) });
      this.waiting.delete(tpKey(tp));
      this.board.revoked(tpKey(tp));
    }
  }

  private async onRecords(batch: SourceBatch, handler: RecordHandler): Promise<void> {
    if (this.stopping) return;
    const key = tpKey(batch);
    this.waiting.delete(key);
    const gen = this.gens.get(key) ?? 0;
    const writers = this.router.routes(batch.topic).map((r) => this.writers.get(r));
    const families = this.families.of(batch.topic);
    const ctx: RecordContext = {
      current: () => !this.stopping && (this.gens.get(key) ?? 0) === gen,
      retrying: (what, fn) => this.retrying(what, fn, () => ctx.current()),
    };
    // Per record, this loop is the daemon's hottest code on small records: no array, closure or
    // promise is made for a record unless it needs one (several tables or record-type routing, a
    // full buffer, a record the handler cannot land synchronously), and the two input counters
    // are added once per batch (prom-client hashes the labels on every inc). The loops count
    // rather than iterate: in this async function V8 allocated an iterator and its results for
    // each `for...of`, three per record (docs/benchmarks.md, "Allocations per record").
    const one = writers.length === 1 ? writers[0]! : undefined;
    const records = batch.records;
    let recordsIn = 0;
    let bytesIn = 0;
    try {
      for (let r = 0; r < records.length; r++) {
        const record = records.at(r)!;
        if (!ctx.current()) return;
        const targets = one ? (one.wants(record) ? writers : NONE) : writers.filter((w) => w.wants(record));
        const routed = families.length === 0 ? NONE_ROUTED : families.filter((f) => f.needs(record));
        if (targets.length === 0 && routed.length === 0) continue;
        const touched = routed.length === 0 ? targets : [...targets, ...routed.flatMap((f) => f.wanting(record))];
        // The commit bounds hold per record, not per fetched batch: a batch read while catching
        // up can hold many times maxRecords (issue #11).
        for (let i = 0; i < touched.length; i++) {
          const w = touched[i]!;
          if (w.full() !== undefined && !(await this.flushes.makeRoom(w, ctx, batch))) return;
        }
        recordsIn++;
        bytesIn += record.sizeBytes;
        const handled = handler.handleNow(record, targets, ctx, routed);
        if (!(handled === true || (handled !== false && (await handled)))) return;
        const flushable = routed.length === 0 ? targets : [...targets, ...routed.flatMap((f) => f.writers)];
        for (let i = 0; i < flushable.length; i++) this.flushes.maybeFlush(flushable[i]!);
      }
    } catch (err) {
      this.fail(err);
      return;
    } finally {
      if (recordsIn > 0) {
        this.metrics.recordsIn.inc({ topic: batch.topic }, recordsIn);
        this.metrics.bytesIn.inc({ topic: batch.topic }, bytesIn);
      }
    }
    this.flushes.recount();
    for (const w of [...writers, ...families.flatMap((f) => f.writers)]) this.flushes.maybeFlush(w);
  }

  // ---- writer events --------------------------------------------------------------------------

  reseek(table: string, partitions: Array<TopicPartition & { offset: bigint | undefined }>, failure?: unknown): void {
    if (failure !== undefined) this.board.error(failure, Date.now(), table);
    for (const p of partitions) {
      this.bump(p);
      // Every table fed by the partition skips what it already has: seek to the lowest need.
      let target: bigint | undefined = p.offset ?? 0n;
      for (const w of this.writers.all()) {
        if (!w.covers(p)) continue;
        const pos = w.position(p) ?? 0n;
        if (pos < target) target = pos;
      }
      try {
        this.source?.seek(p, target);
        this.log.info({ table, topic: p.topic, partition: p.partition, offset: String(target) }, 're-reading partition');
      } catch (err) {
        if (!isFloeError(err, 'SOURCE_NOT_OWNED')) throw err;
      }
    }
  }

  committed(table: string, offsets: Array<TopicPartition & { offset: bigint }>, info: CommitInfo): void {
    this.board.committed(table, info, Date.now());
    // Only a monitoring hint (lag in Kafka tooling): the table is the source of truth.
    void this.source?.commitGroupOffsets(new Map(offsets.map((o) => [tpKey(o), o.offset])));
  }

  // ---- ticks, lag, shutdown -----------------------------------------------------------------

  private tick(): void {
    this.lastTick = Date.now();
    if (this.stopping) return;
    const all = this.writers.all();
    const over = this.flushes.recount();
    this.metrics.bufferedBytes.set({}, this.flushes.usedBytes);
    this.metrics.backpressured.set({}, this.source?.backpressured ? 1 : 0);
    for (const w of all) {
      this.flushes.maybeFlush(w, over);
      this.maintenance?.track(w.id, () => settingsFor(this.config, w.id));
      const waitingSince = [...this.waiting].filter(([k]) => w.coversKey(k)).map(([, since]) => since);
      const freshness = freshnessSeconds(this.lastTick, w.oldestPendingMs, waitingSince);
      this.metrics.freshness.set({ table: w.fullName }, freshness);
      this.board.freshness(w.fullName, this.lastTick, freshness);
      this.metrics.lastCommitAge.set({ table: w.fullName }, w.lastCommitAgeSeconds());
    }
  }

  private async updateLag(): Promise<void> {
    try {
      const now = Date.now();
      for (const [key, lag] of (await this.source?.lag()) ?? []) {
        const i = key.lastIndexOf(':');
        this.metrics.lag.set({ topic: key.slice(0, i), partition: key.slice(i + 1) }, Number(lag));
        this.board.lagPolled(key, lag);
        // Records in Kafka that no batch has brought yet: they wait at least since now. A batch
        // arriving for the partition clears this (those records are then timed exactly).
        if (lag === 0n) this.waiting.delete(key);
        else if (!this.waiting.has(key)) this.waiting.set(key, now);
      }
    } catch (err) {
      this.log.debug({ err }, 'lag update failed');
    }
  }

  private async shutdown(): Promise<boolean> {
    this.stopping = true;
    const timeoutMs = this.config.shutdown.timeoutMs;
    const work = (async () => {
      // stop(): no more fetching, onRevoked (flush and commit everything), leave the group.
      await this.topicWatch?.stop(); // a re-subscription under way ends first (it checks stopping)
      await this.maintenance?.stop();
      await this.source?.stop();
      await this.writers.settled();
      await Promise.all([...this.dlq.values()].map((s) => s.stop()));
    })();
    const ok = await Promise.race([work.then(() => true), sleep(timeoutMs).then(() => false)]);
    if (!ok) this.log.error({ timeoutMs }, 'shutdown did not finish within shutdown.timeoutMs; exiting anyway (uncommitted records are re-read on restart)');
    else this.log.info('stopped cleanly');
    return ok;
  }

  /** The first fatal error stops the daemon; its code decides the exit code. */
  fail(err: unknown): void {
    if (this.fatalError !== undefined) return;
    const cause = isFloeError(err, 'SOURCE_HOOK') && isFloeError(err.cause) ? err.cause : err;
    this.fatalError = cause;
    this.log.error({ err: cause }, 'fatal error');
    this.board.error(cause, Date.now());
    this.stopping = true;
    this.wake();
  }

  private bump(tp: TopicPartition): void {
    const key = tpKey(tp);
    this.gens.set(key, (this.gens.get(key) ?? 0) + 1);
  }

  /** Retries retryable errors with backoff while `keepGoing()`; undefined when it gave up because of that. */
  private async retrying<T>(what: string, fn: () => Promise<T>, keepGoing: () => boolean): Promise<T | undefined> {
    let delay = 250;
    for (;;) {
      try {
        return await fn();
      } catch (err) {
        if (isFatal(err) || !(isFloeError(err) && err.retryable)) throw err;
        if (!keepGoing()) return undefined;
        this.log.warn({ err: err.message, retryInMs: delay }, `${what}: retrying`);
        this.board.error(new FloeError(err.code, `${what}: ${err.message} (retrying in ${delay} ms)`), Date.now());
        await sleep(delay);
        delay = Math.min(delay * 2, 30_000);
        if (!keepGoing()) return undefined;
      }
    }
  }
}
