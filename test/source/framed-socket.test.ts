import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import net from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import tls from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createRequire } from 'node:module';
import { FRAME_PREALLOCATE_BYTES, framedSocketFactory, installWholeFrameReads, KafkaFrames, READ_BUFFER_BYTES } from '../../src/source/framed-socket.js';
import { isFloeError } from '../../src/util/errors.js';
import { prng } from '../fixtures/prng.js';

const require = createRequire(import.meta.url);

function frameOf(body: Uint8Array): Buffer {
  const f = Buffer.alloc(4 + body.length);
  f.writeInt32BE(body.length, 0);
  f.set(body, 4);
  return f;
}

function randomBody(rand: () => number, size: number): Buffer {
  const b = Buffer.alloc(size);
  for (let i = 0; i < size; i++) b[i] = Math.floor(rand() * 256);
  return b;
}

/** Feeds `stream` in chunks of the given sizes through one reused buffer, as Node's onread does. */
function feed(frames: KafkaFrames, stream: Buffer, sizes: () => number): void {
  const readBuffer = Buffer.alloc(READ_BUFFER_BYTES);
  for (let at = 0; at < stream.length; ) {
    const n = Math.min(sizes(), stream.length - at, READ_BUFFER_BYTES);
    stream.copy(readBuffer, 0, at, at + n);
    const refused = frames.push(readBuffer.subarray(0, n));
    if (refused) throw refused;
    readBuffer.fill(0xee, 0, n); // the next read overwrites it: a frame must not have kept a view
    at += n;
  }
}

describe('KafkaFrames', () => {
  it('emits every frame whole, byte for byte, however the stream is split into reads', () => {
    const rand = prng(16);
    const sizes = [0, 1, 3, 4, 5, 100, 4096, 65_531, 65_532, 65_536, 70_000, 300_000];
    const bodies = [...sizes, ...sizes.reverse()].map((n) => randomBody(rand, n));
    const stream = Buffer.concat(bodies.map(frameOf));
    const splits: Array<[string, () => number]> = [
      ['one byte', () => 1],
      ['three bytes', () => 3],
      ['seven bytes', () => 7],
      ['random up to 100', () => 1 + Math.floor(rand() * 100)],
      ['random up to 64 KiB', () => 1 + Math.floor(rand() * READ_BUFFER_BYTES)],
      ['64 KiB', () => READ_BUFFER_BYTES],
    ];
    for (const [name, split] of splits) {
      const out: Buffer[] = [];
      const frames = new KafkaFrames((f) => out.push(Buffer.from(f)));
      feed(frames, stream, split);
      expect(out.length, name).toBe(bodies.length);
      out.forEach((f, i) => expect(f.equals(frameOf(bodies[i]!)), `${name}: frame ${i}`).toBe(true));
      expect(frames.pendingBytes, name).toBe(0);
    }
  });

  it('gives each frame a buffer of exactly its size, the size prefix first (what kafkajs reads)', () => {
    const out: Buffer[] = [];
    const frames = new KafkaFrames((f) => out.push(f));
    feed(frames, Buffer.concat([frameOf(Buffer.from('abc')), frameOf(Buffer.alloc(0)), frameOf(Buffer.alloc(100_000, 7))]), () => 70_000);
    expect(out.map((f) => f.length)).toEqual([7, 4, 100_004]);
    expect(out.map((f) => f.readInt32BE(0))).toEqual([3, 0, 100_000]);
    expect(out[0]!.subarray(4).toString()).toBe('abc');
  });

  it('grows a frame larger than the preallocation as its bytes arrive, and keeps it exact', () => {
    const rand = prng(7);
    const body = randomBody(rand, FRAME_PREALLOCATE_BYTES * 2 + 12_345);
    const out: Buffer[] = [];
    const frames = new KafkaFrames((f) => out.push(f));
    feed(frames, frameOf(body), () => READ_BUFFER_BYTES);
    expect(out).toHaveLength(1);
    expect(out[0]!.length).toBe(body.length + 4);
    expect(out[0]!.subarray(4).equals(body)).toBe(true);
  });

  it('does not allocate a claimed size beyond the preallocation before the bytes arrive', () => {
    const frames = new KafkaFrames(() => undefined);
    const before = process.memoryUsage().arrayBuffers;
    const prefix = Buffer.alloc(14);
    prefix.writeInt32BE(2_000_000_000, 0); // ~1.9 GiB claimed, 10 bytes sent
    expect(frames.push(prefix)).toBeUndefined();
    expect(frames.pendingBytes).toBe(14);
    expect(process.memoryUsage().arrayBuffers - before).toBeLessThanOrEqual(FRAME_PREALLOCATE_BYTES + 1024 * 1024);
  });

  it('refuses a negative size with a retryable connection error and emits nothing after it', () => {
    const out: Buffer[] = [];
    const frames = new KafkaFrames((f) => out.push(f));
    const bad = Buffer.alloc(4);
    bad.writeInt32BE(-5, 0);
    const err = frames.push(Buffer.concat([frameOf(Buffer.from('ok')), bad, frameOf(Buffer.from('later'))]));
    expect(out.map((f) => f.subarray(4).toString())).toEqual(['ok']);
    expect(isFloeError(err, 'KAFKA_CONNECT')).toBe(true);
    expect(err!.retryable).toBe(true);
    expect(err!.message).toContain('negative size (-5)');
  });
});

