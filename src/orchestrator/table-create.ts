/**
 * The schema and partitioning a table is created with, from its first writer schema (with floe's
 * own columns appended): identifier fields for silver, optional value columns for bronze.
 */
import type { TableMapping } from '../config/index.js';
import { findField } from '../iceberg/spec/schema.js';
import { buildPartitionSpec } from '../iceberg/spec/partition.js';
import { buildSortOrder } from '../iceberg/spec/sort.js';
import type { Schema, Transform } from '../iceberg/spec/types.js';
import { evolveSchema, type Incompatibility } from '../schema/index.js';
import { FloeError } from '../util/errors.js';
import { optionalValueColumns, partitionSourcePath } from './bronze.js';
import type { TableDefinition } from '../iceberg/table/definition.js';

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
  const first = evolveSchema(undefined, augmented);
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
