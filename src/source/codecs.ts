/**
 * Compression codecs for kafkajs. kafkajs 2.2.4 reads only gzip by itself; real topics use all
 * four codecs Kafka knows, so floe registers the other three: zstd from node:zlib, snappy and lz4
 * from pure JS packages that install from npm without native builds or downloads (docs/kafka.md
 * has the choice and evidence).
 *
 * kafkajs' codec contract: `CompressionCodecs[type] = () => ({ compress(encoder), decompress(buf) })`,
 * where `compress` gets a kafkajs Encoder (`.buffer` holds the uncompressed records section) and both
 * return promises of Buffers.
 */
import zlib from 'node:zlib';
// kafkajs is CommonJS: its named exports are only reachable through the default import in ESM.
import kafkajs from 'kafkajs';
import * as snappy from 'snappyjs';
import * as lz4 from 'lz4js';
import { FloeError } from '../util/errors.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;
type CompressionTypes = kafkajs.CompressionTypes;

export interface Codec {
  compress(encoder: { buffer: Buffer }): Promise<Buffer>;
  decompress(buffer: Buffer): Promise<Buffer>;
}

const toBuffer = (u8: Uint8Array): Buffer => Buffer.from(u8.buffer, u8.byteOffset, u8.byteLength);

function codecError(codec: string, op: string, cause: unknown): FloeError {
  // Not retryable: the same bytes fail the same way. The consumer reports it for the whole batch.
  return new FloeError('KAFKA_CODEC', `${codec} ${op} failed: ${String((cause as Error)?.message ?? cause)}`, {
    cause,
    details: { codec },
  });
}

// ---------------------------------------------------------------------------------------------
// Snappy. The Java producer (xerial snappy-java's SnappyOutputStream) frames the payload:
//   magic "\x82SNAPPY\0" | int32 version | int32 compatible version | (int32 length | raw block)*
// librdkafka and kafkajs-snappy write/read the same framing; some old producers write one raw
// snappy block. We read both and write the xerial framing, which every Kafka client understands.
const XERIAL_MAGIC = Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]);
const XERIAL_HEADER_LENGTH = 16;
/** snappy-java's default block size: what the Java producer uses. */
const XERIAL_BLOCK = 32 * 1024;

export function snappyCompress(input: Buffer): Buffer {
  const parts: Buffer[] = [XERIAL_MAGIC, int32(1), int32(1)];
  for (let pos = 0; pos < input.length; pos += XERIAL_BLOCK) {
    const block = toBuffer(snappy.compress(input.subarray(pos, pos + XERIAL_BLOCK)));
    parts.push(int32(block.length), block);
  }
  return Buffer.concat(parts);
}

export function snappyDecompress(input: Buffer): Buffer {
  if (input.length < XERIAL_HEADER_LENGTH || !input.subarray(0, 8).equals(XERIAL_MAGIC)) {
    return toBuffer(snappy.uncompress(input));
  }
  const blocks: Buffer[] = [];
  let pos = XERIAL_HEADER_LENGTH;
  while (pos < input.length) {
    if (pos + 4 > input.length) throw new Error('truncated xerial block length');
    const size = input.readInt32BE(pos);
    pos += 4;
    if (size < 0 || pos + size > input.length) throw new Error(`truncated xerial block of ${size} bytes`);
    blocks.push(toBuffer(snappy.uncompress(input.subarray(pos, pos + size))));
    pos += size;
  }
  return blocks.length === 1 ? blocks[0]! : Buffer.concat(blocks);
}

function int32(n: number): Buffer {
  const b = Buffer.allocUnsafe(4);
  b.writeInt32BE(n, 0);
  return b;
}

// ---------------------------------------------------------------------------------------------
// LZ4. Kafka (magic v1+) uses the standard LZ4 frame format, and its Java reader
// (KafkaLZ4BlockInputStream) rejects frames without the block-independence flag. lz4js'
// own frame writer sets no such flag (it chains blocks), so we write frames ourselves with
// lz4js' block compressor, a fresh hash table per block (= independent blocks) and 64 KiB
// blocks like the Java producer. Reading uses lz4js' frame reader, which accepts any flags.
const LZ4_MAGIC = 0x184d2204;
const LZ4_BLOCK = 64 * 1024;
const LZ4_BD_64KB = 4 << 4;
const LZ4_FLG = 0x40 /* version 01 */ | 0x20; /* block independence */
const LZ4_UNCOMPRESSED = 0x80000000;

