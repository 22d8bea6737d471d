/**
 * The sockets floe's kafkajs client reaches brokers through: the same as kafkajs' own (TCP, or TLS
 * when configured, keep-alive probes after 60 s), except that what a broker sends is read into one
 * buffer per socket and handed to kafkajs one whole Kafka frame at a time.
 *
 * Why: Node gives kafkajs a fresh Buffer for every read from a socket (up to 64 KiB each), and
 * kafkajs joins a response's reads into one more Buffer once the response is complete, so a 4 MiB
 * fetch response allocated 8 MiB of ArrayBuffers. V8 starts a full garbage collection whenever
 * ArrayBuffers have grown by 64 MiB, whether or not the heap needs one, and on a drain those
 * collections are much of the CPU left outside the pipeline (docs/benchmarks.md). Read through
 * Node's `onread` into the socket's own buffer, a response is copied once, into a buffer of exactly
 * its size (known from its size prefix), which kafkajs takes as a single chunk and never joins.
 *
 * kafkajs then joined even a whole response with the empty remainder it keeps after the previous
 * one (`Connection.processData`); `installWholeFrameReads` drops that empty chunk, so a response
 * that arrives whole is used as it is.
 *
 * Every Kafka response, SASL tokens included, is an int32 size and then that many bytes, so this
 * changes how the bytes are split into chunks, never the bytes. A negative size is no Kafka frame:
 * the socket is closed with an error, and kafkajs reconnects as after any connection error.
 */
import { createRequire } from 'node:module';
import net from 'node:net';
import tls from 'node:tls';
import type { ISocketFactory } from 'kafkajs';
import { FloeError } from '../util/errors.js';

const require = createRequire(import.meta.url);

/** What one read from a socket can deliver at most (Node's own reads are 64 KiB). */
export const READ_BUFFER_BYTES = 64 * 1024;
/**
 * A frame up to this size gets its whole buffer as soon as its size is read. A larger one grows as
 * its bytes arrive (at most twice what arrived), so a size prefix alone never allocates more than
 * this: fetch responses are 4 MiB by default (kafka.fetch.maxBytes).
 */
export const FRAME_PREALLOCATE_BYTES = 16 * 1024 * 1024;

/** kafkajs' default socket factory's keep-alive delay. */
const KEEP_ALIVE_DELAY_MS = 60_000;
const SIZE_BYTES = 4;

/** Where a socket's frames are received (fetch-buffers.ts ResponseBuffers). */
export interface FrameBuffers {
  /** A Buffer of `size` bytes for the next frame. */
  take(size: number): Buffer;
  /** A request is being written on the socket. */
  requestSent(): void;
}

const NEW_BUFFERS: Pick<FrameBuffers, 'take'> = { take: (size) => Buffer.allocUnsafe(size) };

/**
 * Cuts a socket's byte stream into Kafka frames (the int32 size prefix included, as kafkajs reads
 * it), each copied out of the read buffer into a Buffer of its own.
 */
export class KafkaFrames {
  private readonly prefix = Buffer.alloc(SIZE_BYTES);
  private prefixFill = 0;
  /** The frame being filled, with its size prefix; undefined while the prefix is being read. */
  private frame: Buffer | undefined;
  private frameFill = 0;
  private frameSize = 0;

  /** `buffers`: where each frame's Buffer comes from (fetch-buffers.ts reuses them), new by default. */
  constructor(
    private readonly emit: (frame: Buffer) => void,
    private readonly buffers: Pick<FrameBuffers, 'take'> = NEW_BUFFERS,
  ) {}

