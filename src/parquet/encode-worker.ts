/**
 * Entry of an encode worker thread (encode-pool.ts): Arrow IPC in, Parquet files + Iceberg metrics
 * out. Each job is encodeDataFiles on a table read back from the IPC stream the daemon's thread
 * transferred; the Parquet bytes are transferred back, not copied. A failure of the job is posted
 * back with its code; anything that kills the thread is the pool's to report.
 */
import { parentPort } from 'node:worker_threads';
import * as arrow from 'apache-arrow';
import { isFloeError } from '../util/errors.js';
import { encodeDataFiles } from './encode.js';
import type { EncodeJob, EncodeReply } from './encode-pool.js';

const port = parentPort;
if (!port) throw new Error('encode-worker.ts runs as a worker thread (EncodePool), not on its own');

port.on('message', (job: EncodeJob) => {
  let reply: EncodeReply;
  const transfer: ArrayBuffer[] = [];
  try {
    const files = encodeDataFiles(arrow.tableFromIPC(job.ipc), job.schema, job.options);
    for (const f of files) {
      // Transfer needs a buffer the file owns whole; parquet-wasm's output normally is.
      const own = f.bytes.byteOffset === 0 && f.bytes.byteLength === f.bytes.buffer.byteLength ? f.bytes : f.bytes.slice();
      f.bytes = own;
      transfer.push(own.buffer as ArrayBuffer);
    }
    reply = { id: job.id, files };
  } catch (err) {
    reply = {
      id: job.id,
      error: { code: isFloeError(err) ? err.code : undefined, message: err instanceof Error ? err.message : String(err) },
    };
  }
  port.postMessage(reply, transfer);
});
