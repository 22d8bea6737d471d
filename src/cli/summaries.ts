/** Human-readable one-liners for the results of maintenance commands (a terminal's default). */
import type { MaintenanceOutcome } from '../orchestrator/index.js';
import { formatBytes } from './progress.js';

export function maintenanceSummary(o: MaintenanceOutcome): string {
  const secs = `${(o.durationMs / 1000).toFixed(1)} s`;
  const would = o.dryRun ? 'would delete' : 'deleted';
  if (o.task === 'compact') {
    const r = o.result;
    if (r.dataFilesRemoved === 0) return `${o.table}: nothing to compact (${secs})`;
    return `${o.table}: compacted ${r.dataFilesRemoved} data files (${formatBytes(r.bytesRead)}) into ${r.dataFilesAdded} (${formatBytes(r.bytesWritten)}) in ${r.partitions} partitions, ${r.deleteFilesRemoved} delete files removed${r.deleteFilesAdded ? ` (${r.deleteFilesAdded} kept merged: removed keys' positions)` : ''}, in ${secs}`;
  }
  if (o.task === 'expire') return `${o.table}: ${o.dryRun ? 'would expire' : 'expired'} ${o.expiredSnapshotIds.length} snapshots, ${would} ${o.files.length} files (${secs})`;
  return `${o.table}: ${would} ${o.files.length} orphan files, ${formatBytes(o.bytes)} (${secs})`;
}
