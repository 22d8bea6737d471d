/**
 * Table maintenance as the daemon schedules it and `floe compact|expire|orphans` runs it: the
 * settings of a table (its mapping's `maintenance`, else the global one) and one pass of a task.
 */
import type { FloeConfig, TableMaintenanceConfig, TableMapping } from '../config/index.js';
import { tableMaintenance, tableNameFor } from '../config/index.js';
import { targetFileSizeBytes } from '../iceberg/table/file-size.js';
import type { LoadedTable, RestCatalogClient, TableIdentifier } from '../iceberg/catalog/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import type { Logger } from '../util/log.js';
import { compactTable, type CompactResult } from './compact.js';
import { expireTable, removeOrphans } from './expire.js';
import type { ProgressFn } from './progress.js';

export { compactTable, carriedOffsets, type CompactOptions, type CompactResult } from './compact.js';
export { expireTable, removeOrphans, referencedFiles, depthToOffsets } from './expire.js';
export type { ProgressEvent, ProgressFn } from './progress.js';

export type Task = 'compact' | 'expire' | 'orphans';

/** What maintenance needs of a table's mapping (not config's TableSettings: the mapping's overridable settings). */
export interface MaintenanceSettings {
  maintenance: TableMaintenanceConfig;
  compression: TableMapping['file']['compression'];
  rowGroupBytes: number;
}

/** The mapping that writes `namespace.name` (as silver, bronze or alsoBronze), if any. */
export function settingsFor(config: FloeConfig, id: TableIdentifier): MaintenanceSettings {
  const full = [...id.namespace, id.name].join('.');
  for (const m of config.tables) {
    const names = [[...m.namespace, m.table]];
    if (m.alsoBronze) names.push([...m.alsoBronze.namespace, m.alsoBronze.table]);
    // Templates with {topic} or {record} match any expansion: compare with the placeholders stripped to a wildcard.
    const hit = names.some((n) => {
      const pattern = n.join('.');
      if (!/\{(topic|record)\}/.test(pattern)) return tableNameFor(n.at(-1)!, '') === id.name && n.slice(0, -1).join('.') === id.namespace.join('.');
      return new RegExp(`^${pattern.split(/\{topic\}|\{record\}/).map(escape).join('.+')}$`).test(full);
    });
    if (hit) return { maintenance: m.maintenance, compression: m.file.compression, rowGroupBytes: m.file.rowGroupBytes };
  }
  const d = config.defaults;
  return {
    maintenance: tableMaintenance(config.maintenance, d.file),
    compression: d.file.compression,
    rowGroupBytes: d.file.rowGroupBytes,
  };
}

function escape(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

export interface TaskContext {
  catalog: RestCatalogClient;
  io: (t: LoadedTable) => FileIO;
  log: Logger;
}

export type TaskReport =
  | { task: 'compact'; result: Omit<CompactResult, 'table'> }
  | { task: 'expire'; expiredSnapshotIds: Array<number | bigint>; files: string[] }
  | { task: 'orphans'; files: string[]; bytes: number };

/** One pass of `task` on a table. The table's `write.target-file-size-bytes` wins over the config (iceberg/table/file-size.ts). */
export async function runTask(task: Task, id: TableIdentifier, settings: MaintenanceSettings, ctx: TaskContext, dryRun = false, progress?: ProgressFn): Promise<TaskReport> {
  const m = settings.maintenance;
  if (task === 'compact') {
    const loaded = await ctx.catalog.loadTable(id);
    const target = targetFileSizeBytes(loaded.metadata.properties, m.compaction.targetSizeBytes);
    const { table: _t, ...result } = await compactTable(
      ctx.catalog,
      ctx.io,
      id,
      { targetSizeBytes: target, minFiles: m.compaction.minFiles, compression: settings.compression, rowGroupBytes: settings.rowGroupBytes, ...(progress ? { progress } : {}) },
      ctx.log,
    );
    return { task, result };
  }
  if (task === 'expire') {
    const r = await expireTable(ctx.catalog, ctx.io, id, { retainLast: m.expireSnapshots.retainLast, maxAgeMs: m.expireSnapshots.maxAgeMs, dryRun, ...(progress ? { progress } : {}) }, ctx.log);
    return { task, ...r };
  }
  const r = await removeOrphans(ctx.catalog, ctx.io, id, { olderThanMs: m.orphanFiles.olderThanMs, dryRun, ...(progress ? { progress } : {}) }, ctx.log);
  return { task, ...r };
}
