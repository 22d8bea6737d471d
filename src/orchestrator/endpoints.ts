/**
 * The daemon's HTTP endpoints: /healthz (the event loop ticks), /readyz (joined the group, the
 * catalog answers), /metrics, and the status page with its JSON. What they report is read
 * through the callbacks below, so the daemon's state stays its own.
 */
import type { ServerConfig } from '../config/index.js';
import type { RestCatalogClient } from '../iceberg/catalog/index.js';
import type { MetricsRegistry } from '../ops/metrics.js';
import { startOpsServer, type OpsServer } from '../ops/server.js';
import { statusRoutes, type LiveStatus } from './live-status.js';

export interface DaemonEndpointsState {
  /** When the daemon's timer last ran (ms): a stalled event loop fails liveness after 30 s. */
  lastTick(): number;
  joined(): boolean;
  /** What start-up is waiting for, if anything (reported by /readyz). */
  waitingFor(): string | undefined;
  catalog(): RestCatalogClient | undefined;
  status(): LiveStatus;
}

/** Catalog health is checked at most every 5 s: a probe every second must not load the catalog. */
const CATALOG_CHECK_MS = 5000;

export async function serveDaemonEndpoints(server: ServerConfig, metrics: MetricsRegistry, state: DaemonEndpointsState): Promise<OpsServer | undefined> {
  if (!server.enabled) return undefined;
  let catalogOk = { at: 0, reason: 'not checked yet' as string | undefined };
  return startOpsServer({
    host: server.host,
    port: server.port,
    metrics,
    liveness: [
      {
        name: 'event loop',
        check: () => {
          const since = Date.now() - state.lastTick();
          return since > 30_000 ? `no tick for ${since} ms` : undefined;
        },
      },
    ],
    readiness: [
      { name: 'group', check: () => (state.joined() ? undefined : (state.waitingFor() ?? 'not joined the consumer group yet')) },
      {
        name: 'catalog',
        check: async () => {
          const catalog = state.catalog();
          if (!catalog) return 'not connected yet';
          if (Date.now() - catalogOk.at > CATALOG_CHECK_MS) {
            const reason = await catalog.listNamespaces().then(
              () => undefined,
              (err: unknown) => (err as Error).message,
            );
            catalogOk = { at: Date.now(), reason };
          }
          return catalogOk.reason;
        },
      },
    ],
    routes: statusRoutes(() => state.status()),
  });
}
