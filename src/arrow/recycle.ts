/**
 * Byte buffers of string and binary columns, handed from a written batch to a later one.
 *
 * Each batch's columns grow once to about the previous batch's size (builder.ts, sizeHints), so
 * a daemon allocates its buffered bytes afresh for every commit: on a 200,000-event drain that
 * was most of the new ArrayBuffers, and V8 runs a full GC after every 64 MiB of them whether or
 * not the heap needs it (docs/benchmarks.md, "Arrow builders: nothing allocated ahead"). Once a
 * batch is encoded (its Parquet bytes and metrics are copies), nothing reads its buffers any more,
 * and `recycle` gives the large ones back here for the next batch's columns to grow into.
 *
 * Only buffers this module allocated are taken back, each at most once until it is handed out
 * again; the free list holds at most `limit` bytes (the rest are left to the GC), so an idle
 * daemon keeps at most that much. Contents are not cleared: a column writes before it reads, as
 * with Buffer.allocUnsafe.
 */
import type * as arrow from 'apache-arrow';

/** Smaller buffers come from Node's allocator as before: a free list of them would not pay. */
export const MIN_RECYCLED_BYTES = 64 * 1024;

const ours = new WeakSet<ArrayBuffer>();
const free: Buffer[] = [];
let freeBytes = 0;
let limit = 32 * 1024 * 1024;

/** At most this many bytes wait in the free list (the daemon sets it from memory.budgetBytes). */
export function setRecycleLimit(bytes: number): void {
  limit = Math.max(0, bytes);
  while (freeBytes > limit && free.length > 0) drop(free.length - 1);
}

/** Bytes waiting to be reused (for tests). */
export function recycledBytes(): number {
  return freeBytes;
}

/** A buffer of at least `size` bytes, uninitialised: the smallest free one that fits, else a new one. */
export function takeBytes(size: number): Buffer {
  if (size < MIN_RECYCLED_BYTES) return Buffer.allocUnsafe(size);
  let best = -1;
  for (let i = 0; i < free.length; i++) {
    const n = free[i]!.length;
    if (n >= size && (best < 0 || n < free[best]!.length)) best = i;
  }
  if (best >= 0) return drop(best);
  const b = Buffer.allocUnsafeSlow(size);
  ours.add(b.buffer);
  return b;
}

/** Gives back a buffer from takeBytes that nothing reads any more (others are ignored). */
export function giveBytes(b: Uint8Array): void {
  const ab = b.buffer as ArrayBuffer;
  if (!ours.has(ab) || freeBytes + ab.byteLength > limit || free.some((f) => f.buffer === ab)) return;
  free.push(Buffer.from(ab));
  freeBytes += ab.byteLength;
}

/**
 * Gives back the value buffers of a table's string and binary columns (nested ones included).
 * Call only when nothing will read the table again: its Parquet files are encoded.
 */
export function recycle(table: arrow.Table): void {
  for (const batch of table.batches) recycleData(batch.data);
}

function recycleData(data: arrow.Data): void {
  if (data.values instanceof Uint8Array) giveBytes(data.values);
  for (const child of data.children) recycleData(child);
}

function drop(i: number): Buffer {
  const b = free[i]!;
  free[i] = free[free.length - 1]!;
  free.pop();
  freeBytes -= b.length;
  return b;
}
