/**
 * Deletion vectors (format v3): a Puffin `deletion-vector-v1` blob holding the deleted row
 * positions of one data file (format/puffin-spec.md). The manifest entry of a DV names the data
 * file (`referenced_data_file`) and where the blob sits in the Puffin file (`content_offset`,
 * `content_size_in_bytes`), so a reader needs only those bytes, not the Puffin footer.
 *
 * Blob: 4-byte big-endian length of magic + vector, magic D1 D3 39 64, the vector in Roaring's
 * 64-bit "portable" format (8-byte LE count of 32-bit bitmaps; per bitmap a 4-byte LE key — the
 * high 32 bits of the position — and a 32-bit Roaring bitmap in its standard serialization), then a
 * big-endian CRC-32 of magic + vector. Every count and offset is checked against the blob's size:
 * the bytes come from another engine's file.
 */
import { crc32 } from 'node:zlib';
import { FloeError } from '../../util/errors.js';

const MAGIC = [0xd1, 0xd3, 0x39, 0x64];
const SERIAL_COOKIE_NO_RUN = 12346;
const SERIAL_COOKIE = 12347;
const NO_OFFSET_THRESHOLD = 4;

function invalid(message: string): FloeError {
  return new FloeError('DELETION_VECTOR_INVALID', `deletion vector: ${message}`);
}

/** Bounds-checked little-endian reads over the vector bytes. */
class Reader {
  at = 0;
  constructor(private readonly view: DataView) {}
  need(n: number): void {
    if (this.at + n > this.view.byteLength) throw invalid(`truncated at byte ${this.at} (needs ${n} more of ${this.view.byteLength})`);
  }
  u8(): number {
    this.need(1);
    return this.view.getUint8(this.at++);
  }
  u16(): number {
    this.need(2);
    const v = this.view.getUint16(this.at, true);
    this.at += 2;
    return v;
  }
  u32(): number {
    this.need(4);
    const v = this.view.getUint32(this.at, true);
    this.at += 4;
    return v;
  }
  u64(): bigint {
    this.need(8);
    const v = this.view.getBigUint64(this.at, true);
    this.at += 8;
    return v;
  }
}

/**
 * The deleted positions of a `deletion-vector-v1` blob, ascending. `maxPosition` bounds them (the
 * data file's record count): a position at or past it is refused rather than trusted.
 */
export function readDeletionVector(blob: Uint8Array, maxPosition = Number.MAX_SAFE_INTEGER): number[] {
  if (blob.byteLength < 12) throw invalid(`blob of ${blob.byteLength} bytes is too short`);
  const view = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const length = view.getUint32(0, false);
  if (length + 8 !== blob.byteLength) throw invalid(`length field ${length} does not match the blob's ${blob.byteLength} bytes`);
  for (let i = 0; i < 4; i++) if (blob[4 + i] !== MAGIC[i]) throw invalid('bad magic');
  const body = blob.subarray(4, 4 + length);
  const crc = view.getUint32(4 + length, false);
  if ((crc32(body) >>> 0) !== crc) throw invalid('CRC-32 mismatch');
  const r = new Reader(new DataView(body.buffer, body.byteOffset + 4, body.byteLength - 4));
  const bitmaps = r.u64();
  if (bitmaps > BigInt(body.byteLength)) throw invalid(`${bitmaps} bitmaps cannot fit in ${body.byteLength} bytes`);
  const out: number[] = [];
  let lastKey = -1;
  for (let b = 0; b < Number(bitmaps); b++) {
    const key = r.u32();
    if (key <= lastKey) throw invalid('bitmap keys are not ascending');
    lastKey = key;
    const high = key * 2 ** 32;
    readRoaring32(r, (low) => {
      const p = high + low;
      if (p >= maxPosition) throw invalid(`position ${p} is past the data file's ${maxPosition} rows`);
      out.push(p);
    });
  }
  return out;
}

/** One 32-bit Roaring bitmap (RoaringFormatSpec "general layout"), values in ascending order. */
function readRoaring32(r: Reader, emit: (value: number) => void): void {
  const cookie = r.u32();
  let size: number;
  let runFlags: Uint8Array | undefined;
  if ((cookie & 0xffff) === SERIAL_COOKIE) {
    size = (cookie >>> 16) + 1;
    runFlags = new Uint8Array((size + 7) >> 3);
    for (let i = 0; i < runFlags.length; i++) runFlags[i] = r.u8();
  } else if (cookie === SERIAL_COOKIE_NO_RUN) {
    size = r.u32();
  } else {
    throw invalid(`unknown Roaring cookie ${cookie}`);
  }
  if (size > 65536) throw invalid(`${size} containers in one 32-bit bitmap`);
  const keys: number[] = [];
  const cards: number[] = [];
  for (let i = 0; i < size; i++) {
    keys.push(r.u16());
    cards.push(r.u16() + 1);
  }
  if (!runFlags || size >= NO_OFFSET_THRESHOLD) {
    r.need(4 * size);
    r.at += 4 * size; // offsets: containers follow in order, so they are not needed
  }
  for (let i = 0; i < size; i++) {
    const base = keys[i]! * 65536;
    const isRun = runFlags !== undefined && (runFlags[i >> 3]! & (1 << (i & 7))) !== 0;
    if (isRun) {
      const runs = r.u16();
      for (let k = 0; k < runs; k++) {
        const start = r.u16();
        const len = r.u16();
        for (let v = start; v <= start + len; v++) emit(base + v);
      }
    } else if (cards[i]! <= 4096) {
      for (let k = 0; k < cards[i]!; k++) emit(base + r.u16());
    } else {
      r.need(8192);
      for (let w = 0; w < 4096; w++) {
        const word = r.u16();
        for (let bit = 0; bit < 16; bit++) if (word & (1 << bit)) emit(base + w * 16 + bit);
      }
    }
  }
}
