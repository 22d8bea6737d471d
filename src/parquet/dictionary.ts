/**
 * Which columns are dictionary-encoded.
 *
 * arrow-rs (inside parquet-wasm) dictionary-encodes a column it is told to until the dictionary
 * outgrows its page limit (1 MiB), and only then falls back to plain values. On a column of mostly
 * distinct values (ids, event times, prices, URLs, and `_kafka.offset`/`_kafka.timestamp` in every
 * bronze table) it hashes every value into a dictionary that makes the file no smaller: on the
 * small-record workload about 40 % of the Parquet encoder's time for nothing. Iceberg's Java
 * writer (parquet-mr) gives such a column up after its first page, when the dictionary plus the
 * indices are not smaller than the plain values; floe takes the same decision before writing, from
 * the first FIRST_PAGE_ROWS values (at most FIRST_PAGE_BYTES of them) of each top-level column. Values, statistics and Iceberg
 * metrics do not depend on the encoding; every reader reads both.
 *
 * Nested leaves are written plain: parquet-wasm 0.8 names a column by one string and arrow-rs takes
 * it as a one-part path, so a nested leaf ("a.b") cannot be chosen on its own, only with the
 * writer-wide default. The nested column every bronze table has is `_kafka`, whose offset and
 * timestamp are distinct per record (a near-1 MiB dictionary per file, for nothing) and whose topic
 * and partition, the same value row after row, compress to almost nothing with zstd either way.
 * Booleans and fixed-length binaries (uuid, fixed) are never dictionary-encoded by arrow-rs.
 */
import * as arrow from 'apache-arrow';

/** Values looked at per column: about parquet-mr's first page of small values (it caps pages at 20,000 rows). */
export const FIRST_PAGE_ROWS = 8192;
/**
 * ...and of long ones: parquet-mr ends a page when its values' plain size reaches the page size
 * (1 MiB; FallbackValuesWriter reports the plain size while it dictionary-encodes), so a column of
 * 500-byte values decides on ~2,000 of them, not 8,192 (hashing them was ~4 % of a daemon on 1 KiB events).
 */
export const FIRST_PAGE_BYTES = 1 << 20;

/** Top-level columns whose first page is smaller dictionary-encoded. */
export function dictionaryColumns(table: arrow.Table): string[] {
  const out: string[] = [];
  table.schema.fields.forEach((field, i) => {
    const data = table.getChildAt(i)?.data[0];
    if (data && dictionaryPays(data)) out.push(field.name);
  });
  return out;
}

/** 32-bit hashes seen, open addressing (0 marks an empty slot, so a 0 hash is stored as 1). */
const SLOTS = 1 << 15; // ≥ 2 × FIRST_PAGE_ROWS: probes stay short
const table32 = new Int32Array(SLOTS);

/** Adds a hash; true when it was not there yet. Distinct values with one hash count once (rare, harmless). */
function addHash(h: number): boolean {
  if (h === 0) h = 1;
  let i = h & (SLOTS - 1);
  for (;;) {
    const cur = table32[i]!;
    if (cur === 0) {
      table32[i] = h;
      return true;
    }
    if (cur === h) return false;
    i = (i + 1) & (SLOTS - 1);
  }
}

function mix(h: number, w: number): number {
  return Math.imul(h ^ w, 0x01000193);
}

/** Finalizer (murmur3's): spreads the bits so that sequential values do not cluster in the table. */
function fmix(h: number): number {
  h = Math.imul(h ^ (h >>> 16), 0x85ebca6b);
  h = Math.imul(h ^ (h >>> 13), 0xc2b2ae35);
  return h ^ (h >>> 16);
}

/**
 * parquet-mr's test on a column's first page (FallbackValuesWriter: dictionary bytes + encoded
 * indices < plain bytes). False for what is not chosen per column: nested, boolean, fixed-length
 * binary, or no value at all.
 */
export function dictionaryPays(data: arrow.Data): boolean {
  const t = data.type;
  const n = Math.min(data.length, FIRST_PAGE_ROWS);
  const valid = (i: number): boolean => data.nullCount === 0 || data.getValid(i);
  // A slice of a larger batch (a sorted or rolled file) starts `offset` slots into the buffers.
  const o = data.offset;
  let values = 0;
  let distinct = 0;
  let plainBytes = 0;
  let dictBytes = 0;
  table32.fill(0);
  if (t instanceof arrow.Utf8 || t instanceof arrow.Binary) {
    const offsets = data.valueOffsets as Int32Array;
    const bytes = data.values as Uint8Array;
    // Four bytes per step: long values (URLs, user agents, opaque payloads) made the byte loop
    // ~4 % of a daemon on 1 KiB events. A DataView read compiles to a plain load.
    const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    for (let i = 0; i < n; i++) {
      if (!valid(i)) continue;
      const start = offsets[o + i]!;
      const end = offsets[o + i + 1]!;
      values++;
      plainBytes += 4 + end - start; // PLAIN BYTE_ARRAY: a 4-byte length, then the bytes
      const last = plainBytes >= FIRST_PAGE_BYTES;
      let h = 0x811c9dc5 ^ (end - start);
      let k = start;
      for (; k + 4 <= end; k += 4) h = mix(h, view.getInt32(k, true));
      for (; k < end; k++) h = mix(h, bytes[k]!);
      if (addHash(fmix(h))) {
        distinct++;
        dictBytes += 4 + end - start;
      }
      if (last) break;
    }
  } else if (isFixedWidthNumber(t)) {
    const a = data.values as ArrayBufferView;
    // Every value as its 32-bit words: no BigInt or boxed double per value.
    const words = new Int32Array(a.buffer, a.byteOffset, a.byteLength >> 2);
    const per = t instanceof arrow.Decimal ? 4 : (a as unknown as { BYTES_PER_ELEMENT: number }).BYTES_PER_ELEMENT >> 2;
    for (let i = 0; i < n; i++) {
      if (!valid(i)) continue;
      values++;
      let h = 0x811c9dc5;
      for (let k = (o + i) * per, end = k + per; k < end; k++) h = mix(h, words[k]!);
      if (addHash(fmix(h))) distinct++;
    }
    const width = t instanceof arrow.Decimal ? decimalWidth(t.precision) : per * 4;
    plainBytes = values * width;
    dictBytes = distinct * width;
  } else {
    return false;
  }
  if (values === 0) return false;
  // RLE/bit-packed indices: ceil(log2(distinct)) bits per value (at least 1).
  const bitWidth = Math.max(1, Math.ceil(Math.log2(distinct)));
  return dictBytes + Math.ceil((values * bitWidth) / 8) < plainBytes;
}

/** 32- and 64-bit numbers (int, long, float, double, date, time, timestamps) and decimals. */
function isFixedWidthNumber(t: arrow.DataType): boolean {
  if (t instanceof arrow.Int) return t.bitWidth >= 32;
  return t instanceof arrow.Float ? t.precision !== arrow.Precision.HALF : t instanceof arrow.Date_ || t instanceof arrow.Timestamp || t instanceof arrow.Time || t instanceof arrow.Decimal;
}

/** Bytes arrow-rs stores a decimal in: INT32 up to 9 digits, INT64 up to 18, else the fewest fixed bytes. */
function decimalWidth(precision: number): number {
  return precision <= 9 ? 4 : precision <= 18 ? 8 : Math.ceil((precision * Math.log2(10) + 1) / 8);
}
