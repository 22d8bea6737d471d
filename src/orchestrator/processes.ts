/**
 * `performance.processes: N`: `floe run` as N daemon processes on one machine, so that a daemon
 * uses N cores. Each child is an ordinary member of the consumer group (the same code, the same
 * configuration), so it reads its share of the partitions and commits them exactly as separate
 * daemons do (test/orchestrator/scale-out.it.test.ts): no record is handed between processes and
 * nothing about exactly-once changes. Why processes and not worker threads for decoding: decoding
 * is interleaved per record with schema evolution, dead letters and silver's key bookkeeping,
 * all of which belong to the owner of the partition's offsets (docs/benchmarks.md, "Worker
 * threads"); a group member owns exactly that.
 *
 * The supervisor splits the memory budget between the children, serves the one set of endpoints
 * operators scrape (built from the children's: process-merge.ts), forwards SIGTERM/SIGINT, and
 * exits like a single daemon would: 0 when every child stopped cleanly; when a child dies on its
 * own, the others are stopped and the exit code is that child's (1 if a signal killed it), so the
 * service manager restarts the daemon as a whole.
 */
import { fork, type ChildProcess } from 'node:child_process';
import os from 'node:os';
import type { FloeConfig } from '../config/index.js';
import { startOpsServer, type OpsServer } from '../ops/server.js';
import type { Logger } from '../util/log.js';
import { mergeMetrics, mergeStatus } from './process-merge.js';
import { statusRoutes, type LiveStatus } from './live-status.js';

/** Set in a child's environment: its index, and how many there are. */
export const CHILD_INDEX_ENV = 'FLOE_PROCESS_INDEX';
export const CHILD_COUNT_ENV = 'FLOE_PROCESSES';

/** The message a child sends its supervisor once its endpoints listen. */
export interface ServingMessage {
  type: 'floe-serving';
  url: string;
}

export function processCount(setting: number | 'auto'): number {
  return setting === 'auto' ? Math.min(64, Math.max(1, os.availableParallelism())) : setting;
}

/** In a child process: which one, of how many. */
export function childOf(env: NodeJS.ProcessEnv): { index: number; count: number } | undefined {
  const index = Number(env[CHILD_INDEX_ENV]);
  const count = Number(env[CHILD_COUNT_ENV]);
  return Number.isInteger(index) && Number.isInteger(count) && env[CHILD_INDEX_ENV] !== undefined ? { index, count } : undefined;
}

/**
 * What a child runs with: its share of the memory budget, and endpoints on a free loopback port
 * that only the supervisor reads (operators scrape the supervisor's).
 */
export function childConfig(config: FloeConfig, count: number): FloeConfig {
  return {
    ...config,
    memory: { ...config.memory, budgetBytes: Math.floor(config.memory.budgetBytes / count) },
    server: { ...config.server, enabled: true, host: '127.0.0.1', port: 0 },
    performance: { ...config.performance, processes: 1 },
  };
}

export interface SuperviseOptions {
  count: number;
  logger: Logger;
  signal: AbortSignal;
  /** Starts child `index` (tests inject their own); by default this same command, forked. */
  start?: (index: number, count: number) => ChildProcess;
}

const STOP_GRACE_MS = 5000;
const CHILD_REQUEST_TIMEOUT_MS = 2000;

function forkSelf(index: number, count: number): ChildProcess {
  return fork(process.argv[1]!, process.argv.slice(2), {
    env: { ...process.env, [CHILD_INDEX_ENV]: String(index), [CHILD_COUNT_ENV]: String(count) },
    stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    // Its own process group: a terminal's Ctrl-C reaches the supervisor only, which stops the
    // children once (a second signal would make a child exit at once, uncommitted).
    detached: true,
  });
}

/**
 * With `performance.processes` > 1 in the process `floe run` started (not in one of its children):
 * supervises the children and resolves to the exit code; otherwise undefined (run a daemon here).
 */
export async function superviseIfConfigured(config: FloeConfig, ctx: { logger: Logger; signal: AbortSignal }): Promise<number | undefined> {
  const count = processCount(config.performance.processes);
  if (childOf(process.env) || count <= 1) return undefined;
  return superviseProcesses(config, { count, logger: ctx.logger, signal: ctx.signal });
}

