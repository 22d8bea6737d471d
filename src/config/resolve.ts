/**
 * Turns the validated document (defaults filled per section) into the `FloeConfig` the daemon
 * reads: each table mapping merged over `defaults` and the global `maintenance`, namespaces split
 * into levels. After this nobody downstream looks at `defaults` to decide anything.
 */
import type {
  FileConfig,
  FloeConfig,
  KeyFormat,
  ValueFormat,
  MaintenanceConfig,
  SortFieldConfig,
  TableDefaults,
  TableMaintenanceConfig,
  TableMapping,
} from './model.js';
import { splitNamespace } from './names.js';

type Namespace = string | string[];

/** What the schema yields for one entry of `tables` (overrides still partial). */
export interface RawTable {
  topics?: string[];
  topicPattern?: string;
  table: string;
  mode: TableMapping['mode'];
  key?: { format: KeyFormat; fields?: string[] };
  value: { format: ValueFormat; json: 'text' | 'variant'; recursive: 'text' | 'variant' };
  envelope: TableMapping['envelope'];
  partitioning: Array<{ field: string; transform: string; name?: string }>;
  sortOrder: Array<{ field: string; transform: string; direction: 'asc' | 'desc'; nullOrder?: SortFieldConfig['nullOrder'] }>;
  bronze: { kafkaMetadataColumn: string };
  alsoBronze?: { table: string; namespace?: Namespace };
  namespace?: Namespace;
  commit?: Partial<TableDefaults['commit']>;
  file?: Partial<TableDefaults['file']>;
  errors?: Partial<TableDefaults['errors']>;
  schemaEvolution?: Partial<TableDefaults['schemaEvolution']>;
  formatVersion?: 2 | 3;
  tableProperties?: Record<string, string>;
  createTables?: boolean;
  startFrom?: string;
  maintenance?: { [K in keyof MaintenanceConfig]?: Partial<MaintenanceConfig[K]> };
}

export interface RawConfig extends Omit<FloeConfig, 'defaults' | 'tables'> {
  defaults: Omit<TableDefaults, 'namespace'> & { namespace: Namespace };
  tables: RawTable[];
}

/** Keys the user left out stay out of the schema's output, so a spread merges cleanly. */
function merge<T extends object>(base: T, override: Partial<T> | undefined): T {
  return { ...base, ...(override ?? {}) };
}

export function resolveConfig(raw: RawConfig): FloeConfig {
  const defaults: TableDefaults = { ...raw.defaults, namespace: splitNamespace(raw.defaults.namespace) };
  const maintenance: MaintenanceConfig = raw.maintenance;
  const tables = raw.tables.map((t, index) => resolveTable(t, index, defaults, maintenance));
  // Absent optional keys read as undefined, which is what the model's `x: T | undefined` means.
  return {
    kafka: raw.kafka,
    schemaRegistry: raw.schemaRegistry,
    catalog: raw.catalog,
    storage: raw.storage,
    defaults,
    tables,
    maintenance,
    server: raw.server,
    shutdown: raw.shutdown,
    logging: raw.logging,
    memory: raw.memory,
    performance: raw.performance,
  };
}

/**
 * A table's maintenance: the global section merged with the mapping's overrides, the compaction
 * target resolved (the mapping's, else the global one, else the table's `file.targetSizeBytes`).
 * The one place that resolves it, for mapped tables and for tables no mapping names.
 */
export function tableMaintenance(
  maintenance: MaintenanceConfig,
  file: FileConfig,
  overrides?: { [K in keyof MaintenanceConfig]?: Partial<MaintenanceConfig[K]> },
): TableMaintenanceConfig {
  return {
    compaction: {
      ...merge(maintenance.compaction, overrides?.compaction),
      targetSizeBytes: overrides?.compaction?.targetSizeBytes ?? maintenance.compaction.targetSizeBytes ?? file.targetSizeBytes,
    },
    expireSnapshots: merge(maintenance.expireSnapshots, overrides?.expireSnapshots),
    orphanFiles: merge(maintenance.orphanFiles, overrides?.orphanFiles),
  };
}

function resolveTable(t: RawTable, index: number, defaults: TableDefaults, maintenance: MaintenanceConfig): TableMapping {
  const file = merge(defaults.file, t.file);
  const namespace = t.namespace === undefined ? defaults.namespace : splitNamespace(t.namespace);
  const maintenanceOfTable = tableMaintenance(maintenance, file, t.maintenance);
  return {
    index,
    topics: t.topics,
    topicPattern: t.topicPattern,
    table: t.table,
    namespace,
    mode: t.mode,
    key: t.key === undefined ? undefined : { format: t.key.format, fields: t.key.fields },
    value: { format: t.value.format, json: t.value.json, recursive: t.value.recursive },
    envelope: t.envelope,
    partitioning: t.partitioning.map((p) => ({ field: p.field, transform: p.transform, name: p.name })),
    // Iceberg's own default null order: nulls first when ascending, last when descending.
    sortOrder: t.sortOrder.map((s) => ({
      field: s.field,
      transform: s.transform,
      direction: s.direction,
      nullOrder: s.nullOrder ?? (s.direction === 'asc' ? 'nulls-first' : 'nulls-last'),
    })),
    bronze: t.bronze,
    alsoBronze:
      t.alsoBronze === undefined
        ? undefined
        : { table: t.alsoBronze.table, namespace: t.alsoBronze.namespace === undefined ? namespace : splitNamespace(t.alsoBronze.namespace) },
    commit: merge(defaults.commit, t.commit),
    file,
    errors: merge(defaults.errors, t.errors),
    schemaEvolution: merge(defaults.schemaEvolution, t.schemaEvolution),
    formatVersion: t.formatVersion ?? defaults.formatVersion,
    // Table properties add to the defaults' rather than replacing them.
    tableProperties: { ...defaults.tableProperties, ...(t.tableProperties ?? {}) },
    createTables: t.createTables ?? defaults.createTables,
    startFrom: t.startFrom ?? defaults.startFrom,
    maintenance: maintenanceOfTable,
  };
}
