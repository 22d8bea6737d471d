import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { RecordBatchBuilder, rowsToTable } from '../../src/arrow/builder.js';
import type { IcebergType, PrimitiveType, PrimitiveValue, Schema } from '../../src/iceberg/spec/types.js';
import { compareValues, deserializeValue, serializeValue, truncateLowerBound, truncateUpperBound } from '../../src/iceberg/spec/values.js';
import { writeDataFile } from '../../src/parquet/data-file.js';
import { ALL_ROWS, ALL_TYPES } from './fixtures.js';
import { readWithPyarrow } from './pyarrow.js';

interface Leaf {
  id: number;
  type: PrimitiveType;
  /** Struct-only path from the row; undefined for leaves under a list or map. */
  path?: string[];
}

function leaves(type: IcebergType, id: number, path: string[] | undefined, out: Leaf[]): Leaf[] {
  if (typeof type === 'string') out.push({ id, type, path });
  else if (type.type === 'struct') for (const f of type.fields) leaves(f.type, f.id, path && [...path, f.name], out);
  else if (type.type === 'list') leaves(type.element, type['element-id'], undefined, out);
  else {
    leaves(type.key, type['key-id'], undefined, out);
    leaves(type.value, type['value-id'], undefined, out);
  }
  return out;
}

function canonicalValue(type: PrimitiveType, v: unknown): PrimitiveValue {
  if (['long', 'time', 'timestamp', 'timestamptz', 'timestamp_ns', 'timestamptz_ns'].includes(type)) return BigInt(v as number);
  if (type === 'float') return Math.fround(v as number);
  if (type === 'uuid') return (v as string).toLowerCase();
  return v as PrimitiveValue;
}

/** Bounds from the input rows alone: collect, sort with compareValues, truncate(16), serialize. */
function expectedBounds(schema: Schema, rows: Record<string, unknown>[]) {
  const lower = new Map<number, Uint8Array>();
  const upper = new Map<number, Uint8Array>();
  for (const leaf of leaves({ type: 'struct', fields: schema.fields }, 0, [], [])) {
    if (!leaf.path) continue;
    const values: PrimitiveValue[] = [];
    for (const row of rows) {
      let v: unknown = row;
      for (const name of leaf.path) v = v == null ? undefined : (v as Record<string, unknown>)[name];
      if (v == null || (typeof v === 'number' && Number.isNaN(v))) continue;
      values.push(canonicalValue(leaf.type, v));
    }
    if (values.length === 0) continue;
    values.sort((a, b) => compareValues(leaf.type, a, b));
    lower.set(leaf.id, serializeValue(leaf.type, truncateLowerBound(leaf.type, values[0]!)));
    const hi = truncateUpperBound(leaf.type, values.at(-1)!);
    if (hi !== undefined) upper.set(leaf.id, serializeValue(leaf.type, hi));
  }
  return { lower, upper };
}

const schemaOf = (fields: Schema['fields']): Schema => ({ type: 'struct', 'schema-id': 0, fields });

