import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import avro from 'avsc';
import { describe, expect, it } from 'vitest';
import {
  assignSequenceNumber,
  inheritFromManifest,
  readAvroFile,
  readManifest,
  readManifestList,
  UNASSIGNED_SEQUENCE_NUMBER,
  writeAvroFile,
  writeManifest,
  writeManifestList,
} from '../../../src/iceberg/manifest/index.js';
import type { DataFile, ManifestEntry, PartitionSpec, Schema } from '../../../src/iceberg/spec/types.js';
import { serializeValue } from '../../../src/iceberg/spec/values.js';
import { readWithPyIceberg } from '../../fixtures/pyiceberg.js';

/** One identity partition per primitive type, plus the non-identity transforms. */
const schema: Schema = {
  type: 'struct',
  'schema-id': 3,
  fields: [
    { id: 1, name: 'b', required: false, type: 'boolean' },
    { id: 2, name: 'i', required: false, type: 'int' },
    { id: 3, name: 'l', required: true, type: 'long' },
    { id: 4, name: 'f', required: false, type: 'float' },
    { id: 5, name: 'd', required: false, type: 'double' },
    { id: 6, name: 'dt', required: false, type: 'date' },
    { id: 7, name: 't', required: false, type: 'time' },
    { id: 8, name: 'ts', required: false, type: 'timestamp' },
    { id: 9, name: 'tstz', required: false, type: 'timestamptz' },
    { id: 10, name: 's', required: false, type: 'string' },
    { id: 11, name: 'u', required: false, type: 'uuid' },
    { id: 12, name: 'fx', required: false, type: 'fixed[4]' },
    { id: 13, name: 'bin', required: false, type: 'binary' },
    { id: 14, name: 'dec', required: false, type: 'decimal(38,10)' },
    { id: 15, name: 'dec_small', required: false, type: 'decimal(9,2)' },
  ],
};

const identities = schema.fields.map((f, i) => ({
  'source-id': f.id,
  'field-id': 1000 + i,
  name: `${f.name}_id`,
  transform: 'identity' as const,
}));

const spec: PartitionSpec = {
  'spec-id': 7,
  fields: [
    ...identities,
    { 'source-id': 3, 'field-id': 1100, name: 'l_bucket', transform: 'bucket[16]' },
    { 'source-id': 9, 'field-id': 1101, name: 'tstz_day', transform: 'day' },
    { 'source-id': 9, 'field-id': 1102, name: 'tstz_hour', transform: 'hour' },
    { 'source-id': 6, 'field-id': 1103, name: 'dt_month', transform: 'month' },
    { 'source-id': 10, 'field-id': 1104, name: 's.trunc-3', transform: 'truncate[3]' },
  ],
};

const partitionA = [
  true, 42, 1234567890123n, 1.5, -2.25, 19000, 3_600_000_000n, 1_700_000_000_000_000n, 1_700_000_000_123_456n,
  'héllo', '123e4567-e89b-12d3-a456-426614174000', Uint8Array.of(1, 2, 3, 4), Uint8Array.of(0xff, 0),
  -12345678901234567890123n, 12345n,
  7, 19675, 472222, 624, 'hél',
];
const partitionB = partitionA.map((v, i) => (i % 3 === 0 ? null : v));

const bigSnapshotId = 3051729675574597004n; // a Java-style 63-bit id

function file(path: string, partition: DataFile['partition'], extra: Partial<DataFile> = {}): DataFile {
  return {
    content: 0,
    filePath: path,
    fileFormat: 'PARQUET',
    partition,
    specId: 7,
    recordCount: 100,
    fileSizeInBytes: 4096,
    columnSizes: new Map([[3, 800], [10, 1200]]),
    valueCounts: new Map([[3, 100], [10, 100]]),
    nullValueCounts: new Map([[3, 0], [10, 7]]),
    nanValueCounts: new Map([[4, 2]]),
    lowerBounds: new Map([[3, serializeValue('long', 1n)], [10, serializeValue('string', 'aaa')]]),
    upperBounds: new Map([[3, serializeValue('long', 99n)], [10, serializeValue('string', 'zzz')]]),
    splitOffsets: [4, 1_000_000],
    sortOrderId: 0,
    keyMetadata: Uint8Array.of(9, 9),
    ...extra,
  };
}

