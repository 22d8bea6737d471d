/**
 * `floe status`: where every mapped table stands, from the catalog and Kafka alone — no daemon
 * needs to run, because the tables hold their offsets (`floe.offsets`) and Kafka holds the rest.
 *
 * Per table: committed offsets against the high watermarks (lag in records, and as the age of
 * the oldest record not committed, read from Kafka), the last commit, snapshot count, data and
 * delete files with their average size (from the manifests, so other engines' commits count
 * too), and the dead letters of each source topic (records in its dead-letter topic). A `{record}`
 * template's tables are found as the daemon finds them after a restart (findRecordTables), each a
 * row of its own; the template is a row too while some of its records are in none of them.
 */
import type { Kafka } from 'kafkajs';
import { committedOffsets } from '../commit/offsets.js';
import { deadLetterTopicFor, type FloeConfig } from '../config/index.js';
import type { LoadedTable, RestCatalogClient, TableIdentifier } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { EntryStatus, FileContent, type TableMetadata } from '../iceberg/spec/types.js';
import { branchSnapshot, readEntries, readManifests } from '../iceberg/table/state.js';
import { fetchWatermarks, withAdmin } from '../source/admin.js';
import { readRanges } from '../source/reader.js';
import { tpKey, type TpKey } from '../source/types.js';
import { isFloeError } from '../util/errors.js';
import { findRecordTables, type TableLister } from './record-tables.js';
import { Router, type Route } from './router.js';

export interface PartitionStatus {
  topic: string;
  partition: number;
  /** Next offset the table needs (undefined: it has none for this partition yet). */
  committed: string | undefined;
  low: string;
  high: string;
  lagRecords: number;
  /** Kafka timestamp of the oldest record not committed (ms), when there is lag. */
  oldestUncommittedMs: number | undefined;
}

export interface TableStatus {
  table: string;
  mode: string;
  /**
   * For a table named by a `{record}` template, the template (`namespace.template`). Such a table
   * lists only the partitions it holds offsets for, and its lag on each counts every record of the
   * topic after its committed offset, its siblings' records included (only decoding tells their
   * types apart). The template itself is a row of its own (`exists` false, `table` the template)
   * when it has no table yet, or when some partition with records has no offset in any of its
   * tables; that row counts those partitions from their low watermark.
   */
  template?: string;
  exists: boolean;
  topics: string[];
  partitions: PartitionStatus[];
  lagRecords: number;
  /** Age of the oldest record not committed, in seconds; 0 when caught up. */
  lagSeconds: number;
  lastCommitMs: number | undefined;
  snapshots: number;
  dataFiles: number;
  deleteFiles: number;
  dataBytes: number;
  deleteBytes: number;
  avgDataFileBytes: number;
  /** Dead letters per source topic: records in its dead-letter topic (`low`..`high`). */
  deadLetters: Array<{ topic: string; deadLetterTopic: string; records: number; shared: boolean }>;
}

/** A table to report, and how it was found. */
interface Target {
  route: Route;
  topics: string[];
  /** Set for the tables of a `{record}` template: `namespace.template`. */
  template?: string;
  /** The template's own row: records of partitions none of its tables holds offsets for. */
  noTable?: boolean;
  /** Already loaded while finding it. */
  loaded?: LoadedTable;
  /** Per topic, the partitions this table reports (absent: all of them). */
  only: Map<string, (partition: number) => boolean>;
}

export interface StatusDeps {
  config: FloeConfig;
  kafka: Kafka;
  catalog: RestCatalogClient;
  io: (t: LoadedTable) => FileIO;
  now?: () => number;
  /** Reads each lagging partition's first record not committed (tests replace the Kafka read). */
  readRanges?: typeof readRanges;
}

/** Files of the current snapshot: counts and bytes, by content. */
export async function fileStats(io: FileIO, metadata: TableMetadata): Promise<{ dataFiles: number; deleteFiles: number; dataBytes: number; deleteBytes: number }> {
  const out = { dataFiles: 0, deleteFiles: 0, dataBytes: 0, deleteBytes: 0 };
  for (const m of await readManifests(io, branchSnapshot(metadata))) {
    for (const e of await readEntries(io, m)) {
      if (e.status === EntryStatus.Deleted) continue;
      if (e.dataFile.content === FileContent.Data) {
        out.dataFiles++;
        out.dataBytes += Number(e.dataFile.fileSizeInBytes);
      } else {
        out.deleteFiles++;
        out.deleteBytes += Number(e.dataFile.fileSizeInBytes);
      }
    }
  }
  return out;
}