describe('framedSocketFactory', () => {
  let dir: string;
  let key: string;
  let cert: string;

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'floe-framed-'));
    execFileSync('openssl', ['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', 'key.pem', '-out', 'cert.pem', '-days', '1', '-subj', '/CN=localhost', '-addext', 'subjectAltName=IP:127.0.0.1,DNS:localhost'], {
      cwd: dir,
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    key = readFileSync(join(dir, 'key.pem'), 'utf8');
    cert = readFileSync(join(dir, 'cert.pem'), 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  /** A server that answers the client's first bytes with `stream` in small writes, then closes. */
  async function serve(secure: boolean, stream: Buffer): Promise<{ port: number; close: () => Promise<void> }> {
    const onSocket = (s: net.Socket) => {
      s.once('data', async () => {
        for (let at = 0; at < stream.length; at += 777) {
          s.write(stream.subarray(at, at + 777));
          if (at % (777 * 50) === 0) await new Promise((r) => setImmediate(r));
        }
        s.end();
      });
    };
    const server = secure ? tls.createServer({ key, cert }, onSocket) : net.createServer(onSocket);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as net.AddressInfo).port, close: () => new Promise((r) => server.close(() => r())) };
  }

  for (const secure of [false, true]) {
    it(`${secure ? 'TLS' : 'TCP'}: emits one 'data' per frame and 'end' when the broker closes`, async () => {
      const rand = prng(secure ? 2 : 1);
      const bodies = [10, 0, 200_000, 5, 70_000].map((n) => randomBody(rand, n));
      const server = await serve(secure, Buffer.concat(bodies.map(frameOf)));
      const got: Buffer[] = [];
      await new Promise<void>((resolve, reject) => {
        const socket = framedSocketFactory()({
          host: '127.0.0.1',
          port: server.port,
          ssl: secure ? { ca: [cert] } : (undefined as unknown as tls.ConnectionOptions),
          onConnect: () => socket.write('hello'),
        });
        socket.on('data', (f: Buffer) => got.push(f));
        socket.on('end', () => resolve());
        socket.on('error', reject);
      });
      await server.close();
      expect(got.map((f) => f.length)).toEqual(bodies.map((b) => b.length + 4));
      got.forEach((f, i) => expect(f.equals(frameOf(bodies[i]!))).toBe(true));
    });
  }

  it('closes the socket with the error when a broker sends a negative size', async () => {
    const bad = Buffer.alloc(8);
    bad.writeInt32BE(-1, 0);
    const server = await serve(false, bad);
    const err = await new Promise<unknown>((resolve) => {
      const socket = framedSocketFactory()({ host: '127.0.0.1', port: server.port, ssl: undefined as unknown as tls.ConnectionOptions, onConnect: () => socket.write('x') });
      socket.on('error', resolve);
    });
    await server.close();
    expect(isFloeError(err, 'KAFKA_CONNECT')).toBe(true);
  });
});

describe('installWholeFrameReads', () => {
  type Fake = { authHandlers: null; chunks: Buffer[]; bytesBuffered: number; bytesNeeded: number; requestQueue: { fulfillRequest: (r: { size: number; correlationId: number; payload: Buffer }) => void } };
  const connection = (got: Array<{ correlationId: number; payload: string }>): Fake => ({
    authHandlers: null,
    chunks: [],
    bytesBuffered: 0,
    bytesNeeded: 4,
    requestQueue: { fulfillRequest: ({ correlationId, payload }) => got.push({ correlationId, payload: payload.toString('hex') }) },
  });
  /** A response: size, correlation id, payload. */
  const response = (id: number, payload: Buffer) => {
    const body = Buffer.alloc(4 + payload.length);
    body.writeInt32BE(id, 0);
    payload.copy(body, 4);
    return frameOf(body);
  };

  it("hands kafkajs' request queue the same responses however the bytes are chunked, and joins no whole frame", () => {
    installWholeFrameReads();
    const processData = (require('kafkajs/src/network/connection.js') as { prototype: { processData: (this: Fake, d: Buffer) => void } }).prototype.processData;
    const rand = prng(3);
    const responses = Array.from({ length: 40 }, (_, i) => response(i, randomBody(rand, Math.floor(rand() * 3000))));
    const expected = responses.map((r, i) => ({ correlationId: i, payload: r.subarray(8).toString('hex') }));
    const stream = Buffer.concat(responses);
    const concat = Buffer.concat;
    let joins = 0;
    Buffer.concat = ((list: readonly Uint8Array[], total?: number) => {
      joins++;
      return concat(list, total);
    }) as typeof Buffer.concat;
    try {
      // whole frames, one per chunk (what framed sockets deliver): nothing joined
      const whole: typeof expected = [];
      const c1 = connection(whole);
      for (const r of responses) processData.call(c1, r);
      expect(whole).toEqual(expected);
      expect(joins).toBe(0);
      // arbitrary chunks (what a plain socket delivers): the same responses
      for (const max of [1, 5, 100, 5000]) {
        const got: typeof expected = [];
        const c = connection(got);
        for (let at = 0; at < stream.length; ) {
          const n = 1 + Math.floor(rand() * max);
          processData.call(c, stream.subarray(at, at + n));
          at += n;
        }
        expect(got, `chunks up to ${max}`).toEqual(expected);
      }
    } finally {
      Buffer.concat = concat;
    }
  });
});
