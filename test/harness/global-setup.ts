/**
 * vitest globalSetup for the `integration` project: make sure the real services are running and
 * tell every test where they are (`inject('stack')`).
 *
 * FLOE_TEST_STACK=local       use the local stack (scripts/stack): processes on 127.0.0.1
 * FLOE_TEST_STACK=containers  use testcontainers (needs a Docker engine)
 * FLOE_TEST_STACK=auto        (default) containers when a Docker engine answers, local otherwise
 *
 * Local mode starts whatever is not healthy and, at teardown, stops only what it started, unless
 * FLOE_KEEP_STACK is set (then the stack stays up for the next run, which saves ~40 s).
 */
import { existsSync } from 'node:fs';
import type { TestProject } from 'vitest/node';
import { loadConfig, urls, type StackConfig } from '../../scripts/stack/config.js';
import { allHealthy, down, up, writeExamplesEnv } from '../../scripts/stack/stack.js';
import type { StackEndpoints, StackMode } from './endpoints.js';

const log = (line: string) => console.log(`[harness] ${line}`);

export function localEndpoints(c: StackConfig): StackEndpoints {
  const u = urls(c);
  return {
    kafkaBrokers: u.kafkaBrokers,
    schemaRegistryUrl: u.schemaRegistryUrl,
    catalogUri: u.catalogUri,
    warehouse: u.warehouse,
    s3: {
      endpoint: u.s3Endpoint,
      region: c.s3.region,
      accessKeyId: c.s3.accessKeyId,
      secretAccessKey: c.s3.secretAccessKey,
      bucket: c.s3.bucket,
    },
    oracleUrl: u.oracleUrl,
    postgresUrl: u.postgresUrl,
  };
}

/** Is a Docker (or compatible) engine reachable? Checked cheaply before loading testcontainers. */
async function dockerReachable(): Promise<boolean> {
  const hinted =
    process.env.DOCKER_HOST !== undefined ||
    existsSync('/var/run/docker.sock') ||
    existsSync(`${process.env.HOME ?? ''}/.docker/run/docker.sock`) ||
    existsSync(`${process.env.XDG_RUNTIME_DIR ?? ''}/podman/podman.sock`);
  if (!hinted) return false;
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await Promise.race([
      getContainerRuntimeClient(),
      new Promise((_, reject) => setTimeout(() => reject(new Error('timeout')), 10_000)),
    ]);
    return true;
  } catch {
    return false;
  }
}

async function chooseMode(): Promise<StackMode> {
  const wanted = (process.env.FLOE_TEST_STACK ?? 'auto').toLowerCase();
  if (wanted === 'local' || wanted === 'containers') return wanted;
  if (wanted !== 'auto') throw new Error(`FLOE_TEST_STACK must be local, containers or auto (got ${wanted})`);
  const docker = await dockerReachable();
  log(docker ? 'a Docker engine is reachable: using testcontainers' : 'no Docker engine: using the local stack');
  return docker ? 'containers' : 'local';
}

export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  const mode = await chooseMode();
  project.provide('stackMode', mode);

  if (mode === 'containers') {
    const { startContainers } = await import('./containers.js');
    const stack = await startContainers(log);
    project.provide('stack', stack.endpoints);
    project.provide('stackStartedByHarness', true);
    project.provide('stackServicesStartedByHarness', stack.services);
    return async () => {
      if (process.env.FLOE_KEEP_STACK) return log('FLOE_KEEP_STACK set: leaving containers running');
      await stack.stop();
    };
  }

  const c = loadConfig();
  let started: string[] = [];
  if (await allHealthy(c)) {
    log('local stack already healthy; using it as is');
  } else {
    log(`local stack not (fully) up: starting it (logs in ${c.logsDir})`);
    const r = await up(log, c);
    started = r.started;
    log(`local stack healthy in ${r.seconds.toFixed(1)}s (started: ${started.join(', ') || 'none'})`);
  }
  // Already healthy means `up` did not run here: the examples' env file must match this stack too.
  writeExamplesEnv(c);
  project.provide('stack', localEndpoints(c));
  project.provide('stackStartedByHarness', started.length > 0);
  project.provide('stackServicesStartedByHarness', started);

  return async () => {
    if (started.length === 0) return;
    if (process.env.FLOE_KEEP_STACK) {
      log('FLOE_KEEP_STACK set: leaving the stack up');
      return;
    }
    log(`stopping what this run started: ${started.join(', ')}`);
    await down(log, c, started);
  };
}
