import { describe, expect, it } from 'vitest';
import { depthToOffsets } from '../../src/maintain/expire.js';
import type { TableMetadata } from '../../src/iceberg/spec/types.js';

function metadata(summaries: Array<Record<string, string>>): TableMetadata {
  const snapshots = summaries.map((summary, i) => ({
    'snapshot-id': i + 1,
    'parent-snapshot-id': i === 0 ? undefined : i,
    'sequence-number': i + 1,
    'timestamp-ms': 1000 * (i + 1),
    'manifest-list': `s3://b/t/metadata/snap-${i + 1}.avro`,
    summary: { operation: 'append', ...summary },
  }));
  return { 'current-snapshot-id': summaries.length, snapshots, refs: { main: { 'snapshot-id': summaries.length, type: 'branch' } } } as unknown as TableMetadata;
}

describe('depthToOffsets', () => {
  it('counts main back to the newest snapshot with floe.offsets (inclusive)', () => {
    expect(depthToOffsets(metadata([{ 'floe.offsets': '{}' }, {}, {}]))).toBe(3);
    expect(depthToOffsets(metadata([{}, { 'floe.offsets': '{}' }]))).toBe(1);
    expect(depthToOffsets(metadata([{}, {}]))).toBe(0);
  });
});
