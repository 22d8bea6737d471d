/**
 * floe's own subcommands. Long-running work (the daemon, maintenance, the catalog server) lives
 * behind the hooks in src/orchestrator; these functions only load configuration, set up logging
 * and signals, and translate outcomes into exit codes.
 *
 * Everything beyond the command table is imported when a command runs, not when the CLI starts:
 * `floe --help` must not load the daemon (Kafka, AWS SDK, Arrow, Parquet: ~2 s of module loading),
 * and `floe validate` loads only the configuration code.
 */
import { readFileSync } from 'node:fs';
import type { ConfigError, EmbeddedCatalogConfig, FloeConfig, TableMapping } from '../config/index.js';
import type { MaintenanceTask } from '../orchestrator/index.js';
import { FloeError, describeError, isFloeError } from '../util/errors.js';
import type { Logger } from '../util/log.js';
import { registerCommand, type CliIO, type CommandContext, type OptionSpec } from './commands.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

const configModule = () => import('../config/index.js');
const orchestrator = () => import('../orchestrator/index.js');

/**
 * `run` logs to stdout (docs/operations.md, "Logs"); every other command to stderr, because its
 * stdout is its result (`--json`: one document) and a library's warning there would corrupt it.
 */
async function createLogger(level: string, to: 'stdout' | 'stderr'): Promise<Logger> {
  const { createLogger: create } = await import('../util/log.js');
  if (to === 'stdout') return create({ level });
  const { pino } = await import('pino');
  return create({ level }, pino.destination({ fd: 2, sync: true }));
}

export const configOption: OptionSpec = {
  type: 'string',
  short: 'c',
  placeholder: 'file',
  description: 'Configuration file (default: $FLOE_CONFIG)',
};

function usageError(message: string): FloeError {
  return new FloeError('USAGE', message);
}

function configPath(ctx: CommandContext): string {
  const path = (ctx.options.config as string | undefined) ?? ctx.env.FLOE_CONFIG;
  if (!path) throw usageError('--config <file> is required (or set FLOE_CONFIG)');
  return path;
}

/** Prints configuration errors compiler-style (`file:line:col: path: message`), one per line. */
export function printConfigError(err: ConfigError, io: CliIO): void {
  const { formatIssue } = configLoaded!;
  const source = err.source ?? 'configuration';
  const n = err.issues.length;
  io.stderr(`${source}: ${n} configuration ${n === 1 ? 'error' : 'errors'}\n`);
  for (const issue of err.issues) {
    // Path-less issues (YAML syntax) already name their line in the message.
    const at = issue.line === undefined || issue.path === '' ? source : `${source}:${issue.line}:${issue.column ?? 1}`;
    io.stderr(`  ${at}: ${formatIssue(issue)}\n`);
  }
}

/** The configuration module once a command has loaded it (a ConfigError implies it is). */
let configLoaded: Awaited<ReturnType<typeof configModule>> | undefined;
async function loadConfig(path: string, env: CommandContext['env']): Promise<FloeConfig> {
  configLoaded ??= await configModule();
  return configLoaded.loadConfig(path, env);
}

/** Reports a failure and returns its exit code; configuration errors get the full listing. */
function fail(err: unknown, io: CliIO, logger?: Logger): number {
  if (configLoaded && err instanceof configLoaded.ConfigError) printConfigError(err, io);
  else if (logger && !isFloeError(err, 'USAGE')) {
    // A FloeError's message says what happened and what to check; its stack helps only a
    // developer, so it goes to debug. Anything else is unexpected: keep the stack.
    if (isFloeError(err)) {
      logger.debug({ err }, 'error detail');
      logger.fatal({ code: err.code, exitCode: exitCodeFor(err) }, describeError(err));
    } else logger.fatal({ err, exitCode: exitCodeFor(err) }, describeError(err));
  }
  else io.stderr(`floe: ${isFloeError(err, 'USAGE') ? err.message : describeError(err)}\n`);
  return exitCodeFor(err);
}

function fullName(namespace: string[], table: string): string {
  return [...namespace, table].join('.');
}

