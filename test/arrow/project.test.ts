/**
 * projectBatch: Arrow data of an older schema onto the current one by field id — renames, added
 * columns (null or their v3 initial-default), promotions (v3's date→timestamp only in v3), nested
 * changes, dropped columns — and what it refuses.
 */
import * as arrow from 'apache-arrow';
import { readParquet } from 'parquet-wasm';
import { describe, expect, it } from 'vitest';
import { rowsToTable } from '../../src/arrow/builder.js';
import { columnById, projectBatch } from '../../src/arrow/project.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { FloeError } from '../../src/util/errors.js';
import { ALL_ROWS, ALL_TYPES } from '../parquet/fixtures.js';

const schemaOf = (fields: Schema['fields'], id = 0): Schema => ({ type: 'struct', 'schema-id': id, fields });
const json = (v: unknown) => JSON.stringify(v, (_k, x: unknown) => (typeof x === 'bigint' ? `${x}n` : ArrayBuffer.isView(x) ? Array.from(x as Uint8Array) : x));
const rowsOf = (t: arrow.RecordBatch) => Array.from({ length: t.numRows }, (_, i) => JSON.parse(json(t.get(i)!.toJSON())) as Record<string, unknown>);

/** Through Parquet and back, as compaction reads files. */
function viaParquet(schema: Schema, rows: Record<string, unknown>[]): arrow.RecordBatch {
  const bytes = writeParquetBytes(rowsToTable(schema, rows));
  return arrow.tableFromIPC(readParquet(bytes).intoIPCStream()).batches[0]!;
}

function errorOf(fn: () => void): FloeError {
  try {
    fn();
  } catch (e) {
    if (e instanceof FloeError) return e;
    throw e;
  }
  throw new Error('expected a FloeError');
}

