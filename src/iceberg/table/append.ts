/**
 * Appends: add data files, remove nothing (operation `append`, spec "Snapshots").
 *
 * FastAppend writes one new manifest per partition spec and carries every existing manifest over
 * untouched — the cheapest commit, used for frequent streaming commits. MergeAppend additionally
 * merges small manifests (Java's default `newAppend()`), bounding manifest count over time.
 */
import { FloeError } from '../../util/errors.js';
import type { FileIO } from '../io/types.js';
import { FileContent, ManifestContent, type DataFile, type SnapshotOperation } from '../spec/types.js';
import { SnapshotProducer, type BaseState, type Produced, type SnapshotOptions } from './producer.js';

export class FastAppend extends SnapshotProducer {
  private readonly files: readonly DataFile[];

  constructor(io: FileIO, files: readonly DataFile[], options: SnapshotOptions = {}) {
    super(io, options);
    const deletes = files.filter((f) => f.content !== FileContent.Data);
    if (deletes.length > 0) {
      throw new FloeError('APPEND_INVALID', `append takes data files only; use a row delta for ${deletes[0]!.filePath}`);
    }
    // Copy: the manifests are written once, so later mutation by the caller must not matter.
    this.files = [...files];
  }

  protected override mergeEnabled(): boolean {
    return false;
  }

  protected operation(): SnapshotOperation {
    return 'append';
  }

  protected async produce(state: BaseState): Promise<Produced> {
    const added = await this.newManifests(state, 'append', this.files);
    return {
      dataManifests: [...added, ...state.manifests.filter((m) => m.content === ManifestContent.Data)],
      deleteManifests: state.manifests.filter((m) => m.content === ManifestContent.Deletes),
      added: [...this.files],
      removed: [],
    };
  }
}

export class MergeAppend extends FastAppend {
  protected override mergeEnabled(): boolean {
    return true;
  }
}

/** Convenience: a fast append's apply function. */
export function fastAppend(io: FileIO, files: readonly DataFile[], options?: SnapshotOptions): FastAppend {
  return new FastAppend(io, files, options);
}

export function mergeAppend(io: FileIO, files: readonly DataFile[], options?: SnapshotOptions): MergeAppend {
  return new MergeAppend(io, files, options);
}
