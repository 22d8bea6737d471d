/**
 * `npm run bench -- --kafka-socket`: what receiving fetch responses costs the consumer's process
 * before a record is decoded, with kafkajs' own socket factory and with floe's framed one
 * (src/source/framed-socket.ts), side by side in one process, alternated over rounds.
 *
 * A child process plays the broker on loopback: it answers each one-byte request with one
 * response frame of 4 MiB (kafka.fetch.maxBytes' default), so one response is in flight at a time,
 * as with kafkajs' fetches. The client runs kafkajs' own `Connection.processData` on what the
 * socket emits and keeps each response's payload until the next one arrives, as a batch's records
 * keep it until they are handled. Per round: CPU of the client process (all threads, V8's GC
 * threads included), full (mark-compact) collections and their pauses. The child's CPU is not
 * counted.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createRequire } from 'node:module';
import { PerformanceObserver, constants, type PerformanceEntry } from 'node:perf_hooks';
import type { ISocketFactory } from 'kafkajs';
import type tls from 'node:tls';
import { framedSocketFactory, installWholeFrameReads } from '../src/source/framed-socket.js';

const require = createRequire(import.meta.url);
const FRAME_BYTES = 4 * 1024 * 1024;
const FRAMES = 256;
const ROUNDS = 5;

const BROKER = `
const net = require('node:net');
const frame = Buffer.alloc(4 + ${FRAME_BYTES}, 1);
frame.writeInt32BE(${FRAME_BYTES}, 0);
frame.writeInt32BE(7, 4); // a correlation id
const server = net.createServer((s) => s.on('data', (d) => { for (let i = 0; i < d.length; i++) s.write(frame); }));
server.listen(0, '127.0.0.1', () => console.log(server.address().port));
`;

interface Round {
  cpuMs: number;
  wallMs: number;
  fullGcs: number;
  gcPauseMs: number;
}

type ProcessData = (this: unknown, data: Buffer) => void;

async function startBroker(): Promise<{ child: ChildProcess; port: number }> {
  const child = spawn(process.execPath, ['-e', BROKER], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await new Promise<number>((resolve, reject) => {
    child.stdout!.once('data', (d: Buffer) => resolve(Number(String(d).trim())));
    child.once('exit', (code) => reject(new Error(`the broker stand-in exited (${code})`)));
  });
  return { child, port };
}

async function round(factory: ISocketFactory, port: number): Promise<Round> {
  const processData = (require('kafkajs/src/network/connection.js') as { prototype: { processData: ProcessData } }).prototype.processData;
  let fullGcs = 0;
  let gcPauseMs = 0;
  const observer = new PerformanceObserver((list) => {
    for (const e of list.getEntries()) {
      gcPauseMs += e.duration;
      if (((e as PerformanceEntry & { detail?: { kind?: number } }).detail)?.kind === constants.NODE_PERFORMANCE_GC_MAJOR) fullGcs++;
    }
  });
  observer.observe({ entryTypes: ['gc'] });
  const cpu = process.cpuUsage();
  const wall = performance.now();
  await new Promise<void>((resolve, reject) => {
    let received = 0;
    let held: Buffer | undefined; // the previous response's payload, as a batch's records hold it
    const connection = {
      authHandlers: null,
      chunks: [] as Buffer[],
      bytesBuffered: 0,
      bytesNeeded: 4,
      requestQueue: {
        fulfillRequest: ({ payload }: { payload: Buffer }) => {
          held = payload;
          if (++received === FRAMES) {
            socket.destroy();
            resolve();
          } else socket.write('f');
        },
      },
    };
    const socket = factory({ host: '127.0.0.1', port, ssl: undefined as unknown as tls.ConnectionOptions, onConnect: () => socket.write('f') });
    socket.on('data', (d: Buffer) => processData.call(connection, d));
    socket.on('error', reject);
    void held;
  });
  const used = process.cpuUsage(cpu);
  const wallMs = performance.now() - wall;
  await new Promise((r) => setTimeout(r, 50)); // let the observer see the round's last collections
  observer.disconnect();
  return { cpuMs: (used.user + used.system) / 1000, wallMs, fullGcs, gcPauseMs };
}

export async function runKafkaSocket(): Promise<void> {
  installWholeFrameReads(); // as createKafkaClient does, for both: it only drops an empty chunk
  const { child, port } = await startBroker();
  const variants: Array<[string, ISocketFactory]> = [
    ['kafkajs', (require('kafkajs/src/network/socketFactory.js') as () => ISocketFactory)()],
    ['framed', framedSocketFactory()],
  ];
  const mib = (FRAMES * FRAME_BYTES) / 2 ** 20;
  console.log(`## Fetch responses over loopback: ${FRAMES} responses of ${FRAME_BYTES / 2 ** 20} MiB a round, kafkajs' processData (bench/kafka-socket.ts)`);
  try {
    await round(variants[1]![1], port); // warm-up: JIT, the broker's first writes
    await round(variants[0]![1], port);
    const results = new Map<string, Round[]>(variants.map(([name]) => [name, []]));
    for (let r = 0; r < ROUNDS; r++) {
      const order = r % 2 === 0 ? variants : [...variants].reverse();
      for (const [name, factory] of order) results.get(name)!.push(await round(factory, port));
    }
    for (const [name, rounds] of results) {
      const cpu = rounds.map((x) => x.cpuMs).sort((a, b) => a - b);
      const median = cpu[Math.floor(cpu.length / 2)]!;
      console.log(
        `${name.padEnd(8)} CPU ms per GiB received: median ${((median / mib) * 1024).toFixed(0)}, rounds ${rounds.map((x) => ((x.cpuMs / mib) * 1024).toFixed(0)).join(' / ')}; ` +
          `full GCs per round ${rounds.map((x) => x.fullGcs).join(' / ')}; GC pauses ms ${rounds.map((x) => x.gcPauseMs.toFixed(0)).join(' / ')}; ` +
          `MiB/s wall ${rounds.map((x) => (mib / (x.wallMs / 1000)).toFixed(0)).join(' / ')}`,
      );
    }
  } finally {
    child.kill();
  }
}
