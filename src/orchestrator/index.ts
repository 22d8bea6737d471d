/**
 * The entry points the `floe` command calls: `runDaemon` (the committer, daemon.ts), maintenance on
 * demand, and `serveCatalog` (floe's REST catalog on its own). Each resolves to a process exit
 * code (see src/cli/exit-codes.ts) or throws a FloeError that the CLI maps to one.
 */
import type { Logger } from '../util/log.js';
import { FloeError } from '../util/errors.js';
import { redactSecrets, type EmbeddedCatalogConfig, type FloeConfig } from '../config/index.js';
import { runTask, settingsFor, type ProgressFn, type TaskReport } from '../maintain/index.js';
import { CatalogTableStore, createCatalog, s3Options } from './table-store.js';
import { Daemon } from './daemon.js';
import { embeddedServerOptions } from './embedded-catalog.js';
import { childConfig, childOf, superviseIfConfigured, type ServingMessage } from './processes.js';
import { startCatalogServer } from '../../catalog/server/server.js';

export interface RunContext {
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT: stop fetching, flush, commit, leave the group, resolve 0. */
  signal: AbortSignal;
}

/** `floe run`: the long-running committer, as one process or several (`performance.processes`). */
export async function runDaemon(config: FloeConfig, ctx: RunContext): Promise<number> {
  const child = childOf(process.env);
  if (child) {
    // Started by a supervisor: stop as on SIGTERM when it goes away, whatever killed it.
    const gone = new AbortController();
    process.once('disconnect', () => gone.abort());
    const serving = (url: string): void => void process.send?.({ type: 'floe-serving', url } satisfies ServingMessage);
    return new Daemon(childConfig(config, child.count), ctx.logger.child({ process: child.index }), { onServing: serving }).run(AbortSignal.any([ctx.signal, gone.signal]));
  }
  const supervised = await superviseIfConfigured(config, ctx);
  if (supervised !== undefined) return supervised;
  return new Daemon(config, ctx.logger).run(ctx.signal);
}

export type MaintenanceTask = 'compact' | 'expire' | 'orphans';

export interface MaintenanceRequest {
  task: MaintenanceTask;
  /** `namespace.table` as written on the command line. */
  table: string;
  /** Report what would be removed without removing it (expire, orphans). */
  dryRun: boolean;
  /** Told as the work advances (the CLI draws it on a terminal). */
  progress?: ProgressFn;
}

export type MaintenanceOutcome = TaskReport & { table: string; dryRun: boolean; durationMs: number };

/** `floe compact|expire|orphans <table>`: one maintenance pass on demand; the CLI prints the outcome. */
export async function runMaintenance(config: FloeConfig, request: MaintenanceRequest, ctx: RunContext): Promise<MaintenanceOutcome> {
  const parts = request.table.split('.');
  if (parts.length < 2 || parts.some((p) => p === '')) throw new FloeError('USAGE', `table must be namespace.name, got "${request.table}"`);
  const id = { namespace: parts.slice(0, -1), name: parts.at(-1)! };
  const catalog = createCatalog(config, ctx.logger);
  const store = new CatalogTableStore(catalog, s3Options(config), ctx.logger);
  const started = Date.now();
  const report = await runTask(request.task, id, settingsFor(config, id), { catalog, io: (t) => store.io(t), log: ctx.logger }, request.dryRun, request.progress);
  return { table: request.table, dryRun: request.dryRun, durationMs: Date.now() - started, ...report };
}

/** `floe catalog serve`: the embedded Iceberg REST catalog on its own. */
export async function serveCatalog(config: EmbeddedCatalogConfig, ctx: RunContext): Promise<number> {
  const server = await startCatalogServer({
    ...embeddedServerOptions(config, process.env),
    onError: (err, method, url) => ctx.logger.error({ err, method, url }, 'catalog request failed'),
    onPurge: (table, result) => {
      if (result === 'shared') ctx.logger.warn({ table }, 'purge skipped: the table shares its location with another table or view');
      else if (result === 'unverified') ctx.logger.warn({ table }, 'purge skipped: the files of another table could not be read, so what it references is unknown');
      else ctx.logger.info({ table, files: result }, 'table purged');
    },
  });
  ctx.logger.info({ url: server.url, warehouse: config.warehouse, store: redactSecrets(config.store) }, 'catalog serving');
  if (!ctx.signal.aborted) await new Promise<void>((done) => ctx.signal.addEventListener('abort', () => done(), { once: true }));
  await server.close();
  ctx.logger.info('catalog stopped');
  return 0;
}
