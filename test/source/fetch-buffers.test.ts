import net from 'node:net';
import { createRequire } from 'node:module';
import type tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { describe, expect, it } from 'vitest';
import { installFetchConnections, POISON_BYTE, RECYCLED_RESPONSE_MIN_BYTES, ResponseBuffers, withFetchSockets } from '../../src/source/fetch-buffers.js';
import { framedSocketFactory } from '../../src/source/framed-socket.js';

const require = createRequire(import.meta.url);
const MIB = 1024 * 1024;

describe('ResponseBuffers', () => {
  it('leaves the last two responses untouched and gives the third the memory of the one two before it', () => {
    const buffers = new ResponseBuffers(false);
    const a = buffers.take(MIB);
    const b = buffers.take(MIB);
    const c = buffers.take(MIB - 10);
    const d = buffers.take(MIB);
    expect(a.buffer).not.toBe(b.buffer);
    expect(c.buffer).toBe(a.buffer);
    expect(c.length).toBe(MIB - 10);
    expect(d.buffer).toBe(b.buffer);
    const e = buffers.take(MIB);
    expect(e.buffer).toBe(a.buffer);
    expect(e.buffer).not.toBe(d.buffer);
  });

  it('takes a new Buffer when the spare is too small, and for small responses', () => {
    const buffers = new ResponseBuffers(false);
    const a = buffers.take(MIB);
    buffers.take(MIB);
    const big = buffers.take(2 * MIB);
    expect(big.buffer).not.toBe(a.buffer);
    expect(big.length).toBe(2 * MIB);
    const small = [buffers.take(100), buffers.take(100), buffers.take(100)];
    expect(new Set(small.map((s) => s.byteOffset + ':' + String(s.buffer.byteLength))).size).toBe(3);
    expect(RECYCLED_RESPONSE_MIN_BYTES).toBeGreaterThan(100);
  });

  it('poisoned: a new Buffer for every response, whatever its size, filled with 0xEE once the next request is written', () => {
    const buffers = new ResponseBuffers(true);
    const a = buffers.take(10).fill(1);
    const b = buffers.take(10).fill(2);
    expect(a.buffer).not.toBe(b.buffer);
    buffers.requestSent();
    const c = buffers.take(10).fill(3);
    expect([...a, ...b]).toEqual(new Array(20).fill(POISON_BYTE));
    expect([...c]).toEqual(new Array(10).fill(3));
    buffers.requestSent();
    expect([...c]).toEqual(new Array(10).fill(POISON_BYTE));
  });

  it('not poisoned: writing a request changes nothing', () => {
    const buffers = new ResponseBuffers(false);
    const a = buffers.take(MIB).fill(1);
    buffers.requestSent();
    expect(a.every((x) => x === 1)).toBe(true);
  });
});

describe('installFetchConnections', () => {
  type Pool = { socketFactory: ISocketFactory; pool: Array<{ socketFactory: ISocketFactory; isConnected: () => boolean }>; getConnectionByRequest(r: { request: { apiKey: number } }): Promise<unknown> };
  const ConnectionPool = require('kafkajs/src/network/connectionPool.js') as new (o: object) => Pool;
  const { createLogger, LEVELS } = require('kafkajs/src/loggers/index.js') as { createLogger: (o: object) => unknown; LEVELS: { NOTHING: number } };
  const logger = createLogger({ level: LEVELS.NOTHING, logCreator: () => () => undefined });
  const plain: ISocketFactory = () => new net.Socket();
  const fetching: ISocketFactory = () => new net.Socket();

  function pool(socketFactory: ISocketFactory): Pool {
    const p = new ConnectionPool({ logger, host: '127.0.0.1', port: 1, socketFactory, connectionTimeout: 1000, requestTimeout: 1000, enforceRequestTimeout: true, maxInFlightRequests: null });
    for (const c of p.pool) c.isConnected = () => true; // no broker here: nothing connects
    return p;
  }

  it('gives the fetch connection (and only it) the fetch socket factory, before it connects', async () => {
    installFetchConnections();
    const p = pool(withFetchSockets(() => new net.Socket(), fetching));
    const other = p.pool[0]!.socketFactory;
    await p.getConnectionByRequest({ request: { apiKey: 3 } }); // Metadata
    expect(p.pool[1]!.socketFactory).not.toBe(fetching);
    await p.getConnectionByRequest({ request: { apiKey: 1 } }); // Fetch
    expect(p.pool[1]!.socketFactory).toBe(fetching);
    expect(p.pool[0]!.socketFactory).toBe(other);
  });

  it('leaves a client without a fetch socket factory as it was', async () => {
    installFetchConnections();
    const p = pool(plain);
    await p.getConnectionByRequest({ request: { apiKey: 1 } });
    expect(p.pool[1]!.socketFactory).toBe(plain);
  });
});

describe('framed sockets with reused response Buffers', () => {
  it('emits every response exactly, each in the memory of the response two before it', async () => {
    const sizes = [MIB, MIB + 7, MIB - 3, MIB, 300_000, MIB];
    const frames = sizes.map((n, i) => {
      const f = Buffer.alloc(4 + n, i + 1);
      f.writeInt32BE(n, 0);
      return f;
    });
    const server = net.createServer((s) => {
      let next = 0;
      s.on('data', () => {
        if (next < frames.length) s.write(frames[next++]!);
        else s.end();
      });
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const port = (server.address() as net.AddressInfo).port;
    const got: Array<{ copy: Buffer; memory: ArrayBufferLike }> = [];
    await new Promise<void>((resolve, reject) => {
      const buffers = new ResponseBuffers(false);
      const socket = framedSocketFactory(() => buffers)({ host: '127.0.0.1', port, ssl: undefined as unknown as tls.ConnectionOptions, onConnect: () => socket.write('go') });
      // One request per response, as kafkajs' fetcher sends its next fetch after the last is handled.
      socket.on('data', (f: Buffer) => {
        got.push({ copy: Buffer.from(f), memory: f.buffer });
        socket.write('next');
      });
      socket.on('end', resolve);
      socket.on('error', reject);
    });
    await new Promise((r) => server.close(r));
    expect(got.map((g) => g.copy.equals(frames[got.indexOf(g)]!))).toEqual(sizes.map(() => true));
    expect(got[2]!.memory).toBe(got[0]!.memory);
    expect(got[3]!.memory).toBe(got[1]!.memory);
    expect(got[1]!.memory).not.toBe(got[0]!.memory);
  });
});
