/**
 * The skeleton every snapshot operation shares: read the branch's manifests, let the operation
 * decide the new manifest set, merge, assign the sequence number, write the manifest list and
 * describe the commit as a TableChange.
 *
 * Retries: `apply(metadata)` can be called again on fresh metadata after a conflict. The snapshot
 * id and the manifests holding this operation's new files are fixed on the first call and reused,
 * so retries only rewrite what depends on the table's state (manifest list, rewritten and merged
 * manifests). If the snapshot is already in the metadata (an earlier attempt landed but its
 * response was lost), `apply` returns an empty change so the files are never appended twice.
 */
import { randomUUID } from 'node:crypto';
import { FloeError } from '../../util/errors.js';
import type { TableChange } from '../spec/changes.js';
import type { FileIO } from '../io/types.js';
import {
  assignSequenceNumber,
  readManifest,
  writeManifest,
  writeManifestList,
  type AvroCodec,
} from '../manifest/index.js';
import {
  EntryStatus,
  FileContent,
  ManifestContent,
  type DataFile,
  type ManifestEntry,
  type ManifestFile,
  type Schema,
  type Snapshot,
  type SnapshotOperation,
  type TableMetadata,
} from '../spec/types.js';
import { ManifestMerger, mergeSettings, type MergeSettings } from './merge.js';
import {
  branchSnapshot,
  currentSchema,
  manifestKey,
  metadataDir,
  newSnapshotId,
  readEntries,
  readManifests,
  sameId,
  snapshotById,
  specById,
} from './state.js';
import { buildSummary } from './summary.js';

/** Attempts that merge manifests; later retries of the operation commit without merging. */
const MERGING_ATTEMPTS = 3;

export interface SnapshotOptions {
  /** Branch to commit to; default main. */
  branch?: string;
  /**
   * Extra summary properties (floe stores Kafka offsets here); standard keys win on clashes. A
   * function is called with the fresh metadata of each commit attempt, for properties that depend
   * on what the table holds then (offsets carried over from the newest snapshot).
   */
  properties?: Record<string, string> | ((metadata: TableMetadata) => Record<string, string>);
  /** Manifest merging overrides; otherwise the table's commit.manifest.* properties apply. */
  merge?: Partial<MergeSettings>;
  codec?: AvroCodec;
  /** Extra check run on every attempt against the fresh base; throw to abort the commit. */
  validate?: (state: BaseState) => Promise<void>;
  now?: () => number;
}

/** The table state an attempt builds on. */
export interface BaseState {
  metadata: TableMetadata;
  io: FileIO;
  parent: Snapshot | undefined;
  /** Manifests of the parent snapshot (empty for the first snapshot). */
  manifests: ManifestFile[];
  schema: Schema;
  sequenceNumber: number;
  snapshotId: number;
}

/** What an operation contributes to the new snapshot. */
export interface Produced {
  /** Data manifests, this snapshot's new ones first. */
  dataManifests: ManifestFile[];
  deleteManifests: ManifestFile[];
  added: DataFile[];
  removed: DataFile[];
  /** Committed manifests rewritten (not merged) by the operation. */
  replacedManifests?: number;
}

export abstract class SnapshotProducer {
  /** Fixed for the lifetime of the operation so every attempt (and a lost-response check) agrees. */
  private id: number | undefined;
  private readonly commitUuid = randomUUID();
  private attempt = 0;
  private manifestCount = 0;
  /** The state of the attempt in progress (merged manifests are written against it). */
  private current: BaseState | undefined;
  private readonly merger = new ManifestMerger({
    readEntries: (m) => this.entriesOf(m),
    writeManifest: (specId, content, entries) => this.writeManifest(this.current!, specId, content, entries),
  });
  /** Every file written, and per manifest list the manifests it references (for cleanup). */
  private readonly written = new Set<string>();
  private readonly listManifests = new Map<string, string[]>();
  private readonly newManifestCache = new Map<string, ManifestFile[]>();
  /** Entries of the manifests read so far, by manifestKey: manifests are immutable, and a retry reads the same ones again. */
  private readonly entries = new Map<string, ManifestEntry[]>();

  constructor(
    protected readonly io: FileIO,
    protected readonly options: SnapshotOptions = {},
  ) {}

  protected abstract operation(state: BaseState, produced: Produced): SnapshotOperation;
  protected abstract produce(state: BaseState): Promise<Produced>;
  /** Whether manifests are merged; fast append turns it off. */
  protected mergeEnabled(): boolean {
    return true;
  }

  get branch(): string {
    return this.options.branch ?? 'main';
  }

  /** The id the new snapshot gets; assigned on the first apply. */
  get snapshotId(): number | undefined {
    return this.id;
  }

