import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import kafkajs from 'kafkajs';
import * as snappyjs from 'snappyjs';
import {
  compressionType,
  lz4Codec,
  lz4Compress,
  lz4Decompress,
  registerCodecs,
  snappyCodec,
  snappyCompress,
  snappyDecompress,
  zstdCodec,
  zstdCompress,
  zstdDecompressSync,
} from '../../src/source/codecs.js';
import { isFloeError } from '../../src/util/errors.js';

const { CompressionCodecs, CompressionTypes } = kafkajs;

const samples: Array<[string, Buffer]> = [
  ['empty', Buffer.alloc(0)],
  ['short', Buffer.from('hello')],
  ['repetitive, several blocks', Buffer.from('floe '.repeat(60_000))],
  ['random, incompressible', randomBytes(150_000)],
];

describe.each(samples)('%s input', (_name, input) => {
  it('snappy round-trips', () => expect(snappyDecompress(snappyCompress(input)).equals(input)).toBe(true));
  it('lz4 round-trips', () => expect(lz4Decompress(lz4Compress(input)).equals(input)).toBe(true));
  it('zstd round-trips', async () => expect(zstdDecompressSync(await zstdCompress(input)).equals(input)).toBe(true));
});

describe('snappy', () => {
  it('writes the xerial framing the Java client reads, in 32 KiB blocks', () => {
    const out = snappyCompress(Buffer.alloc(70_000, 1));
    expect(out.subarray(0, 8)).toEqual(Buffer.from([0x82, 0x53, 0x4e, 0x41, 0x50, 0x50, 0x59, 0x00]));
    expect(out.readInt32BE(8)).toBe(1);
    expect(out.readInt32BE(12)).toBe(1);
    let blocks = 0;
    for (let pos = 16; pos < out.length; pos += 4 + out.readInt32BE(pos)) blocks++;
    expect(blocks).toBe(3);
  });

  it('also reads one raw, unframed snappy block (old producers)', () => {
    const raw = Buffer.from(snappyjs.compress(Buffer.from('raw snappy payload')));
    expect(snappyDecompress(raw).toString()).toBe('raw snappy payload');
  });

  it('reports truncated data as a FloeError', async () => {
    const framed = snappyCompress(Buffer.from('x'.repeat(1000)));
    const err = await snappyCodec.decompress(framed.subarray(0, framed.length - 3)).catch((e: unknown) => e);
    expect(isFloeError(err, 'KAFKA_CODEC')).toBe(true);
  });
});

describe('lz4', () => {
  it('writes frames with independent 64 KiB blocks and the header checksum Kafka expects', () => {
    const out = lz4Compress(Buffer.from('abc'.repeat(50_000)));
    expect(out.readUInt32LE(0)).toBe(0x184d2204);
    expect(out[4]).toBe(0x60); // version 01 + block independence
    expect(out[5]).toBe(0x40); // 64 KiB max block
    expect(out[6]).toBe(0x82); // xxh32 of 0x60 0x40, byte 1 — as Kafka's own frames carry
    expect(out.readUInt32LE(out.length - 4)).toBe(0); // end mark
  });

  it('reads the frame layout the Java client writes for a block that does not compress', async () => {
    // Built by hand after KafkaLZ4BlockOutputStream: header, one stored block (high bit set), end mark.
    // (Frames really written by the Java client are read in codecs.it.test.ts.)
    const javaFrame = Buffer.concat([
      Buffer.from([0x04, 0x22, 0x4d, 0x18, 0x60, 0x40, 0x82]),
      Buffer.from([0x0b, 0x00, 0x00, 0x80]),
      Buffer.from('hello kafka'),
      Buffer.from([0x00, 0x00, 0x00, 0x00]),
    ]);
    expect((await lz4Codec.decompress(javaFrame)).toString()).toBe('hello kafka');
  });
});

describe('zstd', () => {
  it('reads concatenated frames', async () => {
    const a = await zstdCompress(Buffer.from('first '));
    const b = await zstdCompress(Buffer.from('second'));
    expect(zstdDecompressSync(Buffer.concat([a, b])).toString()).toBe('first second');
    expect((await zstdCodec.decompress(Buffer.concat([a, b]))).toString()).toBe('first second');
    // node:zlib alone stops after the first frame: codecs.ts walks the frames itself
    const big = zstdCompress(Buffer.from('floe '.repeat(60_000))); // several blocks
    const skippable = Buffer.from('502a4d1803000000abcdef', 'hex');
    const all = zstdDecompressSync(Buffer.concat([a, skippable, big, b]));
    expect(all.toString()).toBe('first ' + 'floe '.repeat(60_000) + 'second');
  });

  it('reads a streamed frame without a content size, as Java\'s ZstdOutputStream writes', async () => {
    // `printf '…\n' | zstd -3 -c` (zstd CLI 1.5.4): frame header descriptor 0x04 = no content size
    // field, not single-segment, with a checksum. Written by libzstd, not by floe.
    const frame = Buffer.from(
      '28b52ffd045899010068656c6c6f2066726f6d20746865207a73746420434c492c2073747265616d65643a206e6f20636f6e74656e742073697a650a7e8c1a63',
      'hex',
    );
    expect(frame[4]! & 0xc0).toBe(0); // Frame_Content_Size_flag 0 and …
    expect(frame[4]! & 0x20).toBe(0); // … not single-segment: the size is not in the header
    expect((await zstdCodec.decompress(frame)).toString()).toBe('hello from the zstd CLI, streamed: no content size\n');
  });

  it('reports a corrupt frame as KAFKA_CODEC', async () => {
    const frame = await zstdCompress(Buffer.from('x'.repeat(1000)));
    frame[frame.length - 1]! ^= 0xff; // break the checksum
    await expect(zstdCodec.decompress(frame)).rejects.toMatchObject({ code: 'KAFKA_CODEC', details: { codec: 'zstd' } });
  });
});

describe('registerCodecs', () => {
  it('puts snappy, lz4 and zstd into kafkajs and leaves gzip alone', () => {
    const codecs = CompressionCodecs as unknown as Record<number, () => unknown>;
    const gzip = codecs[CompressionTypes.GZIP];
    registerCodecs();
    registerCodecs();
    expect(codecs[CompressionTypes.Snappy]!()).toBe(snappyCodec);
    expect(codecs[CompressionTypes.LZ4]!()).toBe(lz4Codec);
    expect(codecs[CompressionTypes.GZIP]).toBe(gzip);
  });

  it('maps configuration names to kafkajs compression types', () => {
    expect(compressionType('none')).toBe(CompressionTypes.None);
    expect(compressionType('gzip')).toBe(CompressionTypes.GZIP);
    expect(compressionType('snappy')).toBe(CompressionTypes.Snappy);
    expect(compressionType('lz4')).toBe(CompressionTypes.LZ4);
    expect(compressionType('zstd')).toBe(CompressionTypes.ZSTD);
  });
});