function describeMapping(m: TableMapping, tableNameFor: (template: string, topic: string) => string): string[] {
  const source = m.topics ? `topics ${m.topics.join(', ')}` : `topicPattern /${m.topicPattern}/`;
  // A {record} template is named per record type as records arrive, and validate reads no
  // catalog: show it as the template (`floe status` lists the tables it made).
  const targets = m.topics && m.table.includes('{topic}') && !m.table.includes('{record}')
    ? [...new Set(m.topics.map((t) => fullName(m.namespace, tableNameFor(m.table, t))))].join(', ')
    : fullName(m.namespace, m.table);
  const lines = [`  tables[${m.index}] ${m.mode}: ${source} → ${targets}`];
  const extras: string[] = [];
  if (m.key) extras.push(`key ${m.key.fields ? `fields ${m.key.fields.join(', ')}` : `kafka key (${m.key.format})`}`);
  if (m.envelope !== 'none') extras.push(`envelope ${m.envelope}`);
  if (m.partitioning.length > 0) extras.push(`partitioned by ${m.partitioning.map((p) => `${p.transform}(${p.field})`).join(', ')}`);
  if (m.alsoBronze) extras.push(`also bronze → ${fullName(m.alsoBronze.namespace, m.alsoBronze.table)}`);
  extras.push(`commit every ${m.commit.intervalMs} ms`, `errors: ${m.errors.policy}`);
  lines.push(`      ${extras.join('; ')}`);
  return lines;
}

/** Runs a long-lived hook with a logger from the configuration; maps its outcome to an exit code. */
export async function withConfig(ctx: CommandContext, body: (config: FloeConfig, logger: Logger) => Promise<number>, logs: 'stdout' | 'stderr' = 'stderr'): Promise<number> {
  let config: FloeConfig;
  try {
    config = await loadConfig(configPath(ctx), ctx.env);
  } catch (err) {
    return fail(err, ctx.io);
  }
  const logger = await createLogger(ctx.env.FLOE_LOG_LEVEL ?? config.logging.level, logs);
  try {
    return await body(config, logger);
  } catch (err) {
    if (ctx.signal.aborted && !isFloeError(err)) return EXIT.INTERRUPTED;
    return fail(err, ctx.io, logger);
  }
}

registerCommand({
  name: 'run',
  summary: 'Run the committer daemon: consume the mapped topics and commit them to Iceberg tables.',
  description: 'SIGTERM/SIGINT stop fetching, flush, commit and exit 0; a second signal exits 130 at once.',
  options: { config: configOption },
  positionals: [],
  run: (ctx) =>
    withConfig(ctx, async (config, logger) => {
      logger.info({ tables: config.tables.length, catalog: config.catalog.type, storage: config.storage.type }, 'configuration loaded');
      logger.debug({ config: configLoaded!.redactConfig(config) }, 'effective configuration');
      // A supervisor of several daemon processes loads only what it runs (not Kafka, Arrow, Parquet).
      const supervised = await (await import('../orchestrator/processes.js')).superviseIfConfigured(config, { logger, signal: ctx.signal });
      if (supervised !== undefined) return supervised;
      const { runDaemon } = await orchestrator();
      return runDaemon(config, { logger, signal: ctx.signal });
    }, 'stdout'),
});

registerCommand({
  name: 'validate',
  summary: 'Check a configuration file and summarize its table mappings.',
  description: 'Exit code 0 when valid; 2 with every error and its path otherwise.',
  options: { config: configOption },
  positionals: [{ name: 'file', required: false, description: 'Configuration file (or --config)' }],
  async run(ctx) {
    try {
      const path = ctx.positionals[0] ?? configPath(ctx);
      const config = await loadConfig(path, ctx.env);
      const n = config.tables.length;
      const lines = [`${path}: OK (${n} table ${n === 1 ? 'mapping' : 'mappings'}, catalog ${config.catalog.type}, storage ${config.storage.type})`];
      for (const m of config.tables) lines.push(...describeMapping(m, configLoaded!.tableNameFor));
      ctx.io.stdout(`${lines.join('\n')}\n`);
      return EXIT.OK;
    } catch (err) {
      return fail(err, ctx.io);
    }
  },
});