  /** Whether an attempt of this operation is in `metadata` (committed, perhaps with a lost response). */
  isCommitted(metadata: TableMetadata): boolean {
    if (this.id === undefined) return false;
    const snapshot = snapshotById(metadata, this.id);
    return snapshot !== undefined && snapshot['manifest-list'].includes(this.commitUuid);
  }

  /** `(metadata) => Promise<TableChange>`, for the catalog's commit-with-retry loop. */
  readonly apply = async (metadata: TableMetadata): Promise<TableChange> => {
    const formatVersion = metadata['format-version'];
    if (formatVersion !== 2 && formatVersion !== 3) {
      throw new FloeError('TABLE_FORMAT_UNSUPPORTED', `floe writes format v2 and v3 tables; this table is v${formatVersion}`);
    }
    if (this.isCommitted(metadata)) return { requirements: [], updates: [] };
    if (this.id === undefined) this.id = newSnapshotId(metadata);
    else if (snapshotById(metadata, this.id) !== undefined) {
      throw new FloeError('SNAPSHOT_ID_COLLISION', `snapshot id ${this.id} was taken by another writer`);
    }
    const snapshotId = this.id;
    const parent = branchSnapshot(metadata, this.branch);
    const state: BaseState = {
      metadata,
      io: this.io,
      parent,
      manifests: await readManifests(this.io, parent),
      schema: currentSchema(metadata),
      sequenceNumber: (metadata['last-sequence-number'] ?? 0) + 1,
      snapshotId,
    };
    this.current = state;
    this.merger.snapshotId = snapshotId;
    await this.options.validate?.(state);
    const produced = await this.produce(state);
    // Read per attempt: the table's commit.manifest.* properties may change between attempts.
    // After a few conflicts, stop merging: every append that lands adds a manifest to the bin, so
    // the merge (and with it the window between reading the table and committing) grows with each
    // retry, and a replace racing frequent appends would never land. The next commit merges.
    const merging = this.mergeEnabled() && this.attempt < MERGING_ATTEMPTS;
    const settings = mergeSettings(metadata.properties, merging ? this.options.merge : { enabled: false });
    const merger = this.merger;
    merger.replacedCount = 0;
    const merged = [
      ...(await merger.merge(produced.dataManifests, settings)),
      ...(await merger.merge(produced.deleteManifests, settings)),
    ];
    const sequenced = merged.map((m) => assignSequenceNumber(m, state.sequenceNumber));
    // v3 row lineage: reassigned on every attempt, from the table's next-row-id of that attempt.
    const lineage = formatVersion >= 3 ? assignFirstRowIds(sequenced, metadata['next-row-id'] ?? 0) : undefined;
    const manifests = lineage?.manifests ?? sequenced;

    this.attempt++;
    const listPath = `${metadataDir(metadata)}/snap-${snapshotId}-${this.attempt}-${this.commitUuid}.avro`;
    const list = writeManifestList({
      snapshotId,
      parentSnapshotId: parent?.['snapshot-id'],
      sequenceNumber: state.sequenceNumber,
      manifests,
      formatVersion,
      ...(lineage ? { firstRowId: lineage.firstRowId } : {}),
      ...(this.options.codec === undefined ? {} : { codec: this.options.codec }),
    });
    await this.io.write(listPath, list);
    this.written.add(listPath);
    this.listManifests.set(listPath, manifests.map((m) => m.manifestPath));

    const created = manifests.filter((m) => sameId(m.addedSnapshotId, snapshotId)).length;
    const summary = buildSummary({
      operation: this.operation(state, produced),
      added: produced.added,
      removed: produced.removed,
      parent: parent?.summary,
      hasParent: parent !== undefined,
      ...(this.options.properties === undefined ? {} : { properties: typeof this.options.properties === 'function' ? this.options.properties(metadata) : this.options.properties }),
      extra: {
        'manifests-created': created,
        'manifests-kept': manifests.length - created,
        'manifests-replaced': merger.replacedCount + (produced.replacedManifests ?? 0),
      },
    });
    const snapshot: Snapshot = {
      'snapshot-id': snapshotId,
      'sequence-number': state.sequenceNumber,
      // Catalogs reject snapshots older than the table's last update; clocks of writers differ.
      'timestamp-ms': Math.max((this.options.now ?? Date.now)(), metadata['last-updated-ms'] ?? 0),
      'manifest-list': listPath,
      summary,
      'schema-id': state.schema['schema-id'],
    };
    if (parent !== undefined) snapshot['parent-snapshot-id'] = parent['snapshot-id'];
    if (lineage) {
      snapshot['first-row-id'] = lineage.firstRowId;
      snapshot['added-rows'] = lineage.addedRows;
    }
    return {
      requirements: [
        { type: 'assert-table-uuid', uuid: metadata['table-uuid'] },
        { type: 'assert-ref-snapshot-id', ref: this.branch, 'snapshot-id': parent?.['snapshot-id'] ?? null },
      ],
      updates: [
        { action: 'add-snapshot', snapshot },
        { action: 'set-snapshot-ref', 'ref-name': this.branch, type: 'branch', 'snapshot-id': snapshotId },
      ],
    };
  };

