/**
 * The entry points the `floe` command calls. `runDaemon` is the committer (daemon.ts); maintenance
 * and the embedded catalog are still placeholders that their own work replaces; the CLI only depends on the signatures. Each resolves to a process exit
 * code (see src/cli/exit-codes.ts) or throws a FloeError that the CLI maps to one.
 */
import type { Logger } from '../util/log.js';
import { FloeError } from '../util/errors.js';
import type { EmbeddedCatalogConfig, FloeConfig } from '../config/index.js';
import { Daemon } from './daemon.js';

export interface RunContext {
  logger: Logger;
  /** Aborted on SIGTERM/SIGINT: stop fetching, flush, commit, leave the group, resolve 0. */
  signal: AbortSignal;
}

/** `floe run`: the long-running committer. */
export async function runDaemon(config: FloeConfig, ctx: RunContext): Promise<number> {
  return new Daemon(config, ctx.logger).run(ctx.signal);
}

export type MaintenanceTask = 'compact' | 'expire' | 'orphans';

export interface MaintenanceRequest {
  task: MaintenanceTask;
  /** `namespace.table` as written on the command line. */
  table: string;
  /** Report what would be removed without removing it (expire, orphans). */
  dryRun: boolean;
}

/** `floe compact|expire|orphans <table>`: one maintenance pass on demand. */
export async function runMaintenance(config: FloeConfig, request: MaintenanceRequest, ctx: RunContext): Promise<number> {
  void config;
  void ctx;
  throw new FloeError('NOT_IMPLEMENTED', `${request.task} not yet implemented`);
}

/** `floe catalog serve`: the embedded Iceberg REST catalog on its own. */
export async function serveCatalog(config: EmbeddedCatalogConfig, ctx: RunContext): Promise<number> {
  void config;
  void ctx;
  throw new FloeError('NOT_IMPLEMENTED', 'catalog serve not yet implemented');
}
