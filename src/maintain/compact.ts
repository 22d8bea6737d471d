/**
 * Compaction: per partition, bin-pack small data files — and every data file that delete files
 * apply to — into files near the target size, applying the deletes while reading, and commit one
 * `replace` that also removes the delete files no remaining data file needs.
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
 */
import * as arrow from 'apache-arrow';
import { committedOffsets, OFFSETS_PROPERTY } from '../commit/offsets.js';
import { projectBatch } from '../arrow/project.js';
import { icebergSchemaToArrow } from '../arrow/schema.js';
import { takeBatch } from '../arrow/take.js';
import { commitWithRetry, type RestCatalogClient, type TableIdentifier, type LoadedTable } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { defaultSortOrder } from '../iceberg/spec/metadata.js';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import type { BaseState } from '../iceberg/table/producer.js';
import { RewriteFiles } from '../iceberg/table/rewrite.js';
import { branchSnapshot, currentSchema, partitionKey, readEntries, readManifests, specById } from '../iceberg/table/state.js';
import { deleteMayApply } from '../iceberg/table/validate.js';
import { dataLocation, writeDataFiles } from '../parquet/index.js';
import type { Compression } from '../config/index.js';
import { isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import type { ProgressFn } from './progress.js';
import { REPLAYED_PROPERTY, replayedOriginals } from '../commit/replayed.js';
import { addLineage, lineageArrowSchema, withLineage } from './lineage.js';
import { EqualityDeletes, readArrow, readDeletionVectorOf, readPositions, rowKeys, type KeyValue } from './read.js';

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
  dataFilesAdded: number;
  bytesRead: number;
  bytesWritten: number;
  table: LoadedTable;
}

interface Live {
  file: DataFile;
  /** Data sequence number (deletes apply by comparing it). */
  seq: number;
}

/** Whether delete `d` applies to data file `f` (scope and sequence numbers, spec "Scan Planning"). */
function applies(metadata: TableMetadata, d: Live, f: Live): boolean {
  const state = { metadata } as BaseState;
  if (!deleteMayApply(state, d.file, f.file, false)) return false;
  return d.file.content === FileContent.PositionDeletes ? d.seq >= f.seq : d.seq > f.seq;
}