  /**
   * Entries of a manifest: inherited for committed manifests, raw for the ones this operation
   * wrote (their sequence numbers are still to be assigned by the manifest list).
   */
  protected async entriesOf(manifest: ManifestFile): Promise<ManifestEntry[]> {
    const key = manifestKey(manifest);
    const cached = this.entries.get(key);
    if (cached !== undefined) return cached;
    const entries = this.written.has(manifest.manifestPath)
      ? readManifest(await this.io.read(manifest.manifestPath)).entries
      : await readEntries(this.io, manifest);
    this.entries.set(key, entries);
    return entries;
  }

  /** Writes one manifest for this snapshot under the table's metadata directory. */
  protected async writeManifest(state: BaseState, specId: number, content: ManifestContent, entries: ManifestEntry[]): Promise<ManifestFile> {
    const path = `${metadataDir(state.metadata)}/${this.commitUuid}-m${this.manifestCount++}.avro`;
    const { bytes, manifest } = writeManifest({
      path,
      schema: state.schema,
      spec: specById(state.metadata, specId),
      content,
      snapshotId: state.snapshotId,
      entries,
      formatVersion: state.metadata['format-version'],
      ...(this.options.codec === undefined ? {} : { codec: this.options.codec }),
    });
    await this.io.write(path, bytes);
    this.written.add(path);
    return manifest;
  }

  /**
   * Manifests holding `files` as ADDED entries, one per (content, spec); written on the first
   * attempt and reused afterwards. `dataSequenceNumber` pins the data sequence number instead of
   * inheriting it (compaction that must stay older than concurrent equality deletes).
   */
  protected async newManifests(state: BaseState, key: string, files: readonly DataFile[], dataSequenceNumber?: number): Promise<ManifestFile[]> {
    const cached = this.newManifestCache.get(key);
    if (cached !== undefined) return cached;
    const groups = new Map<string, DataFile[]>();
    for (const file of files) {
      const content = file.content === FileContent.Data ? ManifestContent.Data : ManifestContent.Deletes;
      const groupKey = `${content}:${file.specId}`;
      groups.set(groupKey, [...(groups.get(groupKey) ?? []), file]);
    }
    const out: ManifestFile[] = [];
    for (const [groupKey, group] of groups) {
      const [content, specId] = groupKey.split(':').map(Number) as [ManifestContent, number];
      const entries = group.map(
        (dataFile): ManifestEntry => ({
          status: EntryStatus.Added,
          snapshotId: state.snapshotId,
          sequenceNumber: dataSequenceNumber ?? null,
          fileSequenceNumber: null,
          dataFile,
        }),
      );
      out.push(await this.writeManifest(state, specId, content, entries));
    }
    this.newManifestCache.set(key, out);
    return out;
  }

  /**
   * Deletes the files this operation wrote that the committed snapshot does not use; pass the
   * metadata after the commit, or undefined when the operation was abandoned (deletes all).
   */
  async cleanup(committed: TableMetadata | undefined): Promise<string[]> {
    const keep = new Set<string>();
    const snapshot = committed && this.id !== undefined ? snapshotById(committed, this.id) : undefined;
    if (snapshot !== undefined && this.isCommitted(committed!)) {
      keep.add(snapshot['manifest-list']);
      for (const path of this.listManifests.get(snapshot['manifest-list']) ?? []) keep.add(path);
    }
    const removed: string[] = [];
    for (const path of this.written) {
      if (keep.has(path)) continue;
      await this.io.delete(path);
      removed.push(path);
    }
    for (const path of removed) this.written.delete(path);
    return removed;
  }
}

/**
 * v3 row lineage (spec "First Row ID Assignment"): every data manifest without a first_row_id gets
 * one, counting up from the table's next-row-id by each manifest's added and existing rows — which
 * also covers files of an upgraded table that never had row ids. Manifests that have one keep it;
 * delete manifests never get one. `addedRows` is what the table's next-row-id advances by.
 */
export function assignFirstRowIds(manifests: readonly ManifestFile[], nextRowId: number): { manifests: ManifestFile[]; firstRowId: number; addedRows: number } {
  let next = nextRowId;
  const out = manifests.map((m) => {
    if (m.content !== ManifestContent.Data || m.firstRowId !== undefined) return m;
    const assigned = { ...m, firstRowId: next };
    next += m.addedRowsCount + m.existingRowsCount;
    return assigned;
  });
  return { manifests: out, firstRowId: nextRowId, addedRows: next - nextRowId };
}
