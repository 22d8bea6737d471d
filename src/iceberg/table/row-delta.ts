/**
 * Row delta: add data files together with position and equality delete files in one snapshot
 * (upserts into silver tables). Delete files go to delete manifests (content "deletes").
 *
 * Operation per spec "Snapshots": only data files added → `append`; only deletes → `delete`;
 * both → `overwrite` (rows were logically replaced).
 *
 * Conflict check: position deletes point at specific data files. If a concurrent compaction
 * removed such a file, the deletes would silently stop applying, so the files listed in
 * `referencedDataFiles` (default: every position delete's referenced_data_file) must still be
 * live on every attempt.
 */
import { FloeError } from '../../util/errors.js';
import type { FileIO } from '../io/types.js';
import { FileContent, ManifestContent, type DataFile, type SnapshotOperation } from '../spec/types.js';
import { SnapshotProducer, type BaseState, type Produced, type SnapshotOptions } from './producer.js';
import { missingDataFiles } from './validate.js';

export interface RowDeltaInput {
  dataFiles?: readonly DataFile[];
  /** Position (content 1) and equality (content 2, with equalityIds) delete files. */
  deleteFiles?: readonly DataFile[];
  /** Data files the deletes target, which must still be in the table when committing. */
  referencedDataFiles?: readonly string[];
}

export class RowDelta extends SnapshotProducer {
  private readonly dataFiles: readonly DataFile[];
  private readonly deleteFiles: readonly DataFile[];
  private readonly referenced: readonly string[];

  constructor(io: FileIO, input: RowDeltaInput, options: SnapshotOptions = {}) {
    super(io, options);
    this.dataFiles = [...(input.dataFiles ?? [])];
    this.deleteFiles = [...(input.deleteFiles ?? [])];
    const wrongData = this.dataFiles.find((f) => f.content !== FileContent.Data);
    const wrongDelete = this.deleteFiles.find((f) => f.content === FileContent.Data);
    const noIds = this.deleteFiles.find((f) => f.content === FileContent.EqualityDeletes && !f.equalityIds?.length);
    const bad = wrongData ?? wrongDelete ?? noIds;
    if (bad !== undefined) {
      throw new FloeError('ROW_DELTA_INVALID', `${bad.filePath}: wrong content ${bad.content} for its role, or equality deletes without equality ids`);
    }
    const fromDeletes = this.deleteFiles.flatMap((f) => (f.referencedDataFile === undefined ? [] : [f.referencedDataFile]));
    // Files added in this same delta are not in the base yet; they need no check.
    const added = new Set(this.dataFiles.map((f) => f.filePath));
    this.referenced = [...new Set(input.referencedDataFiles ?? fromDeletes)].filter((p) => !added.has(p));
  }

  protected operation(): SnapshotOperation {
    if (this.deleteFiles.length === 0) return 'append';
    return this.dataFiles.length > 0 ? 'overwrite' : 'delete';
  }

  protected async produce(state: BaseState): Promise<Produced> {
    const missing = await missingDataFiles(state, this.referenced);
    if (missing.length > 0) {
      throw new FloeError('TABLE_VALIDATION_FAILED', `data file(s) referenced by deletes were removed concurrently, e.g. ${missing[0]}`, {
        details: { missing: missing.slice(0, 10) },
      });
    }
    const data = await this.newManifests(state, 'data', this.dataFiles);
    const deletes = await this.newManifests(state, 'deletes', this.deleteFiles);
    return {
      dataManifests: [...data, ...state.manifests.filter((m) => m.content === ManifestContent.Data)],
      deleteManifests: [...deletes, ...state.manifests.filter((m) => m.content === ManifestContent.Deletes)],
      added: [...this.dataFiles, ...this.deleteFiles],
      removed: [],
    };
  }
}

export function rowDelta(io: FileIO, input: RowDeltaInput, options?: SnapshotOptions): RowDelta {
  return new RowDelta(io, input, options);
}
