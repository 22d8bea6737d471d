/**
 * up / down / status for the whole local stack. Used by the CLI, the vitest global setup and the
 * demo, so all three agree on what "the stack is up" means.
 */
import { closeSync, mkdirSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { examplesEnv, examplesEnvFile, loadConfig, urls, type StackConfig } from './config.js';
import { installAll, missingSteps } from './install.js';
import { isAlive, portOpen, readPid, sleep, stopDaemon, waitFor } from './proc.js';
import { logFile, SERVICES, type Service } from './services.js';

export type Report = (line: string) => void;

export interface UpResult {
  /** Services this call started (empty when everything was already healthy). */
  started: string[];
  alreadyUp: string[];
  installed: string[];
  seconds: number;
}

/**
 * A lock file so two `up`/`down` calls (a developer's terminal and a test run) never start the same
 * service twice. Stale locks (their pid is gone) are taken over.
 */
async function withLock<T>(c: StackConfig, report: Report, fn: () => Promise<T>): Promise<T> {
  mkdirSync(c.runDir, { recursive: true });
  const lock = join(c.runDir, 'stack.lock');
  let waited = false;
  for (;;) {
    try {
      const fd = openSync(lock, 'wx');
      writeFileSync(fd, String(process.pid));
      closeSync(fd);
      break;
    } catch {
      const holder = Number(readFileSync(lock, 'utf8').trim() || '0');
      if (!holder || !isAlive(holder)) {
        rmSync(lock, { force: true });
        continue;
      }
      if (!waited) report(`waiting for another stack command (pid ${holder}) to finish …`);
      waited = true;
      await sleep(500);
    }
  }
  try {
    return await fn();
  } finally {
    rmSync(lock, { force: true });
  }
}

async function bringUp(c: StackConfig, s: Service, report: Report): Promise<'started' | 'already-up'> {
  if (await s.healthy(c)) {
    await s.afterHealthy?.(c);
    return 'already-up';
  }
  const log = logFile(c, s.name);
  const existing = readPid(c.runDir, s.name);
  const outdated = existing ? await s.outdated?.(c) : undefined;
  if (existing && outdated) {
    report(`${s.name}: restarting pid ${existing.pid}: ${outdated}`);
    await stopDaemon(c.runDir, s.name, undefined, s.stopSignal);
  } else if (existing) {
    // Ours, but not healthy: maybe still starting from an earlier call. Give it a chance first.
    report(`${s.name}: pid ${existing.pid} is running but not healthy yet; waiting …`);
    try {
      await waitFor(s.name, () => s.healthy(c), {
        timeoutMs: s.startTimeoutMs,
        alive: () => readPid(c.runDir, s.name) !== undefined,
        logFile: log,
      });
      await s.afterHealthy?.(c);
      return 'already-up';
    } catch {
      report(`${s.name}: restarting pid ${existing.pid}`);
      await stopDaemon(c.runDir, s.name, undefined, s.stopSignal);
    }
  }
  if (await portOpen(s.port(c))) {
    throw new Error(
      `${s.name}: port ${s.port(c)} is already taken by a process this stack did not start ` +
        `(no pid file in ${c.runDir}). Stop it or choose another port (see docs/development.md).`,
    );
  }
  const t0 = Date.now();
  report(`${s.name}: starting (log ${log})`);
  await s.start(c);
  await waitFor(s.name, () => s.healthy(c), {
    timeoutMs: s.startTimeoutMs,
    alive: () => readPid(c.runDir, s.name) !== undefined,
    logFile: log,
  });
  await s.afterHealthy?.(c);
  report(`${s.name}: healthy after ${((Date.now() - t0) / 1000).toFixed(1)}s at ${s.address(c)}`);
  return 'started';
}

/**
 * Installs what is missing, then starts every service that is not healthy (or only those named in
 * `only`), all in parallel.
 */
export async function up(
  report: Report = console.log,
  c: StackConfig = loadConfig(),
  only?: string[],
): Promise<UpResult> {
  const targets = only ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
  const t0 = Date.now();
  return withLock(c, report, async () => {
    mkdirSync(c.logsDir, { recursive: true });
    let installed: string[] = [];
    const missing = await missingSteps(c);
    if (missing.length > 0) {
      report(`installing missing pieces first: ${missing.join(', ')}`);
      installed = (await installAll(c, report)).installed;
    }
    const results = await Promise.allSettled(targets.map((s) => bringUp(c, s, report)));
    const started: string[] = [];
    const alreadyUp: string[] = [];
    const failures: string[] = [];
    results.forEach((r, i) => {
      const name = targets[i]!.name;
      if (r.status === 'fulfilled') (r.value === 'started' ? started : alreadyUp).push(name);
      else failures.push(`${name}: ${(r.reason as Error).message}`);
    });
    if (failures.length > 0) throw new Error(`stack did not come up:\n${failures.join('\n')}`);
    writeExamplesEnv(c);
    return { started, alreadyUp, installed, seconds: (Date.now() - t0) / 1000 };
  });
}

/**
 * Stops every service this stack started (or only those named in `only`), each with its whole
 * process session.
 */
export async function down(
  report: Report = console.log,
  c: StackConfig = loadConfig(),
  only?: string[],
): Promise<string[]> {
  return withLock(c, report, async () => {
    const targets = only ? SERVICES.filter((s) => only.includes(s.name)) : SERVICES;
    const stopped = await Promise.all(
      targets.map(async (s) => ((await stopDaemon(c.runDir, s.name, undefined, s.stopSignal)) ? s.name : undefined)),
    );
    const names = stopped.filter((n): n is string => n !== undefined);
    for (const s of targets) {
      if (await portOpen(s.port(c))) {
        report(`warning: ${s.name} port ${s.port(c)} is still in use by a process this stack did not start`);
      }
    }
    return names;
  });
}

export interface ServiceStatus {
  name: string;
  version: string;
  address: string;
  pid: number | undefined;
  health: 'healthy' | 'unhealthy' | 'stopped' | 'foreign';
}

export async function status(c: StackConfig = loadConfig()): Promise<ServiceStatus[]> {
  return Promise.all(
    SERVICES.map(async (s): Promise<ServiceStatus> => {
      const pid = readPid(c.runDir, s.name)?.pid;
      const healthy = await s.healthy(c);
      let health: ServiceStatus['health'];
      if (healthy) health = pid ? 'healthy' : 'foreign';
      else health = pid ? 'unhealthy' : 'stopped';
      return { name: s.name, version: await s.version(c), address: s.address(c), pid, health };
    }),
  );
}

export async function allHealthy(c: StackConfig = loadConfig()): Promise<boolean> {
  const checks = await Promise.all(SERVICES.map((s) => s.healthy(c)));
  return checks.every(Boolean);
}

export function formatStatus(rows: ServiceStatus[]): string {
  const header = ['SERVICE', 'VERSION', 'ADDRESS', 'PID', 'HEALTH'];
  const table = [header, ...rows.map((r) => [r.name, r.version, r.address, r.pid ? String(r.pid) : '-', r.health])];
  const widths = header.map((_, i) => Math.max(...table.map((row) => row[i]!.length)));
  return table.map((row) => row.map((cell, i) => cell.padEnd(widths[i]!)).join('  ').trimEnd()).join('\n');
}

/**
 * Writes `<stackDir>/floe.env`: the examples' variables for this stack, as shell assignments
 * (values single-quoted), readable only by the owner since it holds the stack's S3 key.
 */
export function writeExamplesEnv(c: StackConfig): string {
  const path = examplesEnvFile(c);
  const lines = Object.entries(examplesEnv(c)).map(([k, v]) => `${k}='${v.replaceAll("'", "'\\''")}'`);
  mkdirSync(c.stackDir, { recursive: true });
  writeFileSync(
    path,
    [
      '# The local stack\'s addresses for floe\'s examples (written by `npm run stack:up`). In a shell:',
      `#   set -a; . ${path}; set +a`,
      '#   floe run --config examples/bronze.yaml',
      ...lines,
      '',
    ].join('\n'),
    { mode: 0o600 },
  );
  return path;
}

export { loadConfig, urls };
