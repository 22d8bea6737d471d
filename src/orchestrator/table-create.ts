/**
 * The schema and partitioning a table is created with, from its first writer schema (with floe's
 * own columns appended): identifier fields for silver, optional value columns for bronze.
 */
import type { TableMapping } from '../config/index.js';
import type { WriterSchema } from '../decode/index.js';
import type { LoadedTable, TableIdentifier } from '../iceberg/catalog/types.js';
import type { Logger } from '../util/log.js';
import type { TableStore } from './ports.js';
import { findField } from '../iceberg/spec/schema.js';
import { buildPartitionSpec } from '../iceberg/spec/partition.js';
import { buildSortOrder } from '../iceberg/spec/sort.js';
import type { Schema, Transform } from '../iceberg/spec/types.js';
import { evolveSchema, type Incompatibility } from '../schema/index.js';
import { FloeError } from '../util/errors.js';
import { optionalValueColumns, partitionSourcePath, withMetadataField, withoutColumn } from './bronze.js';
import { debeziumRowSchema, KAFKA_KEY_COLUMN } from './silver.js';
import type { TableDefinition } from '../iceberg/table/definition.js';

/**
 * For one writer schema: the Avro record rows are projected from (the envelope's row record for a
 * silver Debezium table) and the record the table's schema follows — with floe's own columns, the
 * Kafka metadata and, for a table keyed by the Kafka key, that key. Throws when it cannot be read.
 */
export function writerColumns(writer: WriterSchema, mapping: TableMapping, keyColumns: string[] | undefined): { rowSchema: Record<string, unknown>; augmented: Record<string, unknown> } {
  const rowSchema = mapping.mode === 'silver' && mapping.envelope === 'debezium' ? debeziumRowSchema(writer.text) : (JSON.parse(writer.text) as Record<string, unknown>);
  let augmented = withMetadataField(JSON.stringify(rowSchema), mapping.bronze.kafkaMetadataColumn);
  if (keyColumns?.[0] === KAFKA_KEY_COLUMN) {
    // The decoded Kafka key becomes a required column: the identifier of a keyed-by-Kafka-key table.
    augmented = { ...augmented, fields: [...(augmented.fields as unknown[]), { name: KAFKA_KEY_COLUMN, type: 'string', doc: 'Kafka key (written by floe)' }] };
  }
  return { rowSchema, augmented };
}

/** A table schema without the columns floe fills itself (Kafka metadata, Kafka key). */
export function valueColumns(schema: Schema, mapping: TableMapping, keyColumns: string[] | undefined): Schema {
  const s = withoutColumn(schema, mapping.bronze.kafkaMetadataColumn);
  return keyColumns?.[0] === KAFKA_KEY_COLUMN ? withoutColumn(s, KAFKA_KEY_COLUMN) : s;
}

/**
 * The table for its first writer schema: the existing one (another instance may have created it),
 * or a new one; `incompatible` when that schema cannot be mapped (no table is created).
 */
export async function loadOrCreate(
  store: Pick<TableStore, 'load' | 'create'>,
  id: TableIdentifier,
  mapping: TableMapping,
  fullName: string,
  keyColumns: string[] | undefined,
  augmented: Record<string, unknown>,
  log: Logger,
): Promise<{ table: LoadedTable } | { incompatible: Incompatibility[] }> {
  const existing = await store.load(id);
  if (existing) return { table: existing };
  if (!mapping.createTables) {
    throw new FloeError('CATALOG_NO_SUCH_TABLE', `table ${fullName} does not exist and tables[${mapping.index}].createTables is false`);
  }
  const initial = initialTable(mapping, fullName, keyColumns, augmented);
  if ('incompatible' in initial) return initial;
  const created = await store.create(id, initial.schema, initial.definition);
  log.info({ schemaId: created.metadata['current-schema-id'] }, 'table created');
  return { table: created };
}

