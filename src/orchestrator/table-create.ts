/**
 * The schema and partitioning a table is created with, from its first writer schema (with floe's
 * own columns appended): identifier fields for silver, optional value columns for bronze.
 */
import type { TableMapping } from '../config/index.js';
import { findField } from '../iceberg/spec/schema.js';
import type { Schema } from '../iceberg/spec/types.js';
import { evolveSchema, type Incompatibility } from '../schema/index.js';
import { FloeError } from '../util/errors.js';
import { optionalValueColumns, partitionSourcePath } from './bronze.js';
import type { PartitionFieldInput } from '../iceberg/spec/partition.js';

export type InitialTable = { schema: Schema; partitioning: (schema: Schema) => PartitionFieldInput[] } | { incompatible: Incompatibility[] };

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
  const partitioning = (s: Schema) =>
    mapping.partitioning.map((p, i) => {
      const path = partitionSourcePath(p.field, column);
      if (!findField(s, path)) {
        throw new FloeError('CONFIG_INVALID', `tables[${mapping.index}].partitioning[${i}].field: column "${p.field}" is not in the schema of ${fullName}`);
      }
      return { source: path, transform: p.transform as never, ...(p.name === undefined ? {} : { name: p.name }) };
    });
  return { schema, partitioning };
}
