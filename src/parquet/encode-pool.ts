/**
 * A pool of worker threads that run encodeDataFiles (sort, Parquet, Iceberg metrics: the
 * CPU-bound half of a flush) off the daemon's thread, so decoding the next records overlaps with
 * encoding the last flush's, and several tables' or partitions' flushes encode on several cores.
 *
 * What crosses: the partition's Arrow table as one IPC stream (its buffer transferred, not
 * copied), the Iceberg schema and the encoding options; back come the Parquet bytes (transferred)
 * and their metrics. Workers hold no state between jobs, so ownership of offsets, commit order,
 * schema evolution and dead letters stays with the caller: a job is a pure function of its input.
 * A worker that dies (crash, out of memory, terminated) rejects its job with the retryable
 * PARQUET_WORKER_FAILED and is replaced; the caller's flush fails like a failed upload would, and
 * the table writer re-reads the buffered records (nothing is committed, so nothing is lost).
 */
import { availableParallelism } from 'node:os';
import { Worker } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import type { Schema } from '../iceberg/spec/types.js';
import { ERROR_CODES, FloeError, type ErrorCode } from '../util/errors.js';
import type { WrittenDataFile } from './data-file.js';
import { encodeDataFiles, type DataFileEncoder, type EncodeOptions } from './encode.js';

/** Encoding options that can be copied to a worker (metricsMode is a function: it stays inline). */
export type WorkerEncodeOptions = Omit<EncodeOptions, 'metricsMode'>;

export interface EncodeJob {
  id: number;
  ipc: Uint8Array;
  schema: Schema;
  options: WorkerEncodeOptions;
}

export type EncodeReply = { id: number; files: WrittenDataFile[] } | { id: number; error: { code: string | undefined; message: string } };

interface Pending {
  job: EncodeJob;
  resolve: (files: WrittenDataFile[]) => void;
  reject: (err: unknown) => void;
}

interface Slot {
  worker: Worker;
  busy: Pending | undefined;
}

/** The worker module next to this one: compiled JavaScript in dist/, TypeScript under tsx/vitest. */
const ENTRY = new URL(`./encode-worker${import.meta.url.endsWith('.ts') ? '.ts' : '.js'}`, import.meta.url);

/** Threads for `auto`: one per core beyond the daemon's own, at most 4 (Kafka and commits stay on one). */
export function autoThreads(cores = availableParallelism()): number {
  return Math.max(0, Math.min(4, cores - 1));
}

function spawn(entry: URL): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry);
  // Tests and `tsx` runs have no compiled worker: the thread registers tsx's loader first.
  const boot = `import('tsx/esm/api').then((m) => { m.register(); return import(${JSON.stringify(entry.href)}); })`;
  return new Worker(boot, { eval: true });
}

function codeOf(code: string | undefined): ErrorCode {
  return code !== undefined && code in ERROR_CODES ? (code as ErrorCode) : 'PARQUET_WRITE_FAILED';
}

export class EncodePool {
  private readonly slots: Slot[] = [];
  private readonly queue: Pending[] = [];
  private nextId = 1;
  private closed = false;

  constructor(
    readonly threads: number,
    private readonly entry: URL = ENTRY,
  ) {
    if (!Number.isInteger(threads) || threads < 1) throw new FloeError('PARQUET_BAD_OPTION', `an encode pool needs at least one thread, got ${threads}`);
  }

  /** Jobs submitted and not finished (queued or running). */
  get pending(): number {
    return this.queue.length + this.slots.filter((s) => s.busy).length;
  }

  /** The DataFileEncoder that runs here (falls back to inline for options a worker cannot take). */
  readonly encode: DataFileEncoder = (table, schema, opts) => {
    const { metricsMode, ...options } = opts;
    if (metricsMode) return Promise.resolve().then(() => encodeDataFiles(table, schema, opts));
    return this.submit(table, schema, options);
  };

  submit(table: arrow.Table, schema: Schema, options: WorkerEncodeOptions): Promise<WrittenDataFile[]> {
    if (this.closed) return Promise.reject(new FloeError('PARQUET_WORKER_FAILED', 'the encode pool is closed', { retryable: false }));
    const ipc = arrow.tableToIPC(table, 'stream');
    return new Promise((resolve, reject) => {
      this.queue.push({ job: { id: this.nextId++, ipc, schema, options }, resolve, reject });
      this.pump();
    });
  }

  private pump(): void {
    while (this.queue.length > 0) {
      const slot = this.slots.find((s) => !s.busy) ?? (this.slots.length < this.threads ? this.start() : undefined);
      if (!slot) return;
      const p = this.queue.shift()!;
      slot.busy = p;
      // A busy worker keeps the process alive until its job is answered; an idle one does not.
      slot.worker.ref();
      const { ipc } = p.job;
      const own = ipc.byteOffset === 0 && ipc.byteLength === ipc.buffer.byteLength;
      slot.worker.postMessage(p.job, own ? [ipc.buffer as ArrayBuffer] : []);
    }
  }

  private start(): Slot {
    const worker = spawn(this.entry);
    worker.unref();
    const slot: Slot = { worker, busy: undefined };
    this.slots.push(slot);
    worker.on('message', (reply: EncodeReply) => {
      const p = slot.busy;
      if (!p || p.job.id !== reply.id) return;
      slot.busy = undefined;
      worker.unref();
      if ('files' in reply) p.resolve(reply.files);
      else p.reject(new FloeError(codeOf(reply.error.code), reply.error.message));
      this.pump();
    });
    const died = (why: string, cause?: unknown) => {
      const i = this.slots.indexOf(slot);
      if (i < 0) return;
      this.slots.splice(i, 1);
      const p = slot.busy;
      slot.busy = undefined;
      p?.reject(new FloeError('PARQUET_WORKER_FAILED', `a Parquet encode worker ${why}`, { cause }));
      void worker.terminate();
      if (!this.closed) this.pump();
    };
    worker.on('error', (err) => died(`failed: ${err instanceof Error ? err.message : String(err)}`, err));
    worker.on('messageerror', (err) => died(`sent an unreadable reply: ${err.message}`, err));
    worker.on('exit', (code) => died(`exited (code ${code})`));
    return slot;
  }

  /** Stops every worker; jobs not finished are rejected (PARQUET_WORKER_FAILED, not retryable). */
  async close(): Promise<void> {
    this.closed = true;
    for (const p of this.queue.splice(0)) p.reject(new FloeError('PARQUET_WORKER_FAILED', 'the encode pool is closed', { retryable: false }));
    const slots = this.slots.splice(0);
    for (const s of slots) s.busy?.reject(new FloeError('PARQUET_WORKER_FAILED', 'the encode pool is closed', { retryable: false }));
    await Promise.all(slots.map((s) => s.worker.terminate()));
  }
}

const shared = new Map<number, EncodePool>();

/** One pool per thread count for the process: daemons in one process (tests) share the threads. */
export function sharedEncodePool(threads: number): EncodePool {
  let pool = shared.get(threads);
  if (!pool) shared.set(threads, (pool = new EncodePool(threads)));
  return pool;
}
