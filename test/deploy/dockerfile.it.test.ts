/**
 * The Dockerfile, as far as this machine can check it (no container engine, no image registry:
 * see dockerfile-steps.ts): its base image is the Node version CI tests (scripts/with-node.sh),
 * and its steps — install, build, the runtime stage's production install — run from the build
 * context on that Node and leave an image whose entrypoint answers `--help` and validates the
 * example docker-compose.yml runs, with compiled JavaScript only (no sources, no dev packages).
 *
 * In the integration project because it runs `npm ci` twice (about a minute with a warm npm cache).
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, expect, it } from 'vitest';
import { instructions, runDockerfile, type Stage } from './dockerfile-steps.js';

const root = fileURLToPath(new URL('../../', import.meta.url));
const dockerfile = join(root, 'Dockerfile');
const scratch = mkdtempSync(join(tmpdir(), 'floe-dockerfile-'));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

const pinned = /FLOE_NODE_VERSION=(\S+)/.exec(readFileSync(join(root, 'scripts/with-node.sh'), 'utf8'))![1]!;

it('every stage starts from the Node version CI runs, which package.json engines accepts', () => {
  const bases = instructions(readFileSync(dockerfile, 'utf8')).filter((i) => i.op === 'FROM').map((i) => i.args.split(/\s+/)[0]!);
  expect(bases.length).toBeGreaterThan(0);
  for (const base of bases) expect(base).toMatch(new RegExp(`^node:${pinned.replace(/\./g, '\\.')}-`));
  const engines = (JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { engines: { node: string } }).engines.node;
  expect(engines).toMatch(/^>=\d+$/);
  expect(Number(pinned.split('.')[0])).toBeGreaterThanOrEqual(Number(engines.slice(2)));
  // The tests themselves run on it (vitest under scripts/with-node.sh).
  expect(process.version).toBe(`v${pinned}`);
});

it("the image's steps run from a clean context and leave a runnable, compiled-only CLI", () => {
  const npmCache = join(scratch, 'npm-cache');
  const userCache = execFileSync('npm', ['config', 'get', 'cache'], { encoding: 'utf8' }).trim();
  if (existsSync(join(userCache, '_cacache'))) execFileSync('cp', ['-al', userCache, npmCache]);
  const stages: Stage[] = runDockerfile(dockerfile, {
    context: root,
    scratch,
    npmCache,
    path: `${dirname(process.execPath)}:${process.env.PATH ?? ''}`,
    log: (line) => console.log(`[dockerfile] ${line}`),
  });
  const image = stages.at(-1)!;
  const app = join(image.root, image.workdir);
  expect(existsSync(join(app, 'dist/src/cli/main.js'))).toBe(true);
  expect(existsSync(join(app, 'src'))).toBe(false); // compiled JavaScript only: nothing to compile at start
  expect(existsSync(join(app, 'node_modules/kafkajs'))).toBe(true);
  expect(existsSync(join(app, 'node_modules/typescript'))).toBe(false); // production install
  expect(existsSync(join(app, 'node_modules/vitest'))).toBe(false);

  const [cmd, ...entryArgs] = image.entrypoint!;
  expect(cmd).toBe('node');
  const entry = entryArgs.map((a) => (a.startsWith('/') ? join(image.root, a) : a));
  const run = (args: string[]) => spawnSync(process.execPath, [...entry, ...args], { cwd: app, env: { ...process.env, ...image.env }, encoding: 'utf8', timeout: 60_000 });
  const help = run(image.cmd!);
  expect(help.status, help.stderr).toBe(0);
  expect(help.stdout).toContain('Usage: floe');
  expect(help.stderr).not.toContain('compiled'); // nothing compiled at start
  // What docker-compose.yml runs in the image: its example configuration, validated.
  const valid = run(['validate', join(app, 'examples/bronze.yaml')]);
  expect(valid.status, valid.stderr).toBe(0);
  expect(valid.stdout).toContain('OK (2 table mappings');
}, 600_000);