  /**
   * Takes bytes read from the socket (valid only during this call: the read buffer is reused) and
   * emits every frame they complete. A FloeError when a size prefix is negative; nothing of this
   * chunk is emitted after it.
   */
  push(chunk: Uint8Array): FloeError | undefined {
    let at = 0;
    while (at < chunk.length) {
      if (this.frame === undefined) {
        const take = Math.min(SIZE_BYTES - this.prefixFill, chunk.length - at);
        this.prefix.set(chunk.subarray(at, at + take), this.prefixFill);
        this.prefixFill += take;
        at += take;
        if (this.prefixFill < SIZE_BYTES) return undefined;
        const size = this.prefix.readInt32BE(0);
        if (size < 0) {
          return new FloeError('KAFKA_CONNECT', `a Kafka broker sent a response of negative size (${size}): not the Kafka protocol`);
        }
        this.frameSize = SIZE_BYTES + size;
        this.frame = this.buffers.take(Math.min(this.frameSize, FRAME_PREALLOCATE_BYTES));
        this.prefix.copy(this.frame, 0);
        this.frameFill = SIZE_BYTES;
        this.prefixFill = 0;
      }
      const take = Math.min(this.frameSize - this.frameFill, chunk.length - at);
      if (this.frameFill + take > this.frame.length) this.grow(this.frameFill + take);
      this.frame.set(chunk.subarray(at, at + take), this.frameFill);
      this.frameFill += take;
      at += take;
      if (this.frameFill === this.frameSize) {
        const done = this.frame;
        this.frame = undefined;
        this.emit(done);
      }
    }
    return undefined;
  }

  /** Bytes of an unfinished frame held (for tests). */
  get pendingBytes(): number {
    return this.frame === undefined ? this.prefixFill : this.frameFill;
  }

  private grow(needed: number): void {
    const frame = this.frame!;
    const next = Buffer.allocUnsafe(Math.min(this.frameSize, Math.max(needed, frame.length * 2)));
    frame.copy(next, 0, 0, this.frameFill);
    this.frame = next;
  }
}

/**
 * kafkajs' socket factory with framed reads: pass as `socketFactory` to the kafkajs client. kafkajs
 * listens for 'data' on the socket; Node emits none when `onread` is set, so the frames are emitted
 * as 'data' here, synchronously from the read, as Node would have emitted the chunks.
 * `frameBuffers` makes each socket's frame Buffers (default: a new Buffer per frame), told of every
 * request written.
 */
export function framedSocketFactory(frameBuffers?: () => FrameBuffers): ISocketFactory {
  return ({ host, port, ssl, onConnect }) => {
    let socket: net.Socket | undefined;
    const buffers = frameBuffers?.();
    const frames = new KafkaFrames((frame) => socket!.emit('data', frame), buffers);
    const onread = {
      buffer: Buffer.allocUnsafeSlow(READ_BUFFER_BYTES),
      callback: (bytes: number, buffer: Uint8Array): boolean => {
        const refused = frames.push(buffer.subarray(0, bytes));
        if (refused === undefined) return true;
        socket!.destroy(refused);
        return false;
      },
    };
    if (ssl) {
      // Node's TLSSocket takes `onread` too (it reads decrypted bytes into the buffer); the typings
      // list it only for net.
      const options: tls.ConnectionOptions & { onread: net.OnReadOpts } = { host, port, ...(net.isIP(host) ? {} : { servername: host }), ...ssl, onread };
      socket = tls.connect(options, onConnect);
    } else {
      socket = net.connect({ host, port, onread }, onConnect);
    }
    socket.setKeepAlive(true, KEEP_ALIVE_DELAY_MS);
    if (buffers) {
      const write = socket.write.bind(socket) as (...args: unknown[]) => boolean;
      socket.write = ((...args: unknown[]) => {
        buffers.requestSent();
        return write(...args);
      }) as typeof socket.write;
    }
    return socket;
  };
}

interface ConnectionLike {
  chunks: Buffer[];
  bytesBuffered: number;
  processData(data: Buffer): void;
}

let installed = false;

/**
 * kafkajs' `Connection.processData` keeps what follows a response as the first chunk of the next
 * one, an empty Buffer when nothing follows, and joins a response's chunks into a new Buffer
 * whenever there are several: with the empty one in front, always. Dropped when no byte is
 * buffered (the only chunks then are empty), which changes nothing else.
 */
export function installWholeFrameReads(): void {
  if (installed) return;
  const Connection = require('kafkajs/src/network/connection.js') as { prototype: ConnectionLike };
  const processData = Connection.prototype.processData;
  Connection.prototype.processData = function (this: ConnectionLike, data: Buffer) {
    if (this.bytesBuffered === 0 && this.chunks.length > 0) this.chunks = [];
    processData.call(this, data);
  };
  installed = true;
}
