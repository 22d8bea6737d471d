import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { inheritFromManifest, readManifest, readManifestList } from '../../../src/iceberg/manifest/index.js';
import { writeWithPyIceberg } from '../../fixtures/pyiceberg.js';

// Files from another Iceberg implementation: floe must read manifests other engines wrote (it
// carries and merges them), resolving fields by id whatever the names, order or format version.
describe('reading manifests PyIceberg wrote', () => {
  const dir = mkdtempSync(join(tmpdir(), 'floe-foreign-'));
  const paths = writeWithPyIceberg(dir);

  it('reads the manifest list with 63-bit ids, counts and partition summaries', () => {
    const { manifests, metadata } = readManifestList(readFileSync(paths.list));
    expect(metadata).toMatchObject({ 'snapshot-id': '3051729675574597004', 'parent-snapshot-id': '77', 'sequence-number': '9' });
    expect(manifests.map((m) => [m.manifestPath, m.addedSnapshotId, m.sequenceNumber, m.minSequenceNumber, m.addedFilesCount, m.existingFilesCount])).toEqual([
      [paths.v2, 3051729675574597004n, 9, 3, 1, 1],
      [paths.v1, 3051729675574597004n, 9, 9, 1, 0],
    ]);
    // day 19000 as a 4-byte int; decimal bounds in minimal two's complement (-0.01 → 0xff).
    expect(manifests[0]!.partitions).toEqual([
      { containsNull: true, containsNan: false, lowerBound: Uint8Array.of(0x38, 0x4a, 0, 0), upperBound: Uint8Array.of(0x38, 0x4a, 0, 0) },
      { containsNull: false, containsNan: false, lowerBound: Uint8Array.of(0xff), upperBound: Uint8Array.of(0x04, 0xd2) },
    ]);
  });

  it('reads v2 entries and applies inheritance from the list', () => {
    const { entries, metadata } = readManifest(readFileSync(paths.v2));
    expect(metadata).toMatchObject({ formatVersion: 2, partitionSpecId: 2, schemaId: 4, content: 0 });
    expect(entries.map((e) => [e.status, e.sequenceNumber, e.dataFile.filePath, e.dataFile.partition, e.dataFile.recordCount])).toEqual([
      [1, null, 's3://b/a.parquet', [19000, 1234n], 5],
      [0, 3, 's3://b/b.parquet', [null, -1n], 7],
    ]);
    expect(entries[0]!.dataFile).toMatchObject({ fileFormat: 'PARQUET', columnSizes: new Map([[1, 11]]), splitOffsets: [4], sortOrderId: 0 });
    const [manifest] = readManifestList(readFileSync(paths.list)).manifests;
    expect(inheritFromManifest(entries, manifest!).map((e) => [e.sequenceNumber, e.fileSequenceNumber])).toEqual([
      [9, 9],
      [3, 3],
    ]);
  });

  it('reads v1 manifests (no content or sequence numbers) as data with inherited numbers', () => {
    const { entries, metadata } = readManifest(readFileSync(paths.v1));
    expect(metadata.formatVersion).toBe(1);
    expect(entries).toHaveLength(1);
    expect(entries[0]).toMatchObject({ status: 1, sequenceNumber: null, dataFile: { content: 0, partition: [18000, null], filePath: 's3://b/v1.parquet' } });
  });
});
