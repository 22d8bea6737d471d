/**
 * Presizing builders from an earlier batch (RecordBatchBuilder `sizedLike`, PresizedBuilders):
 * only capacities change, so the batches must be byte-for-byte the same Arrow IPC as those of a
 * builder grown from the default capacity, whatever the later batch's size.
 */
import * as arrow from 'apache-arrow';
import { describe, expect, it } from 'vitest';
import { PresizedBuilders, RecordBatchBuilder, type BatchSizes } from '../../src/arrow/builder.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { ALL_ROWS, ALL_TYPES } from '../parquet/fixtures.js';

function ipc(batch: arrow.RecordBatch): Uint8Array {
  return arrow.tableToIPC(new arrow.Table([batch]), 'stream');
}

function build(rows: Record<string, unknown>[], sizedLike?: BatchSizes): { batch: arrow.RecordBatch; sizes: BatchSizes | undefined } {
  const b = new RecordBatchBuilder(ALL_TYPES, { sizedLike });
  for (const r of rows) b.append(r);
  const batch = b.finish();
  return { batch, sizes: b.lastBatchSizes };
}

const repeat = (n: number) => Array.from({ length: n }, (_, k) => ALL_ROWS[k % ALL_ROWS.length]!);

describe('presized builders', () => {
  it('build the same batches as growing ones, for larger and smaller successors', () => {
    const first = build(repeat(700));
    expect(first.sizes?.schema).toBe(ALL_TYPES);
    for (const n of [1, 9, 700, 1500]) {
      const grown = build(repeat(n)).batch;
      const presized = build(repeat(n), first.sizes).batch;
      expect(ipc(presized)).toEqual(ipc(grown));
    }
  });

  it('record slots and value bytes depth-first, in the order columns are created', () => {
    const schema: Schema = {
      type: 'struct', 'schema-id': 0,
      fields: [
        { id: 1, name: 's', required: false, type: 'string' },
        { id: 2, name: 'tags', required: false, type: { type: 'list', 'element-id': 3, element: 'string', 'element-required': false } },
        { id: 4, name: 'm', required: false, type: { type: 'map', 'key-id': 5, key: 'string', 'value-id': 6, value: 'int', 'value-required': false } },
        { id: 7, name: 'st', required: false, type: { type: 'struct', fields: [{ id: 8, name: 'b', required: false, type: 'binary' }] } },
      ],
    };
    const b = new RecordBatchBuilder(schema);
    b.append({ s: 'abc', tags: ['x', 'yz'], m: { k: 1 }, st: { b: Uint8Array.of(1, 2, 3, 4) } });
    b.append({ s: 'é', tags: [], m: null, st: null });
    b.finish();
    // root, s, tags, tags.element, m, m.key, m.value, st, st.b
    expect(b.lastBatchSizes!.values).toEqual([2, 0, 2, 5, 2, 0, 2, 3, 2, 0, 1, 1, 1, 0, 2, 0, 2, 4]);
    expect(b.lastBatchSizes!.schema).toBe(schema);
  });

  it('ignore sizes of another schema object, and keep them per partition key', () => {
    const other: BatchSizes = { schema: { ...ALL_TYPES }, values: [1, 2, 3] };
    expect(ipc(build(repeat(20), other).batch)).toEqual(ipc(build(repeat(20)).batch));

    const builders = new PresizedBuilders();
    const a = builders.create(ALL_TYPES, 'a');
    for (const r of repeat(50)) a.append(r);
    a.finish();
    const again = builders.create(ALL_TYPES, 'a');
    for (const r of repeat(3)) again.append(r);
    expect(ipc(again.finish())).toEqual(ipc(build(repeat(3)).batch));
    // The next builder of key 'a' is sized like that 3-row batch; key 'b' has no sizes yet.
    expect(again.lastBatchSizes!.values[0]).toBe(3);
    const b = builders.create(ALL_TYPES, 'b');
    b.append(ALL_ROWS[0]!);
    expect(ipc(b.finish())).toEqual(ipc(build([ALL_ROWS[0]!]).batch));
  });
});
