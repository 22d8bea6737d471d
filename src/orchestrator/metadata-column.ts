/**
 * The bronze Kafka metadata column (`_kafka` by default) filled straight from the SourceRecord.
 *
 * Through the generic builders every record cost a MetadataRow object, a copy of its headers
 * array, two BigInt operations for the timestamp, the topic re-encoded to UTF-8, and a struct
 * append dispatching over six children: about 1 µs per record, as much as the 17 value columns of
 * the small-record workload together. Here a record is a few typed-array writes: the topic an
 * index into the batch's topics (a table reads few, usually one: the bytes are laid out once, at
 * finish), partition and offset as they come, the timestamp as microseconds written as two 32-bit
 * words (ms × 1000 is exact in a double), nothing allocated. Key and headers keep the generic
 * builders (a key is copied anyway; headers are usually empty).
 *
 * A child whose table type is not the one floe creates (a table defined by hand, or evolved by
 * someone else) goes through its generic builder with the MetadataRow value, exactly as before.
 * The Arrow data finish() returns is the same as the generic StructColumn's for the same records.
 */
import * as arrow from 'apache-arrow';
import { createColumn } from '../arrow/builder.js';
import { Column, growArray, requiredNull, writeBit } from '../arrow/column.js';
import type { NestedField, StructType } from '../iceberg/spec/types.js';
import type { SourceRecord } from '../source/types.js';
import { metadataValue, NO_TIMESTAMP } from './bronze.js';

/** |ms| below this: ms × 1000 < 2^53, exact as a double. */
const MAX_EXACT_MS = 2 ** 43;

type Kind = 'topic' | 'partition' | 'offset' | 'timestamp' | 'generic';

/** Which fields take the fast path: floe's own names with floe's own types. */
function kindOf(f: NestedField): Kind {
  switch (f.name) {
    case 'topic': return f.type === 'string' && f.required ? 'topic' : 'generic';
    case 'partition': return f.type === 'int' && f.required ? 'partition' : 'generic';
    case 'offset': return f.type === 'long' && f.required ? 'offset' : 'generic';
    case 'timestamp': return (f.type === 'timestamptz' || f.type === 'timestamp') && !f.required ? 'timestamp' : 'generic';
    default: return 'generic';
  }
}

interface Child {
  name: string;
  required: boolean;
  kind: Kind;
  arrowType: arrow.DataType;
  /** Generic children only. */
  column: Column | undefined;
}

export class KafkaMetadataColumn extends Column {
  private readonly children: Child[];
  private readonly hasTimestamp: boolean;
  /** Per row: index into `topics`. */
  private topicIndex: Int32Array;
  private readonly topics: string[] = [];
  private lastTopic = -1;
  private partitions: Int32Array;
  private offsets: BigInt64Array;
  /** Microseconds as two int32 words per row (a view of `timestampBuf`). */
  private timestampWords: Int32Array;
  private timestampBuf: BigInt64Array;
  private timestampValidity: Uint8Array;
  private timestampNulls = 0;

  constructor(
    readonly type: arrow.Struct,
    struct: StructType,
    nullable: boolean,
    path: string,
    cap: number,
  ) {
    super(nullable, path, cap);
    this.children = struct.fields.map((f, k) => {
      const kind = kindOf(f);
      const arrowType = type.children[k]!.type;
      const column = kind === 'generic' ? createColumn(f.type, arrowType, !f.required, `${path}.${f.name}`, cap) : undefined;
      return { name: f.name, required: f.required, kind, arrowType, column };
    });
    this.hasTimestamp = this.children.some((c) => c.kind === 'timestamp');
    this.topicIndex = this.partitions = this.timestampWords = new Int32Array(0);
    this.offsets = this.timestampBuf = new BigInt64Array(0);
    this.timestampValidity = new Uint8Array(0);
    this.fresh(cap);
  }

  /** New buffers for `cap` rows: the previous ones belong to the Data finish() returned. */
  private fresh(cap: number): void {
    const n = Math.max(cap, 16);
    this.topicIndex = new Int32Array(n);
    this.partitions = new Int32Array(n);
    this.offsets = new BigInt64Array(n);
    this.timestampBuf = new BigInt64Array(n);
    this.timestampWords = new Int32Array(this.timestampBuf.buffer);
    this.timestampValidity = new Uint8Array((n >> 3) + 1);
    this.timestampNulls = 0;
    this.topics.length = 0;
    this.lastTopic = -1;
  }

