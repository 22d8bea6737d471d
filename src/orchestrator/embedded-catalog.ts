/**
 * floe's configuration (`catalog: {type: embedded}`) → plain catalog server options, for both
 * `floe catalog serve` and the catalog the daemon starts inside itself. The server (catalog/server)
 * knows nothing of floe's configuration; this is the one place that translates.
 */
import type { CatalogServerOptions } from '../../catalog/server/server.js';
import type { EmbeddedCatalogConfig } from '../config/index.js';
import type { S3FileIOOptions } from '../iceberg/io/s3.js';
import { FloeError } from '../util/errors.js';

export function embeddedServerOptions(c: EmbeddedCatalogConfig, env: NodeJS.ProcessEnv, s3?: S3FileIOOptions): CatalogServerOptions {
  return {
    warehouse: c.warehouse,
    host: c.host,
    port: c.port,
    ...(c.store.type === 'sqlite' ? { storePath: c.store.path } : { postgresUrl: c.store.url }),
    auth: {
      tokens: c.tokens,
      readOnlyTokens: c.readOnlyTokens ?? [],
      clients: parseClients(env.FLOE_CATALOG_CLIENTS),
      ...(env.FLOE_CATALOG_TOKEN_SECRET ? { tokenSecret: env.FLOE_CATALOG_TOKEN_SECRET } : {}),
    },
    ...(c.allowedLocations?.length ? { allowedLocations: c.allowedLocations } : {}),
    ...(c.maxRequestBytes !== undefined ? { maxRequestBytes: c.maxRequestBytes } : {}),
    ...(c.maxUpdatesPerCommit !== undefined ? { maxUpdatesPerCommit: c.maxUpdatesPerCommit } : {}),
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

