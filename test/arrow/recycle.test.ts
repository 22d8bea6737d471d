import { afterEach, describe, expect, it } from 'vitest';
import { RecordBatchBuilder } from '../../src/arrow/builder.js';
import { giveBytes, MIN_RECYCLED_BYTES, recycle, recycledBytes, setRecycleLimit, takeBytes } from '../../src/arrow/recycle.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { expectedRows } from '../parquet/fixtures.js';
import { writeParquetBytes } from '../../src/parquet/writer.js';
import { readWithPyarrow } from '../parquet/pyarrow.js';

const LIMIT = 32 * 1024 * 1024;

afterEach(() => {
  setRecycleLimit(0); // empties the free list between tests
  setRecycleLimit(LIMIT);
});

describe('recycled byte buffers', () => {
  it('hands a given-back buffer out again, once, and leaves small and foreign buffers alone', () => {
    setRecycleLimit(LIMIT);
    const small = takeBytes(100);
    giveBytes(small);
    giveBytes(Buffer.allocUnsafeSlow(MIN_RECYCLED_BYTES * 2));
    expect(recycledBytes()).toBe(0);

    const big = takeBytes(MIN_RECYCLED_BYTES * 2);
    giveBytes(big);
    giveBytes(big); // twice: still one entry
    expect(recycledBytes()).toBe(big.buffer.byteLength);
    const again = takeBytes(MIN_RECYCLED_BYTES + 1);
    expect(again.buffer).toBe(big.buffer);
    expect(recycledBytes()).toBe(0);
    // Nothing fits: a new buffer.
    giveBytes(again);
    expect(takeBytes(MIN_RECYCLED_BYTES * 3).buffer).not.toBe(big.buffer);
  });

  it('keeps at most the limit and drops the rest when the limit shrinks', () => {
    setRecycleLimit(MIN_RECYCLED_BYTES * 3);
    const a = takeBytes(MIN_RECYCLED_BYTES * 2);
    const b = takeBytes(MIN_RECYCLED_BYTES * 2);
    giveBytes(a);
    giveBytes(b); // over the limit: left to the GC
    expect(recycledBytes()).toBe(MIN_RECYCLED_BYTES * 2);
    setRecycleLimit(MIN_RECYCLED_BYTES);
    expect(recycledBytes()).toBe(0);
  });

  it("a batch built into a written batch's buffers holds exactly its own values (pyarrow reads them)", () => {
    setRecycleLimit(LIMIT);
    const schema: Schema = {
      type: 'struct',
      'schema-id': 0,
      fields: [
        { id: 1, name: 'id', required: true, type: 'long' },
        { id: 2, name: 's', required: false, type: 'string' },
        { id: 3, name: 'b', required: false, type: 'binary' },
        { id: 4, name: 'tags', required: false, type: { type: 'list', 'element-id': 5, element: 'string', 'element-required': false } },
      ],
    };
    // Values of the second batch differ from the first's in every byte position a stale byte could show.
    const rows = (tag: string, n: number) =>
      Array.from({ length: n }, (_, i) => ({
        id: BigInt(i),
        s: i % 7 === 0 ? null : `${tag}-${i}-${tag[0]!.repeat(i % 90)}`,
        b: i % 5 === 0 ? null : Buffer.from(`${tag}:${i}:${tag[1]!.repeat(i % 70)}`),
        tags: i % 3 === 0 ? null : [`${tag}${i}`, null, tag[2]!.repeat(i % 40)],
      }));
    const first = new RecordBatchBuilder(schema);
    for (const r of rows('abc', 3000)) first.append(r);
    const hints = first.sizeHints();
    recycle(first.finishTable());
    const given = recycledBytes();
    expect(given).toBeGreaterThanOrEqual(3 * MIN_RECYCLED_BYTES); // the string and binary buffers came back

    const second = new RecordBatchBuilder(schema);
    second.presize(hints);
    const expected = rows('XYZ', 2500);
    for (const r of expected) second.append(r);
    expect(recycledBytes()).toBeLessThan(given); // the second batch grew into them
    const read = readWithPyarrow(writeParquetBytes(second.finishTable()));
    expect(read.rows).toEqual(expectedRows(schema, expected));
  });
});
