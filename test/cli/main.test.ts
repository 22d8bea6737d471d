import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { promisify } from 'node:util';
import { describe, expect, it } from 'vitest';
import { EXIT, exitCodeFor, main, registerCommand } from '../../src/cli/main.js';
import { FloeError } from '../../src/util/errors.js';
import { floeArgv } from '../harness/cli.js';

const run = promisify(execFile);

/** `floe <args>` in a child process: bin/floe.js, as installed (the compiled CLI). */
async function floe(args: string[], env: Record<string, string> = {}): Promise<{ code: number; stdout: string; stderr: string }> {
  try {
    const { stdout, stderr } = await run(process.execPath, floeArgv(args), {
      env: { ...process.env, ...env },
    });
    return { code: 0, stdout, stderr };
  } catch (err) {
    const e = err as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
}

/** main() in this process with captured output. */
async function inProcess(args: string[], env: Record<string, string> = {}) {
  let stdout = '';
  let stderr = '';
  const code = await main(args, {
    io: { stdout: (t) => void (stdout += t), stderr: (t) => void (stderr += t) },
    env,
    signal: new AbortController().signal,
  });
  return { code, stdout, stderr };
}

function tempFile(name: string, text: string): string {
  const file = join(mkdtempSync(join(tmpdir(), 'floe-cli-')), name);
  writeFileSync(file, text);
  return file;
}

const BAD = `kafka:
  groupId: g
schemaRegistry: {url: "http://sr"}
catalog: {type: rest, uri: "http://cat"}
storage: {type: local, root: /tmp}
tables:
  - topics: [orders]
    partitioning:
      - field: ts
        transform: bukket[16]
`;

describe('floe as a process', () => {
  it('--help lists every command and the exit codes', async () => {
    const r = await floe(['--help']);
    expect(r.code).toBe(0);
    for (const c of ['run', 'validate', 'schema', 'compact', 'expire', 'orphans', 'catalog serve']) expect(r.stdout).toContain(`  ${c} `);
    expect(r.stdout).toContain('130  interrupted');
  });

  it('validate: OK with a summary, exit 0', async () => {
    const r = await floe(['validate', 'examples/bronze.yaml']);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('examples/bronze.yaml: OK (2 table mappings, catalog rest, storage s3)');
    expect(r.stdout).toContain('tables[0] bronze: topics orders.eu, orders.us → raw.orders_eu, raw.orders_us');
  });

  it('validate: a YAML syntax error names its line, with a hint', async () => {
    const file = tempFile('syntax.yaml', 'tables:\n  - partitioning: [{field: ts, transform: bucket[4]}]\n');
    const r = await inProcess(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe(
      `${file}: 1 configuration error\n  ${file}: YAML syntax error at line 2, column 49: Unexpected flow-seq-start at node end (quote "bucket[N]" and "truncate[W]" inside {...})\n`,
    );
  });

  it('validate: every error with file, line and path, exit 2', async () => {
    const file = tempFile('bad.yaml', BAD);
    const r = await floe(['validate', file]);
    expect(r.code).toBe(2);
    expect(r.stderr).toContain(`${file}: 2 configuration errors`);
    expect(r.stderr).toContain(`${file}:1:1: kafka.brokers: is required`);
    expect(r.stderr).toContain(
      `${file}:10:9: tables[0].partitioning[0].transform: unknown transform "bukket[16]" (expected identity, bucket[N], truncate[W], year, month, day, hour, void)`,
    );
  });

  it('run: waits for an unreachable catalog instead of exiting, and a SIGTERM ends the wait with 0', async () => {
    // Nothing listens on port 1: the daemon must wait (not exit) and say for what.
    const config = tempFile(
      'wait.yaml',
      `kafka: {brokers: ["127.0.0.1:1"], groupId: g, sasl: {mechanism: plain, username: u, password: floe-secret}}
schemaRegistry: {url: "http://127.0.0.1:1"}
catalog: {type: rest, uri: "http://127.0.0.1:1"}
storage: {type: local, root: /tmp/floe-cli-wait}
server: {port: 0}
tables:
  - topics: [orders]
`,
    );
    const child = spawn(process.execPath, ['node_modules/tsx/dist/cli.mjs', 'src/cli/main.ts', 'run', '--config', config], {
      env: { ...process.env, FLOE_LOG_LEVEL: 'info' },
    });
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (out += d));
    const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
    const deadline = Date.now() + 50_000;
    while (!out.includes('"attempt":2') && Date.now() < deadline && child.exitCode === null) await new Promise((r) => setTimeout(r, 200));
    // /readyz says what it waits for.
    const url = /"url":"(http:[^"]+)"/.exec(out)?.[1];
    const ready = await fetch(`${url}/readyz`);
    expect(ready.status).toBe(503);
    expect(await ready.text()).toMatch(/waiting for the catalog \(http:\/\/127\.0\.0\.1:1\): CATALOG_UNAVAILABLE/);
    child.kill('SIGTERM');
    expect(await exited, out).toBe(0);
    expect(out).toMatch(/"waitingFor":"the catalog \(http:\/\/127\.0\.0\.1:1\)","attempt":2,"retryInMs":2000,"code":"CATALOG_UNAVAILABLE","msg":"waiting for the catalog \(http:\/\/127\.0\.0\.1:1\): .*\(retrying in 2 s\)"/);
    expect(out).not.toContain('floe-secret');
  }, 60_000);

  it('bin/floe.js runs the same CLI', async () => {
    const { stdout } = await run(process.execPath, ['bin/floe.js', '--version']);
    expect(stdout).toMatch(/^floe \d+\.\d+\.\d+/);
  });

  it('run restarts itself in place with a 16 MiB young generation, unless the operator chose one', async () => {
    // A preload script (NODE_OPTIONS reaches every start) reports each start's pid and node flags.
    const probe = tempFile('probe.cjs', "process.stderr.write('probe ' + JSON.stringify([process.pid, process.execArgv]) + '\\n');");
    const starts = (stderr: string) => [...stderr.matchAll(/^probe (.*)$/gm)].map((m) => JSON.parse(m[1]!) as [number, string[]]);
    const missing = join(tmpdir(), 'floe-no-such-config.yaml');

    const daemon = await floe(['run', '--config', missing], { NODE_OPTIONS: `--require ${probe}` });
    expect(daemon.code).toBe(EXIT.USAGE);
    const [first, second, ...rest] = starts(daemon.stderr);
    expect(rest).toEqual([]);
    expect(first![1]).toEqual([]);
    expect(second).toEqual([first![0], ['--max-semi-space-size=16']]);

    const chosen = await floe(['run', '--config', missing], { NODE_OPTIONS: `--max-semi-space-size=32 --require ${probe}` });
    expect(chosen.code).toBe(EXIT.USAGE);
    expect(starts(chosen.stderr)).toHaveLength(1);

    // Only the daemon: one-shot commands start once.
    expect(starts((await floe(['validate', '--config', missing], { NODE_OPTIONS: `--require ${probe}` })).stderr)).toHaveLength(1);
  });

  it('runs the bundle of dist/ (scripts/build.mjs), and the per-file build with FLOE_BUNDLE=0', async () => {
    // A resolve hook (NODE_OPTIONS reaches the process) reports every module of dist/ it loads.
    const probe = tempFile('probe.mjs', "import { registerHooks } from 'node:module';\nregisterHooks({ resolve(s, c, next) { const r = next(s, c); if (r.url.includes('/dist/')) process.stderr.write('loaded ' + r.url + '\\n'); return r; } });\n");
    const loaded = (stderr: string) => [...stderr.matchAll(/^loaded (.*)$/gm)].map((m) => m[1]!);
    const bundled = await floe(['validate', 'examples/bronze.yaml'], { NODE_OPTIONS: `--import ${pathToFileURL(probe).href}` });
    expect(bundled.code).toBe(0);
    expect(loaded(bundled.stderr)).toContainEqual(expect.stringMatching(/\/dist\/bundle\/main\.js$/));
    expect(loaded(bundled.stderr).filter((u) => u.includes('/dist/src/'))).toEqual([]);
    const perFile = await floe(['validate', 'examples/bronze.yaml'], { NODE_OPTIONS: `--import ${pathToFileURL(probe).href}`, FLOE_BUNDLE: '0' });
    expect(perFile.code).toBe(0);
    expect(perFile.stdout).toBe(bundled.stdout);
    expect(loaded(perFile.stderr)).toContainEqual(expect.stringMatching(/\/dist\/src\/cli\/main\.js$/));
    expect(loaded(perFile.stderr).filter((u) => u.includes('/dist/bundle/'))).toEqual([]);
  });

  it("keeps V8's compiled code in NODE_COMPILE_CACHE, and not with NODE_DISABLE_COMPILE_CACHE", async () => {
    const on = mkdtempSync(join(tmpdir(), 'floe-compile-cache-'));
    const off = mkdtempSync(join(tmpdir(), 'floe-compile-cache-off-'));
    expect((await floe(['--help'], { NODE_COMPILE_CACHE: on })).code).toBe(0);
    expect((await floe(['--help'], { NODE_COMPILE_CACHE: off, NODE_DISABLE_COMPILE_CACHE: '1' })).code).toBe(0);
    // Node keeps one subdirectory per V8 version holding a file per module it compiled.
    const files = (dir: string) => readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile());
    expect(files(on).length).toBeGreaterThan(0);
    expect(files(off)).toEqual([]);
    for (const dir of [on, off]) rmSync(dir, { recursive: true, force: true });
  });
});

