/**
 * PostgreSQL for the stack: the database behind floe catalog's `store: {type: postgres}`. Debian's
 * server binaries (whatever major is installed), a cluster of our own bound to 127.0.0.1 with a
 * password (scram-sha-256), so tests connect with a real URL and credentials, as production does.
 *
 * PostgreSQL refuses to run as root. When the stack runs as root (CI here), initdb and the server
 * run as Debian's `postgres` system user, on a data folder in that user's home: a checkout under a
 * folder only root may enter would otherwise be unreachable for it.
 */
import { createHash } from 'node:crypto';
import { chownSync, existsSync, mkdirSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import pg from 'pg';
import { HOST, postgresUrl, type StackConfig } from './config.js';
import type { InstallStep } from './install.js';
import { capture, run, startDaemon } from './proc.js';
import type { Service } from './services.js';

const USER = 'floe';

/** Debian installs each major under /usr/lib/postgresql/<major>/bin; the newest wins. */
export function postgresBinDir(): string | undefined {
  if (process.env.FLOE_POSTGRES_BIN) return process.env.FLOE_POSTGRES_BIN;
  const root = '/usr/lib/postgresql';
  if (!existsSync(root)) return undefined;
  const majors = readdirSync(root)
    .filter((d) => /^\d+$/.test(d) && existsSync(join(root, d, 'bin', 'postgres')))
    .sort((a, b) => Number(b) - Number(a));
  return majors[0] ? join(root, majors[0], 'bin') : undefined;
}

export const postgresInstall: InstallStep = {
  name: 'postgres',
  installed: () => postgresBinDir() !== undefined,
  async install(_c, logFile) {
    // Debian's packages are the one source of PostgreSQL server binaries reachable here.
    if (process.getuid?.() !== 0) {
      throw new Error('PostgreSQL server binaries are missing: install Debian\'s "postgresql" package (or set FLOE_POSTGRES_BIN)');
    }
    const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
    await run('apt-get', ['update', '-q'], { logFile, env });
    await run('apt-get', ['install', '-y', '-q', '--no-install-recommends', 'postgresql'], { logFile, env });
  },
};

/** The uid/gid to run the server as: ourselves, or Debian's `postgres` user when we are root. */
async function serverUser(): Promise<{ uid: number; gid: number } | undefined> {
  if (process.getuid?.() !== 0) return undefined;
  const uid = Number((await capture('id', ['-u', 'postgres'])).trim());
  const gid = Number((await capture('id', ['-g', 'postgres'])).trim());
  return { uid, gid };
}

function dataDir(c: StackConfig, asOther: boolean): string {
  if (!asOther) return join(c.dataDir, 'postgres');
  const tag = createHash('sha256').update(c.stackDir).digest('hex').slice(0, 12);
  const home = existsSync('/var/lib/postgresql') ? '/var/lib/postgresql' : '/var/tmp';
  return join(home, `floe-stack-${tag}`);
}

async function query<T extends pg.QueryResultRow>(c: StackConfig, sql: string, database = 'postgres'): Promise<T[]> {
  const client = new pg.Client({ connectionString: postgresUrl(c, database), connectionTimeoutMillis: 2_000 });
  client.on('error', () => undefined);
  try {
    await client.connect();
    return (await client.query<T>(sql)).rows;
  } finally {
    await client.end().catch(() => undefined);
  }
}

export const postgres: Service = {
  name: 'postgres',
  startTimeoutMs: 60_000,
  // Fast shutdown: SIGTERM would wait for every pooled client connection to close.
  stopSignal: 'SIGINT',
  address: (c) => `${HOST}:${c.ports.postgres}`,
  port: (c) => c.ports.postgres,
  async version(c) {
    const rows = await query<{ server_version: string }>(c, 'SHOW server_version').catch(() => []);
    return `PostgreSQL ${rows[0]?.server_version ?? '?'}`;
  },
  async healthy(c) {
    return query(c, 'SELECT 1').then(
      () => true,
      () => false,
    );
  },
  async start(c) {
    const bin = postgresBinDir();
    if (!bin) throw new Error('PostgreSQL is not installed; run npm run stack:install');
    const user = await serverUser();
    const dir = dataDir(c, user !== undefined);
    const own = (p: string) => user && chownSync(p, user.uid, user.gid);
    const log = join(c.logsDir, 'postgres.log');
    if (!existsSync(join(dir, 'PG_VERSION'))) {
      rmSync(dir, { recursive: true, force: true });
      mkdirSync(dir, { recursive: true, mode: 0o700 });
      own(dir);
      const pwfile = `${dir}.pw`;
      writeFileSync(pwfile, `${c.postgresPassword}\n`, { mode: 0o600 });
      own(pwfile);
      try {
        await run(
          join(bin, 'initdb'),
          ['-D', dir, '-U', USER, `--pwfile=${pwfile}`, '--auth=scram-sha-256', '-E', 'UTF8', '--locale=C', '--no-instructions'],
          { logFile: log, ...(user ? { user } : {}) },
        );
      } finally {
        rmSync(pwfile, { force: true });
      }
    }
    startDaemon({
      name: 'postgres',
      cmd: join(bin, 'postgres'),
      // TCP on loopback only; no Unix socket, so nothing collides with a system cluster's.
      args: ['-D', dir, '-p', String(c.ports.postgres), '-c', `listen_addresses=${HOST}`, '-c', 'unix_socket_directories='],
      cwd: dir,
      runDir: c.runDir,
      logFile: log,
      ...(user ? { user } : {}),
    });
  },
  async afterHealthy(c) {
    const exists = await query(c, `SELECT 1 FROM pg_database WHERE datname = 'floe'`);
    if (exists.length === 0) await query(c, 'CREATE DATABASE floe');
  },
};