const entries: ManifestEntry[] = [
  { status: 1, snapshotId: bigSnapshotId, sequenceNumber: null, fileSequenceNumber: null, dataFile: file('s3://b/t/data/a.parquet', partitionA) },
  { status: 0, snapshotId: 17, sequenceNumber: 3, fileSequenceNumber: 4, dataFile: file('s3://b/t/data/b.parquet', partitionB) },
  { status: 2, snapshotId: bigSnapshotId, sequenceNumber: 2, fileSequenceNumber: 2, dataFile: file('s3://b/t/data/c.parquet', partitionA, { recordCount: 5 }) },
];

function written() {
  return writeManifest({ path: 's3://b/t/metadata/x-m0.avro', schema, spec, content: 0, snapshotId: bigSnapshotId, entries });
}

describe('manifest files', () => {
  it('round-trips entries, partition tuples of every type, metrics and 63-bit snapshot ids', () => {
    const { bytes } = written();
    const read = readManifest(bytes);
    expect(read.entries).toEqual(entries);
    expect(read.metadata).toMatchObject({
      schemaId: 3,
      partitionSpecId: 7,
      partitionFields: spec.fields,
      formatVersion: 2,
      content: 0,
      schema,
    });
  });

  it('writes the header metadata readers require and field ids in avro.schema', () => {
    const { metadata, schema: avroSchema } = readAvroFile(written().bytes);
    expect(metadata).toEqual({
      schema: JSON.stringify(schema),
      'schema-id': '3',
      'partition-spec': JSON.stringify(spec.fields),
      'partition-spec-id': '7',
      'format-version': '2',
      content: 'data',
    });
    const text = JSON.stringify(avroSchema);
    for (const id of [0, 1, 2, 3, 4, 134, 100, 101, 102, 103, 104, 108, 117, 118, 109, 119, 120, 110, 121, 122, 137, 138, 139, 125, 126, 127, 128, 129, 130, 131, 132, 135, 140, 143, 1000, 1104]) {
      expect(text).toContain(`"field-id":${id}`);
    }
    expect(text).toContain('"element-id":133');
    expect(text).toContain('"element-id":136');
    expect(text).toContain('"logicalType":"map"');
    expect(text).toContain('"logicalType":"timestamp-micros","adjust-to-utc":true');
    expect(text).toContain('"logicalType":"decimal","precision":38,"scale":10');
  });

  it('declares fixed[L] partition values as Avro bytes, the encoding Iceberg Java reads (apache/iceberg#17501)', () => {
    const { schema: avroSchema } = readAvroFile(written().bytes);
    type Rec = { name: string; type: unknown; fields?: Rec[] };
    const dataFile = (avroSchema as unknown as Rec).fields!.find((f) => f.name === 'data_file')!.type as Rec;
    const fields = (dataFile.fields!.find((f) => f.name === 'partition')!.type as Rec).fields!;
    expect(fields.find((f) => f.name === 'fx_id')?.type).toEqual(['null', 'bytes']);
    // uuid stays fixed(16): Java's uuid reader takes 16 raw bytes.
    expect(JSON.stringify(fields.find((f) => f.name === 'u_id')?.type)).toMatch(/"type":"fixed","name":"fixed_p\d+","size":16,"logicalType":"uuid"/);
  });

  it('is decodable by avsc\'s own container decoder (an independent framing check)', async () => {
    const safe = entries.map((e) => ({ ...e, snapshotId: 5 }));
    const { bytes } = writeManifest({ path: 'm.avro', schema, spec, content: 0, snapshotId: 5, entries: safe });
    const records: Record<string, any>[] = [];
    let header: Record<string, Buffer> = {};
    await new Promise<void>((resolve, reject) => {
      const decoder = new avro.streams.BlockDecoder();
      decoder.on('metadata', (_type: unknown, _codec: string, h: { meta: Record<string, Buffer> }) => (header = h.meta));
      decoder.on('data', (r: Record<string, any>) => records.push(r));
      decoder.on('end', resolve);
      decoder.on('error', reject);
      decoder.end(bytes);
    });
    expect(header['format-version']?.toString()).toBe('2');
    expect(records).toHaveLength(3);
    expect(records[0]!.status).toBe(1);
    expect(records[1]!.sequence_number).toBe(3);
    expect(records[0]!.data_file.file_path).toBe('s3://b/t/data/a.parquet');
    expect(records[0]!.data_file.partition.i_id).toBe(42);
    expect(records[0]!.data_file.partition.s_x2Etrunc_x2D3).toBe('hél');
    expect(records[0]!.data_file.column_sizes).toEqual([{ key: 3, value: 800 }, { key: 10, value: 1200 }]);
  });

  it('summarizes the manifest for its manifest-list entry', () => {
    const { manifest, bytes } = written();
    expect(manifest).toMatchObject({
      manifestLength: bytes.length,
      partitionSpecId: 7,
      content: 0,
      sequenceNumber: UNASSIGNED_SEQUENCE_NUMBER,
      minSequenceNumber: 3, // live explicit entries only; the deleted seq-2 entry does not count
      addedSnapshotId: bigSnapshotId,
      addedFilesCount: 1,
      existingFilesCount: 1,
      deletedFilesCount: 1,
      addedRowsCount: 100,
      existingRowsCount: 100,
      deletedRowsCount: 5,
    });
    const [b, i] = manifest.partitions!;
    expect(b).toEqual({ containsNull: true, containsNan: false, lowerBound: Uint8Array.of(1), upperBound: Uint8Array.of(1) });
    expect(i).toEqual({ containsNull: false, containsNan: false, lowerBound: serializeValue('int', 42), upperBound: serializeValue('int', 42) });
    const assigned = assignSequenceNumber(manifest, 9);
    expect(assigned.sequenceNumber).toBe(9);
    expect(assigned.minSequenceNumber).toBe(3);
  });

  it('tracks NaN and null separately from float partition bounds', () => {
    const floatSpec: PartitionSpec = { 'spec-id': 1, fields: [{ 'source-id': 4, 'field-id': 1000, name: 'f', transform: 'identity' }] };
    const mk = (v: number | null, path: string): ManifestEntry => ({
      status: 1, snapshotId: 1, sequenceNumber: null, fileSequenceNumber: null,
      dataFile: { content: 0, filePath: path, fileFormat: 'PARQUET', partition: [v], specId: 1, recordCount: 1, fileSizeInBytes: 1 },
    });
    const { manifest } = writeManifest({
      path: 'm.avro', schema, spec: floatSpec, content: 0, snapshotId: 1,
      entries: [mk(NaN, 'a'), mk(2.5, 'b'), mk(-0, 'c'), mk(null, 'd')],
    });
    expect(manifest.partitions).toEqual([
      { containsNull: true, containsNan: true, lowerBound: serializeValue('float', -0), upperBound: serializeValue('float', 2.5) },
    ]);
    expect(manifest.minSequenceNumber).toBe(UNASSIGNED_SEQUENCE_NUMBER);
    expect(assignSequenceNumber(manifest, 4)).toMatchObject({ sequenceNumber: 4, minSequenceNumber: 4 });
  });

  it('writes unpartitioned and delete manifests', () => {
    const unpartitioned: PartitionSpec = { 'spec-id': 0, fields: [] };
    const eq: DataFile = {
      content: 2, filePath: 'eq.parquet', fileFormat: 'PARQUET', partition: [], specId: 0, recordCount: 3, fileSizeInBytes: 10, equalityIds: [3, 10],
    };
    const pos: DataFile = {
      content: 1, filePath: 'pos.parquet', fileFormat: 'PARQUET', partition: [], specId: 0, recordCount: 2, fileSizeInBytes: 10,
      referencedDataFile: 'data.parquet', sortOrderId: 5,
    };
    const { bytes, manifest } = writeManifest({
      path: 'd.avro', schema, spec: unpartitioned, content: 1, snapshotId: 1,
      entries: [eq, pos].map((dataFile) => ({ status: 1, snapshotId: 1, sequenceNumber: null, fileSequenceNumber: null, dataFile })),
    });
    const read = readManifest(bytes);
    expect(read.metadata.content).toBe(1);
    expect(read.metadata.raw.content).toBe('deletes');
    expect(manifest.partitions).toEqual([]);
    // Position deletes never carry a sort order id (spec note on sort_order_id).
    const { sortOrderId: _dropped, ...posWithoutOrder } = pos;
    expect(read.entries.map((e) => e.dataFile)).toEqual([eq, posWithoutOrder]);
  });

  it('rejects entries that break the spec', () => {
    const bad = (entry: ManifestEntry, content: 0 | 1 = 0) => () =>
      writeManifest({ path: 'm.avro', schema, spec, content, snapshotId: 1, entries: [entry] });
    const base = entries[0]!;
    expect(bad({ ...base, status: 0 })).toThrow(/explicit sequence numbers/);
    expect(bad(base, 1)).toThrow(/does not belong/);
    expect(bad({ ...base, dataFile: { ...base.dataFile, specId: 1 } })).toThrow(/partition spec/);
    expect(bad({ ...base, dataFile: { ...base.dataFile, content: 2 } }, 1)).toThrow(/equality_ids/);
  });

  it('reads v1 manifests (no content, no sequence numbers, extra deprecated fields) with v2 defaults', () => {
    const v1Schema = {
      type: 'record',
      name: 'manifest_entry',
      fields: [
        { name: 'status', type: 'int', 'field-id': 0 },
        { name: 'snapshot_id', type: 'long', 'field-id': 1 },
        {
          name: 'data_file',
          'field-id': 2,
          type: {
            type: 'record',
            name: 'r2',
            fields: [
              { name: 'file_path', type: 'string', 'field-id': 100 },
              { name: 'file_format', type: 'string', 'field-id': 101 },
              { name: 'partition', 'field-id': 102, type: { type: 'record', name: 'r102', fields: [{ name: 'day', type: ['null', { type: 'int', logicalType: 'date' }], 'field-id': 1000 }] } },
              { name: 'record_count', type: 'long', 'field-id': 103 },
              { name: 'file_size_in_bytes', type: 'long', 'field-id': 104 },
              { name: 'block_size_in_bytes', type: 'long', 'field-id': 105 },
            ],
          },
        },
      ],
    };
    const bytes = writeAvroFile(v1Schema, { schema: JSON.stringify(schema), 'partition-spec': '[{"source-id":6,"field-id":1000,"name":"day","transform":"day"}]' }, [
      { status: 1, snapshot_id: 11, data_file: { file_path: 'v1.avro', file_format: 'avro', partition: { day: 18000 }, record_count: 3, file_size_in_bytes: 30, block_size_in_bytes: 67108864 } },
    ]);
    const read = readManifest(bytes);
    expect(read.metadata).toMatchObject({ formatVersion: 1, content: 0, partitionSpecId: 0 });
    expect(read.entries).toEqual([
      {
        status: 1, snapshotId: 11, sequenceNumber: null, fileSequenceNumber: null,
        dataFile: { content: 0, filePath: 'v1.avro', fileFormat: 'AVRO', partition: [18000], specId: 0, recordCount: 3, fileSizeInBytes: 30 },
      },
    ]);
    const inherited = inheritFromManifest(read.entries, { ...written().manifest, sequenceNumber: 0, addedSnapshotId: 11 });
    expect(inherited[0]).toMatchObject({ snapshotId: 11, sequenceNumber: 0, fileSequenceNumber: 0 });
  });
});

