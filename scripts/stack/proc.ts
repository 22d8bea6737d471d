/**
 * Process plumbing for the stack: run a build step, start a daemon in its own session with a pid
 * file, stop it together with everything it spawned, and wait for health.
 *
 * Every daemon is spawned `detached`, which on Linux calls setsid(): the daemon leads a new
 * session and process group, so `kill(-pid)` reaches its children too (Spark's JVM under the
 * Python oracle, for example). On stop we also sweep /proc for anything still in that session,
 * because a child may have moved to its own process group.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { createConnection } from 'node:net';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';

export interface PidRecord {
  pid: number;
  command: string;
  /** Kernel start time (clock ticks since boot): tells our process from one that reused the pid. */
  startTicks: number;
  startedAt: string;
}

/** Another system user to run a process as (PostgreSQL will not run as root). */
export interface RunAs {
  uid: number;
  gid: number;
}

export const sleep = (ms: number) => new Promise<void>((r) => setTimeout(r, ms));

/** Runs a command to completion; its output goes to `logFile` and the tail is thrown on failure. */
export async function run(
  cmd: string,
  args: string[],
  opts: { cwd?: string; env?: NodeJS.ProcessEnv; logFile: string; user?: RunAs },
): Promise<void> {
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeFileSync(fd, `\n$ ${cmd} ${args.join(' ')}\n`);
  try {
    const code = await new Promise<number | null>((resolveRun, reject) => {
      const child = spawn(cmd, args, { cwd: opts.cwd, env: opts.env ?? process.env, stdio: ['ignore', fd, fd], ...opts.user });
      child.on('error', reject);
      child.on('exit', (c) => resolveRun(c));
    });
    if (code !== 0) {
      const tail = readFileSync(opts.logFile, 'utf8').split('\n').slice(-30).join('\n');
      throw new Error(`${cmd} ${args.slice(0, 3).join(' ')}… exited with ${code}; see ${opts.logFile}\n${tail}`);
    }
  } finally {
    closeSync(fd);
  }
}

/** Runs a command and returns its stdout (for short queries such as `go version -m`). */
export async function capture(cmd: string, args: string[], env?: NodeJS.ProcessEnv): Promise<string> {
  return new Promise((resolveCap, reject) => {
    const child = spawn(cmd, args, { env: env ?? process.env, stdio: ['ignore', 'pipe', 'pipe'] });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    child.on('error', reject);
    child.on('exit', (code) => (code === 0 ? resolveCap(out) : reject(new Error(`${cmd} failed (${code}): ${err}`))));
  });
}

export function pidFile(runDir: string, name: string): string {
  return join(runDir, `${name}.pid`);
}

export function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** Fields of /proc/<pid>/stat after the command name (state is index 0, session 3, starttime 19). */
function statFields(pid: number): string[] | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  } catch {
    return undefined;
  }
}

function startTicks(pid: number): number {
  return Number(statFields(pid)?.[19] ?? -1);
}

/** The live pid recorded for a service, or undefined (stale pid files are removed). */
export function readPid(runDir: string, name: string): PidRecord | undefined {
  const file = pidFile(runDir, name);
  if (!existsSync(file)) return undefined;
  let rec: PidRecord;
  try {
    rec = JSON.parse(readFileSync(file, 'utf8')) as PidRecord;
  } catch {
    rmSync(file, { force: true });
    return undefined;
  }
  // A zombie or a different process with a recycled pid is not ours.
  const fields = statFields(rec.pid);
  if (!fields || fields[0] === 'Z' || Number(fields[19]) !== rec.startTicks) {
    rmSync(file, { force: true });
    return undefined;
  }
  return rec;
}

/** Starts a long-lived process in its own session, output appended to `logFile`. */
export function startDaemon(opts: {
  name: string;
  cmd: string;
  args: string[];
  env?: NodeJS.ProcessEnv;
  cwd?: string;
  runDir: string;
  logFile: string;
  user?: RunAs;
}): PidRecord {
  mkdirSync(opts.runDir, { recursive: true });
  mkdirSync(dirname(opts.logFile), { recursive: true });
  const fd = openSync(opts.logFile, 'a');
  writeFileSync(fd, `\n==== ${new Date().toISOString()} starting ${opts.name}: ${opts.cmd} ${opts.args.join(' ')}\n`);
  const child = spawn(opts.cmd, opts.args, {
    cwd: opts.cwd,
    env: opts.env ?? process.env,
    stdio: ['ignore', fd, fd],
    detached: true,
    ...opts.user,
  });
  closeSync(fd);
  if (child.pid === undefined) throw new Error(`could not start ${opts.name} (${opts.cmd})`);
  child.unref();
  const rec: PidRecord = {
    pid: child.pid,
    command: opts.cmd,
    startTicks: startTicks(child.pid),
    startedAt: new Date().toISOString(),
  };
  writeFileSync(pidFile(opts.runDir, opts.name), JSON.stringify(rec) + '\n');
  return rec;
}

