/**
 * npm run stack:install | stack:up | stack:down | stack:status
 *
 * Exit codes: 0 success, 1 failure, 2 usage error, 3 `status --check` found an unhealthy service,
 * 4 `check-ports` found a port taken by a process this checkout did not start.
 */
import { loadConfig } from './config.js';
import { installAll } from './install.js';
import { portOpen } from './proc.js';
import { allHealthy, down, formatStatus, status, up } from './stack.js';

const USAGE = `usage: tsx scripts/stack/cli.ts <install|up|down|status [--check]|check-ports>

  install  download and build everything the local stack runs (idempotent)
  up       install what is missing, start every service on 127.0.0.1, wait until healthy
  down     stop every service the stack started (whole process groups)
  status   print each service, version, address, pid and health (--check: exit 3 unless all healthy)
  check-ports  exit 4 when a stack port is taken by something this checkout did not start

Environment: FLOE_STACK_DIR, FLOE_CACHE_DIR, FLOE_KAFKA_PORT, FLOE_KAFKA_CONTROLLER_PORT,
FLOE_SCHEMA_REGISTRY_PORT, FLOE_CATALOG_PORT, FLOE_MINIO_PORT, FLOE_MINIO_CONSOLE_PORT,
FLOE_ORACLE_PORT, FLOE_M2_REPO, FLOE_S3_ACCESS_KEY, FLOE_S3_SECRET_KEY, FLOE_PYTHON, JAVA_HOME
(see docs/development.md).`;

const log = (line: string) => console.log(`[stack] ${line}`);

async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  const c = loadConfig();
  switch (command) {
    case 'install': {
      const t0 = Date.now();
      const r = await installAll(c, log);
      log(
        `install done in ${((Date.now() - t0) / 1000).toFixed(1)}s` +
          (r.installed.length ? ` (installed: ${r.installed.join(', ')})` : ' (everything already present)'),
      );
      log(`cache: ${c.cacheDir}`);
      return 0;
    }
    case 'up': {
      const r = await up(log, c);
      log(
        r.started.length
          ? `up in ${r.seconds.toFixed(1)}s (started: ${r.started.join(', ')}${r.alreadyUp.length ? `; already up: ${r.alreadyUp.join(', ')}` : ''})`
          : `already up (checked in ${r.seconds.toFixed(1)}s)`,
      );
      console.log(formatStatus(await status(c)));
      return 0;
    }
    case 'down': {
      const stopped = await down(log, c);
      log(stopped.length ? `stopped: ${stopped.join(', ')}` : 'nothing was running');
      return 0;
    }
    case 'status': {
      console.log(formatStatus(await status(c)));
      console.log(`data and logs: ${c.stackDir}   cache: ${c.cacheDir}`);
      if (rest.includes('--check') && !(await allHealthy(c))) return 3;
      return 0;
    }
    case 'check-ports': {
      // For CI: after `down`, every port must be free, or a stack from another checkout is running
      // and the tests would silently use it.
      const busy: string[] = [];
      for (const [name, port] of Object.entries(c.ports)) if (await portOpen(port)) busy.push(`${name} ${port}`);
      if (busy.length === 0) {
        log('all stack ports are free');
        return 0;
      }
      console.error(
        `[stack] ports in use by processes this checkout did not start: ${busy.join(', ')}.\n` +
          '[stack] Another stack (another clone, or a developer stack) is probably running: stop it with ' +
          '`npm run stack:down` in that checkout, or pick other ports (FLOE_*_PORT, see docs/development.md).',
      );
      return 4;
    }
    case '-h':
    case '--help':
    case 'help':
      console.log(USAGE);
      return 0;
    default:
      console.error(USAGE);
      return 2;
  }
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err: unknown) => {
    console.error(`[stack] ${err instanceof Error ? err.message : String(err)}`);
    process.exit(1);
  },
);
