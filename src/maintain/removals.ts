/**
 * What compaction keeps of the equality delete files it drops: the rows that store more than their
 * equality columns. floe writes a silver key's removal that way — the key plus the Kafka metadata of
 * the record that removed it (orchestrator/silver.ts) — because that position is the only trace a
 * removed key leaves, and a replayed dead letter older than it must not bring the key back
 * (key-positions.ts). Dropping the files would forget it; keeping them would keep every small delete
 * file compaction exists to remove.
 *
 * So per partition, the dropped files' rows are merged into one file holding the newest row of each
 * key, added at the newest merged file's data sequence number. Compaction drops a delete file only
 * when no data file that stays has a lower sequence number in its scope, and what it writes gets the
 * starting sequence number (at least as high), so the merged file applies to no data file, now or
 * later: it changes no reader's rows. It grows with the number of removed keys, not with commits.
 */
import * as arrow from 'apache-arrow';
import { fieldIdOf, projectBatch } from '../arrow/project.js';
import { icebergSchemaToArrow } from '../arrow/schema.js';
import { takeBatch } from '../arrow/take.js';
import type { Compression } from '../config/index.js';
import type { FileIO } from '../iceberg/io/types.js';
import { FileContent, type DataFile, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import { valuesKey } from '../iceberg/spec/values.js';
import { currentSchema, partitionKey, specById } from '../iceberg/table/state.js';
import { dataLocation, writeDataFiles } from '../parquet/index.js';
import { isFloeError } from '../util/errors.js';
import type { Live } from './apply-deletes.js';
import { readArrow } from './read.js';

export interface KeptRemovals {
  file: DataFile;
  /** The data sequence number to add it at (the newest of the files merged into it). */
  seq: number;
}

interface Group {
  schema: Schema;
  equalityIds: number[];
  first: DataFile;
  /** Merged files in ascending sequence order: the newest row of a key is the last one seen. */
  files: Array<{ live: Live; batches: arrow.RecordBatch[] }>;
}

/** Merged files of the removal rows in `dropped` (equality deletes with columns beyond their ids). */
export async function keepRemovals(
  fio: FileIO,
  metadata: TableMetadata,
  dropped: readonly Live[],
  options: { compression: Compression; rowGroupBytes: number },
): Promise<KeptRemovals[]> {
  const schema = currentSchema(metadata);
  const groups = new Map<string, Group>();
  for (const d of [...dropped].sort((a, b) => a.seq - b.seq)) {
    const ids = d.file.equalityIds ?? [];
    if (d.file.content !== FileContent.EqualityDeletes || ids.length === 0) continue;
    const read = await readArrow(fio, d.file.filePath);
    const stored = (read.batches[0]?.schema.fields ?? []).map(fieldIdOf).filter((id): id is number => id !== undefined);
    if (!stored.some((id) => !ids.includes(id))) continue;
    // The stored columns as the current schema types them; a column dropped since is not kept.
    const subset: Schema = { ...schema, fields: schema.fields.filter((f) => stored.includes(f.id)) };
    if (!ids.every((id) => subset.fields.some((f) => f.id === id))) continue;
    const key = `${partitionKey(d.file)}#${ids.join(',')}#${subset.fields.map((f) => f.id).join(',')}`;
    let g = groups.get(key);
    if (!g) groups.set(key, (g = { schema: subset, equalityIds: ids, first: d.file, files: [] }));
    try {
      const target = icebergSchemaToArrow(subset);
      g.files.push({ live: d, batches: read.batches.map((b) => projectBatch(b, subset, { formatVersion: metadata['format-version'] }, target)) });
    } catch (err) {
      if (!isFloeError(err, 'PROJECTION_UNSUPPORTED')) throw err;
    }
  }
  const out: KeptRemovals[] = [];
  for (const g of groups.values()) {
    const kept = newestPerKey(g);
    if (kept.length === 0) continue;
    const written = await writeDataFiles(new arrow.Table(icebergSchemaToArrow(g.schema), kept), {
      io: fio,
      dataLocation: dataLocation(metadata),
      schema: g.schema,
      spec: specById(metadata, g.first.specId),
      partition: g.first.partition,
      targetFileSizeBytes: Number.MAX_SAFE_INTEGER,
      compression: options.compression,
      rowGroupBytes: options.rowGroupBytes,
    });
    const seq = Math.max(...g.files.map((f) => f.live.seq));
    for (const f of written) out.push({ file: { ...f, content: FileContent.EqualityDeletes, equalityIds: g.equalityIds }, seq });
  }
  return out;
}

/** The batches of the newest row of each key (by equality columns) across the group's files. */
function newestPerKey(g: Group): arrow.RecordBatch[] {
  const names = g.equalityIds.map((id) => g.schema.fields.find((f) => f.id === id)!.name);
  const newest = new Map<string, { file: number; batch: number; row: number }>();
  g.files.forEach((f, fi) =>
    f.batches.forEach((batch, bi) => {
      const columns = names.map((n) => batch.getChild(n));
      for (let i = 0; i < batch.numRows; i++) newest.set(valuesKey(columns.map((c) => c?.get(i) ?? null)), { file: fi, batch: bi, row: i });
    }),
  );
  const rows = new Map<string, number[]>();
  for (const at of newest.values()) {
    const k = `${at.file}/${at.batch}`;
    const list = rows.get(k);
    if (list) list.push(at.row);
    else rows.set(k, [at.row]);
  }
  const out: arrow.RecordBatch[] = [];
  g.files.forEach((f, fi) =>
    f.batches.forEach((batch, bi) => {
      const list = rows.get(`${fi}/${bi}`);
      if (list) out.push(takeBatch(batch, Int32Array.from(list.sort((a, b) => a - b))));
    }),
  );
  return out;
}
