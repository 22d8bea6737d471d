/**
 * The command registry: each subcommand declares its options (for `node:util` parseArgs and for
 * its --help) and a run function returning an exit code. Registering a name again replaces the
 * command, so later work can swap an implementation without touching the dispatcher.
 */
import type { Env } from '../config/index.js';

export interface CliIO {
  stdout(text: string): void;
  stderr(text: string): void;
}

export interface OptionSpec {
  type: 'string' | 'boolean';
  short?: string;
  multiple?: boolean;
  /** Shown in help: `--config <file>`. */
  placeholder?: string;
  description: string;
}

export interface PositionalSpec {
  name: string;
  required: boolean;
  description: string;
}

export type OptionValues = Record<string, string | boolean | string[] | undefined>;

export interface CommandContext {
  positionals: string[];
  options: OptionValues;
  io: CliIO;
  env: Env;
  /** Aborted by the first SIGINT/SIGTERM. */
  signal: AbortSignal;
}

export interface Command {
  /** Words after `floe`: `run`, `catalog serve`. */
  name: string;
  summary: string;
  /** Longer help text, after the usage line. */
  description?: string;
  options: Record<string, OptionSpec>;
  positionals: PositionalSpec[];
  run(ctx: CommandContext): Promise<number>;
}

const registry = new Map<string, Command>();

export function registerCommand(command: Command): void {
  registry.set(command.name, command);
}

export function commands(): Command[] {
  return [...registry.values()];
}

/** The longest registered command name that prefixes `argv`, and the remaining arguments. */
export function findCommand(argv: string[]): { command: Command; rest: string[] } | undefined {
  for (let n = Math.min(argv.length, 3); n >= 1; n--) {
    const command = registry.get(argv.slice(0, n).join(' '));
    if (command) return { command, rest: argv.slice(n) };
  }
  return undefined;
}

/** Commands under a group word (`catalog` → `catalog serve`), for `floe catalog` without more. */
export function commandsUnder(prefix: string): Command[] {
  return commands().filter((c) => c.name.startsWith(`${prefix} `));
}

export function usageLine(c: Command): string {
  const pos = c.positionals.map((p) => (p.required ? `<${p.name}>` : `[${p.name}]`)).join(' ');
  return `floe ${c.name}${pos ? ` ${pos}` : ''}${Object.keys(c.options).length > 0 ? ' [options]' : ''}`;
}

export function commandHelp(c: Command): string {
  const lines = [`Usage: ${usageLine(c)}`, '', c.summary];
  if (c.description) lines.push('', c.description);
  if (c.positionals.length > 0) {
    lines.push('', 'Arguments:');
    for (const p of c.positionals) lines.push(`  ${p.name.padEnd(24)}${p.description}`);
  }
  lines.push('', 'Options:');
  const entries: Array<[string, string]> = Object.entries(c.options).map(([name, o]) => [
    `${o.short ? `-${o.short}, ` : ''}--${name}${o.type === 'string' ? ` <${o.placeholder ?? 'value'}>` : ''}`,
    o.description,
  ]);
  entries.push(['-h, --help', 'Show this help']);
  for (const [flag, text] of entries) lines.push(`  ${flag.padEnd(24)}${text}`);
  return `${lines.join('\n')}\n`;
}
