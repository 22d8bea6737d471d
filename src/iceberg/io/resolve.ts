/**
 * Picking and configuring a FileIO for a table location, including storage credentials vended
 * by the catalog (LoadTableResult `config` and `storage-credentials`, keys as in Iceberg's S3FileIO).
 */
import { FloeError } from '../../util/errors.js';
import { LocalFileIO } from './local.js';
import { S3FileIO, type S3FileIOOptions } from './s3.js';
import { IoErrorCode, type FileIO } from './types.js';

/** The spec's StorageCredential: a config that applies below a location prefix. */
export interface PrefixedStorageConfig {
  prefix: string;
  config: Record<string, string>;
}

export interface TableStorage {
  /** The table's `config` from the catalog. */
  config?: Record<string, string>;
  /** The table's `storage-credentials` from the catalog. */
  storageCredentials?: PrefixedStorageConfig[];
  /** The table (or file) location, to pick the most specific storage credential. */
  location?: string;
}

/**
 * S3 options for a table: credentials the catalog vended win over the daemon's, because they are
 * scoped to this table; endpoint, path style and region configured for the daemon win over the
 * catalog's, because a catalog in a container often advertises an endpoint (http://minio:9000)
 * that only resolves inside its own network.
 */
export function s3OptionsForTable(table: TableStorage, base: S3FileIOOptions = {}): S3FileIOOptions {
  const config = { ...(table.config ?? {}), ...pickStorageCredential(table) };
  const opts: S3FileIOOptions = { ...base };
  const keyId = config['s3.access-key-id'];
  const secret = config['s3.secret-access-key'];
  if (keyId && secret) {
    const token = config['s3.session-token'];
    opts.credentials = { accessKeyId: keyId, secretAccessKey: secret, ...(token ? { sessionToken: token } : {}) };
  }
  if (opts.endpoint === undefined && config['s3.endpoint']) opts.endpoint = config['s3.endpoint'];
  if (opts.forcePathStyle === undefined && config['s3.path-style-access'] !== undefined) {
    opts.forcePathStyle = config['s3.path-style-access'].toLowerCase() === 'true';
  }
  if (opts.region === undefined) {
    const region = config['client.region'] ?? config['s3.region'];
    if (region) opts.region = region;
    // S3-compatible stores ignore the region, but the SDK refuses to sign without one.
    else if (opts.endpoint !== undefined && !process.env.AWS_REGION) opts.region = 'us-east-1';
  }
  return opts;
}

/** An S3FileIO for a loaded table: its vended configuration merged with the daemon's storage options. */
export function fromTableConfig(
  config: Record<string, string>,
  base: S3FileIOOptions = {},
  extra: Omit<TableStorage, 'config'> = {},
): S3FileIO {
  return new S3FileIO(s3OptionsForTable({ ...extra, config }, base));
}

/** The longest-prefix storage credential matching the location, per the REST spec. */
function pickStorageCredential(table: TableStorage): Record<string, string> {
  const creds = table.storageCredentials ?? [];
  const location = table.location;
  let best: PrefixedStorageConfig | undefined;
  for (const c of creds) {
    if (location !== undefined && !sameScheme(location).startsWith(sameScheme(c.prefix))) continue;
    if (best === undefined || c.prefix.length > best.prefix.length) best = c;
  }
  return best?.config ?? {};
}

/** s3a:// and s3n:// name the same objects as s3://. */
function sameScheme(uri: string): string {
  return uri.replace(/^s3[an]?:\/\//i, 's3://');
}

export interface ResolveOptions extends TableStorage {
  /** The daemon's S3 settings (endpoint, region, keys...). */
  s3?: S3FileIOOptions;
}

/** A FileIO for a location by its scheme: s3/s3a/s3n → S3FileIO, file or no scheme → LocalFileIO. */
export function resolveFileIO(location: string, options: ResolveOptions = {}): FileIO {
  const scheme = /^([a-z][a-z0-9+.-]*):/i.exec(location)?.[1]?.toLowerCase();
  if (scheme === undefined || scheme === 'file' || /^[a-z]:[\\/]/i.test(location)) return new LocalFileIO();
  if (scheme === 's3' || scheme === 's3a' || scheme === 's3n') {
    return new S3FileIO(s3OptionsForTable({ ...options, location: options.location ?? location }, options.s3));
  }
  throw new FloeError(IoErrorCode.UnsupportedScheme, `no FileIO for ${scheme}:// locations (${location})`);
}
