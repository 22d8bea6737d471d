/** mappingDefinition: what a mapping asks of its table, and what it refuses with the mapping's path. */
import { describe, expect, it } from 'vitest';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { mappingDefinition } from '../../src/orchestrator/table-create.js';
import { mapping } from './fakes.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'ok', required: false, type: 'boolean' },
    { id: 3, name: 'tags', required: false, type: { type: 'list', 'element-id': 5, element: 'string', 'element-required': false } },
    { id: 4, name: '_kafka', required: true, type: { type: 'struct', fields: [{ id: 6, name: 'timestamp', required: true, type: 'timestamptz' }] } },
  ],
};

describe('mappingDefinition', () => {
  it('gives partitioning, sort order (with $kafka paths), properties and format version', () => {
    const def = mappingDefinition(mapping({
      partitioning: [{ field: '$kafka.timestamp', transform: 'day' }],
      sortOrder: [{ field: 'id', direction: 'desc' }],
      tableProperties: { a: 'b' },
    }), 'db.t')(schema);
    expect(def).toEqual({
      formatVersion: 2,
      partitioning: [{ source: '_kafka.timestamp', transform: 'day' }],
      sortOrder: [{ source: 'id', transform: 'identity', direction: 'desc', nullOrder: 'nulls-last' }],
      properties: { a: 'b' },
    });
  });

  it('refuses a missing column or a transform the column cannot take, with the path', () => {
    expect(() => mappingDefinition(mapping({ sortOrder: [{ field: 'id' }, { field: 'nope' }] }), 'db.t')(schema)).toThrow('tables[0].sortOrder[1].field: column "nope" is not in the schema of db.t');
    expect(() => mappingDefinition(mapping({ partitioning: [{ field: 'ok', transform: 'bucket[4]' }] }), 'db.t')(schema)).toThrow(/^tables\[0\]\.partitioning\[0\]: cannot apply to db\.t: /);
    expect(() => mappingDefinition(mapping({ sortOrder: [{ field: 'tags' }] }), 'db.t')(schema)).toThrow(/^tables\[0\]\.sortOrder\[0\]: cannot apply to db\.t: /);
  });

  it('refuses partitioning or sorting by a recursive field stored as variant (value.recursive: variant), with the path', () => {
    const v3: Schema = { ...schema, fields: [...schema.fields, { id: 7, name: 'tree', required: false, type: 'variant' }] };
    for (const transform of ['identity', 'bucket[4]']) {
      expect(() => mappingDefinition(mapping({ formatVersion: 3, partitioning: [{ field: 'tree', transform }] }), 'db.t')(v3)).toThrow(/^tables\[0\]\.partitioning\[0\]: cannot apply to db\.t: /);
    }
    expect(() => mappingDefinition(mapping({ formatVersion: 3, sortOrder: [{ field: 'tree' }] }), 'db.t')(v3)).toThrow(/^tables\[0\]\.sortOrder\[0\]: cannot apply to db\.t: /);
  });
});
