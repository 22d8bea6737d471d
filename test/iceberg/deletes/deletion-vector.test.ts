/**
 * readDeletionVector against blobs laid out by hand from the Puffin and Roaring format specs
 * (array, run and bitmap containers; a second 32-bit key), and refusing damaged blobs. Blobs that
 * Spark writes are read in test/orchestrator/format-v3.it.test.ts.
 */
import { crc32 } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readDeletionVector } from '../../../src/iceberg/deletes/deletion-vector.js';

const u16 = (v: number) => [v & 0xff, (v >> 8) & 0xff];
const u32 = (v: number) => [v & 0xff, (v >>> 8) & 0xff, (v >>> 16) & 0xff, (v >>> 24) & 0xff];

/** One 32-bit Roaring bitmap with run containers allowed (cookie 12347). */
function roaring(containers: Array<{ key: number; kind: 'array'; values: number[] } | { key: number; kind: 'run'; runs: Array<[number, number]> } | { key: number; kind: 'bitmap'; values: number[] }>): number[] {
  const out: number[] = [...u32(12347 | ((containers.length - 1) << 16))];
  let flags = 0;
  containers.forEach((c, i) => { if (c.kind === 'run') flags |= 1 << i; });
  out.push(flags);
  for (const c of containers) {
    const card = c.kind === 'run' ? c.runs.reduce((n, [, len]) => n + len + 1, 0) : c.values.length;
    out.push(...u16(c.key), ...u16(card - 1));
  }
  // fewer than 4 containers with runs: no offset header
  for (const c of containers) {
    if (c.kind === 'array') for (const v of c.values) out.push(...u16(v));
    else if (c.kind === 'run') {
      out.push(...u16(c.runs.length));
      for (const [start, len] of c.runs) out.push(...u16(start), ...u16(len));
    } else {
      const words = new Uint16Array(4096);
      for (const v of c.values) words[v >> 4]! |= 1 << (v & 15);
      for (const w of words) out.push(...u16(w));
    }
  }
  return out;
}

function blob(bitmaps: Array<[number, number[]]>): Uint8Array {
  const vector = [...u32(bitmaps.length), 0, 0, 0, 0];
  for (const [key, bytes] of bitmaps) vector.push(...u32(key), ...bytes);
  const body = Buffer.from([0xd1, 0xd3, 0x39, 0x64, ...vector]);
  const out = Buffer.alloc(body.length + 8);
  out.writeUInt32BE(body.length, 0);
  body.copy(out, 4);
  out.writeUInt32BE(crc32(body) >>> 0, 4 + body.length);
  return out;
}

describe('readDeletionVector', () => {
  const bitmapValues = Array.from({ length: 5000 }, (_, i) => i * 13 % 65536).sort((a, b) => a - b);
  const uniqueBitmap = [...new Set(bitmapValues)];
  const dv = blob([
    [0, roaring([
      { key: 0, kind: 'array', values: [0, 7, 65535] },
      { key: 1, kind: 'run', runs: [[10, 2], [100, 0]] },
      { key: 2, kind: 'bitmap', values: uniqueBitmap },
    ])],
    [1, roaring([{ key: 0, kind: 'array', values: [3] }])],
  ]);

  it('reads every container kind and 64-bit keys, ascending', () => {
    const positions = readDeletionVector(dv);
    expect(positions.slice(0, 7)).toEqual([0, 7, 65535, 65536 + 10, 65536 + 11, 65536 + 12, 65536 + 100]);
    expect(positions.slice(7, -1)).toEqual(uniqueBitmap.map((v) => 2 * 65536 + v));
    expect(positions.at(-1)).toBe(2 ** 32 + 3);
  });

  it('refuses damaged blobs and positions past the data file', () => {
    const bad = Uint8Array.from(dv);
    bad[20]! ^= 0xff;
    expect(() => readDeletionVector(bad)).toThrow(/CRC-32/);
    expect(() => readDeletionVector(dv.subarray(0, dv.length - 3))).toThrow(/length field/);
    const magic = Uint8Array.from(dv);
    magic[4] = 0;
    expect(() => readDeletionVector(magic)).toThrow(/magic/);
    expect(() => readDeletionVector(dv, 1000)).toThrow(/past the data file's 1000 rows/);
  });
});