describe('projectBatch', () => {
  it('is the identity for a file of the current schema (every type)', () => {
    const batch = viaParquet(ALL_TYPES, ALL_ROWS);
    const projected = projectBatch(batch, ALL_TYPES);
    expect(rowsOf(projected)).toEqual(rowsOf(batch));
    // Unchanged columns keep their buffers.
    expect(projected.getChild('s')!.data[0]!.values).toBe(batch.getChild('s')!.data[0]!.values);
  });

  it('maps by field id: renamed, reordered, dropped, added, promoted, nested', () => {
    const v0 = schemaOf([
      { id: 1, name: 'id', required: true, type: 'int' },
      { id: 2, name: 'gone', required: false, type: 'string' },
      { id: 3, name: 'f', required: false, type: 'float' },
      { id: 4, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'a', required: false, type: 'int' }] } },
      { id: 6, name: 'm', required: false, type: { type: 'map', 'key-id': 7, key: 'string', 'value-id': 8, value: 'decimal(4,1)', 'value-required': false } },
    ]);
    const v1 = schemaOf([
      { id: 4, name: 'renamed_st', required: false, type: { type: 'struct', fields: [{ id: 9, name: 'b', required: false, type: 'string' }, { id: 5, name: 'a2', required: false, type: 'long' }] } },
      { id: 1, name: 'key', required: true, type: 'long' },
      { id: 3, name: 'f', required: false, type: 'double' },
      { id: 6, name: 'm', required: false, type: { type: 'map', 'key-id': 7, key: 'string', 'value-id': 8, value: 'decimal(10,1)', 'value-required': false } },
      { id: 10, name: 'new', required: false, type: 'string' },
    ], 1);
    const batch = viaParquet(v0, [
      { id: -3, gone: 'x', f: 0.25, st: { a: -7 }, m: new Map([['k', 123n]]) },
      { id: 2147483647, gone: null, f: null, st: null, m: null },
    ]);
    expect(rowsOf(projectBatch(batch, v1))).toEqual([
      { renamed_st: { b: null, a2: '-7n' }, key: '-3n', f: 0.25, m: { k: '"123"' }, new: null },
      { renamed_st: null, key: '2147483647n', f: null, m: null, new: null },
    ]);
    const p = projectBatch(batch, v1);
    expect(String(p.schema.fields[3]!.type)).toBe('Map<{key:Utf8, value:Decimal[10e+1]}>');
    expect(columnById(p, 5)!.field.name).toBe('a2');
  });

  it('fills added columns with their initial-default (v3) and promotes date to timestamp in v3 only', () => {
    const v0 = schemaOf([{ id: 1, name: 'd', required: false, type: 'date' }]);
    const v1 = schemaOf([
      { id: 1, name: 'd', required: false, type: 'timestamp' },
      { id: 2, name: 'flag', required: true, type: 'boolean', 'initial-default': true },
      { id: 3, name: 'note', required: false, type: 'string', 'initial-default': 'n/a' },
      { id: 4, name: 'at', required: false, type: 'timestamptz', 'initial-default': '2017-11-16T22:31:08.000001+01:00' },
      { id: 5, name: 'price', required: false, type: 'decimal(9,2)', 'initial-default': '-14.2' },
      { id: 6, name: 'day', required: false, type: 'date', 'initial-default': '1970-01-02' },
      { id: 7, name: 'st', required: false, 'initial-default': {}, type: { type: 'struct', fields: [{ id: 8, name: 'x', required: false, type: 'long', 'initial-default': 3 }] } },
      { id: 9, name: 'hex', required: false, type: 'binary', 'initial-default': '00ff' },
    ], 1);
    const batch = viaParquet(v0, [{ d: 1 }, { d: null }]);
    const p = projectBatch(batch, v1, { formatVersion: 3 });
    // Raw buffers: apache-arrow's get() turns timestamps into milliseconds.
    const raw = (name: string) => {
      const d = p.getChild(name)!.data[0]!;
      return Array.from({ length: p.numRows }, (_, i) => (d.nullCount > 0 && !(d.nullBitmap![i >> 3]! & (1 << (i & 7))) ? null : p.getChild(name)!.get(i)));
    };
    expect(Array.from(p.getChild('d')!.data[0]!.values as BigInt64Array)[0]).toBe(86_400_000_000n);
    expect(raw('d')[1]).toBeNull();
    expect(raw('flag')).toEqual([true, true]);
    expect(p.schema.fields[1]!.nullable).toBe(false);
    expect(raw('note')).toEqual(['n/a', 'n/a']);
    expect(Array.from(p.getChild('at')!.data[0]!.values as BigInt64Array)).toEqual([1510867868000001n, 1510867868000001n]);
    expect(Array.from(p.getChild('price')!.data[0]!.values as Uint32Array).slice(0, 4)).toEqual([4294965876, 4294967295, 4294967295, 4294967295]); // -1420
    expect(Array.from(p.getChild('day')!.data[0]!.values as Int32Array)).toEqual([1, 1]);
    expect(json(p.getChild('st')!.get(0)!.toJSON())).toBe('{"x":"3n"}');
    expect(Array.from(p.getChild('hex')!.get(1) as Uint8Array)).toEqual([0, 255]);
    expect(errorOf(() => projectBatch(batch, v1, { formatVersion: 2 })).code).toBe('PROJECTION_UNSUPPORTED');
  });

  it('refuses what is not a spec promotion, and a required column the file lacks without a default', () => {
    const batch = viaParquet(schemaOf([{ id: 1, name: 'x', required: false, type: 'long' }]), [{ x: 1n }]);
    expect(errorOf(() => projectBatch(batch, schemaOf([{ id: 1, name: 'x', required: false, type: 'int' }]))).message).toMatch(/cannot project x: the file holds Int64, the table int/);
    expect(errorOf(() => projectBatch(batch, schemaOf([{ id: 1, name: 'x', required: false, type: 'string' }]))).code).toBe('PROJECTION_UNSUPPORTED');
    const e = errorOf(() => projectBatch(batch, schemaOf([{ id: 1, name: 'x', required: false, type: 'long' }, { id: 2, name: 'y', required: true, type: 'int' }])));
    expect(e.message).toMatch(/y: the file lacks this required column/);
    // A file without field ids would otherwise read as all-null columns.
    const noIds = arrow.tableFromArrays({ x: BigInt64Array.from([1n]) }).batches[0]!;
    expect(errorOf(() => projectBatch(noIds, schemaOf([{ id: 1, name: 'x', required: false, type: 'long' }]))).message).toMatch(/x: the file has no field id/);
  });
});
