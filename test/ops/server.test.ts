import { afterEach, describe, expect, it } from 'vitest';
import { MetricsRegistry } from '../../src/ops/metrics.js';
import { startOpsServer, type OpsServer } from '../../src/ops/server.js';

describe('ops server', () => {
  let server: OpsServer | undefined;
  afterEach(async () => {
    await server?.close();
    server = undefined;
  });

  it('serves /metrics, /healthz and a failing /readyz with the reason', async () => {
    const metrics = new MetricsRegistry();
    metrics.counter('floe_up_total', 'up').inc();
    let ready: string | undefined = 'consumer group not joined';
    server = await startOpsServer({
      host: '127.0.0.1',
      port: 0,
      metrics,
      liveness: [{ name: 'loop', check: () => undefined }],
      readiness: [{ name: 'kafka', check: () => ready }],
    });
    const m = await fetch(`${server.url}/metrics`);
    expect(m.status).toBe(200);
    expect(await m.text()).toContain('floe_up_total 1');
    expect((await fetch(`${server.url}/healthz`)).status).toBe(200);
    const r = await fetch(`${server.url}/readyz`);
    expect(r.status).toBe(503);
    expect(await r.text()).toContain('kafka: consumer group not joined');
    ready = undefined;
    expect((await fetch(`${server.url}/readyz`)).status).toBe(200);
    expect((await fetch(`${server.url}/nope`)).status).toBe(404);
  });
});
