/**
 * An Avro `long` that decodes to a BigInt, exact over the whole 64-bit range. avsc's default long
 * type returns a JS number and throws (or loses digits) beyond 2^53; Kafka producers routinely
 * write ids, nanosecond clocks and hashes that are larger.
 */
import avro from 'avsc';

const TWO_64 = 1n << 64n;
const MAX = (1n << 63n) - 1n;
const MIN = -(1n << 63n);

/** Minimal view of avsc's internal tap (buffer + position) that the hot-path reader needs. */
export interface Tap {
  buf: Buffer;
  pos: number;
}

/** 2^(7i): place values of varint groups, so the float path multiplies instead of calling pow. */
const PLACE = Array.from({ length: 8 }, (_, i) => 2 ** (7 * i));

/**
 * Reads one zig-zag varint long from the tap. Up to 4 bytes (|n| < 2^27) are decoded with int
 * arithmetic; up to 7 bytes (|n| < 2^48, e.g. µs timestamps) with exact float arithmetic; longer
 * encodings with BigInt arithmetic. A varint longer than 10 bytes is not an Avro long: the tap is
 * invalidated so the caller reports corrupt input. Bytes past the end read as 0 and leave
 * `pos > length`, which the caller reports as truncation (avsc's convention).
 */
export function readBigLong(tap: Tap): bigint {
  const buf = tap.buf;
  let pos = tap.pos;
  let b = buf[pos++]!;
  let n = b & 0x7f;
  if (b & 0x80) {
    b = buf[pos++]!;
    n |= (b & 0x7f) << 7;
    if (b & 0x80) {
      b = buf[pos++]!;
      n |= (b & 0x7f) << 14;
      if (b & 0x80) {
        b = buf[pos++]!;
        n |= (b & 0x7f) << 21;
        if (b & 0x80) return readLongTail(tap, n, pos);
      }
    }
  }
  tap.pos = pos;
  return BigInt((n >>> 1) ^ -(n & 1));
}

function readLongTail(tap: Tap, low: number, start: number): bigint {
  const buf = tap.buf;
  let pos = start;
  let n = low;
  let b = 0x80;
  let i = 4;
  for (; i < 7 && b & 0x80; i++) {
    b = buf[pos++]!;
    n += (b & 0x7f) * PLACE[i]!;
  }
  if (!(b & 0x80)) {
    tap.pos = pos;
    // n < 2^49: float math is exact; zig-zag: even → n/2, odd → -(n+1)/2.
    return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
  }
  let big = BigInt(n);
  let shift = 49n;
  do {
    if (pos - tap.pos >= 10) {
      tap.pos = buf.length + 1;
      return 0n;
    }
    b = buf[pos++]!;
    big |= BigInt(b & 0x7f) << shift;
    shift += 7n;
  } while (b & 0x80);
  tap.pos = pos;
  big &= TWO_64 - 1n;
  return big & 1n ? -((big + 1n) >> 1n) : big >> 1n;
}

/** A copy of a (frozen) avsc type whose `_read` is replaced; everything else is inherited. */
export function withReader(type: avro.Type, read: (tap: never) => unknown): avro.Type {
  const out = Object.create(type) as avro.Type;
  Object.defineProperty(out, '_read', { value: read, writable: false, enumerable: false });
  return out;
}

function toLittleEndian(n: bigint): Buffer {
  const out = Buffer.alloc(8);
  out.writeBigInt64LE(n);
  return out;
}

/** Creates the BigInt long type. One instance per parsed schema registry is fine; it is stateless. */
export function createBigLongType(): avro.Type {
  const type = avro.types.LongType.__with({
    fromBuffer: (buf: Buffer) => buf.readBigInt64LE(),
    toBuffer: (n: bigint | number) => toLittleEndian(BigInt(n)),
    // Defaults in schemas are JSON numbers; keep them exact when they arrive as strings too.
    fromJSON: (v: unknown) => BigInt(v as number | string),
    toJSON: (n: bigint) => (n >= -(2n ** 53n) && n <= 2n ** 53n ? Number(n) : n.toString()),
    isValid: (n: unknown) => typeof n === 'bigint' && n >= MIN && n <= MAX,
    compare: (a: bigint, b: bigint) => (a === b ? 0 : a < b ? -1 : 1),
  });
  // The generic path allocates an 8-byte buffer per value; this reader does not. avsc freezes
  // primitive types, so the fast reader goes on an object that inherits from the frozen one.
  return withReader(type as unknown as avro.Type, readBigLong);
}
