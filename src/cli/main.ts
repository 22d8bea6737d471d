/**
 * `floe`: dispatches to the registered subcommands. `main()` returns the exit code rather than
 * exiting, so tests (and bin/floe.js) can call it; run directly (`tsx src/cli/main.ts`), it sets
 * the process exit code itself.
 */
import { realpathSync } from 'node:fs';
import { pathToFileURL } from 'node:url';
import { parseArgs } from 'node:util';
import type { Env } from '../config/index.js';
import { didYouMean } from '../config/suggest.js';
import { describeError } from '../util/errors.js';
import { version } from '../util/version.js';
import './builtin.js';
import './ops-commands.js';
import { commandHelp, commands, commandsUnder, findCommand, usageLine, type CliIO, type OptionSpec, type OptionValues } from './commands.js';
import { EXIT, exitCodeFor } from './exit-codes.js';

export { registerCommand, type Command, type CommandContext } from './commands.js';
export { EXIT, exitCodeFor } from './exit-codes.js';
export { version } from '../util/version.js';

export interface MainOptions {
  io?: CliIO;
  env?: Env;
  /** Supplied by tests; otherwise SIGINT/SIGTERM handlers are installed for the command's run. */
  signal?: AbortSignal;
}

const processIO: CliIO = {
  stdout: (text) => void process.stdout.write(text),
  stderr: (text) => void process.stderr.write(text),
};

function globalHelp(): string {
  const top = commands();
  const width = Math.max(...top.map((c) => c.name.length)) + 4;
  return [
    'floe: Kafka topics into Apache Iceberg tables',
    '',
    'Usage: floe <command> [options]',
    '',
    'Commands:',
    ...top.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Options:',
    '  -h, --help      Show help (also: floe <command> --help)',
    '  -V, --version   Print the version',
    '',
    'Exit codes:',
    '  0    success',
    '  1    runtime failure (restarting may help)',
    '  2    usage or configuration error',
    '  3    fatal external error (authentication, authorization, missing table)',
    '  130  interrupted',
    '',
    'Environment: FLOE_CONFIG (default for --config), FLOE_LOG_LEVEL; ${VAR} in the configuration.',
    '',
  ].join('\n');
}

export async function main(argv: string[], options: MainOptions = {}): Promise<number> {
  const io = options.io ?? processIO;
  const env = options.env ?? process.env;
  const first = argv[0];
  if (first === undefined || first === '-h' || first === '--help' || first === 'help') {
    const target = first === 'help' && argv.length > 1 ? findCommand(argv.slice(1)) : undefined;
    io.stdout(target ? commandHelp(target.command) : globalHelp());
    return first === undefined ? EXIT.USAGE : EXIT.OK;
  }
  if (first === '-V' || first === '--version') {
    io.stdout(`floe ${version()}\n`);
    return EXIT.OK;
  }

  const found = findCommand(argv);
  if (!found) {
    const group = commandsUnder(first);
    if (group.length > 0) {
      const wantsHelp = argv[1] === '--help' || argv[1] === '-h';
      const text = `Usage:\n${group.map((c) => `  ${usageLine(c)}    ${c.summary}`).join('\n')}\n`;
      if (wantsHelp) io.stdout(text);
      else io.stderr(argv[1] === undefined ? text : `floe: unknown command "${first} ${argv[1]}"\n${text}`);
      return wantsHelp ? EXIT.OK : EXIT.USAGE;
    }
    const names = [...new Set(commands().map((c) => c.name.split(' ')[0]!))];
    const guess = didYouMean(first, names);
    io.stderr(`floe: unknown command "${first}"${guess ? ` (did you mean "${guess}"?)` : ''}; see floe --help\n`);
    return EXIT.USAGE;
  }

  const { command, rest } = found;
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({
      args: rest,
      options: { ...toParseArgs(command.options), help: { type: 'boolean', short: 'h' } },
      allowPositionals: true,
      strict: true,
    });
  } catch (err) {
    io.stderr(`floe ${command.name}: ${describeError(err)}\n${commandHelp(command)}`);
    return EXIT.USAGE;
  }
  if (parsed.values.help === true) {
    io.stdout(commandHelp(command));
    return EXIT.OK;
  }
  const required = command.positionals.filter((p) => p.required).length;
  if (parsed.positionals.length < required || parsed.positionals.length > command.positionals.length) {
    io.stderr(`floe ${command.name}: expected ${command.positionals.map((p) => `<${p.name}>`).join(' ') || 'no arguments'}, got ${parsed.positionals.length === 0 ? 'none' : parsed.positionals.join(' ')}\n${commandHelp(command)}`);
    return EXIT.USAGE;
  }

  const signals = options.signal ? undefined : installSignalHandlers(io);
  try {
    return await command.run({
      positionals: parsed.positionals,
      options: parsed.values as OptionValues,
      io,
      env,
      signal: options.signal ?? signals!.signal,
    });
  } catch (err) {
    io.stderr(`floe ${command.name}: ${describeError(err)}\n`);
    return exitCodeFor(err);
  } finally {
    signals?.dispose();
  }
}

function toParseArgs(specs: Record<string, OptionSpec>) {
  const out: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, s] of Object.entries(specs)) {
    out[name] = { type: s.type, ...(s.short ? { short: s.short } : {}), ...(s.multiple ? { multiple: true } : {}) };
  }
  return out;
}

/** First SIGINT/SIGTERM asks the command to stop gracefully; a second one exits 130 at once. */
function installSignalHandlers(io: CliIO): { signal: AbortSignal; dispose(): void } {
  const controller = new AbortController();
  const onSignal = (name: NodeJS.Signals) => {
    if (controller.signal.aborted) {
      io.stderr(`floe: ${name} again, exiting now\n`);
      process.exit(EXIT.INTERRUPTED);
    }
    io.stderr(`floe: ${name} received, shutting down (send again to exit immediately)\n`);
    controller.abort(new Error(`received ${name}`));
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  return {
    signal: controller.signal,
    dispose() {
      process.off('SIGINT', onSignal);
      process.off('SIGTERM', onSignal);
    },
  };
}

/** Sets the exit code; a stray open handle (a socket a failed client never closed) cannot keep
 * the process alive for more than a moment after the command has finished. */
export async function runAsProcess(argv: string[]): Promise<void> {
  const code = await main(argv);
  process.exitCode = code;
  setTimeout(() => process.exit(code), 2000).unref();
}

function invokedDirectly(): boolean {
  const script = process.argv[1];
  if (!script) return false;
  try {
    return pathToFileURL(realpathSync(script)).href === import.meta.url;
  } catch {
    return false;
  }
}

if (invokedDirectly()) await runAsProcess(process.argv.slice(2));