export function lz4Compress(input: Buffer): Buffer {
  const blockCount = Math.max(1, Math.ceil(input.length / LZ4_BLOCK));
  const out = Buffer.allocUnsafe(7 + blockCount * (4 + lz4.compressBound(LZ4_BLOCK)) + 4);
  out.writeUInt32LE(LZ4_MAGIC, 0);
  out[4] = LZ4_FLG;
  out[5] = LZ4_BD_64KB;
  out[6] = (xxh32(out.subarray(4, 6)) >>> 8) & 0xff;
  let o = 7;
  const hashTable = new Uint32Array(1 << 16);
  const scratch = Buffer.allocUnsafe(lz4.compressBound(LZ4_BLOCK));
  for (let pos = 0; pos < input.length; pos += LZ4_BLOCK) {
    const size = Math.min(LZ4_BLOCK, input.length - pos);
    hashTable.fill(0);
    const compressed = lz4.compressBlock(input, scratch, pos, size, hashTable);
    if (compressed === 0 || compressed >= size) {
      out.writeUInt32LE((LZ4_UNCOMPRESSED | size) >>> 0, o);
      input.copy(out, o + 4, pos, pos + size);
      o += 4 + size;
    } else {
      out.writeUInt32LE(compressed, o);
      scratch.copy(out, o + 4, 0, compressed);
      o += 4 + compressed;
    }
  }
  out.writeUInt32LE(0, o); // end mark
  return out.subarray(0, o + 4);
}

export function lz4Decompress(input: Buffer): Buffer {
  return toBuffer(lz4.decompress(input));
}

// xxHash32 with seed 0, for the LZ4 frame descriptor checksum (only ever over 2 bytes here).
function xxh32(data: Uint8Array): number {
  const P1 = 2654435761;
  const P3 = 3266489917;
  const P5 = 374761393;
  let h = (P5 + data.length) >>> 0;
  for (const byte of data) {
    h = (h + Math.imul(byte, P5)) >>> 0;
    h = Math.imul((h << 11) | (h >>> 21), P1) >>> 0;
  }
  h ^= h >>> 15;
  h = Math.imul(h, 2246822519) >>> 0;
  h ^= h >>> 13;
  h = Math.imul(h, P3) >>> 0;
  h ^= h >>> 16;
  return h >>> 0;
}

// ---------------------------------------------------------------------------------------------
// Zstandard: libzstd in node:zlib (Node >= 22.15; floe needs 24). It reads frames without a
// content size (what Java's streaming ZstdOutputStream writes). It replaced fzstd (pure JS) for
// reading and @bokuweb/zstd-wasm for writing: 1.7-3.4x the MiB per CPU-second reading, 1.4-2.3x
// writing (docs/benchmarks.md, bench/zstd-codec.ts). The sync calls are used on purpose: the async ones
// hop to libuv's thread pool, which costs more than it saves for batch-sized inputs (measured).
//
// node:zlib stops after the first frame and silently drops the rest, but the format allows
// several frames back to back (and skippable frames), which fzstd read: zstdDecompressSync walks
// the frame headers and decompresses frame by frame when there is more than one.
const ZSTD_LEVEL = 3;
const ZSTD_OPTIONS: zlib.ZstdOptions = { params: { [zlib.constants.ZSTD_c_compressionLevel]: ZSTD_LEVEL } };
const ZSTD_MAGIC = 0xfd2fb528;
const ZSTD_SKIPPABLE_MASK = 0xfffffff0;
const ZSTD_SKIPPABLE_MAGIC = 0x184d2a50;

export function zstdCompress(input: Buffer): Buffer {
  return zlib.zstdCompressSync(input, ZSTD_OPTIONS);
}

