/**
 * floe's configuration (`catalog: {type: embedded}`) → catalog server options, for both
 * `floe catalog serve` and the catalog the daemon starts inside itself.
 */
import type { AddressInfo } from 'node:net';
import { redactSecrets, type EmbeddedCatalogConfig } from '../../src/config/index.js';
import type { S3FileIOOptions } from '../../src/iceberg/io/s3.js';
import { FloeError } from '../../src/util/errors.js';
import { createCatalogServer, type CatalogServerOptions } from './server.js';

export function embeddedServerOptions(c: EmbeddedCatalogConfig, env: NodeJS.ProcessEnv, s3?: S3FileIOOptions): CatalogServerOptions {
  return {
    warehouse: c.warehouse,
    host: c.host,
    port: c.port,
    ...(c.store.type === 'sqlite' ? { storePath: c.store.path } : { postgresUrl: c.store.url }),
    auth: { tokens: c.tokens, clients: parseClients(env.FLOE_CATALOG_CLIENTS), ...(env.FLOE_CATALOG_TOKEN_SECRET ? { tokenSecret: env.FLOE_CATALOG_TOKEN_SECRET } : {}) },
    ...(s3 ? { s3 } : envS3(env)),
  };
}

/** `id:secret,id2:secret2`: OAuth2 clients allowed to use the token endpoint. */
function parseClients(v: string | undefined): { id: string; secret: string }[] {
  if (!v) return [];
  return v.split(',').filter((p) => p !== '').map((pair) => {
    const i = pair.indexOf(':');
    if (i <= 0) throw new FloeError('CONFIG_INVALID', 'FLOE_CATALOG_CLIENTS must be id:secret pairs separated by commas');
    return { id: pair.slice(0, i), secret: pair.slice(i + 1) };
  });
}

/**
 * `floe catalog serve` has no storage section: an s3:// warehouse takes the AWS SDK's usual
 * environment (keys, region), and AWS_ENDPOINT_URL_S3 / AWS_ENDPOINT_URL for MinIO-style stores,
 * which need path-style addressing.
 */
function envS3(env: NodeJS.ProcessEnv): { s3?: S3FileIOOptions } {
  const endpoint = env.AWS_ENDPOINT_URL_S3 ?? env.AWS_ENDPOINT_URL;
  if (!endpoint) return {};
  return { s3: { endpoint, forcePathStyle: true, region: env.AWS_REGION ?? 'us-east-1' } };
}

/** Where the pointers live, safe to log (a PostgreSQL URL's password masked). */
export function storeSummary(o: CatalogServerOptions): Record<string, string> {
  if (o.postgresUrl !== undefined) return { type: 'postgres', url: redactSecrets(o.postgresUrl) };
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
