/**
 * Where a bronze record read by a direct reader (src/schema/direct.ts) goes: the reader appends
 * the record's columns straight into a partition's builder, with no row object to compute the
 * partition tuple from first. A tuple of Kafka metadata alone is known before reading; a tuple
 * of value columns only after, so the row is read into the partition the previous record went to
 * (records usually arrive in partition order: an hour, a day), or into a scratch builder, read
 * back from the columns (partition-tuple.ts columnTupleFunction), and moved when its tuple says
 * otherwise — read a second time into the right builder, which costs a decode only on a switch.
 * Where rows keep switching (a partition by a value that changes from record to record), the second
 * reads cost more than the row object saves: after a window of more than a fifth of rows moved,
 * the table's records take the general path for a while, then another window is tried.
 */
import { RecordBatchBuilder, type RecordBatchBuilderOptions, type Row } from '../arrow/builder.js';
import type { TableBuffer } from '../buffer/table-buffer.js';
import { valuesKey } from '../iceberg/spec/values.js';
import type { DirectReader } from '../schema/index.js';
import type { SourceRecord } from '../source/types.js';
import type { SchemaPlanner } from './schema-planner.js';

/** Placements per window in which the share of rows moved to another partition is measured. */
const WINDOW = 1024;
/** Above this share of moves the second read costs more than the row object saves (measured: docs/benchmarks.md). */
const MAX_MOVED = 0.2;
/** Records left to the general path after a window with too many moves, before trying again. */
const PAUSE = 65_536;

export class DirectRows {
  private placed = 0;
  private moved = 0;
  /** Records still to decline before the next window (value-partitioned tables whose rows keep switching partitions). */
  private paused = 0;
  /** The row tuples of Kafka metadata are computed from: only the metadata column, set per record. */
  private readonly recordRow: Row = {};
  /** The partition the last record read went to, for value-partitioned tables. */
  private lastKey: string | undefined;
  private lastTuple: unknown[] | undefined;
  private scratch: RecordBatchBuilder | undefined;

  constructor(
    private readonly buffer: TableBuffer<Row, RecordBatchBuilder>,
    private readonly planner: SchemaPlanner,
    private readonly column: string,
    private readonly sinkOptions: () => RecordBatchBuilderOptions,
  ) {}

  /** Appends the record to its partition; false, nothing changed, when the reader declines it. */
  place(record: SourceRecord, read: DirectReader, body: Buffer, offset: number): boolean {
    if (this.planner.tupleNeedsOnlyRecord) {
      const row = this.recordRow;
      row[this.column] = record;
      const tuple = this.planner.tupleOf(row);
      row[this.column] = null;
      const key = valuesKey(tuple);
      if (this.buffer.sinkFor(key, tuple).appendFilled(read, body, offset, record)) return true;
      this.buffer.dropIfEmpty(key);
      return false;
    }
    if (this.paused > 0) {
      this.paused--;
      return false;
    }
    if (++this.placed === WINDOW) {
      if (this.moved > WINDOW * MAX_MOVED) this.paused = PAUSE;
      this.placed = this.moved = 0;
    }
    const guess = this.lastKey !== undefined && this.buffer.hasPartition(this.lastKey) ? this.lastKey : undefined;
    const sink = guess !== undefined ? this.buffer.sinkFor(guess, this.lastTuple!) : this.scratchSink();
    if (!sink.appendFilled(read, body, offset, record)) return false;
    let tuple: unknown[];
    try {
      tuple = this.planner.tupleOfColumns(sink.columns, sink.length - 1, record);
    } catch {
      sink.dropLast(); // the general path says why
      return false;
    }
    const key = valuesKey(tuple);
    if (key === guess) return true;
    this.moved++;
    sink.dropLast();
    if (!this.buffer.sinkFor(key, tuple).appendFilled(read, body, offset, record)) {
      this.buffer.dropIfEmpty(key);
      return false;
    }
    this.lastKey = key;
    this.lastTuple = tuple;
    return true;
  }

  /** An empty builder of the working schema that only ever holds the row being placed. */
  private scratchSink(): RecordBatchBuilder {
    if (this.scratch === undefined || this.scratch.schema !== this.planner.schema) this.scratch = new RecordBatchBuilder(this.planner.schema!, this.sinkOptions());
    return this.scratch;
  }
}
