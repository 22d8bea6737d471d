/** Snapshot operations producing catalog TableChanges (format v2). */
export { FastAppend, MergeAppend, fastAppend, mergeAppend } from './append.js';
export { expireSnapshots, type ExpireOptions, type ExpireResult } from './expire.js';
export { DEFAULT_MERGE_SETTINGS, mergeSettings, packFromEnd, type MergeSettings } from './merge.js';
export { SnapshotProducer, type BaseState, type Produced, type SnapshotOptions } from './producer.js';
export { RewriteFiles, overwriteFiles, replaceFiles, type RewriteInput } from './rewrite.js';
export { RowDelta, rowDelta, type RowDeltaInput } from './row-delta.js';
export {
  branchSnapshot,
  currentSchema,
  metadataDir,
  newSnapshotId,
  partitionKey,
  readEntries,
  readManifests,
  snapshotById,
  specById,
} from './state.js';
export { buildSummary, type SummaryInput } from './summary.js';
export { deleteMayApply, findConflictingDeletes, missingDataFiles } from './validate.js';
