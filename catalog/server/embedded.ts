/**
 * The catalog server started inside another process (the daemon's `catalog: {type: embedded}`).
 * It takes plain CatalogServerOptions: turning floe's configuration into them is the daemon's
 * job (src/orchestrator/embedded-catalog.ts), so the server never imports src/config.
 */
import type { AddressInfo } from 'node:net';
import { FloeError } from '../../src/util/errors.js';
import { maskUrlPassword } from '../../src/util/log.js';
import { createCatalogServer, type CatalogServerOptions } from './server.js';

/** Where the pointers live, safe to log (a PostgreSQL URL's password masked). */
export function storeSummary(o: CatalogServerOptions): Record<string, string> {
  if (o.postgresUrl !== undefined) return { type: 'postgres', url: maskUrlPassword(o.postgresUrl) };
  return { type: 'sqlite', path: o.storePath ?? '(in the warehouse)' };
}

export interface EmbeddedCatalog {
  /** The catalog's base URI as configured (the real port is known once listening). */
  uri: string;
  /** A fetch for RestCatalogClient that waits until the server listens and targets its real port. */
  fetch: typeof fetch;
}

/**
 * Starts the catalog inside this process without waiting (the daemon builds its catalog client
 * synchronously). The server is unref'd: it lives as long as the process has other work, so the
 * daemon still exits on its own after SIGTERM. If the port is taken, another floe on this machine
 * is most likely serving the same catalog (the daemon while `floe compact` runs): requests then go
 * to it, with a warning.
 */
export function startEmbeddedCatalog(
  options: CatalogServerOptions,
  log: { info(obj: object, msg: string): void; warn(obj: object, msg: string): void; error(obj: object, msg: string): void },
): EmbeddedCatalog {
  const { server, host, ready: storeReady } = createCatalogServer({
    ...options,
    onError: (err, method, url) => log.error({ err, method, url }, 'embedded catalog request failed'),
  });
  const urlHost = host.includes(':') ? `[${host}]` : host;
  const configured = `http://${urlHost}:${options.port ?? 8181}`;
  const listening = new Promise<string>((resolve, reject) => {
    server.once('listening', () => resolve(`http://${urlHost}:${(server.address() as AddressInfo).port}`));
    server.once('error', (err: NodeJS.ErrnoException) => {
      if (err.code === 'EADDRINUSE' && options.port !== 0) {
        log.warn({ uri: configured }, 'embedded catalog port is in use; using the catalog already serving there');
        resolve(configured);
      } else reject(new FloeError('CATALOG_UNAVAILABLE', `embedded catalog could not listen on ${configured}: ${err.message}`, { cause: err }));
    });
  });
  // Requests wait for the store too: a PostgreSQL store that cannot be reached fails the daemon's
  // first catalog call with the reason, and the daemon's start-up retries report it.
  const ready = Promise.all([listening, storeReady]).then(([url]) => url);
  ready.then(
    (url) => log.info({ url, store: storeSummary(options) }, 'embedded catalog serving'),
    (err: unknown) => log.error({ err, store: storeSummary(options) }, 'embedded catalog cannot serve'),
  );
  server.listen(options.port ?? 8181, host);
  server.unref();
  const wrapped: typeof fetch = async (input, init) => {
    const actual = await ready;
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    return fetch(url.startsWith(configured) ? actual + url.slice(configured.length) : url, init);
  };
  return { uri: configured, fetch: wrapped };
}