registerCommand({
  name: 'schema',
  summary: 'Print the JSON Schema of the configuration file (for editors).',
  description: 'In VS Code with the YAML extension: # yaml-language-server: $schema=<path to floe.schema.json>',
  options: {},
  positionals: [],
  async run(ctx) {
    const { jsonSchema } = await configModule();
    ctx.io.stdout(`${JSON.stringify(jsonSchema(), null, 2)}\n`);
    return EXIT.OK;
  },
});

const maintenanceSummaries: Record<MaintenanceTask, string> = {
  compact: 'Compact a table now: bin-pack small data files, applying delete files.',
  expire: 'Expire old snapshots of a table now (keeps what offset recovery needs).',
  orphans: 'Delete files under a table location that no snapshot references.',
};

for (const task of ['compact', 'expire', 'orphans'] as const) {
  registerCommand({
    name: task,
    summary: maintenanceSummaries[task],
    description: 'On a terminal, progress is drawn on stderr and a summary printed; piped or with --json, stdout is one JSON line.',
    options: {
      config: configOption,
      ...(task === 'compact' ? {} : { 'dry-run': { type: 'boolean', description: 'List what would be removed, remove nothing' } as OptionSpec }),
      json: { type: 'boolean', description: 'Print one JSON line (the default when stdout is not a terminal)' },
    },
    positionals: [{ name: 'table', required: true, description: 'namespace.table' }],
    run: (ctx) =>
      withConfig(ctx, async (config, logger) => {
        const { runMaintenance } = await orchestrator();
        const { progressLine } = await import('./progress.js');
        const { maintenanceSummary } = await import('./summaries.js');
        const json = ctx.options.json === true || !process.stdout.isTTY;
        const progress = progressLine(`${task} ${ctx.positionals[0]}`, process.stderr, { json: ctx.options.json === true });
        const outcome = await runMaintenance(config, { task, table: ctx.positionals[0]!, dryRun: ctx.options['dry-run'] === true, progress: (p) => progress.update(p) }, { logger, signal: ctx.signal }).finally(() => progress.done());
        // One JSON line for scripts and tests (what was done, or would be with --dry-run).
        ctx.io.stdout(json ? `${JSON.stringify(outcome, (_k, v: unknown) => (typeof v === 'bigint' ? v.toString() : v))}\n` : `${maintenanceSummary(outcome)}\n`);
        return EXIT.OK;
      }),
  });
}

registerCommand({
  name: 'catalog serve',
  summary: "Serve floe's embedded Iceberg REST catalog on its own.",
  description: 'Takes the `catalog` section (type: embedded) of --config, or the flags below; flags override.',
  options: {
    config: { ...configOption, description: 'Use the embedded catalog settings of this configuration file' },
    warehouse: { type: 'string', placeholder: 'path|s3://...', description: 'Warehouse location (required without --config)' },
    store: { type: 'string', placeholder: 'path|postgres://...', description: 'SQLite file or PostgreSQL URL (default floe-catalog.db)' },
    host: { type: 'string', placeholder: 'host', description: 'Bind address (default 127.0.0.1)' },
    port: { type: 'string', placeholder: 'port', description: 'Port (default 8181)' },
    token: { type: 'string', multiple: true, placeholder: 'token', description: 'Accepted bearer token (repeatable; visible in ps: prefer --token-file or $FLOE_CATALOG_TOKENS)' },
    'token-file': { type: 'string', placeholder: 'path', description: 'File of accepted bearer tokens, one per line' },
    'read-only-token-file': { type: 'string', placeholder: 'path', description: 'File of bearer tokens that may only load and list, one per line (or $FLOE_CATALOG_READONLY_TOKENS)' },
    'allow-location': { type: 'string', multiple: true, placeholder: 'path|s3://...', description: 'Also allow table locations under this root (repeatable)' },
  },
  positionals: [],
  async run(ctx) {
    let catalog: EmbeddedCatalogConfig;
    let level: FloeConfig['logging']['level'] = 'info';
    try {
      catalog = await catalogServeConfig(ctx, (lvl) => (level = lvl));
    } catch (err) {
      return fail(err, ctx.io);
    }
    const logger = await createLogger(ctx.env.FLOE_LOG_LEVEL ?? level, 'stdout');
    try {
      const { serveCatalog } = await orchestrator();
      return await serveCatalog(catalog, { logger, signal: ctx.signal });
    } catch (err) {
      return fail(err, ctx.io, logger);
    }
  },
});