export async function superviseProcesses(config: FloeConfig, options: SuperviseOptions): Promise<number> {
  const { count, logger: log } = options;
  const start = options.start ?? forkSelf;
  const urls = new Array<string | undefined>(count).fill(undefined);
  const exits = new Array<number | undefined>(count).fill(undefined);
  let stopping = false;
  let firstFailure: number | undefined;

  log.info({ processes: count, memoryBudgetBytesEach: Math.floor(config.memory.budgetBytes / count) }, 'starting daemon processes');
  const children = Array.from({ length: count }, (_, i) => start(i, count));
  const stopAll = (): void => {
    if (stopping) return;
    stopping = true;
    for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGTERM');
    // A child that outlives its own shutdown timeout is killed: its uncommitted records are re-read.
    setTimeout(() => {
      for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
    }, config.shutdown.timeoutMs + STOP_GRACE_MS).unref();
  };
  const allExited = Promise.all(
    children.map(
      (child, i) =>
        new Promise<void>((resolve) => {
          child.on('message', (m: unknown) => {
            const msg = m as Partial<ServingMessage>;
            if (msg?.type === 'floe-serving' && typeof msg.url === 'string') urls[i] = msg.url;
          });
          child.once('exit', (code, signal) => {
            // Our SIGTERM can reach a child before Node has installed its handlers (its first
            // ~150 ms): it dies of the signal having read and buffered nothing, which is clean.
            exits[i] = code ?? (stopping && signal === 'SIGTERM' ? 0 : 1);
            if (!stopping) {
              firstFailure ??= code === 0 || code === null ? 1 : code;
              log.error({ process: i, code, signal }, 'a daemon process exited on its own; stopping the others');
              stopAll();
            }
            resolve();
          });
        }),
    ),
  );
  const onAbort = (): void => {
    log.info({ processes: count }, 'stopping daemon processes');
    stopAll();
  };
  if (options.signal.aborted) onAbort();
  else options.signal.addEventListener('abort', onAbort, { once: true });

  const server = await serve(config, children, urls, log).catch((err: unknown) => {
    log.error({ err }, 'the endpoints could not start');
    stopAll();
    return undefined;
  });
  try {
    await allExited;
  } finally {
    options.signal.removeEventListener('abort', onAbort);
    await server?.close();
  }
  if (firstFailure !== undefined) return firstFailure;
  return exits.reduce<number>((worst, code) => Math.max(worst, code ?? 1), 0);
}

async function fromChildren(urls: Array<string | undefined>, path: string): Promise<Response[]> {
  return Promise.all(
    urls.map((url, i) => {
      if (url === undefined) throw new Error(`process ${i} is not serving yet`);
      return fetch(`${url}${path}`, { signal: AbortSignal.timeout(CHILD_REQUEST_TIMEOUT_MS) });
    }),
  );
}

/** The supervisor's endpoints: the children's, each answer built from all of theirs. */
async function serve(config: FloeConfig, children: ChildProcess[], urls: Array<string | undefined>, log: Logger): Promise<OpsServer | undefined> {
  const s = config.server;
  if (!s.enabled) return undefined;
  const check = (path: string) => async (): Promise<string | undefined> => {
    try {
      const answers = await fromChildren(urls, path);
      const failed = answers.findIndex((r) => r.status !== 200);
      return failed < 0 ? undefined : `process ${failed}: ${(await answers[failed]!.text()).trim()}`;
    } catch (err) {
      return (err as Error).message;
    }
  };
  const server = await startOpsServer({
    host: s.host,
    port: s.port,
    metrics: {
      contentType: 'text/plain; version=0.0.4; charset=utf-8',
      render: async () => mergeMetrics(await Promise.all((await fromChildren(urls, '/metrics')).map((r) => r.text()))),
    },
    liveness: [
      { name: 'processes', check: () => (children.every((c) => c.exitCode === null && c.signalCode === null) ? undefined : 'a daemon process has exited') },
      { name: 'each process', check: check('/healthz') },
    ],
    readiness: [{ name: 'each process', check: check('/readyz') }],
    routes: statusRoutes(async () => mergeStatus(await Promise.all((await fromChildren(urls, '/status.json')).map(async (r) => (await r.json()) as LiveStatus)))!),
  });
  log.info({ url: server.url }, 'serving the status page (/, /status.json), /healthz, /readyz and /metrics of all processes');
  return server;
}