export async function tableStatuses(deps: StatusDeps): Promise<TableStatus[]> {
  const { config, kafka, catalog } = deps;
  const now = (deps.now ?? Date.now)();
  const router = new Router(config.tables);
  const existing = await withAdmin(kafka, (a) => a.listTopics());
  const topics = router.subscription(existing).filter((t) => existing.includes(t));
  const watermarks = await withAdmin(kafka, (a) => fetchWatermarks(a, topics));
  const byTopic = new Map<string, typeof watermarks>();
  for (const w of watermarks) byTopic.set(w.topic, [...(byTopic.get(w.topic) ?? []), w]);

  // Tables and the topics that feed them, in configuration order; then those of {record} templates.
  const tables = new Map<string, Target>();
  const add = (target: Omit<Target, 'topics' | 'only'>, topic: string, only?: (partition: number) => boolean) => {
    const t = tables.get(target.route.fullName) ?? { ...target, topics: [] as string[], only: new Map<string, (partition: number) => boolean>() };
    if (!t.topics.includes(topic)) t.topics.push(topic);
    if (only) t.only.set(topic, only);
    tables.set(target.route.fullName, t);
  };
  for (const topic of topics) for (const route of router.routes(topic)) add({ route }, topic);
  const named = new Set(tables.keys());
  for (const topic of topics) await addRecordTables(catalog, router, topic, byTopic.get(topic) ?? [], named, add);

  const dlqTopics = new Map<string, string[]>();
  for (const { route, topics: ts } of tables.values()) {
    if (route.mapping.errors.policy !== 'dead-letter') continue;
    for (const t of ts) {
      const dlq = deadLetterTopicFor(route.mapping.errors.deadLetterTopic, t);
      if (!dlqTopics.get(dlq)?.includes(t)) dlqTopics.set(dlq, [...(dlqTopics.get(dlq) ?? []), t]);
    }
  }
  const dlqPresent = [...dlqTopics.keys()].filter((t) => existing.includes(t));
  const dlqWatermarks = await withAdmin(kafka, (a) => fetchWatermarks(a, dlqPresent));
  const dlqCount = new Map<string, number>();
  for (const w of dlqWatermarks) dlqCount.set(w.topic, (dlqCount.get(w.topic) ?? 0) + Number(w.high - w.low));

  const out: TableStatus[] = [];
  const pending: Array<{ status: PartitionStatus; from: bigint; to: bigint }> = [];
  for (const [name, { route, topics: ts, template, noTable, loaded: found, only }] of tables) {
    const loaded = noTable ? undefined : (found ?? (await loadTable(catalog, route.table)));
    const metadata = loaded?.metadata;
    const offsets = metadata ? committedOffsets(metadata) : undefined;
    const partitions: PartitionStatus[] = [];
    for (const t of ts) {
      for (const w of byTopic.get(t) ?? []) {
        if (only.get(t)?.(w.partition) === false) continue;
        const committed = offsets?.get(t, w.partition);
        // Without offsets the table needs everything still in the topic (it starts at the earliest).
        const from = committed === undefined || committed < w.low ? w.low : committed;
        const lag = w.high > from ? w.high - from : 0n;
        const status: PartitionStatus = { topic: t, partition: w.partition, committed: committed?.toString(), low: w.low.toString(), high: w.high.toString(), lagRecords: Number(lag), oldestUncommittedMs: undefined };
        partitions.push(status);
        if (lag > 0n) pending.push({ status, from, to: w.high });
      }
    }
    const files = loaded && metadata ? await fileStats(deps.io(loaded), metadata) : { dataFiles: 0, deleteFiles: 0, dataBytes: 0, deleteBytes: 0 };
    const current = metadata ? branchSnapshot(metadata) : undefined;
    out.push({
      table: name,
      mode: route.mapping.mode,
      ...(template === undefined ? {} : { template }),
      exists: loaded !== undefined,
      topics: ts,
      partitions,
      lagRecords: partitions.reduce((n, p) => n + p.lagRecords, 0),
      lagSeconds: 0,
      lastCommitMs: current?.['timestamp-ms'] === undefined ? undefined : Number(current['timestamp-ms']),
      snapshots: metadata?.snapshots?.length ?? 0,
      ...files,
      avgDataFileBytes: files.dataFiles === 0 ? 0 : Math.round(files.dataBytes / files.dataFiles),
      deadLetters: route.mapping.errors.policy !== 'dead-letter' ? [] : ts.map((t) => {
        const dlq = deadLetterTopicFor(route.mapping.errors.deadLetterTopic, t);
        return { topic: t, deadLetterTopic: dlq, records: dlqCount.get(dlq) ?? 0, shared: (dlqTopics.get(dlq)?.length ?? 0) > 1 };
      }),
    });
  }

  // One read for every lagging partition: the first record not committed gives the age.
  if (pending.length > 0) {
    const byKey = new Map<TpKey, PartitionStatus[]>();
    for (const p of pending) byKey.set(tpKey(p.status), [...(byKey.get(tpKey(p.status)) ?? []), p.status]);
    const ranges = new Map<TpKey, { topic: string; partition: number; from: bigint; to: bigint; limit: number }>();
    for (const p of pending) {
      const k = tpKey(p.status);
      const prev = ranges.get(k);
      if (!prev || p.from < prev.from) ranges.set(k, { topic: p.status.topic, partition: p.status.partition, from: p.from, to: p.to, limit: 1 });
    }
    const firstTs = new Map<TpKey, number>();
    await (deps.readRanges ?? readRanges)(kafka, [...ranges.values()], (r) => void firstTs.set(tpKey(r), r.timestamp), { timeoutMs: 30_000, groupPrefix: 'floe-status' });
    for (const p of pending) {
      // Tables sharing a partition at different offsets get the record at the lowest of them:
      // exact for the table furthest behind, an upper bound of the age for the others.
      const ts = firstTs.get(tpKey(p.status));
      if (ts !== undefined && ts >= 0) p.status.oldestUncommittedMs = ts;
    }
  }
  for (const t of out) {
    const oldest = Math.min(...t.partitions.map((p) => p.oldestUncommittedMs ?? Infinity));
    t.lagSeconds = Number.isFinite(oldest) ? Math.max(0, (now - oldest) / 1000) : 0;
  }
  return out;
}

