/**
 * Micro-benchmark: the zstd codec floe registers with kafkajs (src/source/codecs.ts), node:zlib's
 * libzstd (Node >= 22.15), against the packages it replaced — fzstd (pure JS, decompression) and
 * @bokuweb/zstd-wasm (libzstd in wasm, compression). Those two are no longer dependencies; they are
 * measured when installed (`npm i --no-save fzstd@0.1.1 @bokuweb/zstd-wasm@0.0.27`) and skipped
 * otherwise. Input: a Kafka records section of ~600-byte JSON events, compressed at level 3.
 * Run: npx tsx bench/zstd-codec.ts [MiB per case]. Prints MiB/s of uncompressed bytes.
 */
import { createRequire } from 'node:module';
import { promisify } from 'node:util';
import zlib from 'node:zlib';
import { zstdCodec } from '../src/source/codecs.js';

const TOTAL = Number(process.argv[2] ?? 64) * 1024 * 1024;
const require = createRequire(import.meta.url);
const zstdAsync = promisify(zlib.zstdDecompress);

function records(bytes: number): Buffer {
  const parts: string[] = [];
  let n = 0;
  for (let i = 0, size = 0; size < bytes; i++) {
    const line = JSON.stringify({
      id: 1_000_000 + i, ts: 1_764_000_000_000 + i * 37, user: `user-${(i * 7919) % 5000}`,
      event: ['click', 'view', 'purchase', 'signup'][i % 4], amount: ((i * 31) % 10_000) / 100,
      session: `${(i * 2654435761) % 4294967296}`.padStart(10, '0') + '-4b1d-9c3e-' + (i % 997),
      url: `https://shop.example.com/p/${(i * 13) % 1200}?ref=${i % 17}`, payload: 'x'.repeat(200 + (i % 97)),
    });
    parts.push(line);
    size += line.length;
    n++;
  }
  return Buffer.from(parts.join('\n')).subarray(0, bytes);
}

function time(label: string, bytes: number, fn: () => unknown): void {
  for (let i = 0; i < 3; i++) fn(); // warm-up (JIT, wasm instantiation)
  const rounds = Math.max(5, Math.ceil(TOTAL / bytes));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const cpuS = (cpu.user + cpu.system) / 1e6;
  const mib = (rounds * bytes) / 1024 / 1024;
  console.log(`| ${label} | ${(mib / wall).toFixed(0)} | ${(mib / cpuS).toFixed(0)} |`);
}

async function timeAsync(label: string, bytes: number, fn: () => Promise<unknown>): Promise<void> {
  for (let i = 0; i < 3; i++) await fn();
  const rounds = Math.max(5, Math.ceil(TOTAL / bytes));
  const cpu0 = process.cpuUsage();
  const t0 = process.hrtime.bigint();
  for (let i = 0; i < rounds; i++) await fn();
  const wall = Number(process.hrtime.bigint() - t0) / 1e9;
  const cpu = process.cpuUsage(cpu0);
  const mib = (rounds * bytes) / 1024 / 1024;
  console.log(`| ${label} | ${(mib / wall).toFixed(0)} | ${(mib / ((cpu.user + cpu.system) / 1e6)).toFixed(0)} |`);
}

function optional<T>(name: string): T | undefined {
  try {
    return require(name) as T;
  } catch {
    return undefined;
  }
}

const fzstd = optional<{ decompress(b: Uint8Array): Uint8Array }>('fzstd');
const wasm = optional<{ init(): Promise<void>; compress(b: Uint8Array, level: number): Uint8Array }>('@bokuweb/zstd-wasm');
await wasm?.init();

console.log(`node ${process.version}, ${TOTAL / 1024 / 1024} MiB per case, zstd level 3`);
for (const size of [16 * 1024, 1024 * 1024]) {
  const input = records(size);
  const frame = zlib.zstdCompressSync(input, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } });
  console.log(`\n### ${size / 1024} KiB records section (compressed ${((frame.length / size) * 100).toFixed(1)} %)\n`);
  console.log('| operation | MiB/s wall | MiB/s per CPU-second |\n|---|---:|---:|');
  time('decompress: node:zlib zstdDecompressSync', size, () => zlib.zstdDecompressSync(frame));
  await timeAsync('decompress: floe\'s kafkajs codec (node:zlib sync, in a promise)', size, () => zstdCodec.decompress(frame));
  await timeAsync('decompress: node:zlib zstdDecompress (async, thread pool)', size, () => zstdAsync(frame));
  if (fzstd) time('decompress: fzstd 0.1.1 (before)', size, () => fzstd.decompress(frame));
  time('compress: node:zlib zstdCompressSync level 3', size, () =>
    zlib.zstdCompressSync(input, { params: { [zlib.constants.ZSTD_c_compressionLevel]: 3 } }));
  if (wasm) time('compress: @bokuweb/zstd-wasm level 3 (before)', size, () => Buffer.from(wasm.compress(input, 3)));
}
