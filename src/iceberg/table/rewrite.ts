/**
 * Replace and overwrite: remove files from the table and add others in one snapshot.
 *
 * `replace` is for compaction (the table's rows do not change); `overwrite` for a logical
 * overwrite. Removed files stay in rewritten manifests as DELETED entries of this snapshot, which
 * is what snapshot expiration uses to find files to delete physically.
 *
 * On every attempt the files to remove must still be live (spec "Commit Conflict Resolution":
 * replace operations verify the files they delete are still in the table). With a starting
 * snapshot, a compaction also fails if delete files committed since then apply to the files it
 * rewrote: their deletes would be silently lost on the new files.
 */
import { FloeError } from '../../util/errors.js';
import type { FileIO } from '../io/types.js';
import {
  EntryStatus,
  FileContent,
  ManifestContent,
  type DataFile,
  type LongId,
  type ManifestEntry,
  type ManifestFile,
  type SnapshotOperation,
} from '../spec/types.js';
import { SnapshotProducer, type BaseState, type Produced, type SnapshotOptions } from './producer.js';
import { manifestKey, snapshotById } from './state.js';
import { findConflictingDeletes } from './validate.js';

export interface RewriteInput {
  /** Files to remove, data or delete files, by path or as DataFile. */
  remove: readonly (DataFile | string)[];
  /** Data and/or delete files to add. */
  add?: readonly DataFile[];
  /** `replace` (default) for compaction, `overwrite` for a logical overwrite. */
  operation?: 'replace' | 'overwrite';
  /** The snapshot the rewrite read; enables the new-deletes conflict check. */
  startingSnapshotId?: LongId;
  /**
   * Give added data files the starting snapshot's data sequence number, so equality deletes
   * committed after the start still apply to them (Iceberg's use-starting-sequence-number).
   */
  useStartingSequenceNumber?: boolean;
  /**
   * Delete files to add at a given data sequence number (older than this snapshot's): a merge of
   * delete files being removed keeps their sequence number, so it applies to exactly what they did.
   */
  addDeletesAt?: ReadonlyArray<{ file: DataFile; seq: number }>;
}

interface Rewritten {
  /** The replacement manifest, or the original when nothing in it was removed. */
  manifest: ManifestFile;
  removed: DataFile[];
  rewritten: boolean;
}

export class RewriteFiles extends SnapshotProducer {
  private readonly removePaths: Set<string>;
  private readonly add: readonly DataFile[];
  /** Rewritten manifests by source (manifestKey): the same source always yields the same rewrite. */
  private readonly rewrites = new Map<string, Rewritten>();
  /** The first_row_id each data file to remove had when the caller read it (DataFile inputs). */
  private readonly readRowIds = new Map<string, number | undefined>();

  constructor(
    io: FileIO,
    private readonly input: RewriteInput,
    options: SnapshotOptions = {},
  ) {
    super(io, options);
    this.removePaths = new Set(input.remove.map((f) => (typeof f === 'string' ? f : f.filePath)));
    for (const f of input.remove) if (typeof f !== 'string' && f.content === FileContent.Data) this.readRowIds.set(f.filePath, f.firstRowId);
    this.add = [...(input.add ?? [])];
    if (input.useStartingSequenceNumber && input.startingSnapshotId === undefined) {
      throw new FloeError('REWRITE_INVALID', 'useStartingSequenceNumber needs a startingSnapshotId');
    }
  }

  protected operation(): SnapshotOperation {
    return this.input.operation ?? 'replace';
  }

  private startingSequenceNumber(state: BaseState): number | undefined {
    if (this.input.startingSnapshotId === undefined) return undefined;
    const start = snapshotById(state.metadata, this.input.startingSnapshotId);
    if (start === undefined) {
      throw new FloeError('TABLE_VALIDATION_FAILED', `starting snapshot ${this.input.startingSnapshotId} is no longer in the table`, {
        details: { snapshotId: String(this.input.startingSnapshotId) },
      });
    }
    return start['sequence-number'];
  }

