/**
 * A metadata-only append on top of `md`'s main branch, asserting main has not moved: what a
 * committing client sends, without data files (the catalog never reads manifest lists). The
 * `writer` tag in the summary lets a test find each commit in the main branch afterwards.
 */
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import { newSnapshotId } from '../../../src/iceberg/spec/metadata.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';

export function appendChange(md: TableMetadata, tag: string): TableChange {
  const id = newSnapshotId(md);
  // v1/v2 metadata spells "no current snapshot" as -1.
  const current = md['current-snapshot-id'];
  const parent = current === null || current === undefined || Number(current) === -1 ? null : current;
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent }],
    updates: [
      {
        action: 'add-snapshot',
        snapshot: {
          'snapshot-id': id,
          ...(parent === null ? {} : { 'parent-snapshot-id': parent }),
          'sequence-number': (md['last-sequence-number'] ?? 0) + 1,
          'timestamp-ms': Date.now(),
          'manifest-list': `${md.location}/metadata/snap-${id}.avro`,
          summary: { operation: 'append', writer: tag },
          'schema-id': 0,
        },
      },
      { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': id, type: 'branch' },
    ],
  };
}
