/**
 * Compaction: per partition, bin-pack small data files — and every data file that delete files
 * apply to — into files near the target size, applying the deletes while reading, and commit one
 * `replace` that also removes the delete files no remaining data file needs (keeping, merged, the
 * rows that record where a key was removed: removals.ts).
 *
 * Concurrency with ingest (docs/silver.md): the replace is validated on every attempt against the
 * fresh table — the rewritten files must still be live, and no position delete committed after
 * the starting snapshot may target them. New files take the starting snapshot's sequence number
 * (useStartingSequenceNumber), so equality deletes an ingest commit lands meanwhile still apply
 * to them, and older deletes (sequence ≤ start) never do. Kafka offsets in `floe.offsets` are
 * carried forward unchanged so recovery never depends on which snapshot type is newest.
 *
 * Files written under any older schema are rewritten too, projected onto the current schema by
 * field id (src/arrow/project.ts), so a schema change never strands delete files. The work is
 * columnar — one key and one map lookup per row for equality deletes, survivors copied with
 * src/arrow/take.ts — because per-row JS objects made silver compaction crawl (benchmarks.md).
 * Which rows deletes remove: apply-deletes.ts. Here: plan (pick files per partition), rewrite
 * (read, drop deleted rows, project, write in bins) and commit.
 */