/** Pids of every process whose session id is `sid` (the daemon and all it spawned). */
export function sessionMembers(sid: number): number[] {
  const out: number[] = [];
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const fields = statFields(Number(entry));
    // Zombies are already dead; they only wait for their parent to reap them.
    if (fields && fields[0] !== 'Z' && Number(fields[3]) === sid) out.push(Number(entry));
  }
  return out;
}

function signalSession(sid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-sid, signal);
  } catch {
    // Group already gone.
  }
  for (const pid of sessionMembers(sid)) {
    try {
      process.kill(pid, signal);
    } catch {
      // Already gone.
    }
  }
}

/** SIGTERM (or `signal`) the daemon's whole session, wait, then SIGKILL whatever is left. */
export async function stopDaemon(runDir: string, name: string, graceMs = 15_000, signal: NodeJS.Signals = 'SIGTERM'): Promise<boolean> {
  const rec = readPid(runDir, name);
  if (!rec) return false;
  signalSession(rec.pid, signal);
  const deadline = Date.now() + graceMs;
  while (Date.now() < deadline && sessionMembers(rec.pid).length > 0) await sleep(200);
  if (sessionMembers(rec.pid).length > 0) {
    signalSession(rec.pid, 'SIGKILL');
    const killDeadline = Date.now() + 5_000;
    while (Date.now() < killDeadline && sessionMembers(rec.pid).length > 0) await sleep(100);
  }
  rmSync(pidFile(runDir, name), { force: true });
  return true;
}

export function portOpen(port: number, host = '127.0.0.1', timeoutMs = 1_000): Promise<boolean> {
  return new Promise((resolvePort) => {
    const sock = createConnection({ port, host });
    const done = (ok: boolean) => {
      sock.destroy();
      resolvePort(ok);
    };
    sock.setTimeout(timeoutMs, () => done(false));
    sock.once('connect', () => done(true));
    sock.once('error', () => done(false));
  });
}

/** Polls `check` until it returns true; throws with `what` and the log hint after `timeoutMs`. */
export async function waitFor(
  what: string,
  check: () => Promise<boolean>,
  opts: { timeoutMs: number; intervalMs?: number; alive?: () => boolean; logFile?: string },
): Promise<void> {
  const deadline = Date.now() + opts.timeoutMs;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (opts.alive && !opts.alive()) {
      throw new Error(`${what} exited during start-up; see ${opts.logFile ?? 'its log'}${logTail(opts.logFile)}`);
    }
    if (Date.now() > deadline) {
      throw new Error(`${what} not healthy after ${opts.timeoutMs / 1000}s; see ${opts.logFile ?? 'its log'}${logTail(opts.logFile)}`);
    }
    await sleep(opts.intervalMs ?? 300);
  }
}

function logTail(file: string | undefined): string {
  if (!file || !existsSync(file)) return '';
  return '\n' + readFileSync(file, 'utf8').split('\n').slice(-20).join('\n');
}

/** fetch with a timeout; resolves to undefined on network errors. */
export async function httpGet(url: string, timeoutMs = 2_000): Promise<Response | undefined> {
  try {
    return await fetch(url, { signal: AbortSignal.timeout(timeoutMs) });
  } catch {
    return undefined;
  }
}

/**
 * Keeps an on-demand server (Trino, the older reader) up until SIGINT, SIGTERM or SIGHUP, then
 * stops it. Signal listeners do not keep Node's event loop alive: without the timer the process
 * would end at once, and its exit hook would take the JVM down with it.
 */
export async function serveUntilSignal(stop: () => Promise<void>): Promise<void> {
  const keepAlive = setInterval(() => undefined, 1 << 30);
  await new Promise<void>((resolveSignal) => {
    for (const signal of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) process.once(signal, resolveSignal);
  });
  clearInterval(keepAlive);
  await stop();
}

/** Runs a script's `main` when the module is the process's entry point, exiting with its code. */
export function runIfEntryPoint(moduleUrl: string, main: (argv: string[]) => Promise<number>): void {
  if (moduleUrl !== pathToFileURL(process.argv[1] ?? '').href) return;
  main(process.argv.slice(2)).then(
    (code) => process.exit(code),
    (e: unknown) => {
      console.error(e instanceof Error ? e.message : e);
      process.exit(1);
    },
  );
}