const missing = (err: unknown) => isFloeError(err, 'CATALOG_NO_SUCH_TABLE') || isFloeError(err, 'CATALOG_NO_SUCH_NAMESPACE') || isFloeError(err, 'CATALOG_NOT_FOUND');

async function loadTable(catalog: RestCatalogClient, id: TableIdentifier): Promise<LoadedTable | undefined> {
  try {
    return await catalog.loadTable(id);
  } catch (err) {
    if (!missing(err)) throw err;
    return undefined;
  }
}

/**
 * The tables each `{record}` template of a topic made (found as the daemon finds them after a
 * restart: record-tables.ts), and the template's own row when some of the topic's records are in
 * none of them yet. A table another target names (`named`), or an earlier template of the topic
 * found, is not counted again.
 */
async function addRecordTables(
  catalog: RestCatalogClient,
  router: Router,
  topic: string,
  watermarks: Array<{ partition: number; low: bigint; high: bigint }>,
  named: Set<string>,
  add: (target: Omit<Target, 'topics' | 'only'>, topic: string, only?: (partition: number) => boolean) => void,
): Promise<void> {
  const lister: TableLister = {
    list: (namespace) => catalog.listTables(namespace).catch((err: unknown) => (missing(err) ? [] : Promise.reject(err))),
    load: (id) => loadTable(catalog, id),
  };
  const claimed = new Set<string>();
  const routes = router.recordRoutes(topic);
  for (const { mapping } of routes) {
    const template = [...mapping.namespace, mapping.table].join('.');
    const rivals = routes.map((r) => r.mapping).filter((m) => m !== mapping);
    const found = await findRecordTables(lister, mapping, topic, { skip: (name) => named.has(name) || claimed.has(name), rivals });
    const held = new Set<number>();
    for (const { id, fullName, loaded } of found) {
      claimed.add(fullName);
      const offsets = committedOffsets(loaded.metadata);
      const mine = new Set(watermarks.map((w) => w.partition).filter((p) => offsets.get(topic, p) !== undefined));
      for (const p of mine) held.add(p);
      add({ route: { mapping, table: id, fullName }, template, loaded }, topic, (p) => mine.has(p));
    }
    const uncovered = watermarks.filter((w) => !held.has(w.partition));
    if (found.length === 0 || uncovered.some((w) => w.high > w.low)) {
      add({ route: { mapping, table: { namespace: [...mapping.namespace], name: mapping.table }, fullName: template }, template, noTable: true }, topic, (p) => !held.has(p));
    }
  }
}
