/**
 * The operator's endpoints: /healthz (the process is alive and its loop is not wedged),
 * /readyz (it has joined the group and can reach the catalog), /metrics (Prometheus), and the
 * routes the daemon adds (the status page at / and /status.json, see orchestrator/live-status.ts).
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import type { MetricsRegistry } from './metrics.js';

export interface HealthCheck {
  name: string;
  /** Resolves to undefined when healthy, or a reason when not. */
  check(): Promise<string | undefined> | string | undefined;
}

export interface OpsServerOptions {
  host: string;
  port: number;
  /** What /metrics renders: a daemon's registry, or the series of several processes merged. */
  metrics: Pick<MetricsRegistry, 'render' | 'contentType'>;
  /** Liveness: failing these means "restart me". */
  liveness?: HealthCheck[];
  /** Readiness: failing these means "do not count on me yet". */
  readiness?: HealthCheck[];
  /** More GET routes (the status page and its JSON), by exact path. */
  routes?: Record<string, () => Promise<Route> | Route>;
}

/** A route's reply: content type, body and extra headers (a page's Content-Security-Policy). */
export interface Route {
  type: string;
  body: string;
  headers?: Record<string, string>;
}

export interface OpsServer {
  readonly url: string;
  close(): Promise<void>;
}

async function runChecks(checks: HealthCheck[]): Promise<{ ok: boolean; body: string }> {
  const failures: string[] = [];
  for (const c of checks) {
    try {
      const reason = await c.check();
      if (reason !== undefined) failures.push(`${c.name}: ${reason}`);
    } catch (err) {
      failures.push(`${c.name}: ${err instanceof Error ? err.message : String(err)}`);
    }
  }
  return failures.length === 0
    ? { ok: true, body: 'ok\n' }
    : { ok: false, body: `${failures.join('\n')}\n` };
}

export async function startOpsServer(options: OpsServerOptions): Promise<OpsServer> {
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split('?')[0];
    const reply = (status: number, body: string, type = 'text/plain; charset=utf-8', headers: Record<string, string> = {}): void => {
      res.writeHead(status, { ...headers, 'content-type': type });
      res.end(body);
    };
    if (req.method !== 'GET' && req.method !== 'HEAD') return reply(405, 'method not allowed\n');
    const fail = (err: unknown) => reply(500, `${err instanceof Error ? err.message : String(err)}\n`);
    if (path === '/metrics') {
      options.metrics.render().then((text) => reply(200, text, options.metrics.contentType), fail);
      return;
    }
    const route = path !== undefined && Object.hasOwn(options.routes ?? {}, path) ? options.routes![path] : undefined;
    if (route) {
      Promise.resolve()
        .then(route)
        .then((r) => reply(200, r.body, r.type, r.headers), fail);
      return;
    }
    if (path === '/healthz' || path === '/readyz') {
      const checks = path === '/healthz' ? (options.liveness ?? []) : (options.readiness ?? []);
      runChecks(checks).then(
        (r) => reply(r.ok ? 200 : 503, r.body),
        fail,
      );
      return;
    }
    reply(404, 'not found: try /, /status.json, /healthz, /readyz or /metrics\n');
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port, options.host, () => resolve());
  });
  const addr = server.address() as AddressInfo;
  return {
    url: `http://${options.host.includes(':') ? `[${addr.address}]` : addr.address}:${addr.port}`,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