  /** `v` is the SourceRecord itself (TableWriter puts it in the row). */
  append(v: unknown): void {
    const r = v as SourceRecord;
    if (typeof r !== 'object' || r === null || typeof r.partition !== 'number' || typeof r.offset !== 'bigint' || typeof r.timestamp !== 'number') {
      throw this.mismatch('Kafka record', v);
    }
    const i = this.length;
    // Generic children first: they are the ones that can throw (a required field without a value).
    for (const c of this.children) {
      if (c.column === undefined) continue;
      const cv = metadataValue(r, c.name);
      if (cv === null || cv === undefined) {
        if (c.required) {
          this.truncateChildren(i);
          throw requiredNull(c.column.path);
        }
        c.column.appendNull();
      } else {
        try {
          c.column.append(cv);
        } catch (err) {
          this.truncateChildren(i);
          throw err;
        }
      }
    }
    if (i >= this.partitions.length) this.grow(i + 1);
    let t = this.lastTopic;
    if (t < 0 || this.topics[t] !== r.topic) {
      t = this.topics.indexOf(r.topic);
      if (t < 0) t = this.topics.push(r.topic) - 1;
      this.lastTopic = t;
    }
    this.topicIndex[i] = t;
    this.partitions[i] = r.partition;
    this.offsets[i] = r.offset;
    if (this.hasTimestamp) {
      const ms = r.timestamp;
      // Kafka's "no timestamp" is null, as in metadataRow (the field is optional).
      if (ms === NO_TIMESTAMP) {
        this.timestampWords[2 * i] = 0;
        this.timestampWords[2 * i + 1] = 0;
        this.timestampValidity = writeBit(this.timestampValidity, i, false);
        this.timestampNulls++;
      } else {
        if (ms < MAX_EXACT_MS && ms > -MAX_EXACT_MS) {
          // µs in a double is exact below 2^53 (until the year 2248); split into words without a BigInt.
          const us = ms * 1000;
          const hi = Math.floor(us / 4294967296);
          this.timestampWords[2 * i] = us - hi * 4294967296;
          this.timestampWords[2 * i + 1] = hi;
        } else {
          this.timestampBuf[i] = BigInt(ms) * 1000n;
        }
        this.timestampValidity = writeBit(this.timestampValidity, i, true);
      }
    }
    this.setValid(i);
    this.length = i + 1;
  }

  appendNull(): void {
    const i = this.length;
    for (const c of this.children) c.column?.appendNull();
    if (i >= this.partitions.length) this.grow(i + 1);
    // A placeholder under a null struct: topic 0 (an empty string if there is none yet).
    if (this.topics.length === 0) this.topics.push('');
    this.topicIndex[i] = 0;
    this.partitions[i] = 0;
    this.offsets[i] = 0n;
    this.timestampWords[2 * i] = 0;
    this.timestampWords[2 * i + 1] = 0;
    if (this.hasTimestamp) {
      this.timestampValidity = writeBit(this.timestampValidity, i, false);
      this.timestampNulls++;
    }
    this.setNull(i);
    this.length = i + 1;
  }

  private grow(need: number): void {
    this.topicIndex = growArray(this.topicIndex, need);
    this.partitions = growArray(this.partitions, need);
    this.offsets = growArray(this.offsets, need);
    this.timestampBuf = growArray(this.timestampBuf, need);
    this.timestampWords = new Int32Array(this.timestampBuf.buffer);
  }

  private truncateChildren(n: number): void {
    for (const c of this.children) c.column?.truncate(n);
  }

  override truncate(n: number): void {
    this.truncateChildren(n);
    if (this.hasTimestamp) {
      for (let i = n; i < this.length; i++) {
        if ((this.timestampValidity[i >> 3]! & (1 << (i & 7))) === 0) this.timestampNulls--;
      }
    }
    super.truncate(n);
  }

  finish(): arrow.Data {
    const n = this.length;
    const data = this.children.map((c) => {
      switch (c.kind) {
        case 'topic': return this.topicData(c.arrowType as arrow.Utf8, n);
        case 'partition': return arrow.makeData({ type: c.arrowType as arrow.Int32, length: n, nullCount: 0, data: this.partitions.subarray(0, n) });
        case 'offset': return arrow.makeData({ type: c.arrowType as arrow.Int64, length: n, nullCount: 0, data: this.offsets.subarray(0, n) });
        case 'timestamp': {
          const nulls = this.timestampNulls;
          return arrow.makeData({
            type: c.arrowType as arrow.TimestampMicrosecond, length: n, nullCount: nulls,
            nullBitmap: nulls > 0 ? this.timestampValidity.subarray(0, (n + 7) >> 3) : undefined,
            data: this.timestampBuf.subarray(0, n),
          });
        }
        case 'generic': return c.column!.finish();
      }
    });
    const batch = this.takeBatch();
    this.fresh(n); // presized like this batch, as the generic columns do
    return arrow.makeData({ type: this.type, ...batch, children: data });
  }

  /** Utf8 data of the rows' topics: offsets and bytes laid out in one pass. */
  private topicData(type: arrow.Utf8, n: number): arrow.Data {
    const encoded = this.topics.map((t) => Buffer.from(t, 'utf8'));
    const offsets = new Int32Array(n + 1);
    let bytes: Uint8Array;
    if (encoded.length === 1) {
      // One topic: the same bytes n times (Buffer.fill repeats them natively).
      const w = encoded[0]!.length;
      for (let i = 0; i < n; i++) offsets[i + 1] = (i + 1) * w;
      bytes = Buffer.alloc(n * w);
      if (n * w > 0) (bytes as Buffer).fill(encoded[0]!);
    } else {
      let total = 0;
      for (let i = 0; i < n; i++) offsets[i + 1] = total += encoded[this.topicIndex[i]!]?.length ?? 0;
      bytes = new Uint8Array(total);
      for (let i = 0; i < n; i++) {
        const e = encoded[this.topicIndex[i]!];
        if (e) bytes.set(e, offsets[i]!);
      }
    }
    return arrow.makeData({ type, length: n, nullCount: 0, valueOffsets: offsets, data: bytes });
  }

  byteSize(): number {
    // partition, offset, timestamp, and the topic's bytes and offset per row (as the Arrow data will hold)
    let n = this.validityBytes() + this.length * (24 + (this.topics[0]?.length ?? 0));
    for (const c of this.children) if (c.column) n += c.column.byteSize();
    return n;
  }
}