/** Brings an existing table's definition to what the mapping says, logging each change. */
export async function followMapping(follow: NonNullable<TableStore['follow']>, id: TableIdentifier, mapping: TableMapping, fullName: string, log: Logger): Promise<LoadedTable> {
  const { table, changes } = await follow(id, mappingDefinition(mapping, fullName));
  for (const c of changes) log.info({ change: c.what, from: c.from, to: c.to }, 'table definition changes to follow the mapping');
  return table;
}

export type InitialTable = { schema: Schema; definition: (schema: Schema) => TableDefinition } | { incompatible: Incompatibility[] };

/**
 * What the mapping asks of its table's definition, for a schema of the table: format version,
 * partitioning, sort order, properties. Throws CONFIG_INVALID (fatal, with the mapping's path) for
 * a partition or sort column the schema lacks: a table cannot follow such a mapping.
 */
export function mappingDefinition(mapping: TableMapping, fullName: string): (schema: Schema) => TableDefinition {
  const column = mapping.bronze.kafkaMetadataColumn;
  const source = (s: Schema, field: string, at: string) => {
    const path = partitionSourcePath(field, column);
    if (!findField(s, path)) {
      throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].${at}.field: column "${field}" is not in the schema of ${fullName}`, { details: { fatal: true } });
    }
    return path;
  };
  /** Each field alone must suit its column (a transform the type cannot take, a nested list element). */
  const check = <T>(at: string, input: T, build: (input: T) => unknown): T => {
    try {
      build(input);
    } catch (err) {
      throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].${at}: cannot apply to ${fullName}: ${(err as Error).message}`, { cause: err, details: { fatal: true } });
    }
    return input;
  };
  return (s) => ({
    formatVersion: mapping.formatVersion,
    partitioning: mapping.partitioning.map((p, i) => {
      const input = { source: source(s, p.field, `partitioning[${i}]`), transform: p.transform as Transform, ...(p.name === undefined ? {} : { name: p.name }) };
      return check(`partitioning[${i}]`, input, (x) => buildPartitionSpec(s, [x]));
    }),
    sortOrder: mapping.sortOrder.map((o, i) => {
      const input = {
        source: source(s, o.field, `sortOrder[${i}]`),
        transform: o.transform as Transform,
        direction: o.direction,
        ...(o.nullOrder === undefined ? {} : { nullOrder: o.nullOrder }),
      };
      return check(`sortOrder[${i}]`, input, (x) => buildSortOrder(s, [x]));
    }),
    properties: { ...mapping.tableProperties },
  });
}

/**
 * `incompatible` when the first writer cannot be mapped at all (a record with no columns): no
 * table is created for it. Throws CONFIG_INVALID for key or partition fields the value lacks.
 */
export function initialTable(mapping: TableMapping, fullName: string, keyColumns: string[] | undefined, augmented: Record<string, unknown>): InitialTable {
  const column = mapping.bronze.kafkaMetadataColumn;
  const unkeyed = keyColumns && mapping.partitioning.find((p) => !keyColumns.includes(p.field));
  if (unkeyed) {
    // Equality deletes of a partitioned table only reach rows of their own partition: a key
    // whose partition could change would keep its stale row. Partitioning by key fields is safe.
    throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].partitioning: silver tables may only be partitioned by key fields, not "${unkeyed.field}"`);
  }
  const first = evolveSchema(undefined, augmented, { formatVersion: mapping.formatVersion, recursive: mapping.value.recursive });
  if (first.action === 'dead-letter') return { incompatible: first.incompatible };
  let schema = first.newSchema;
  if (keyColumns) {
    const ids = keyColumns.map((c) => schema.fields.find((f) => f.name === c));
    const missing = keyColumns.find((_c, i) => ids[i] === undefined);
    if (missing !== undefined) throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].key.fields: "${missing}" is not a field of the value`);
    // Identifier fields must be required columns; optional key fields still work as equality ids.
    if (ids.every((f) => f!.required)) schema = { ...schema, 'identifier-field-ids': ids.map((f) => f!.id) };
  } else {
    // Bronze is a history log and a delete has no value: tombstones are rows of null values.
    schema = optionalValueColumns(schema, column);
  }
  return { schema, definition: mappingDefinition(mapping, fullName) };
}