describe('writeDataFile metrics', () => {
  const table = rowsToTable(ALL_TYPES, ALL_ROWS);
  const { bytes, metrics } = writeDataFile(table, ALL_TYPES, { rowGroupRows: 3 });
  const py = readWithPyarrow(bytes);
  const leafIds = leaves({ type: 'struct', fields: ALL_TYPES.fields }, 0, [], []).map((l) => l.id);

  it('counts records and bytes', () => {
    expect(metrics.recordCount).toBe(ALL_ROWS.length);
    expect(metrics.fileSizeInBytes).toBe(bytes.length);
  });

  it('value and null counts equal the Parquet footer (Iceberg Java reads those)', () => {
    const sum = (k: number, f: 'numValues' | 'nullCount') => py.rowGroups.reduce((n, g) => n + g.columns[k]![f]!, 0);
    expect([...metrics.valueCounts!.keys()]).toEqual(leafIds);
    leafIds.forEach((id, k) => {
      expect(metrics.valueCounts!.get(id), `value count of ${id}`).toBe(sum(k, 'numValues'));
      expect(metrics.nullValueCounts!.get(id), `null count of ${id}`).toBe(sum(k, 'nullCount'));
    });
  });

  it('column sizes are compressed chunk sizes summed over row groups', () => {
    expect(py.rowGroups.length).toBe(2);
    leafIds.forEach((id, k) => {
      expect(metrics.columnSizes!.get(id)).toBe(py.rowGroups.reduce((n, g) => n + g.columns[k]!.compressed, 0));
    });
  });

  it('split offsets are the row-group starts', () => {
    expect(metrics.splitOffsets).toEqual(py.rowGroups.map((g) => g.columns[0]!.dictionaryPageOffset ?? g.columns[0]!.dataPageOffset));
  });

  it('NaN counts for float and double leaves only', () => {
    expect(metrics.nanValueCounts).toEqual(new Map([[5, 0], [6, 1], [22, 1]]));
  });

  it('bounds equal those computed from the input rows, none for list/map leaves', () => {
    const { lower, upper } = expectedBounds(ALL_TYPES, ALL_ROWS);
    expect(metrics.lowerBounds).toEqual(lower);
    expect(metrics.upperBounds).toEqual(upper);
    for (const id of [24, 26, 27, 30, 31, 33, 35]) expect(metrics.lowerBounds!.has(id)).toBe(false);
    // Spot checks against literal values.
    expect(deserializeValue('long', metrics.lowerBounds!.get(4)!)).toBe(-9223372036854775808n);
    expect(deserializeValue('double', metrics.lowerBounds!.get(6)!)).toBe(-0);
    expect(deserializeValue('string', metrics.upperBounds!.get(14)!)).toBe('zzzzzzzzzzzzzzz{');
    expect(deserializeValue('uuid', metrics.upperBounds!.get(15)!)).toBe('ffffffff-ffff-ffff-ffff-ffffffffffff');
    expect(deserializeValue('decimal(38,10)', metrics.lowerBounds!.get(9)!)).toBe(-99999999999999999999999999999999999999n);
  });

  it('merges bounds across record batches', () => {
    const b = new RecordBatchBuilder(ALL_TYPES, { initialCapacity: 1 });
    const batches: arrow.RecordBatch[] = [];
    for (const row of ALL_ROWS) {
      b.append(row);
      batches.push(b.finish());
    }
    const multi = writeDataFile(new arrow.Table(batches), ALL_TYPES).metrics;
    const single = writeDataFile(table, ALL_TYPES).metrics;
    expect(multi.lowerBounds).toEqual(single.lowerBounds);
    expect(multi.upperBounds).toEqual(single.upperBounds);
    expect(multi.valueCounts).toEqual(single.valueCounts);
    expect(multi.nullValueCounts).toEqual(single.nullValueCounts);
  });

  it('keeps -0.0 below +0.0, skips NaN, and omits bounds of all-NaN or all-null columns', () => {
    const schema = schemaOf([
      { id: 1, name: 'z', required: false, type: 'float' },
      { id: 2, name: 'n', required: false, type: 'double' },
      { id: 3, name: 'e', required: false, type: 'string' },
    ]);
    const m = writeDataFile(rowsToTable(schema, [{ z: 0, n: NaN }, { z: -0, n: NaN }, { z: NaN }]), schema).metrics;
    expect(deserializeValue('float', m.lowerBounds!.get(1)!)).toBe(-0);
    expect(deserializeValue('float', m.upperBounds!.get(1)!)).toBe(0);
    expect(Object.is(deserializeValue('float', m.upperBounds!.get(1)!), 0)).toBe(true);
    expect(m.nanValueCounts).toEqual(new Map([[1, 1], [2, 2]]));
    expect(m.lowerBounds!.has(2) || m.lowerBounds!.has(3)).toBe(false);
    expect(m.nullValueCounts).toEqual(new Map([[1, 0], [2, 1], [3, 3]]));
  });

  it('truncates string and binary bounds; omits an upper bound that cannot be incremented', () => {
    const schema = schemaOf([
      { id: 1, name: 's', required: true, type: 'string' },
      { id: 2, name: 'b', required: true, type: 'binary' },
    ]);
    const rows = [
      { s: 'abcdefghijklmnopqrstuvwxyz', b: new Uint8Array(20).fill(0xff) },
      { s: 'abcdefghijklmnop\u{10FFFF}', b: new Uint8Array(20).fill(0xff) },
    ];
    const m = writeDataFile(rowsToTable(schema, rows), schema).metrics;
    expect(deserializeValue('string', m.lowerBounds!.get(1)!)).toBe('abcdefghijklmnop');
    expect(deserializeValue('string', m.upperBounds!.get(1)!)).toBe('abcdefghijklmnoq');
    expect(m.lowerBounds!.get(2)).toEqual(new Uint8Array(16).fill(0xff));
    expect(m.upperBounds!.has(2)).toBe(false);
  });

  it('honours metrics modes: none, counts, full', () => {
    const schema = schemaOf([
      { id: 1, name: 'a', required: true, type: 'string' },
      { id: 2, name: 'b', required: true, type: 'string' },
      { id: 3, name: 'c', required: true, type: 'string' },
    ]);
    const long = 'x'.repeat(40);
    const modes = { 1: { kind: 'none' }, 2: { kind: 'counts' }, 3: { kind: 'full' } } as const;
    const m = writeDataFile(rowsToTable(schema, [{ a: long, b: long, c: long }]), schema, {
      metricsMode: (id) => modes[id as 1 | 2 | 3],
    }).metrics;
    expect([...m.columnSizes!.keys()]).toEqual([1, 2, 3]);
    expect([...m.valueCounts!.keys()]).toEqual([2, 3]);
    expect([...m.lowerBounds!.keys()]).toEqual([3]);
    expect(deserializeValue('string', m.upperBounds!.get(3)!)).toBe(long);
  });
});
