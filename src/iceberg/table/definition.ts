/**
 * A table's definition as its writer wants it — format version, partitioning, sort order,
 * properties — and the REST commit that brings an existing table there. Applied when a writer
 * starts, so a table follows its configuration instead of keeping what it was created with.
 *
 * - Partitioning evolves the spec (spec "Partition Evolution"): a new spec becomes the default,
 *   new data is written in it, existing files keep the spec they were written with. A partition
 *   field that keeps its source and transform keeps its field id, as Java's UpdatePartitionSpec
 *   does, so readers see one partition column across specs.
 * - Sort order: a new order becomes the default (orders are never removed: files record theirs).
 * - Properties are set when their value differs. A property absent from the definition is left
 *   alone: the table's properties may have been set by someone else (an engine, an operator).
 * - The format version only ever goes up (metadata-only, as the spec allows).
 */
import type { TableChange, TableRequirement, TableUpdate } from '../spec/changes.js';
import { currentSchema, defaultSortOrder } from '../spec/metadata.js';
import { buildPartitionSpec, samePartitionFields, type PartitionFieldInput } from '../spec/partition.js';
import { findField } from '../spec/schema.js';
import { buildSortOrder, sameSortFields, type SortFieldInput } from '../spec/sort.js';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from '../spec/types.js';
import { specById } from './state.js';

export interface TableDefinition {
  /** Undefined: keep the table's version. */
  formatVersion?: number;
  partitioning: PartitionFieldInput[];
  sortOrder: SortFieldInput[];
  properties: Record<string, string>;
}

/** One change to a table's definition, for the log. */
export interface DefinitionChange {
  what: 'format-version' | 'partition-spec' | 'sort-order' | 'properties';
  from: string;
  to: string;
}

export interface DefinitionCommit {
  change: TableChange;
  changes: DefinitionChange[];
}

/** The spec the definition asks for, field ids reused from every spec the table ever had. */
export function wantedSpec(md: TableMetadata, schema: Schema, fields: PartitionFieldInput[]): PartitionSpec {
  const inputs = fields.map((f) => {
    const source = findField(schema, f.source);
    const reused = source && md['partition-specs'].flatMap((s) => s.fields).find((p) => p['source-id'] === source.field.id && p.transform === f.transform.trim());
    return reused ? { ...f, fieldId: reused['field-id'] } : f;
  });
  return buildPartitionSpec(schema, inputs, { lastPartitionId: md['last-partition-id'] });
}

/** The commit bringing `md` to `def`; `changes` is empty (and the change has no updates) when it is there. */
export function definitionCommit(md: TableMetadata, def: TableDefinition): DefinitionCommit {
  const schema = currentSchema(md);
  const updates: TableUpdate[] = [];
  const requirements: TableRequirement[] = [{ type: 'assert-table-uuid', uuid: md['table-uuid'] }];
  const changes: DefinitionChange[] = [];

  if (def.formatVersion !== undefined && def.formatVersion > md['format-version']) {
    updates.push({ action: 'upgrade-format-version', 'format-version': def.formatVersion });
    changes.push({ what: 'format-version', from: String(md['format-version']), to: String(def.formatVersion) });
  }

  const current = specById(md, md['default-spec-id']);
  const spec = wantedSpec(md, schema, def.partitioning);
  if (!samePartitionFields(current, spec, false)) {
    requirements.push({ type: 'assert-default-spec-id', 'default-spec-id': md['default-spec-id'] });
    requirements.push({ type: 'assert-last-assigned-partition-id', 'last-assigned-partition-id': md['last-partition-id'] });
    updates.push({ action: 'add-spec', spec }, { action: 'set-default-spec', 'spec-id': -1 });
    changes.push({ what: 'partition-spec', from: describeSpec(current, schema), to: describeSpec(spec, schema) });
  }

  const order = buildSortOrder(schema, def.sortOrder);
  const currentOrder = defaultSortOrder(md);
  if (!sameSortFields(currentOrder, order)) {
    requirements.push({ type: 'assert-default-sort-order-id', 'default-sort-order-id': md['default-sort-order-id'] });
    updates.push({ action: 'add-sort-order', 'sort-order': order }, { action: 'set-default-sort-order', 'sort-order-id': -1 });
    changes.push({ what: 'sort-order', from: describeOrder(currentOrder, schema), to: describeOrder(order, schema) });
  }

  const props: Record<string, string> = {};
  for (const [k, v] of Object.entries(def.properties)) {
    // The format version is the table's, not a property (a catalog strips it at create).
    if (k === 'format-version') continue;
    if (md.properties?.[k] !== v) props[k] = v;
  }
  if (Object.keys(props).length > 0) {
    updates.push({ action: 'set-properties', updates: props });
    const before = Object.fromEntries(Object.keys(props).map((k) => [k, md.properties?.[k] ?? null]));
    changes.push({ what: 'properties', from: JSON.stringify(before), to: JSON.stringify(props) });
  }
  return { change: { requirements: updates.length === 0 ? [] : requirements, updates }, changes };
}

function columnName(schema: Schema, id: number): string {
  return findField(schema, id)?.path.join('.') ?? `#${id}`;
}

export function describeSpec(spec: PartitionSpec, schema: Schema): string {
  if (spec.fields.length === 0) return 'unpartitioned';
  return spec.fields.map((f) => `${f.transform}(${columnName(schema, f['source-id'])})`).join(', ');
}

export function describeOrder(order: SortOrder, schema: Schema): string {
  if (order.fields.length === 0) return 'unsorted';
  return order.fields.map((f) => `${f.transform === 'identity' ? columnName(schema, f['source-id']) : `${f.transform}(${columnName(schema, f['source-id'])})`} ${f.direction} ${f['null-order']}`).join(', ');
}
