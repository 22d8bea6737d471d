import { fork } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';
import { parseConfig } from '../../src/config/load.js';
import { CHILD_COUNT_ENV, CHILD_INDEX_ENV, childConfig, childOf, processCount, superviseProcesses } from '../../src/orchestrator/processes.js';
import { silentLogger } from '../../src/util/log.js';

const defaultConfig = () =>
  parseConfig(`
kafka: {brokers: [k:9092], groupId: g}
schemaRegistry: {url: "http://sr:8081"}
catalog: {type: rest, uri: "http://cat:8181"}
storage: {type: local, root: /data}
tables:
  - topics: [orders]
`);
const FAKE = new URL('../fixtures/processes/fake-daemon.mjs', import.meta.url).pathname;
const saved = { ...process.env };
afterEach(() => {
  for (const k of ['FAKE_EXIT_CODE', 'FAKE_DIE', 'FAKE_NOT_READY']) delete process.env[k];
  Object.assign(process.env, saved);
});

function start(index: number, count: number) {
  return fork(FAKE, [], { env: { ...process.env, [CHILD_INDEX_ENV]: String(index), [CHILD_COUNT_ENV]: String(count) }, stdio: ['ignore', 'inherit', 'inherit', 'ipc'] });
}

async function until<T>(what: () => Promise<T | undefined>): Promise<T> {
  for (let i = 0; i < 200; i++) {
    const v = await what().catch(() => undefined);
    if (v !== undefined) return v;
    await new Promise((r) => setTimeout(r, 25));
  }
  throw new Error('timed out');
}

describe('processes', () => {
  it('splits the memory budget, moves the endpoints to a free loopback port, and reads its place from the environment', () => {
    const config = defaultConfig();
    const c = childConfig({ ...config, memory: { budgetBytes: 600 } }, 3);
    expect(c.memory.budgetBytes).toBe(200);
    expect(c.server).toMatchObject({ enabled: true, host: '127.0.0.1', port: 0 });
    expect(c.performance.processes).toBe(1);
    expect(childOf({ [CHILD_INDEX_ENV]: '1', [CHILD_COUNT_ENV]: '2' })).toEqual({ index: 1, count: 2 });
    expect(childOf({})).toBeUndefined();
    expect(processCount(3)).toBe(3);
    expect(processCount('auto')).toBeGreaterThanOrEqual(1);
  });

  it('serves the children\'s endpoints as one daemon and stops them all on the signal, exit 0', async () => {
    const port = 20000 + Math.floor(Math.random() * 20000);
    const config = { ...defaultConfig(), server: { enabled: true, host: '127.0.0.1', port } };
    const abort = new AbortController();
    const done = superviseProcesses(config, { count: 2, logger: silentLogger, signal: abort.signal, start });
    const base = `http://127.0.0.1:${port}`;
    const metrics = await until(async () => {
      const r = await fetch(`${base}/metrics`);
      return r.status === 200 ? r.text() : undefined;
    });
    expect(metrics.match(/# TYPE floe_records_in_total counter/g)).toHaveLength(1);
    expect(metrics).toContain('floe_records_in_total{process="0",topic="t"} 1');
    expect(metrics).toContain('floe_records_in_total{process="1",topic="t"} 2');
    expect(metrics).toContain('up_gauge{process="1"} 1');
    expect((await fetch(`${base}/readyz`)).status).toBe(200);
    expect((await fetch(`${base}/healthz`)).status).toBe(200);
    const status = (await (await fetch(`${base}/status.json`)).json()) as { tables: Array<Record<string, unknown>>; commits: unknown[] };
    expect(status.tables).toEqual([
      { table: 'db.t', topics: ['topic-0', 'topic-1'], lagRecords: 30, bufferedRecords: 3, lagSeconds: 1.5, lastCommitMs: 501, freshness: [[100_000, 1], [200_000, 2]] },
    ]);
    expect(status.commits).toHaveLength(2);
    abort.abort();
    expect(await done).toBe(0);
  });

  it('is not ready while a child is not, and a child that dies on its own stops the others with its exit code', async () => {
    process.env.FAKE_NOT_READY = '1';
    process.env.FAKE_DIE = '0';
    const port = 20000 + Math.floor(Math.random() * 20000);
    const config = { ...defaultConfig(), server: { enabled: true, host: '127.0.0.1', port } };
    const done = superviseProcesses(config, { count: 2, logger: silentLogger, signal: new AbortController().signal, start });
    const ready = await until(async () => {
      const r = await fetch(`http://127.0.0.1:${port}/readyz`);
      const text = await r.text();
      return r.status === 503 && text.includes('process 1:') ? text : undefined;
    }).catch(() => 'supervisor gone before readiness was read');
    expect(ready).toMatch(/process 1: not joined yet|gone/);
    expect(await done).toBe(7);
  });

  it('exits with the worst code of the children it stopped', async () => {
    process.env.FAKE_EXIT_CODE = '1';
    const abort = new AbortController();
    const port = 20000 + Math.floor(Math.random() * 20000);
    const config = { ...defaultConfig(), server: { enabled: true, host: '127.0.0.1', port } };
    const done = superviseProcesses(config, { count: 2, logger: silentLogger, signal: abort.signal, start });
    // Ready: both children listen, so their SIGTERM handlers are installed (a child signalled
    // while Node is still booting dies of the signal, which the supervisor counts as clean).
    await until(async () => ((await fetch(`http://127.0.0.1:${port}/readyz`)).status === 200 ? true : undefined));
    abort.abort();
    expect(await done).toBe(1);
  });
});
