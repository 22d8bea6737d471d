/**
 * Runs a Dockerfile's steps on this machine, without a container engine: each stage gets a
 * directory standing for its root, `COPY` copies from the build context (minus .dockerignore) or
 * from an earlier stage, `RUN` runs in the stage's WORKDIR with its ENV and the PATH it is given.
 *
 * Why: this machine (and CI here) has no Docker engine and no image registry
 * (`docker build` → "Cannot connect to the Docker daemon at unix:///var/run/docker.sock"), so
 * the image cannot be built here. What can be checked is what the image does: that its
 * `npm ci`, its build and its runtime stage's install work from a clean context on the Node
 * version its base image names, and that the entrypoint then answers. The base image's OS is the
 * part left unchecked.
 *
 * Only the instructions floe's Dockerfile uses are understood; anything else fails loudly.
 */
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join, relative } from 'node:path';

export interface Stage {
  name: string | undefined;
  image: string;
  /** The directory standing for the stage's filesystem root. */
  root: string;
  workdir: string;
  env: Record<string, string>;
  entrypoint: string[] | undefined;
  cmd: string[] | undefined;
}

/** The Dockerfile's logical lines (continuations joined, comments dropped). */
export function instructions(text: string): Array<{ op: string; args: string }> {
  const out: Array<{ op: string; args: string }> = [];
  let pending = '';
  for (const raw of text.split('\n')) {
    const line = raw.trim();
    if (pending === '' && (line === '' || line.startsWith('#'))) continue;
    if (line.endsWith('\\')) {
      pending += `${line.slice(0, -1)} `;
      continue;
    }
    const full = pending + line;
    pending = '';
    const m = /^(\w+)\s+(.*)$/.exec(full);
    if (!m) throw new Error(`Dockerfile line not understood: ${full}`);
    out.push({ op: m[1]!.toUpperCase(), args: m[2]!.trim() });
  }
  return out;
}

/** Top-level names (and `*.ext` patterns) .dockerignore leaves out of the context. */
function ignoredBy(context: string): (path: string) => boolean {
  const file = join(context, '.dockerignore');
  const patterns = existsSync(file) ? readFileSync(file, 'utf8').split('\n').map((l) => l.trim()).filter((l) => l !== '' && !l.startsWith('#')) : [];
  return (path: string) => {
    const rel = relative(context, path);
    const top = rel.split('/')[0]!;
    return patterns.some((p) => (p.startsWith('*.') ? basename(rel).endsWith(p.slice(1)) : top === p.replace(/^\/|\/$/g, '')));
  };
}

export interface RunOptions {
  context: string;
  /** Where the stages' roots are made. */
  scratch: string;
  /** PATH for RUN steps (the Node the base image names first). */
  path: string;
  /**
   * npm's cache for RUN steps. Never the user's own: an image's `npm cache clean --force` would
   * empty it (a fresh image starts with an empty cache; a hard-linked copy of the user's is as
   * faithful and much faster, since npm never rewrites a cached file).
   */
  npmCache: string;
  log?: (line: string) => void;
}

/** Executes every stage; returns them in order (the last one is the image). */
export function runDockerfile(dockerfile: string, options: RunOptions): Stage[] {
  const stages: Stage[] = [];
  const ignored = ignoredBy(options.context);
  let stage: Stage | undefined;
  const inStage = (p: string) => join(stage!.root, p.startsWith('/') ? p : join(stage!.workdir, p));
  for (const { op, args } of instructions(readFileSync(dockerfile, 'utf8'))) {
    options.log?.(`${op} ${args}`);
    if (op === 'FROM') {
      const m = /^(\S+)(?:\s+AS\s+(\S+))?$/i.exec(args);
      if (!m) throw new Error(`FROM not understood: ${args}`);
      const root = join(options.scratch, `stage-${stages.length}`);
      mkdirSync(root, { recursive: true });
      stage = { name: m[2], image: m[1]!, root, workdir: '/', env: {}, entrypoint: undefined, cmd: undefined };
      stages.push(stage);
      continue;
    }
    if (!stage) throw new Error(`${op} before FROM`);
    switch (op) {
      case 'WORKDIR':
        stage.workdir = args;
        mkdirSync(inStage('.'), { recursive: true });
        break;
      case 'ENV': {
        const m = /^(\w+)=(.*)$/.exec(args);
        if (!m) throw new Error(`ENV not understood: ${args}`);
        stage.env[m[1]!] = m[2]!;
        break;
      }
      case 'COPY': {
        const words = args.split(/\s+/);
        const from = words[0]!.startsWith('--from=') ? words.shift()!.slice('--from='.length) : undefined;
        const dest = words.pop()!;
        const source = from === undefined ? undefined : stages.find((s) => s.name === from);
        if (from !== undefined && !source) throw new Error(`COPY --from=${from}: no such stage`);
        for (const src of words) {
          const abs = source ? join(source.root, src.startsWith('/') ? src : join(source.workdir, src)) : join(options.context, src);
          if (!existsSync(abs)) throw new Error(`COPY ${src}: not found`);
          // Docker's rules: a directory's content goes into dest; a file goes into dest when dest
          // is a directory (ends with /, is ., or there are several sources), else becomes dest.
          const intoDir = dest.endsWith('/') || dest === '.' || words.length > 1;
          const target = statSync(abs).isDirectory() || !intoDir ? inStage(dest) : join(inStage(dest), basename(src));
          cpSync(abs, target, { recursive: true, filter: (p) => source !== undefined || p === abs || !ignored(p) });
        }
        break;
      }
      case 'RUN':
        execFileSync('bash', ['-c', args], {
          cwd: inStage('.'),
          env: { ...process.env, ...stage.env, PATH: options.path, npm_config_cache: options.npmCache, npm_config_update_notifier: 'false' },
          stdio: ['ignore', 'pipe', 'pipe'],
          maxBuffer: 64 * 1024 * 1024,
        });
        break;
      case 'ENTRYPOINT':
        stage.entrypoint = JSON.parse(args) as string[];
        break;
      case 'CMD':
        stage.cmd = JSON.parse(args) as string[];
        break;
      case 'USER':
        break; // no users here; the image drops root, which changes no file it reads
      default:
        throw new Error(`Dockerfile instruction ${op} is not understood by this runner`);
    }
  }
  return stages;
}
