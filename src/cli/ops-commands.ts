/**
 * Operator commands that read the catalog and Kafka without a running daemon: `floe status` and
 * `floe dlq replay`. Their work is imported when they run (the CLI starts without loading
 * Kafka, the catalog client or Arrow).
 */
import { configOption, withConfig } from './builtin.js';
import { registerCommand } from './commands.js';
import { FloeError } from '../util/errors.js';
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

function parseTime(name: string, v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d+$/.test(v) ? Number(v) : Date.parse(v);
  if (!Number.isFinite(ms)) throw new FloeError('USAGE', `--${name} must be an ISO 8601 time or epoch milliseconds, got "${v}"`);
  return ms;
}

function parseOffsets(v: string | undefined): { fromOffset?: bigint; toOffset?: bigint } {
  if (v === undefined) return {};
  const m = /^(\d*)-(\d*)$/.exec(v) ?? /^(\d+)()$/.exec(v);
  if (!m || (m[1] === '' && m[2] === '')) throw new FloeError('USAGE', `--offsets must be FROM-TO, FROM-, -TO or one offset, got "${v}"`);
  const single = !v.includes('-');
  return { ...(m[1] ? { fromOffset: BigInt(m[1]) } : {}), ...(single ? { toOffset: BigInt(m[1]!) } : m[2] ? { toOffset: BigInt(m[2]) } : {}) };
}

registerCommand({
  name: 'dlq replay',
  summary: 'Send selected dead letters back to their source topic (or --to-topic), once their cause is fixed.',
  description: [
    'Selects by the dead letter\'s time (--since/--until), original topic, partition and offsets, and error code.',
    'Each replayed record carries floe.replay.of (its original topic/partition/offset): a table takes each original once,',
    'however often it is replayed. Piped or with --json, stdout is one JSON document.',
  ].join('\n'),
  options: {
    config: configOption,
    since: { type: 'string', placeholder: 'time', description: 'Dead-lettered at or after (ISO 8601 or epoch ms)' },
    until: { type: 'string', placeholder: 'time', description: 'Dead-lettered before (ISO 8601 or epoch ms)' },
    'source-topic': { type: 'string', placeholder: 'topic', description: 'Only letters of this source topic' },
    partition: { type: 'string', placeholder: 'n', description: 'Only letters of this source partition' },
    offsets: { type: 'string', placeholder: 'from-to', description: 'Only these source offsets (inclusive; FROM-, -TO or one)' },
    code: { type: 'string', multiple: true, placeholder: 'CODE', description: 'Only letters with this error code (repeatable)' },
    'to-topic': { type: 'string', placeholder: 'topic', description: 'Send to this topic instead of each letter\'s source topic' },
    'dry-run': { type: 'boolean', description: 'List what would be replayed; send nothing' },
    json: { type: 'boolean', description: 'Print one JSON document (the default when stdout is not a terminal)' },
  },
  positionals: [{ name: 'dead-letter-topic', required: true, description: 'The dead-letter topic to read (e.g. orders.floe.dlq)' }],
  run: (ctx) =>
    withConfig(ctx, async (config, logger) => {
      const o = ctx.options as Record<string, string | boolean | string[] | undefined>;
      const partition = o.partition === undefined ? undefined : Number(o.partition);
      if (partition !== undefined && !Number.isInteger(partition)) throw new FloeError('USAGE', `--partition must be a number, got "${String(o.partition)}"`);
      const selection = {
        ...(o.since !== undefined ? { sinceMs: parseTime('since', o.since as string) } : {}),
        ...(o.until !== undefined ? { untilMs: parseTime('until', o.until as string) } : {}),
        ...(o['source-topic'] !== undefined ? { sourceTopic: o['source-topic'] as string } : {}),
        ...(partition !== undefined ? { sourcePartition: partition } : {}),
        ...parseOffsets(o.offsets as string | undefined),
        ...(o.code !== undefined ? { codes: o.code as string[] } : {}),
      };
      const { createKafka } = await import('../orchestrator/table-store.js');
      const { planReplay, sendReplay } = await import('../source/replay.js');
      const { progressLine } = await import('./progress.js');
      const kafka = createKafka(config, logger);
      const plan = await planReplay(kafka, ctx.positionals[0]!, selection, o['to-topic'] as string | undefined);
      const dryRun = o['dry-run'] === true;
      const json = o.json === true || !process.stdout.isTTY;
      let replayed = 0;
      if (!dryRun && plan.letters.length > 0) {
        const line = progressLine(`replay ${ctx.positionals[0]}`, process.stderr, { json: o.json === true });
        replayed = await sendReplay(kafka, plan, (done, total) => line.update({ phase: 'send', done, total })).finally(() => line.done());
      }
      const letters = plan.letters.map(({ record: _r, partition: _p, ...rest }) => rest);
      const outcome = { deadLetterTopic: ctx.positionals[0], dryRun, scanned: plan.scanned, selected: plan.letters.length + plan.skipped.length, replayed, letters, skipped: plan.skipped };
      if (json) ctx.io.stdout(`${JSON.stringify(outcome)}\n`);
      else {
        const lines = letters.map((l) => `  ${l.deadLetter} → ${l.target} (${l.source}) ${l.code}: ${l.message.slice(0, 120)}`);
        for (const s of plan.skipped) lines.push(`  ${s.deadLetter} skipped: ${s.reason}`);
        ctx.io.stdout(`${dryRun ? 'would replay' : 'replayed'} ${dryRun ? letters.length : replayed} of ${plan.scanned} dead letters${plan.skipped.length > 0 ? `, ${plan.skipped.length} not replayable` : ''}\n${lines.join('\n')}${lines.length > 0 ? '\n' : ''}`);
      }
      return EXIT.OK;
    }),
});