describe('manifest lists', () => {
  it('round-trips manifest files with header metadata', () => {
    const manifest = assignSequenceNumber(written().manifest, 12);
    const other = { ...manifest, manifestPath: 's3://b/t/metadata/old-m0.avro', content: 1 as const, sequenceNumber: 2, minSequenceNumber: 1, addedSnapshotId: 77, partitions: undefined };
    const bytes = writeManifestList({ snapshotId: bigSnapshotId, parentSnapshotId: 77, sequenceNumber: 12, manifests: [manifest, other] });
    const read = readManifestList(bytes);
    expect(read.metadata).toEqual({ 'snapshot-id': String(bigSnapshotId), 'parent-snapshot-id': '77', 'sequence-number': '12', 'format-version': '2' });
    expect(read.manifests).toEqual([manifest, other]);
  });

  it('refuses manifests whose sequence number was never assigned', () => {
    expect(() => writeManifestList({ snapshotId: 1, parentSnapshotId: null, sequenceNumber: 1, manifests: [written().manifest] })).toThrow(/sequence number/);
  });
});

describe('PyIceberg reads what floe writes', () => {
  it('sees the same entries, inheritance, partitions and summaries', () => {
    const dir = mkdtempSync(join(tmpdir(), 'floe-manifest-'));
    const manifestPath = join(dir, 'm0.avro');
    const { bytes, manifest } = writeManifest({ path: manifestPath, schema, spec, content: 0, snapshotId: bigSnapshotId, entries });
    writeFileSync(manifestPath, bytes);
    const listPath = join(dir, 'snap.avro');
    writeFileSync(listPath, writeManifestList({ snapshotId: bigSnapshotId, parentSnapshotId: 17, sequenceNumber: 12, manifests: [assignSequenceNumber(manifest, 12)] }));

    const [m] = readWithPyIceberg(listPath);
    expect(m).toMatchObject({
      manifest_path: manifestPath,
      manifest_length: bytes.length,
      partition_spec_id: 7,
      content: 0,
      sequence_number: 12,
      min_sequence_number: 3,
      added_snapshot_id: String(bigSnapshotId),
      added_files_count: 1,
      existing_files_count: 1,
      deleted_files_count: 1,
      added_rows_count: 100,
      existing_rows_count: 100,
      deleted_rows_count: 5,
    });
    expect(m!.partitions[1]).toEqual({ contains_null: false, contains_nan: false, lower_bound: '2a000000', upper_bound: '2a000000' });
    const [a, b, c] = m!.entries;
    // Added entry inherits the manifest's sequence number; the others keep theirs.
    expect(a).toMatchObject({ status: 1, snapshot_id: String(bigSnapshotId), sequence_number: 12, file_sequence_number: 12 });
    expect(b).toMatchObject({ status: 0, snapshot_id: '17', sequence_number: 3, file_sequence_number: 4 });
    expect(c).toMatchObject({ status: 2, sequence_number: 2, record_count: 5 });
    expect(a).toMatchObject({
      content: 0,
      file_path: 's3://b/t/data/a.parquet',
      file_format: 'PARQUET',
      record_count: 100,
      file_size_in_bytes: 4096,
      column_sizes: { '3': 800, '10': 1200 },
      value_counts: { '3': 100, '10': 100 },
      null_value_counts: { '3': 0, '10': 7 },
      nan_value_counts: { '4': 2 },
      lower_bounds: { '3': '0100000000000000', '10': '616161' },
      upper_bounds: { '3': '6300000000000000', '10': '7a7a7a' },
      split_offsets: [4, 1000000],
      sort_order_id: 0,
    });
    expect(a!.partition).toEqual([
      true, 42, 1234567890123, 1.5, -2.25,
      19000, 3600000000, 1700000000000000, 1700000000123456,
      'héllo', '123e4567-e89b-12d3-a456-426614174000', 'hex:01020304', 'hex:ff00',
      '-1234567890123.4567890123', '123.45',
      7, 19675, 472222, 624, 'hél',
    ]);
    expect((b!.partition as unknown[])[0]).toBeNull();
  });
});
