/**
 * The global setup's promise: when the stack is down, the harness brings it up by itself.
 *
 * `.ci/run` stops the stack before `npm test` and sets FLOE_EXPECT_HARNESS_START=1, so in CI this
 * test proves the harness started every service. Run by hand against a running stack, it checks
 * that the harness told the truth about what it did.
 */
import { describe, expect, inject, it } from 'vitest';
import { readPid } from '../../scripts/stack/proc.js';
import { loadConfig } from '../../scripts/stack/config.js';
import { oracleFor } from '../harness/oracle.js';

const ALL = ['minio', 'kafka', 'schema-registry', 'catalog', 'oracle', 'postgres'];

describe('test harness', () => {
  it('reports whether it started the stack, and the stack is healthy either way', async () => {
    const startedByHarness = inject('stackStartedByHarness');
    const services = inject('stackServicesStartedByHarness');
    expect(startedByHarness).toBe(services.length > 0);
    if (process.env.FLOE_EXPECT_HARNESS_START === '1') {
      expect(startedByHarness).toBe(true);
      expect([...services].sort()).toEqual([...ALL].sort());
    }
    expect((await oracleFor(inject('stack')).health()).status).toBe('ok');
  });

  it('in local mode, the services it started run under pid files in the stack folder', () => {
    if (inject('stackMode') !== 'local') return;
    const c = loadConfig();
    for (const name of inject('stackServicesStartedByHarness')) {
      expect(readPid(c.runDir, name), `${name} pid file`).toBeDefined();
    }
  });
});