export async function compactTable(catalog: RestCatalogClient, io: (t: LoadedTable) => FileIO, id: TableIdentifier, options: CompactOptions, log: Logger): Promise<CompactResult> {
  const table = await catalog.loadTable(id);
  const fio = io(table);
  const metadata = table.metadata;
  const snapshot = branchSnapshot(metadata);
  const result: CompactResult = { snapshotId: undefined, partitions: 0, dataFilesRemoved: 0, deleteFilesRemoved: 0, dataFilesAdded: 0, bytesRead: 0, bytesWritten: 0, table };
  if (!snapshot) return result;
  const data: Live[] = [];
  const deletes: Live[] = [];
  for (const m of await readManifests(fio, snapshot)) {
    for (const e of await readEntries(fio, m)) {
      if (e.status === EntryStatus.Deleted) continue;
      (m.content === ManifestContent.Data ? data : deletes).push({ file: e.dataFile, seq: e.sequenceNumber ?? 0 });
    }
  }
  const schema = currentSchema(metadata);
  const wanted = icebergSchemaToArrow(schema);
  const small = options.targetSizeBytes * 0.75;
  const groups = new Map<string, Live[]>();
  for (const f of data) groups.set(partitionKey(f.file), [...(groups.get(partitionKey(f.file)) ?? []), f]);

  const rewritten: Live[] = [];
  const added: DataFile[] = [];
  const equality = new EqualityDeletes(fio, schema);
  const positions = new Map<string, Map<string, number[]>>();
  const formatVersion = metadata['format-version'];
  // v3: moved rows keep their row ids and last-updated sequence numbers, as columns (lineage.ts).
  const v3 = formatVersion >= 3;
  const writeSchema = v3 ? withLineage(schema) : schema;
  const writeArrow = v3 ? lineageArrowSchema(wanted) : wanted;
  const deleteIndex = new Map(deletes.map((d, i) => [d, i]));
  const applying = new Map<string, Live[]>();
  const withDeletes = (f: Live): Live[] => {
    let ds = applying.get(f.file.filePath);
    if (!ds) applying.set(f.file.filePath, (ds = deletes.filter((d) => applies(metadata, d, f))));
    return ds;
  };
  /** Rows of data file `f` its deletes remove (a mask over the file's rows), or undefined for none. */
  const deadRows = async (f: Live, ds: Live[], read: arrow.Table, projected: arrow.RecordBatch[]): Promise<Uint8Array | undefined> => {
    if (ds.length === 0) return undefined;
    const dead = new Uint8Array(read.numRows);
    const applicable = new Uint8Array(deletes.length);
    const byIds = new Map<string, { ids: number[]; keys: Map<KeyValue, number[]> }>();
    for (const d of ds) {
      if (d.file.content === FileContent.PositionDeletes && d.file.fileFormat === 'PUFFIN') {
        // A v3 deletion vector (written by another engine): only its blob is read.
        for (const p of await readDeletionVectorOf(fio, d.file, f.file.recordCount)) dead[p] = 1;
      } else if (d.file.content === FileContent.PositionDeletes) {
        let byPath = positions.get(d.file.filePath);
        if (!byPath) positions.set(d.file.filePath, (byPath = await readPositions(fio, d.file.filePath)));
        for (const p of byPath.get(f.file.filePath) ?? []) if (p < dead.length) dead[p] = 1;
      } else {
        const index = deleteIndex.get(d)!;
        applicable[index] = 1;
        const g = await equality.load(index, d.file.filePath, d.file.equalityIds ?? []);
        byIds.set(g.ids.join(','), g);
      }
    }
    for (const g of byIds.values()) {
      let at = 0;
      for (let b = 0; b < projected.length; b++) {
        const key = rowKeys(g.ids, projected[b]!, read.batches[b]!);
        const n = projected[b]!.numRows;
        for (let i = 0; i < n; i++) {
          const hits = g.keys.get(key(i));
          if (hits !== undefined && !dead[at + i]) for (const d of hits) if (applicable[d]) { dead[at + i] = 1; break; }
        }
        at += n;
      }
    }
    return dead;
  };
  // Pick first, rewrite after: the totals make progress reportable (done / total, bytes).
  const plans: Array<{ files: Live[]; picked: Live[] }> = [];
  for (const files of groups.values()) {
    const picked = files.filter((f) => f.file.fileSizeInBytes < small || withDeletes(f).length > 0);
    const smallCount = picked.filter((f) => f.file.fileSizeInBytes < small).length;
    const anyDeletes = picked.some((f) => withDeletes(f).length > 0);
    if (!anyDeletes && (smallCount < options.minFiles || picked.length < 2)) continue;
    plans.push({ files, picked });
  }
  const total = plans.reduce((n, p) => n + p.picked.length, 0);
  const bytesTotal = plans.reduce((n, p) => n + p.picked.reduce((b, f) => b + f.file.fileSizeInBytes, 0), 0);
  let done = 0;
  let bytesDone = 0;
  if (total > 0) options.progress?.({ phase: 'rewrite', done, total, bytesDone, bytesTotal });
  for (const { files, picked } of plans) {
    // Bins of about one target file of input each: memory holds one bin, not the partition.
    let batches: arrow.RecordBatch[] = [];
    let binBytes = 0;
    let usedAny = false;
    const flushBin = async (first: DataFile) => {
      const input = batches;
      batches = [];
      binBytes = 0;
      if (input.length === 0) return;
      const written = await writeDataFiles(new arrow.Table(writeArrow, input), {
        io: fio,
        dataLocation: dataLocation(metadata),
        schema: writeSchema,
        spec: specById(metadata, first.specId),
        partition: first.partition,
        targetFileSizeBytes: options.targetSizeBytes,
        compression: options.compression,
        rowGroupBytes: options.rowGroupBytes,
        sortOrder: defaultSortOrder(metadata),
      });
      added.push(...written);
    };
    for (const f of picked) {
      const read = await readArrow(fio, f.file.filePath);
      // Files of any older schema are projected onto the current one by field id (renames,
      // added columns, promotions, nested changes). What cannot be projected stays as it is,
      // and so do the delete files that apply to it.
      let projected: arrow.RecordBatch[];
      try {
        projected = read.batches.map((b) => projectBatch(b, schema, { formatVersion }, wanted));
      } catch (err) {
        if (!isFloeError(err, 'PROJECTION_UNSUPPORTED')) throw err;
        log.warn({ file: f.file.filePath, err: err.message }, 'compaction skips a file it cannot project onto the current schema');
        continue;
      }
      const dead = await deadRows(f, withDeletes(f), read, projected);
      let at = 0;
      for (let b = 0; b < projected.length; b++) {
        const batch = v3 ? addLineage(projected[b]!, read.batches[b]!, at, { firstRowId: f.file.firstRowId, sequenceNumber: f.seq }, writeArrow) : projected[b]!;
        const live = dead ? liveIndices(dead, at, batch.numRows) : undefined;
        at += batch.numRows;
        if (live === undefined) batches.push(batch);
        else if (live.length > 0) batches.push(takeBatch(batch, live));
      }
      rewritten.push(f);
      usedAny = true;
      options.progress?.({ phase: 'rewrite', done: ++done, total, bytesDone: (bytesDone += f.file.fileSizeInBytes), bytesTotal });
      result.bytesRead += f.file.fileSizeInBytes;
      binBytes += f.file.fileSizeInBytes;
      if (binBytes >= options.targetSizeBytes) await flushBin(f.file);
    }
    if (usedAny) {
      result.partitions++;
      await flushBin(files[0]!.file);
    }
  }

  if (rewritten.length === 0) return result;

  // A delete file goes when no data file that stays could still need it.
  const gone = new Set(rewritten.map((f) => f.file.filePath));
  const kept = data.filter((f) => !gone.has(f.file.filePath));
  const deadDeletes = deletes.filter((d) => !kept.some((f) => applies(metadata, d, f)));

  const op = new RewriteFiles(
    fio,
    { remove: [...rewritten.map((f) => f.file), ...deadDeletes.map((d) => d.file)], add: added, startingSnapshotId: snapshot['snapshot-id'], useStartingSequenceNumber: true },
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
  result.dataFilesAdded = added.length;
  result.bytesWritten = added.reduce((n, f) => n + f.fileSizeInBytes, 0);
  return result;
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

/** Indices of the rows of [start, start + n) not marked in `dead`, relative to start; undefined when all live. */
function liveIndices(dead: Uint8Array, start: number, n: number): Int32Array | undefined {
  let count = 0;
  for (let i = 0; i < n; i++) if (!dead[start + i]) count++;
  if (count === n) return undefined;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (!dead[start + i]) out[k++] = i;
  return out;
}

export type { Schema };
