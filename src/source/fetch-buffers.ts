/**
 * Fetch responses received into reused memory: a consumer's fetch connection gives each large
 * response the Buffer of the response two before it, so a steady drain allocates no new
 * ArrayBuffer per response. Each new one counts toward the growth that makes V8 run a full GC
 * (every few tens of MiB), and responses live long enough to reach the old generation, where only
 * a full GC frees them: reused, a 1,000,000-event drain ran about half the full GCs
 * (docs/benchmarks.md, "Fetch responses in reused memory").
 *
 * Why reuse is safe, and what it relies on:
 * - kafkajs sends Fetch requests on a connection of their own (ConnectionPool index 1), and each
 *   broker's fetcher sends its next Fetch only once every batch of the previous response has been
 *   handled (kafkajs' fetcher awaits its worker queue). So when response N+2 arrives, the batch
 *   handlers of N and N+1 have returned; the Buffer of N is what N+2 reuses.
 * - A record's key, value and header values are views into its response. Whatever floe keeps past
 *   its batch handler copies them: silver's buffered `_kafka` row (bronze.ts metadataRow), dead
 *   letters (dead-letter.ts), raw `bytes` values and keys (decode/raw.ts), protobuf `bytes` fields
 *   (decode/protobuf/mapper.ts); Avro, JSON and the Arrow columns copy anyway.
 * - Only a client created with `recycleFetchResponses` (the daemon's) does this: tools that keep
 *   records across fetches (`floe dlq replay`) use one without it.
 *
 * FLOE_FETCH_BUFFER_POISON=1 (set for the test suites) checks the rule itself rather than the margin:
 * each response gets a new Buffer (of any size: the suites' responses are small), and as soon as
 * the next Fetch is written on the connection — when every batch before it has been handled — the
 * Buffers of the responses before it are filled with 0xEE. A view kept past its batch then reads
 * bytes no Kafka record holds, and the suites' exact comparisons fail instead of passing on luck.
 */
import { createRequire } from 'node:module';
import type { ISocketFactory } from 'kafkajs';

const require = createRequire(import.meta.url);

/** Responses below this size take a new Buffer as before: reuse pays for the large ones. */
export const RECYCLED_RESPONSE_MIN_BYTES = 256 * 1024;
/** Responses whose Buffers are left untouched: the last two. */
const KEPT_RESPONSES = 2;
export const POISON_BYTE = 0xee;

/** Buffers for one fetch connection's responses (see the module comment). */
export class ResponseBuffers {
  /** The Buffers (whole backing) of the last responses, most recent last. */
  private readonly recent: Buffer[] = [];
  /** Poisoning: the Buffers handed out since the last request was written. */
  private readonly unread: Buffer[] = [];

  constructor(private readonly poison = process.env.FLOE_FETCH_BUFFER_POISON === '1') {}

  /** A Buffer of `size` bytes for the next response, uninitialised. */
  take(size: number): Buffer {
    if (this.poison) {
      const b = Buffer.allocUnsafeSlow(size);
      this.unread.push(b);
      return b;
    }
    if (size < RECYCLED_RESPONSE_MIN_BYTES) return Buffer.allocUnsafe(size);
    let spare = this.recent.length >= KEPT_RESPONSES ? this.recent.shift() : undefined;
    if (spare !== undefined && spare.length < size) spare = undefined;
    const backing = spare ?? Buffer.allocUnsafeSlow(size);
    this.recent.push(backing);
    return backing.length === size ? backing : backing.subarray(0, size);
  }

  /**
   * A request is being written on the connection. On a fetch connection kafkajs writes the next
   * Fetch only once every batch of the responses before it has been handled: poisoning, their
   * Buffers are filled now.
   */
  requestSent(): void {
    if (!this.poison) return;
    for (const b of this.unread) b.fill(POISON_BYTE);
    this.unread.length = 0;
  }
}

const FETCH_SOCKETS = Symbol('floe.fetchSockets');
const FETCH_API_KEY = 1; // kafkajs' apiKeys.Fetch

/** A socket factory that carries the one for fetch connections (installFetchConnections uses it). */
export function withFetchSockets(factory: ISocketFactory, fetchFactory: ISocketFactory): ISocketFactory {
  return Object.assign(factory, { [FETCH_SOCKETS]: fetchFactory });
}

interface ConnectionLike {
  socketFactory: ISocketFactory;
  [FETCH_SOCKETS]?: true;
}
interface ConnectionPoolLike {
  socketFactory?: ISocketFactory & { [FETCH_SOCKETS]?: ISocketFactory };
  pool: ConnectionLike[];
  getConnectionByRequest(request: { request: { apiKey: number } }): Promise<unknown>;
}

let installed = false;

/**
 * Gives a broker's fetch connection (kafkajs' ConnectionPool index 1, used by Fetch requests only)
 * the fetch socket factory its client was created with, before that connection first connects:
 * kafkajs' Connection reads `socketFactory` when it connects. Clients without one are unchanged.
 */
export function installFetchConnections(): void {
  if (installed) return;
  const ConnectionPool = require('kafkajs/src/network/connectionPool.js') as { prototype: ConnectionPoolLike };
  const getConnectionByRequest = ConnectionPool.prototype.getConnectionByRequest;
  ConnectionPool.prototype.getConnectionByRequest = function (this: ConnectionPoolLike, protocolRequest) {
    const fetchFactory = this.socketFactory?.[FETCH_SOCKETS];
    const connection = this.pool[1];
    if (fetchFactory !== undefined && protocolRequest.request.apiKey === FETCH_API_KEY && connection !== undefined && connection[FETCH_SOCKETS] !== true) {
      connection.socketFactory = fetchFactory;
      connection[FETCH_SOCKETS] = true;
    }
    return getConnectionByRequest.call(this, protocolRequest);
  };
  installed = true;
}
