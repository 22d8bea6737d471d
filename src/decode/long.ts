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

/**
 * Reads one zig-zag varint long from the tap. Values that fit in 6 payload bytes (|n| < 2^41) are
 * accumulated with plain number arithmetic — the overwhelmingly common case — and converted to a
 * BigInt once; longer encodings fall back to BigInt arithmetic. A varint longer than 10 bytes is
 * not an Avro long: the tap is invalidated so the caller reports corrupt input.
 */
export function readBigLong(tap: Tap): bigint {
  const buf = tap.buf;
  let pos = tap.pos;
  let b = buf[pos++] ?? 0;
  let n = b & 0x7f;
  let shift = 7;
  while (b & 0x80 && shift < 42) {
    b = buf[pos++] ?? 0;
    n += (b & 0x7f) * 2 ** shift;
    shift += 7;
  }
  if (!(b & 0x80)) {
    tap.pos = pos;
    // zig-zag: even → n/2, odd → -(n+1)/2; n < 2^42 so float math is exact.
    return BigInt(n % 2 === 0 ? n / 2 : -(n + 1) / 2);
  }
  let big = BigInt(n);
  let bigShift = BigInt(shift);
  do {
    if (pos - tap.pos >= 10) {
      tap.pos = buf.length + 1; // invalid: reported as truncated/corrupt by the caller
      return 0n;
    }
    b = buf[pos++] ?? 0;
    big |= BigInt(b & 0x7f) << bigShift;
    bigShift += 7n;
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