async function catalogServeConfig(ctx: CommandContext, setLevel: (level: FloeConfig['logging']['level']) => void): Promise<EmbeddedCatalogConfig> {
  const o = ctx.options as {
    config?: string; warehouse?: string; store?: string; host?: string; port?: string; token?: string[]; 'token-file'?: string; 'read-only-token-file'?: string; 'allow-location'?: string[];
  };
  let base: EmbeddedCatalogConfig | undefined;
  if (o.config) {
    const config = await loadConfig(o.config, ctx.env);
    setLevel(config.logging.level);
    if (config.catalog.type !== 'embedded') throw usageError(`${o.config}: catalog.type is "${config.catalog.type}", not "embedded"`);
    base = config.catalog;
  }
  const warehouse = o.warehouse ?? base?.warehouse;
  if (!warehouse) throw usageError('--warehouse is required without --config');
  let port = base?.port ?? 8181;
  if (o.port !== undefined) {
    port = Number(o.port);
    if (!Number.isInteger(port) || port < 0 || port > 65535) throw usageError(`--port must be 0-65535, got "${o.port}"`);
  }
  const host = o.host ?? base?.host ?? '127.0.0.1';
  // Tokens from flags, a file or the environment; the last two keep them out of `ps`.
  const extra = [...splitTokens(ctx.env.FLOE_CATALOG_TOKENS), ...(o['token-file'] ? tokenFile(o['token-file']) : [])];
  const tokens = [...(o.token ?? base?.tokens ?? []), ...extra];
  const readOnlyTokens = [
    ...(base?.readOnlyTokens ?? []),
    ...splitTokens(ctx.env.FLOE_CATALOG_READONLY_TOKENS),
    ...(o['read-only-token-file'] ? tokenFile(o['read-only-token-file'], '--read-only-token-file') : []),
  ];
  if (!['127.0.0.1', '::1', 'localhost'].includes(host) && tokens.length === 0 && readOnlyTokens.length === 0) {
    throw usageError(`--token, --token-file, $FLOE_CATALOG_TOKENS or read-only tokens (--read-only-token-file, $FLOE_CATALOG_READONLY_TOKENS) are required when binding to ${host} (only loopback may be unauthenticated)`);
  }
  const store: EmbeddedCatalogConfig['store'] = o.store
    ? /^postgres(ql)?:\/\//.test(o.store) ? { type: 'postgres', url: o.store } : { type: 'sqlite', path: o.store }
    : base?.store ?? { type: 'sqlite', path: 'floe-catalog.db' };
  const allowedLocations = [...(base?.allowedLocations ?? []), ...(o['allow-location'] ?? [])];
  return { ...base, type: 'embedded', warehouse, store, host, port, tokens, readOnlyTokens, allowedLocations };
}

function splitTokens(v: string | undefined): string[] {
  return (v ?? '').split(',').map((t) => t.trim()).filter((t) => t !== '');
}

/** One token per line; blank lines and `#` comments skipped. Errors name the file, never its content. */
function tokenFile(path: string, option = '--token-file'): string[] {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (err) {
    throw usageError(`${option} ${path}: ${(err as NodeJS.ErrnoException).code ?? 'cannot be read'}`);
  }
  const tokens = text.split(/\r?\n/).map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#'));
  if (tokens.length === 0) throw usageError(`${option} ${path} holds no token`);
  return tokens;
}
