/**
 * A metadata-only append on top of `md`'s main branch, asserting main has not moved: what a
 * committing client sends, without data files. The catalog checks that a new snapshot's manifest
 * list exists and parses, so an empty one is written first (tables of these tests are local).
 * The `writer` tag in the summary lets a test find each commit in the main branch afterwards.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname } from 'node:path';
import type { TableChange } from '../../../src/iceberg/spec/changes.js';
import { writeManifestList } from '../../../src/iceberg/manifest/manifest-list.js';
import { newSnapshotId } from '../../../src/iceberg/spec/metadata.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';

export function appendChange(md: TableMetadata, tag: string): TableChange {
  const id = newSnapshotId(md);
  // v1/v2 metadata spells "no current snapshot" as -1.
  const current = md['current-snapshot-id'];
  const parent = current === null || current === undefined || Number(current) === -1 ? null : current;
  const sequenceNumber = (md['last-sequence-number'] ?? 0) + 1;
  const list = `${md.location}/metadata/snap-${id}.avro`;
  mkdirSync(dirname(list), { recursive: true });
  writeFileSync(list, writeManifestList({ snapshotId: id, parentSnapshotId: parent, sequenceNumber, manifests: [] }));
  return {
    requirements: [{ type: 'assert-ref-snapshot-id', ref: 'main', 'snapshot-id': parent }],
    updates: [
      {
        action: 'add-snapshot',
        snapshot: {
          'snapshot-id': id,
          ...(parent === null ? {} : { 'parent-snapshot-id': parent }),
          'sequence-number': sequenceNumber,
          'timestamp-ms': Date.now(),
          'manifest-list': list,
          summary: { operation: 'append', writer: tag },
          'schema-id': 0,
        },
      },
      { action: 'set-snapshot-ref', 'ref-name': 'main', 'snapshot-id': id, type: 'branch' },
    ],
  };
}
