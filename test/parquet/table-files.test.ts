import { describe, expect, it } from 'vitest';
import { buildPartitionSpec, unpartitioned } from '../../src/iceberg/spec/partition.js';
import type { Schema } from '../../src/iceberg/spec/types.js';
import { dataLocation, splitByPartition, writeDataFiles, writePartitionedDataFiles } from '../../src/parquet/table-files.js';
import { isFloeError } from '../../src/util/errors.js';
import { MemoryFileIO } from '../iceberg/table/helpers.js';

const schema: Schema = {
  type: 'struct',
  'schema-id': 0,
  fields: [
    { id: 1, name: 'id', required: true, type: 'long' },
    { id: 2, name: 'name', required: false, type: 'string' },
    { id: 3, name: 'loc', required: false, type: { type: 'struct', fields: [{ id: 5, name: 'city', required: false, type: 'string' }] } },
    { id: 4, name: 'price', required: false, type: 'decimal(9,2)' },
  ],
};

describe('splitByPartition', () => {
  it('groups rows by their partition tuple in first-seen order, nested sources included', () => {
    const spec = buildPartitionSpec(schema, [{ source: 'loc.city', transform: 'identity' }, { source: 'id', transform: 'bucket[2]' }]);
    const rows = [
      { id: 1n, loc: { city: 'Zürich' } },
      { id: 2n, loc: null },
      { id: 1, loc: { city: 'Zürich' } }, // a long as a number lands with the bigint
      { id: 3n },
    ];
    const groups = splitByPartition(schema, spec, rows);
    expect(groups.map((g) => [g.partition, g.path, g.rows.length])).toEqual([
      [['Zürich', 0], 'loc.city=Z%C3%BCrich/id_bucket=0', 2],
      [[null, 0], 'loc.city=null/id_bucket=0', 1],
      [[null, 1], 'loc.city=null/id_bucket=1', 1],
    ]);
  });

  it('keeps rows of two partitions apart when a string value spells the other tuple', () => {
    const spec = buildPartitionSpec(schema, [{ source: 'name', transform: 'identity' }, { source: 'loc.city', transform: 'identity' }]);
    // A producer controls these strings; once they grouped together under the first tuple.
    const rows = [
      { id: 1n, name: 'a\u0000string:b', loc: { city: 'c' } },
      { id: 2n, name: 'a', loc: { city: 'b\u0000string:c' } },
    ];
    expect(splitByPartition(schema, spec, rows).map((g) => [g.partition, g.rows.map((r) => r.id)])).toEqual([
      [['a\u0000string:b', 'c'], [1n]],
      [['a', 'b\u0000string:c'], [2n]],
    ]);
  });

  it('refuses a row whose decimal truncation leaves the column precision, naming the row', () => {
    const spec = buildPartitionSpec(schema, [{ source: 'price', transform: 'truncate[50]' }]);
    const err = (() => {
      try {
        splitByPartition(schema, spec, [{ id: 1n, price: 12n }, { id: 2n, price: -999999999n }]);
      } catch (e) {
        return e;
      }
    })();
    expect(isFloeError(err, 'ICEBERG_INVALID_VALUE')).toBe(true);
    expect((err as { details: unknown }).details).toEqual({ row: 1, partitionField: 'price_trunc' });
    expect(splitByPartition(schema, spec, [{ id: 1n, price: -999999950n }])[0]!.partition).toEqual([-999999950n]);
  });
});

describe('writeDataFiles', () => {
  it('uploads files under <data>/<partition path>/ and returns complete DataFiles', async () => {
    const io = new MemoryFileIO();
    const spec = buildPartitionSpec(schema, [{ source: 'name', transform: 'truncate[1]' }], { specId: 3 });
    const rows = Array.from({ length: 10 }, (_, i) => ({ id: BigInt(i), name: i % 2 ? 'odd' : 'even' }));
    const files = await writePartitionedDataFiles(rows, {
      io,
      dataLocation: dataLocation({ location: 's3://b/db/t/', properties: {} }),
      schema,
      spec,
    });
    expect(files.map((f) => [f.partition, f.recordCount, f.specId, f.content, f.fileFormat])).toEqual([
      [['e'], 5, 3, 0, 'PARQUET'],
      [['o'], 5, 3, 0, 'PARQUET'],
    ]);
    for (const f of files) {
      expect(f.filePath).toMatch(/^s3:\/\/b\/db\/t\/data\/name_trunc=[eo]\/[0-9a-f-]{36}\.parquet$/);
      expect(io.files.get(f.filePath)?.byteLength).toBe(f.fileSizeInBytes);
      expect(f.valueCounts?.get(1)).toBe(5);
    }
  });

  it('honours write.data.path, rolls files at the target size and checks the tuple against the spec', async () => {
    const io = new MemoryFileIO();
    expect(dataLocation({ location: 's3://b/t', properties: { 'write.data.path': 's3://other/x/' } })).toBe('s3://other/x');
    const rows = Array.from({ length: 3000 }, (_, i) => ({ id: BigInt(i), name: `row-${i}-${'x'.repeat(50)}` }));
    const files = await writeDataFiles(rows, {
      io, dataLocation: 's3://b/t/data', schema, spec: unpartitioned, partition: [],
      targetFileSizeBytes: 8 * 1024, initialCompressionRatio: 0.1, compression: 'none', dictionary: false,
    });
    expect(files.length).toBeGreaterThan(1);
    expect(files.reduce((n, f) => n + f.recordCount, 0)).toBe(3000);
    expect(files.every((f) => f.filePath.startsWith('s3://b/t/data/') && f.partition.length === 0)).toBe(true);
    await expect(writeDataFiles(rows, { io, dataLocation: 'x', schema, spec: unpartitioned, partition: ['a'] })).rejects.toThrow(/partition tuple/);
  });
});
