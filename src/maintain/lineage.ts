/**
 * Row lineage through compaction (format v3, spec "Row Lineage"): a row moved to another data file
 * keeps its `_row_id` and `_last_updated_sequence_number`. New files floe writes at ingest leave
 * both out (readers inherit them: the file's first_row_id + position, its data sequence number);
 * a rewritten file must carry them as columns, with the values readers saw in the old file —
 * the old file's own column when it had a non-null value, else the inherited one.
 */
import * as arrow from 'apache-arrow';
import { columnById } from '../arrow/project.js';
import { icebergFieldToArrow } from '../arrow/schema.js';
import { takeBatch } from '../arrow/take.js';
import type { NestedField, Schema } from '../iceberg/spec/types.js';

export const ROW_ID: NestedField = { id: 2147483540, name: '_row_id', required: false, type: 'long' };
export const LAST_UPDATED_SEQUENCE_NUMBER: NestedField = { id: 2147483539, name: '_last_updated_sequence_number', required: false, type: 'long' };

/** The schema compaction writes on a v3 table: the table's columns plus the two lineage columns. */
export function withLineage(schema: Schema): Schema {
  return { ...schema, fields: [...schema.fields, ROW_ID, LAST_UPDATED_SEQUENCE_NUMBER] };
}

export interface LineageSource {
  /** The file's first_row_id (inherited or explicit); undefined: rows have no row ids. */
  firstRowId: number | undefined;
  /** The file's data sequence number. */
  sequenceNumber: number;
}

/**
 * `projected` (a batch of the current schema, rows `start`.. of the file) with the lineage columns
 * appended, values from `read` (the same rows as stored in the file) or inherited from `source`.
 */
export function addLineage(projected: arrow.RecordBatch, read: arrow.RecordBatch, start: number, source: LineageSource, target: arrow.Schema): arrow.RecordBatch {
  const n = projected.numRows;
  const base = projected.data.offset === 0 ? projected : takeBatch(projected, Int32Array.from({ length: n }, (_v, i) => i));
  const column = (field: NestedField, inherited: (i: number) => bigint | null) => {
    const stored = columnById(read, field.id);
    const values = stored?.data.values as BigInt64Array | undefined;
    const valid = (i: number) => {
      const d = stored!.data;
      if (d.nullCount === 0 || !d.nullBitmap || d.nullBitmap.length === 0) return true;
      const b = d.offset + i;
      return (d.nullBitmap[b >> 3]! & (1 << (b & 7))) !== 0;
    };
    const out = new BigInt64Array(n);
    const bitmap = new Uint8Array((n + 7) >> 3);
    let nulls = 0;
    for (let i = 0; i < n; i++) {
      const v = values !== undefined && valid(i) ? values[i]! : inherited(i);
      if (v === null) nulls++;
      else {
        out[i] = v;
        bitmap[i >> 3]! |= 1 << (i & 7);
      }
    }
    return arrow.makeData({ type: new arrow.Int64(), length: n, nullCount: nulls, nullBitmap: nulls === 0 ? null : bitmap, data: out });
  };
  const has = source.firstRowId !== undefined;
  const rowIds = column(ROW_ID, (i) => (has ? BigInt(source.firstRowId! + start + i) : null));
  const seqs = column(LAST_UPDATED_SEQUENCE_NUMBER, () => (has ? BigInt(source.sequenceNumber) : null));
  const data = arrow.makeData({
    type: new arrow.Struct(target.fields),
    length: n,
    nullCount: 0,
    children: [...base.data.children, rowIds, seqs],
  });
  return new arrow.RecordBatch(target, data);
}

/** The Arrow schema of `withLineage(schema)`, given the table's own Arrow schema. */
export function lineageArrowSchema(wanted: arrow.Schema): arrow.Schema {
  return new arrow.Schema([...wanted.fields, icebergFieldToArrow(ROW_ID), icebergFieldToArrow(LAST_UPDATED_SEQUENCE_NUMBER)]);
}