  private async rewrite(state: BaseState, manifest: ManifestFile): Promise<Rewritten> {
    const cached = this.rewrites.get(manifestKey(manifest));
    if (cached !== undefined) return cached;
    const entries = await this.entriesOf(manifest);
    const removed: DataFile[] = [];
    const kept: ManifestEntry[] = [];
    for (const entry of entries) {
      // Deletes recorded by earlier snapshots are history, not carried into the rewrite.
      if (entry.status === EntryStatus.Deleted) continue;
      if (this.removePaths.has(entry.dataFile.filePath)) {
        this.checkRowIds(entry.dataFile);
        removed.push(entry.dataFile);
        kept.push({ ...entry, status: EntryStatus.Deleted, snapshotId: state.snapshotId });
      } else {
        kept.push({ ...entry, status: EntryStatus.Existing });
      }
    }
    let result: Rewritten = { manifest, removed, rewritten: false };
    if (removed.length > 0) {
      const written = await this.writeManifest(state, manifest.partitionSpecId, manifest.content, kept);
      result = { manifest: written, removed, rewritten: true };
    }
    this.rewrites.set(manifestKey(manifest), result);
    return result;
  }

  /**
   * A replace moves the rows of the files it removes into the files it adds, with the row ids they
   * had when it read them (v3 compaction writes them as a column). The one way a row gets its id
   * after that read is an upgraded table's first v3 commit landing in between: the moved rows would
   * then carry no id and take fresh ones, while the table had given them others. Refused, like any
   * change the rewrite did not see; the next compaction reads the ids.
   */
  private checkRowIds(file: DataFile): void {
    if ((this.input.operation ?? 'replace') !== 'replace' || !this.readRowIds.has(file.filePath)) return;
    const read = this.readRowIds.get(file.filePath);
    if (read === file.firstRowId) return;
    throw new FloeError('TABLE_VALIDATION_FAILED', `data file ${file.filePath} has first_row_id ${String(file.firstRowId)} now but ${String(read)} when the rewrite read it: its rows would change ids`, {
      details: { filePath: file.filePath, read: read ?? null, now: file.firstRowId ?? null },
    });
  }

  protected async produce(state: BaseState): Promise<Produced> {
    const startSeq = this.startingSequenceNumber(state);
    const removed: DataFile[] = [];
    const carried: ManifestFile[] = [];
    let replaced = 0;
    for (const manifest of state.manifests) {
      const r = await this.rewrite(state, manifest);
      carried.push(r.manifest);
      removed.push(...r.removed);
      if (r.rewritten) replaced++;
    }
    const found = new Set(removed.map((f) => f.filePath));
    const missing = [...this.removePaths].filter((p) => !found.has(p));
    if (missing.length > 0) {
      throw new FloeError('TABLE_VALIDATION_FAILED', `${missing.length} file(s) to remove are no longer in the table, e.g. ${missing[0]}`, {
        details: { missing: missing.slice(0, 10) },
      });
    }
    if (startSeq !== undefined) {
      const removedData = removed.filter((f) => f.content === FileContent.Data);
      const conflict = await findConflictingDeletes(state, startSeq, removedData, this.input.useStartingSequenceNumber === true);
      if (conflict !== undefined) {
        throw new FloeError(
          'TABLE_VALIDATION_FAILED',
          `delete file ${conflict.delete.filePath} was committed after snapshot ${String(this.input.startingSnapshotId)} and applies to rewritten file ${conflict.data.filePath}`,
          { details: { deleteFile: conflict.delete.filePath, dataFile: conflict.data.filePath } },
        );
      }
    }
    const dataSeq = this.input.useStartingSequenceNumber ? startSeq : undefined;
    const addedData = await this.newManifests(state, 'add-data', this.add.filter((f) => f.content === FileContent.Data), dataSeq);
    const addedDeletes = await this.newManifests(state, 'add-deletes', this.add.filter((f) => f.content !== FileContent.Data));
    const at = this.input.addDeletesAt ?? [];
    for (const seq of new Set(at.map((d) => d.seq))) {
      addedDeletes.push(...(await this.newManifests(state, `add-deletes@${seq}`, at.filter((d) => d.seq === seq).map((d) => d.file), seq)));
    }
    return {
      dataManifests: [...addedData, ...carried.filter((m) => m.content === ManifestContent.Data)],
      deleteManifests: [...addedDeletes, ...carried.filter((m) => m.content === ManifestContent.Deletes)],
      added: [...this.add, ...(this.input.addDeletesAt ?? []).map((d) => d.file)],
      removed,
      replacedManifests: replaced,
    };
  }
}

export function replaceFiles(io: FileIO, input: Omit<RewriteInput, 'operation'>, options?: SnapshotOptions): RewriteFiles {
  return new RewriteFiles(io, { ...input, operation: 'replace' }, options);
}

export function overwriteFiles(io: FileIO, input: Omit<RewriteInput, 'operation'>, options?: SnapshotOptions): RewriteFiles {
  return new RewriteFiles(io, { ...input, operation: 'overwrite' }, options);
}