export function zstdDecompressSync(input: Buffer): Buffer {
  if (input.length === 0) return zlib.zstdDecompressSync(input);
  const first = zstdFrameLength(input, 0);
  if (first === input.length) return zlib.zstdDecompressSync(input);
  const parts: Buffer[] = [];
  for (let pos = 0, len = first; pos < input.length; pos += len, len = pos < input.length ? zstdFrameLength(input, pos) : 0) {
    if ((input.readUInt32LE(pos) & ZSTD_SKIPPABLE_MASK) >>> 0 !== ZSTD_SKIPPABLE_MAGIC) {
      parts.push(zlib.zstdDecompressSync(input.subarray(pos, pos + len)));
    }
  }
  return Buffer.concat(parts);
}

/** Bytes of the (zstd or skippable) frame at `pos`: RFC 8878 sections 3.1.1 and 3.1.2. */
function zstdFrameLength(b: Buffer, pos: number): number {
  const need = (n: number) => {
    if (n > b.length) throw new Error(`truncated zstd frame at byte ${pos}`);
  };
  need(pos + 8);
  const magic = b.readUInt32LE(pos);
  if ((magic & ZSTD_SKIPPABLE_MASK) >>> 0 === ZSTD_SKIPPABLE_MAGIC) {
    need(pos + 8 + b.readUInt32LE(pos + 4));
    return 8 + b.readUInt32LE(pos + 4);
  }
  if (magic !== ZSTD_MAGIC) throw new Error(`no zstd frame at byte ${pos} (magic ${magic.toString(16)})`);
  const fhd = b[pos + 4]!;
  const singleSegment = (fhd >> 5) & 1;
  const fcsBytes = [singleSegment, 2, 4, 8][fhd >> 6]!;
  const dictIdBytes = [0, 1, 2, 4][fhd & 3]!;
  let p = pos + 5 + (singleSegment ? 0 : 1) + dictIdBytes + fcsBytes;
  for (let last = 0; !last; ) {
    need(p + 3);
    const header = b[p]! | (b[p + 1]! << 8) | (b[p + 2]! << 16);
    last = header & 1;
    const type = (header >> 1) & 3; // 0 raw, 1 RLE (one byte stored), 2 compressed, 3 reserved
    p += 3 + (type === 1 ? 1 : header >>> 3);
  }
  p += (fhd >> 2) & 1 ? 4 : 0; // content checksum
  need(p);
  return p - pos;
}

// ---------------------------------------------------------------------------------------------

function codec(name: string, compress: (b: Buffer) => Buffer, decompress: (b: Buffer) => Buffer): Codec {
  return {
    async compress(encoder) {
      try {
        return compress(encoder.buffer);
      } catch (err) {
        throw codecError(name, 'compression', err);
      }
    },
    async decompress(buffer) {
      try {
        return decompress(buffer);
      } catch (err) {
        throw codecError(name, 'decompression', err);
      }
    },
  };
}

export const snappyCodec = codec('snappy', snappyCompress, snappyDecompress);
export const lz4Codec = codec('lz4', lz4Compress, lz4Decompress);
export const zstdCodec = codec('zstd', zstdCompress, zstdDecompressSync);

let registered = false;

/**
 * Registers snappy, lz4 and zstd with kafkajs. kafkajs keeps codecs in one process-wide table,
 * so this affects every kafkajs client in the process; calling it again is harmless.
 */
export function registerCodecs(): void {
  if (registered) return;
  const codecs = CompressionCodecs as unknown as Record<number, () => Codec>;
  codecs[CompressionTypes.Snappy] = () => snappyCodec;
  codecs[CompressionTypes.LZ4] = () => lz4Codec;
  codecs[CompressionTypes.ZSTD] = () => zstdCodec;
  registered = true;
}

export type CompressionName = 'none' | 'gzip' | 'snappy' | 'lz4' | 'zstd';

/** Maps a configuration name to kafkajs' enum (for producers such as the dead-letter sink). */
export function compressionType(name: CompressionName): CompressionTypes {
  switch (name) {
    case 'none':
      return CompressionTypes.None;
    case 'gzip':
      return CompressionTypes.GZIP;
    case 'snappy':
      return CompressionTypes.Snappy;
    case 'lz4':
      return CompressionTypes.LZ4;
    case 'zstd':
      return CompressionTypes.ZSTD;
  }
}
