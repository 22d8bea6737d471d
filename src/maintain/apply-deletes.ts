/**
 * Which rows of a data file its delete files remove, for compaction: the deletes that apply to a
 * file (scope and sequence numbers, spec "Scan Planning"), and a mask over the file's rows built
 * from position deletes, v3 deletion vectors and equality deletes. Position files are read once
 * per compaction and equality deletes are loaded once per file and matched columnar — one key and
 * one map lookup per row — because per-row JS objects made silver compaction crawl (benchmarks.md).
 */
import type * as arrow from 'apache-arrow';
import type { FileIO } from '../iceberg/io/types.js';
import { FileContent, type DataFile, type Schema, type TableMetadata } from '../iceberg/spec/types.js';
import type { BaseState } from '../iceberg/table/producer.js';
import { deleteMayApply } from '../iceberg/table/validate.js';
import { EqualityDeletes, readDeletionVectorOf, readPositions, rowKeys, type KeyValue } from './read.js';

/** A live file of the table with its data sequence number (deletes apply by comparing it). */
export interface Live {
  file: DataFile;
  seq: number;
}

/** Whether delete `d` applies to data file `f` (scope and sequence numbers, spec "Scan Planning"). */
export function applies(metadata: TableMetadata, d: Live, f: Live): boolean {
  const state = { metadata } as BaseState;
  if (!deleteMayApply(state, d.file, f.file, false)) return false;
  return d.file.content === FileContent.PositionDeletes ? d.seq >= f.seq : d.seq > f.seq;
}

export class DeleteMasks {
  private readonly equality: EqualityDeletes;
  private readonly positions = new Map<string, Map<string, number[]>>();
  private readonly index: Map<Live, number>;
  private readonly applying = new Map<string, Live[]>();

  constructor(
    private readonly fio: FileIO,
    schema: Schema,
    private readonly metadata: TableMetadata,
    private readonly deletes: Live[],
  ) {
    this.equality = new EqualityDeletes(fio, schema);
    this.index = new Map(deletes.map((d, i) => [d, i]));
  }

  /** The delete files that apply to data file `f`. */
  of(f: Live): Live[] {
    let ds = this.applying.get(f.file.filePath);
    if (!ds) this.applying.set(f.file.filePath, (ds = this.deletes.filter((d) => applies(this.metadata, d, f))));
    return ds;
  }

  /**
   * Rows of data file `f` its deletes remove (a mask over the file's rows), or undefined for none.
   * `read` is the file as written, `projected` its batches on the current schema (equality
   * deletes name current field ids).
   */
  async deadRows(f: Live, read: arrow.Table, projected: arrow.RecordBatch[]): Promise<Uint8Array | undefined> {
    const ds = this.of(f);
    if (ds.length === 0) return undefined;
    const dead = new Uint8Array(read.numRows);
    const applicable = new Uint8Array(this.deletes.length);
    const byIds = new Map<string, { ids: number[]; keys: Map<KeyValue, number[]> }>();
    for (const d of ds) {
      if (d.file.content === FileContent.PositionDeletes && d.file.fileFormat === 'PUFFIN') {
        // A v3 deletion vector (written by another engine): only its blob is read.
        for (const p of await readDeletionVectorOf(this.fio, d.file, f.file.recordCount)) dead[p] = 1;
      } else if (d.file.content === FileContent.PositionDeletes) {
        let byPath = this.positions.get(d.file.filePath);
        if (!byPath) this.positions.set(d.file.filePath, (byPath = await readPositions(this.fio, d.file.filePath)));
        for (const p of byPath.get(f.file.filePath) ?? []) if (p < dead.length) dead[p] = 1;
      } else {
        const index = this.index.get(d)!;
        applicable[index] = 1;
        const g = await this.equality.load(index, d.file.filePath, d.file.equalityIds ?? []);
        byIds.set(g.ids.join(','), g);
      }
    }
    for (const g of byIds.values()) {
      let at = 0;
      for (let b = 0; b < projected.length; b++) {
        const key = rowKeys(g.ids, projected[b]!, read.batches[b]!);
        const n = projected[b]!.numRows;
        for (let i = 0; i < n; i++) {
          const hits = g.keys.get(key(i));
          if (hits !== undefined && !dead[at + i]) for (const d of hits) if (applicable[d]) { dead[at + i] = 1; break; }
        }
        at += n;
      }
    }
    return dead;
  }
}

/** Indices of the rows of [start, start + n) not marked in `dead`, relative to start; undefined when all live. */
export function liveIndices(dead: Uint8Array, start: number, n: number): Int32Array | undefined {
  let count = 0;
  for (let i = 0; i < n; i++) if (!dead[start + i]) count++;
  if (count === n) return undefined;
  const out = new Int32Array(count);
  for (let i = 0, k = 0; i < n; i++) if (!dead[start + i]) out[k++] = i;
  return out;
}
