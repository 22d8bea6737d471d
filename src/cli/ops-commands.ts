/**
 * Operator commands that read the catalog and Kafka without a running daemon: `floe status` and
 * `floe dlq replay`. Their work is imported when they run (the CLI starts without loading
 * Kafka, the catalog client or Arrow).
 */
import { configOption, withConfig } from './builtin.js';
import { registerCommand } from './commands.js';
import { EXIT } from './exit-codes.js';

registerCommand({
  name: 'status',
  summary: 'Show each mapped table: lag (records and age), last commit, snapshots, files, dead letters.',
  description: 'Reads the catalog and Kafka only; no daemon needs to run. Exit 0 whatever the lag.',
  options: {
    config: configOption,
    json: { type: 'boolean', description: 'Print the status as one JSON document' },
  },
  positionals: [],
  run: (ctx) =>
    withConfig(ctx, async (config, logger) => {
      const { collectStatus } = await import('../orchestrator/status-run.js');
      const { formatStatus } = await import('./status-format.js');
      const tables = await collectStatus(config, logger);
      ctx.io.stdout(ctx.options.json === true ? `${JSON.stringify({ at: new Date().toISOString(), tables }, null, 2)}\n` : formatStatus(tables, Date.now()));
      return EXIT.OK;
    }),
});
