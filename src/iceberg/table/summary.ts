/**
 * Snapshot summaries with the spec's standard metric keys (Appendix F "Optional Snapshot Summary
 * Fields"). Engines show these in `snapshots` metadata tables and some planners trust the totals,
 * so they follow Java's conventions: per-snapshot counts only when non-zero, totals carried from
 * the parent summary and omitted when the parent has none (an unknown total must not become 0).
 */
import { FileContent, type DataFile, type SnapshotOperation, type SnapshotSummary } from '../spec/types.js';
import { partitionKey } from './state.js';

interface Counts {
  dataFiles: number;
  deleteFiles: number;
  positionDeleteFiles: number;
  equalityDeleteFiles: number;
  records: number;
  positionDeletes: number;
  equalityDeletes: number;
  size: number;
}

function tally(files: readonly DataFile[]): Counts {
  const c: Counts = {
    dataFiles: 0,
    deleteFiles: 0,
    positionDeleteFiles: 0,
    equalityDeleteFiles: 0,
    records: 0,
    positionDeletes: 0,
    equalityDeletes: 0,
    size: 0,
  };
  for (const f of files) {
    c.size += f.fileSizeInBytes;
    if (f.content === FileContent.Data) {
      c.dataFiles++;
      c.records += f.recordCount;
    } else if (f.content === FileContent.PositionDeletes) {
      c.deleteFiles++;
      c.positionDeleteFiles++;
      c.positionDeletes += f.recordCount;
    } else {
      c.deleteFiles++;
      c.equalityDeleteFiles++;
      c.equalityDeletes += f.recordCount;
    }
  }
  return c;
}

/** Keys whose totals are maintained: [total key, added key, removed key]. */
const TOTALS: readonly [string, string, string][] = [
  ['total-records', 'added-records', 'deleted-records'],
  ['total-files-size', 'added-files-size', 'removed-files-size'],
  ['total-data-files', 'added-data-files', 'deleted-data-files'],
  ['total-delete-files', 'added-delete-files', 'removed-delete-files'],
  ['total-position-deletes', 'added-position-deletes', 'removed-position-deletes'],
  ['total-equality-deletes', 'added-equality-deletes', 'removed-equality-deletes'],
];

export interface SummaryInput {
  operation: SnapshotOperation;
  added: readonly DataFile[];
  removed: readonly DataFile[];
  /** The parent snapshot's summary; undefined for the first snapshot of a branch. */
  parent: SnapshotSummary | undefined;
  hasParent: boolean;
  /** Caller properties (e.g. Kafka offsets); standard keys computed here take precedence. */
  properties?: Record<string, string>;
  /** Extra computed keys such as manifests-created. */
  extra?: Record<string, number>;
}

export function buildSummary(input: SummaryInput): SnapshotSummary {
  const a = tally(input.added);
  const r = tally(input.removed);
  const metrics: Record<string, number> = {
    'added-data-files': a.dataFiles,
    'deleted-data-files': r.dataFiles,
    'added-delete-files': a.deleteFiles,
    'added-position-delete-files': a.positionDeleteFiles,
    'added-equality-delete-files': a.equalityDeleteFiles,
    'removed-delete-files': r.deleteFiles,
    'removed-position-delete-files': r.positionDeleteFiles,
    'removed-equality-delete-files': r.equalityDeleteFiles,
    'added-records': a.records,
    'deleted-records': r.records,
    'added-files-size': a.size,
    'removed-files-size': r.size,
    'added-position-deletes': a.positionDeletes,
    'removed-position-deletes': r.positionDeletes,
    'added-equality-deletes': a.equalityDeletes,
    'removed-equality-deletes': r.equalityDeletes,
  };
  const summary: SnapshotSummary = { ...(input.properties ?? {}), operation: input.operation };
  for (const [key, value] of Object.entries(metrics)) {
    if (value > 0) summary[key] = String(value);
    else delete summary[key];
  }
  const partitions = new Set([...input.added, ...input.removed].map(partitionKey));
  summary['changed-partition-count'] = String(partitions.size);
  for (const [key, value] of Object.entries(input.extra ?? {})) summary[key] = String(value);
  for (const [total, added, removed] of TOTALS) {
    const previous = input.hasParent ? input.parent?.[total] : '0';
    const base = previous === undefined ? NaN : Number(previous);
    if (Number.isFinite(base)) {
      // Clamp at zero: a parent whose totals were wrong must not yield a negative total.
      summary[total] = String(Math.max(0, base + (metrics[added] ?? 0) - (metrics[removed] ?? 0)));
    } else {
      delete summary[total];
    }
  }
  return summary;
}