describe('floe in process', () => {
  it('prints help for every command', async () => {
    for (const c of [['run'], ['validate'], ['schema'], ['compact'], ['expire'], ['orphans'], ['catalog', 'serve']]) {
      const r = await inProcess([...c, '--help']);
      expect(r.code).toBe(0);
      expect(r.stdout).toContain(`Usage: floe ${c.join(' ')}`);
    }
    expect((await inProcess(['help', 'compact'])).stdout).toContain('Usage: floe compact <table> [options]');
  });

  it('usage errors exit 2', async () => {
    expect(await inProcess([])).toMatchObject({ code: 2 });
    expect(await inProcess(['valdate'])).toMatchObject({ code: 2, stderr: 'floe: unknown command "valdate" (did you mean "validate"?); see floe --help\n' });
    const unknownOption = await inProcess(['validate', '--nope']);
    expect(unknownOption.code).toBe(2);
    expect(unknownOption.stderr).toContain("Unknown option '--nope'");
    expect((await inProcess(['compact'])).stderr).toContain('floe compact: expected <table>, got none');
    expect((await inProcess(['run'])).stderr).toBe('floe: --config <file> is required (or set FLOE_CONFIG)\n');
    expect(await inProcess(['validate', 'missing.yaml'])).toMatchObject({ code: 2, stderr: 'floe: CONFIG_NOT_FOUND: configuration file not found: missing.yaml\n' });
    expect(await inProcess(['catalog'])).toMatchObject({ code: 2 });
    expect((await inProcess(['catalog', 'serve', '--warehouse', '/tmp/w', '--host', '0.0.0.0'])).stderr).toContain('are required when binding to 0.0.0.0');
    expect((await inProcess(['catalog', 'serve', '--warehouse', '/tmp/w', '--port', 'x'])).stderr).toContain('--port must be 0-65535');
  });

  it('takes the configuration from FLOE_CONFIG', async () => {
    const r = await inProcess(['validate'], { FLOE_CONFIG: 'examples/debezium.yaml' });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('examples/debezium.yaml: OK');
  });

  it('schema prints the JSON Schema', async () => {
    const r = await inProcess(['schema']);
    expect(JSON.parse(r.stdout).title).toBe('floe configuration');
  });

  it('catalog serve reaches its hook (a PostgreSQL store nobody serves fails the start, retryably)', async () => {
    const r = await inProcess(['catalog', 'serve', '--warehouse', '/tmp/w', '--store', 'postgres://floe@127.0.0.1:1/catalog'], { FLOE_LOG_LEVEL: 'silent' });
    expect(r.code).toBe(1);
  });

  it('a registered command replaces the built-in one', async () => {
    registerCommand({
      name: 'expire',
      summary: 'test double',
      options: { 'dry-run': { type: 'boolean', description: 'x' } },
      positionals: [{ name: 'table', required: true, description: 't' }],
      run: async (ctx) => (ctx.positionals[0] === 'db.t' && ctx.options['dry-run'] === true ? 0 : 1),
    });
    expect((await inProcess(['expire', 'db.t', '--dry-run'])).code).toBe(0);
  });
});

describe('exit codes', () => {
  it('maps errors to documented codes', () => {
    expect(exitCodeFor(new FloeError('CONFIG_INVALID', 'x'))).toBe(2);
    expect(exitCodeFor(new FloeError('CATALOG_UNAUTHORIZED', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('CATALOG_FORBIDDEN', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('CATALOG_NO_SUCH_TABLE', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('CATALOG_COMMIT_CONFLICT', 'x'))).toBe(1);
    expect(exitCodeFor(new FloeError('CATALOG_STORE_AUTH_FAILED', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('CATALOG_CONFIG', 'x'))).toBe(3);
    expect(exitCodeFor(new FloeError('USAGE', 'x'))).toBe(2);
    expect(exitCodeFor(new FloeError('RECORD_HALT', 'x'))).toBe(1);
    expect(exitCodeFor(Object.assign(new Error('bad password'), { name: 'KafkaJSSASLAuthenticationError' }))).toBe(3);
    expect(exitCodeFor(new Error('boom'))).toBe(1);
    expect(EXIT).toEqual({ OK: 0, RUNTIME: 1, USAGE: 2, FATAL_EXTERNAL: 3, INTERRUPTED: 130 });
  });
});
