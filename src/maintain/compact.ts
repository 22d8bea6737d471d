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
 */
import * as arrow from 'apache-arrow';
import { committedOffsets, OFFSETS_PROPERTY } from '../commit/offsets.js';
import { icebergSchemaToArrow } from '../arrow/schema.js';
import { commitWithRetry, type RestCatalogClient, type TableIdentifier, type LoadedTable } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { EntryStatus, FileContent, ManifestContent, type DataFile, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import type { BaseState } from '../iceberg/table/producer.js';
import { RewriteFiles } from '../iceberg/table/rewrite.js';
import { branchSnapshot, currentSchema, partitionKey, readEntries, readManifests, specById } from '../iceberg/table/state.js';
import { deleteMayApply } from '../iceberg/table/validate.js';
import { dataLocation, writeDataFiles } from '../parquet/index.js';
import type { Compression } from '../config/index.js';
import type { Logger } from '../util/log.js';
import { namesOf, readArrow, readEqualityKeys, readPositions, rowKey, withoutRows } from './read.js';

export interface CompactOptions {
  targetSizeBytes: number;
  /** A partition is compacted once it has this many small files (or any delete file applies). */
  minFiles: number;
  compression: Compression;
  rowGroupBytes: number;
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
  const eqCache = new Map<string, Set<string>>();
  const posCache = new Map<string, Map<string, Set<number>>>();
  for (const files of groups.values()) {
    const withDeletes = (f: Live) => deletes.filter((d) => applies(metadata, d, f));
    const picked = files.filter((f) => f.file.fileSizeInBytes < small || withDeletes(f).length > 0);
    const smallCount = picked.filter((f) => f.file.fileSizeInBytes < small).length;
    const anyDeletes = picked.some((f) => withDeletes(f).length > 0);
    if (!anyDeletes && (smallCount < options.minFiles || picked.length < 2)) continue;
    // Bins of about one target file of input each: memory holds one bin, not the partition.
    let tables: arrow.Table[] = [];
    let binBytes = 0;
    let usedAny = false;
    const flushBin = async (first: DataFile) => {
      const batches = tables.flatMap((t) => t.batches);
      tables = [];
      binBytes = 0;
      if (batches.length === 0) return;
      const written = await writeDataFiles(new arrow.Table(wanted, batches), {
        io: fio,
        dataLocation: dataLocation(metadata),
        schema,
        spec: specById(metadata, first.specId),
        partition: first.partition,
        targetFileSizeBytes: options.targetSizeBytes,
        compression: options.compression,
        rowGroupBytes: options.rowGroupBytes,
      });
      added.push(...written);
    };
    for (const f of picked) {
      const read = await readArrow(fio, f.file.filePath);
      // Files of an older schema are left as they are: projecting them is schema evolution's job.
      if (!sameShape(read.schema, wanted)) {
        log.info({ file: f.file.filePath }, 'compaction skips a file written with another schema');
        continue;
      }
      const checks: Array<(i: number) => boolean> = [];
      for (const d of withDeletes(f)) {
        if (d.file.content === FileContent.PositionDeletes) {
          let byPath = posCache.get(d.file.filePath);
          if (!byPath) posCache.set(d.file.filePath, (byPath = await readPositions(fio, d.file.filePath)));
          const set = byPath.get(f.file.filePath);
          if (set) checks.push((i) => set.has(i));
        } else {
          const names = namesOf(schema, d.file.equalityIds ?? []);
          if (!names) throw new Error(`equality ids ${String(d.file.equalityIds)} of ${d.file.filePath} are not top-level columns of the current schema`);
          let keys = eqCache.get(d.file.filePath);
          if (!keys) eqCache.set(d.file.filePath, (keys = await readEqualityKeys(fio, d.file.filePath, names)));
          const k = keys;
          checks.push((i) => k.has(rowKey(read, names, i)!));
        }
      }
      const live = checks.length === 0 ? read : withoutRows(read, (i) => checks.some((c) => c(i)));
      if (live.numRows > 0) tables.push(new arrow.Table(wanted, live.batches.map((b) => new arrow.RecordBatch(wanted, b.data))));
      rewritten.push(f);
      usedAny = true;
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

  const summary: Record<string, string> = {};
  const op = new RewriteFiles(
    fio,
    { remove: [...rewritten.map((f) => f.file), ...deadDeletes.map((d) => d.file)], add: added, startingSnapshotId: snapshot['snapshot-id'], useStartingSequenceNumber: true },
    { properties: summary },
  );
  const committed = await commitWithRetry(
    catalog,
    id,
    async (fresh) => {
      for (const k of Object.keys(summary)) delete summary[k];
      carryOffsets(fresh, summary);
      return op.apply(fresh);
    },
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

/** Keeps `floe.offsets` on the newest snapshot: recovery reads it from main's ancestry. */
export function carryOffsets(metadata: TableMetadata, summary: Record<string, string>): void {
  const offsets = committedOffsets(metadata).toJson();
  if (offsets !== '{}') summary[OFFSETS_PROPERTY] = offsets;
}

function sameShape(a: arrow.Schema, b: arrow.Schema): boolean {
  if (a.fields.length !== b.fields.length) return false;
  return a.fields.every((f, i) => f.name === b.fields[i]!.name && String(f.type) === String(b.fields[i]!.type));
}

export type { Schema };
