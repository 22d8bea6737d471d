/**
 * Where the live row of each of some keys of a silver table sits in its key's history: the Kafka
 * coordinates of the record that wrote it (its `floe.replay.of` original when it was itself a
 * replayed dead letter). A replayed change is placed at its original position, so before it is
 * committed the daemon asks this for the keys it replays and drops the changes older than the
 * state already committed (docs/operations.md, "Replaying dead letters").
 *
 * It scans the table's live data files (deletes applied as compaction applies them) and its live
 * equality delete files: floe writes a removed key's delete row with the Kafka metadata of the
 * record that removed it (and compaction keeps those rows: removals.ts), so a key whose newest
 * state is a removal has a position too (the entry of the newest sequence number wins). Costly on a big table, but only commits that carry
 * replayed silver changes pay it, and replays are rare operator actions. Only the key columns and
 * the Kafka metadata column are turned into JS values.
 */
import type * as arrow from 'apache-arrow';
import { fieldIdOf, projectBatch } from '../arrow/project.js';
import { icebergSchemaToArrow } from '../arrow/schema.js';
import type { Row } from '../arrow/builder.js';
import { parseCoordinates, REPLAY_OF_HEADER, type Coordinates } from '../commit/replayed.js';
import type { FileIO } from '../iceberg/io/types.js';
import { FileContent, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import { branchSnapshot, currentSchema } from '../iceberg/table/state.js';
import { keyIdentity } from '../orchestrator/silver.js';
import { DeleteMasks } from './apply-deletes.js';
import { liveFiles } from './compact.js';
import { readArrow } from './read.js';
import { isFloeError } from '../util/errors.js';

/**
 * For each key (by keyIdentity) in `wanted` that has a live row, the position of that row.
 * Rows without Kafka metadata (written by another engine) are left out: their place in the key's
 * history is unknown.
 */
export async function livePositions(fio: FileIO, metadata: TableMetadata, keyColumns: string[], metadataColumn: string, wanted: ReadonlySet<string>): Promise<Map<string, Coordinates>> {
  const out = new Map<string, Coordinates>();
  const snapshot = branchSnapshot(metadata);
  if (!snapshot || wanted.size === 0) return out;
  const schema = currentSchema(metadata);
  const target = icebergSchemaToArrow(schema);
  const { data, deletes } = await liveFiles(fio, snapshot);
  const masks = new DeleteMasks(fio, schema, metadata, deletes);
  // Several live rows of a key cannot be (each commit deletes the key's older rows); if a foreign
  // writer left some, the one of the newest data file wins.
  const seqOf = new Map<string, number>();
  for (const f of data) {
    const read = await readArrow(fio, f.file.filePath);
    let projected: arrow.RecordBatch[];
    try {
      projected = read.batches.map((b) => projectBatch(b, schema, { formatVersion: metadata['format-version'] }, target));
    } catch (err) {
      // As compaction does: a file no projection reaches is left alone (its keys' positions are unknown, so their replays land).
      if (isFloeError(err, 'PROJECTION_UNSUPPORTED')) continue;
      throw err;
    }
    const dead = await masks.deadRows(f, read, projected);
    let at = 0;
    for (const batch of projected) {
      const keys = keyColumns.map((c) => batch.getChild(c));
      const meta = batch.getChild(metadataColumn);
      for (let i = 0; i < batch.numRows; i++, at++) {
        if (dead?.[at] || !meta) continue;
        const key: Row = {};
        keyColumns.forEach((c, k) => (key[c] = keys[k]?.get(i) ?? null));
        const id = keyIdentity(keyColumns, key);
        if (!wanted.has(id) || (seqOf.get(id) ?? -1) > f.seq) continue;
        const position = positionOf(meta, i);
        if (!position) continue;
        out.set(id, position);
        seqOf.set(id, f.seq);
      }
    }
  }
  await deletePositions(fio, metadata, schema, keyColumns, metadataColumn, wanted, deletes, (id, seq, position) => {
    // A delete removes rows of lower sequence numbers only: the newest entry is the key's state.
    if ((seqOf.get(id) ?? -1) >= seq) return;
    out.set(id, position);
    seqOf.set(id, seq);
  });
  return out;
}

/** The positions floe's equality delete files hold for the wanted keys (other files are skipped). */
async function deletePositions(
  fio: FileIO,
  metadata: TableMetadata,
  schema: Schema,
  keyColumns: string[],
  metadataColumn: string,
  wanted: ReadonlySet<string>,
  deletes: Array<{ file: { filePath: string; content?: number; equalityIds?: number[] }; seq: number }>,
  found: (id: string, seq: number, position: Coordinates) => void,
): Promise<void> {
  // Only the key columns and the metadata column, as the current schema types them.
  const subset: Schema = { ...schema, fields: schema.fields.filter((f) => keyColumns.includes(f.name) || f.name === metadataColumn) };
  const meta = subset.fields.find((f) => f.name === metadataColumn);
  const keyIds = keyColumns.map((c) => subset.fields.find((f) => f.name === c)?.id);
  if (!meta || keyIds.some((id) => id === undefined)) return;
  const target = icebergSchemaToArrow(subset);
  for (const d of deletes) {
    const ids = d.file.equalityIds ?? [];
    if (d.file.content !== FileContent.EqualityDeletes || ids.length !== keyIds.length || !keyIds.every((id) => ids.includes(id!))) continue;
    const read = await readArrow(fio, d.file.filePath);
    // A delete file without the metadata column (older floe, another engine) tells nothing.
    if (!read.batches[0]?.schema.fields.some((f) => fieldIdOf(f) === meta.id)) continue;
    for (const b of read.batches) {
      let batch: arrow.RecordBatch;
      try {
        batch = projectBatch(b, subset, { formatVersion: metadata['format-version'] }, target);
      } catch (err) {
        if (isFloeError(err, 'PROJECTION_UNSUPPORTED')) break;
        throw err;
      }
      const keys = keyColumns.map((c) => batch.getChild(c));
      const metaColumn = batch.getChild(metadataColumn);
      if (!metaColumn) continue;
      for (let i = 0; i < batch.numRows; i++) {
        const key: Row = {};
        keyColumns.forEach((c, k) => (key[c] = keys[k]?.get(i) ?? null));
        const id = keyIdentity(keyColumns, key);
        if (!wanted.has(id)) continue;
        const position = positionOf(metaColumn, i);
        if (position) found(id, d.seq, position);
      }
    }
  }
}

/** The row's Kafka coordinates, or its replayed original's. */
function positionOf(meta: arrow.Vector, i: number): Coordinates | undefined {
  const m = meta.get(i) as { topic?: string | null; partition?: number | null; offset?: bigint | number | null; headers?: arrow.Vector | null } | null;
  if (!m || m.topic == null || m.partition == null || m.offset == null) return undefined;
  let replayed: Coordinates | undefined;
  for (const h of m.headers ?? []) {
    const header = h as { key?: string | null; value?: Uint8Array | null } | null;
    if (header?.key === REPLAY_OF_HEADER && header.value) replayed = parseCoordinates(Buffer.from(header.value).toString('utf8'));
  }
  return replayed ?? { topic: m.topic, partition: Number(m.partition), offset: BigInt(m.offset) };
}