import * as arrow from 'apache-arrow';
import { committedOffsets, OFFSETS_PROPERTY } from '../commit/offsets.js';
import { projectBatch } from '../arrow/project.js';
import { icebergSchemaToArrow } from '../arrow/schema.js';
import { takeBatch } from '../arrow/take.js';
import { commitWithRetry, type RestCatalogClient, type TableIdentifier, type LoadedTable } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { defaultSortOrder } from '../iceberg/spec/metadata.js';
import { EntryStatus, ManifestContent, type DataFile, type Schema, type Snapshot, type TableMetadata } from '../iceberg/spec/types.js';
import { RewriteFiles } from '../iceberg/table/rewrite.js';
import { branchSnapshot, currentSchema, partitionKey, readEntries, readManifests, specById } from '../iceberg/table/state.js';
import { dataLocation, writeDataFiles } from '../parquet/index.js';
import type { Compression } from '../config/index.js';
import { isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { ProgressFn } from './progress.js';
import { REPLAYED_PROPERTY, replayedOriginals } from '../commit/replayed.js';
import { addLineage, lineageArrowSchema, withLineage } from './lineage.js';
import { applies, DeleteMasks, liveIndices, type Live } from './apply-deletes.js';
import { readArrow } from './read.js';
import { keepRemovals } from './removals.js';

export interface CompactOptions {
  targetSizeBytes: number;
  /** A partition is compacted once it has this many small files (or any delete file applies). */
  minFiles: number;
  compression: Compression;
  rowGroupBytes: number;
  /** Told after each data file read (done/total files and bytes of the files picked). */
  progress?: ProgressFn;
}

export interface CompactResult {
  /** Undefined when there was nothing to compact. */
  snapshotId: number | bigint | undefined;
  partitions: number;
  dataFilesRemoved: number;
  deleteFilesRemoved: number;
  /** Merged files of removed keys' positions that replace some of the removed ones (removals.ts). */
  deleteFilesAdded: number;
  dataFilesAdded: number;
  bytesRead: number;
  bytesWritten: number;
  table: LoadedTable;
}

/** One partition's compaction: its live data files, and those picked for rewriting. */
interface Plan {
  files: Live[];
  picked: Live[];
}

export async function compactTable(catalog: RestCatalogClient, io: (t: LoadedTable) => FileIO, id: TableIdentifier, options: CompactOptions, log: Logger): Promise<CompactResult> {
  const table = await catalog.loadTable(id);
  const fio = io(table);
  const metadata = table.metadata;
  const snapshot = branchSnapshot(metadata);
  const result: CompactResult = { snapshotId: undefined, partitions: 0, dataFilesRemoved: 0, deleteFilesRemoved: 0, deleteFilesAdded: 0, dataFilesAdded: 0, bytesRead: 0, bytesWritten: 0, table };
  if (!snapshot) return result;
  const { data, deletes } = await liveFiles(fio, snapshot);
  const masks = new DeleteMasks(fio, currentSchema(metadata), metadata, deletes);
  const plans = planPartitions(data, masks, options);
  const rewriter = new Rewriter(fio, metadata, masks, options, log, plans);
  for (const plan of plans) if (await rewriter.rewrite(plan)) result.partitions++;
  const { rewritten, added } = rewriter;
  result.bytesRead = rewriter.bytesRead;
  if (rewritten.length === 0) return result;

  // A delete file goes when no data file that stays could still need it.
  const gone = new Set(rewritten.map((f) => f.file.filePath));
  const kept = data.filter((f) => !gone.has(f.file.filePath));
  const deadDeletes = deletes.filter((d) => !kept.some((f) => applies(metadata, d, f)));
  // The positions of removed keys outlive their delete files (removals.ts).
  const removals = await keepRemovals(fio, metadata, deadDeletes, options);

  const op = new RewriteFiles(
    fio,
    {
      remove: [...rewritten.map((f) => f.file), ...deadDeletes.map((d) => d.file)],
      add: added,
      addDeletesAt: removals,
      startingSnapshotId: snapshot['snapshot-id'],
      useStartingSequenceNumber: true,
    },
    { properties: carriedOffsets },
  );
  const committed = await commitWithRetry(
    catalog,
    id,
    (fresh) => op.apply(fresh),
    // Ingest commits keep landing while a replace is built; each conflict re-applies cheaply
    // (rewritten manifests are cached), so retry quickly and often rather than give up.
    { logger: log, retry: { numRetries: 100, minWaitMs: 10, maxWaitMs: 250, totalTimeoutMs: 10 * 60_000 } },
  );
  result.table = committed.table;
  result.snapshotId = branchSnapshot(committed.table.metadata)?.['snapshot-id'];
  result.dataFilesRemoved = rewritten.length;
  result.deleteFilesRemoved = deadDeletes.length;
  result.deleteFilesAdded = removals.length;
  result.dataFilesAdded = added.length;
  result.bytesWritten = added.reduce((n, f) => n + f.fileSizeInBytes, 0);
  return result;
}

/** The snapshot's live data and delete files, with their data sequence numbers. */
export async function liveFiles(fio: FileIO, snapshot: Snapshot): Promise<{ data: Live[]; deletes: Live[] }> {
  const data: Live[] = [];
  const deletes: Live[] = [];
  for (const m of await readManifests(fio, snapshot)) {
    for (const e of await readEntries(fio, m)) {
      if (e.status === EntryStatus.Deleted) continue;
      (m.content === ManifestContent.Data ? data : deletes).push({ file: e.dataFile, seq: e.sequenceNumber ?? 0 });
    }
  }
  return { data, deletes };
}

/**
 * Per partition, the files to rewrite: the small ones and every one a delete file applies to. A
 * partition is compacted when deletes apply, or when it has at least minFiles small files (and
 * two files to merge). Picked before anything is read, so progress has totals.
 */
function planPartitions(data: Live[], masks: DeleteMasks, options: CompactOptions): Plan[] {
  const small = options.targetSizeBytes * 0.75;
  const groups = new Map<string, Live[]>();
  for (const f of data) groups.set(partitionKey(f.file), [...(groups.get(partitionKey(f.file)) ?? []), f]);
  const plans: Plan[] = [];
  for (const files of groups.values()) {
    const picked = files.filter((f) => f.file.fileSizeInBytes < small || masks.of(f).length > 0);
    const smallCount = picked.filter((f) => f.file.fileSizeInBytes < small).length;
    const anyDeletes = picked.some((f) => masks.of(f).length > 0);
    if (!anyDeletes && (smallCount < options.minFiles || picked.length < 2)) continue;
    plans.push({ files, picked });
  }
  return plans;
}

/**
 * Reads the picked files of each partition, drops the rows their deletes remove, projects them
 * onto the current schema (v3: with their lineage) and writes them in bins of about one target
 * file of input, so memory holds one bin, not the partition.
 */
class Rewriter {
  readonly rewritten: Live[] = [];
  readonly added: DataFile[] = [];
  bytesRead = 0;
  private readonly schema: Schema;
  private readonly wanted: arrow.Schema;
  private readonly writeSchema: Schema;
  private readonly writeArrow: arrow.Schema;
  private readonly v3: boolean;
  private readonly total: number;
  private readonly bytesTotal: number;
  private done = 0;

  constructor(
    private readonly fio: FileIO,
    private readonly metadata: TableMetadata,
    private readonly masks: DeleteMasks,
    private readonly options: CompactOptions,
    private readonly log: Logger,
    plans: Plan[],
  ) {
    this.schema = currentSchema(metadata);
    this.wanted = icebergSchemaToArrow(this.schema);
    // v3: moved rows keep their row ids and last-updated sequence numbers, as columns (lineage.ts).
    this.v3 = metadata['format-version'] >= 3;
    this.writeSchema = this.v3 ? withLineage(this.schema) : this.schema;
    this.writeArrow = this.v3 ? lineageArrowSchema(this.wanted) : this.wanted;
    this.total = plans.reduce((n, p) => n + p.picked.length, 0);
    this.bytesTotal = plans.reduce((n, p) => n + p.picked.reduce((b, f) => b + f.file.fileSizeInBytes, 0), 0);
    if (this.total > 0) options.progress?.({ phase: 'rewrite', done: 0, total: this.total, bytesDone: 0, bytesTotal: this.bytesTotal });
  }

  /** Rewrites one partition's picked files; false when none could be used. */
  async rewrite({ files, picked }: Plan): Promise<boolean> {
    let batches: arrow.RecordBatch[] = [];
    let binBytes = 0;
    let usedAny = false;
    const flushBin = async (first: DataFile) => {
      const input = batches;
      batches = [];
      binBytes = 0;
      if (input.length > 0) this.added.push(...(await this.write(input, first)));
    };
    for (const f of picked) {
      const rows = await this.survivors(f);
      if (!rows) continue;
      batches.push(...rows);
      this.rewritten.push(f);
      usedAny = true;
      this.bytesRead += f.file.fileSizeInBytes;
      this.options.progress?.({ phase: 'rewrite', done: ++this.done, total: this.total, bytesDone: this.bytesRead, bytesTotal: this.bytesTotal });
      binBytes += f.file.fileSizeInBytes;
      if (binBytes >= this.options.targetSizeBytes) await flushBin(f.file);
    }
    if (usedAny) await flushBin(files[0]!.file);
    return usedAny;
  }

  /** The rows of `f` no delete removes, on the current schema; undefined when it cannot be projected. */
  private async survivors(f: Live): Promise<arrow.RecordBatch[] | undefined> {
    const read = await readArrow(this.fio, f.file.filePath);
    // Files of any older schema are projected onto the current one by field id (renames, added
    // columns, promotions, nested changes). What cannot be projected stays as it is, and so do
    // the delete files that apply to it.
    let projected: arrow.RecordBatch[];
    try {
      projected = read.batches.map((b) => projectBatch(b, this.schema, { formatVersion: this.metadata['format-version'] }, this.wanted));
    } catch (err) {
      if (!isFloeError(err, 'PROJECTION_UNSUPPORTED')) throw err;
      this.log.warn({ file: f.file.filePath, err: err.message }, 'compaction skips a file it cannot project onto the current schema');
      return undefined;
    }
    const dead = await this.masks.deadRows(f, read, projected);
    const out: arrow.RecordBatch[] = [];
    let at = 0;
    for (let b = 0; b < projected.length; b++) {
      const batch = this.v3 ? addLineage(projected[b]!, read.batches[b]!, at, { firstRowId: f.file.firstRowId, sequenceNumber: f.seq }, this.writeArrow) : projected[b]!;
      const live = dead ? liveIndices(dead, at, batch.numRows) : undefined;
      at += batch.numRows;
      if (live === undefined) out.push(batch);
      else if (live.length > 0) out.push(takeBatch(batch, live));
    }
    return out;
  }

  private write(input: arrow.RecordBatch[], first: DataFile): Promise<DataFile[]> {
    return writeDataFiles(new arrow.Table(this.writeArrow, input), {
      io: this.fio,
      dataLocation: dataLocation(this.metadata),
      schema: this.writeSchema,
      spec: specById(this.metadata, first.specId),
      partition: first.partition,
      targetFileSizeBytes: this.options.targetSizeBytes,
      compression: this.options.compression,
      rowGroupBytes: this.options.rowGroupBytes,
      sortOrder: defaultSortOrder(this.metadata),
    });
  }
}

/**
 * Keeps `floe.offsets` on the newest snapshot (recovery reads it from main's ancestry): the
 * summary properties of a replace, computed from the fresh metadata of each commit attempt.
 */
export function carriedOffsets(metadata: TableMetadata): Record<string, string> {
  const offsets = committedOffsets(metadata).toJson();
  const replayed = replayedOriginals(metadata);
  return {
    ...(offsets === '{}' ? {} : { [OFFSETS_PROPERTY]: offsets }),
    // The dead letters replayed into the table stay with the offsets (src/commit/replayed.ts).
    ...(replayed.isEmpty ? {} : { [REPLAYED_PROPERTY]: replayed.toJson() }),
  };
}

export type { Schema };
