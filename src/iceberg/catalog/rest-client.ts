/**
 * A client of the Iceberg REST catalog (open-api/rest-catalog-open-api.yaml): config, namespaces,
 * tables and table commits. It is a thin, faithful mapping of the wire protocol; deciding what to
 * do after a conflict or an unknown commit outcome is commit.ts's job.
 */
import { FloeError, isFloeError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import type { PartitionSpec, Schema, SortOrder, TableMetadata } from '../spec/types.js';
import { bearerAuth, noAuth, OAuth2ClientCredentials, type AuthProvider } from './auth.js';
import type { LoadedTable, StorageCredential, TableIdentifier } from './types.js';
import type { TableChange } from '../spec/changes.js';
import { CatalogErrorCode } from './errors.js';
import { CatalogHttp, type HttpRequest } from './http.js';

export interface RestCatalogOptions {
  /** Base URI without `/v1`, e.g. http://127.0.0.1:18181 */
  uri: string;
  /** Sent to /v1/config; the server may answer with a prefix and overrides for it. */
  warehouse?: string;
  /** Path prefix to use when the server's config does not set one. */
  prefix?: string;
  /** Static bearer token. */
  token?: string;
  /** OAuth2 client credentials, "client_id:client_secret" (or only a secret). */
  credential?: string;
  /** OAuth2 token endpoint; defaults to `<uri>/v1/oauth/tokens`. */
  oauth2ServerUri?: string;
  /** OAuth2 scope; defaults to "catalog". */
  scope?: string;
  /** Extra headers sent with every catalog request. */
  headers?: Record<string, string>;
  /** Client-side catalog properties, merged between the server's defaults and overrides. */
  properties?: Record<string, string>;
  timeoutMs?: number;
  commitTimeoutMs?: number;
  readRetries?: number;
  /**
   * X-Iceberg-Access-Delegation sent on table create/load; default "vended-credentials".
   * false sends no header (the catalog then returns no storage credentials).
   */
  accessDelegation?: string | false;
  logger?: Logger;
  /** Replaces global fetch (tests). */
  fetch?: typeof fetch;
}

export interface CatalogConfig {
  /** defaults < client properties < overrides */
  properties: Record<string, string>;
  prefix: string | undefined;
  /** Endpoints the server declared, if it declared any. */
  endpoints: string[] | undefined;
}

export interface CreateTableOptions {
  schema: Schema;
  partitionSpec?: PartitionSpec;
  writeOrder?: SortOrder;
  properties?: Record<string, string>;
  location?: string;
  /** true returns staged metadata to commit with assert-create later; default false. */
  stageCreate?: boolean;
}

export class RestCatalogClient {
  private readonly http: CatalogHttp;
  private readonly log: Logger;
  private configPromise: Promise<CatalogConfig> | undefined;
  private prefixPath = '';
  // The namespace separator: decoded for the `parent` query parameter (the HTTP layer encodes it),
  // and as the server wrote it (URL-encoded, the spec's default %1F) between the separately
  // encoded levels of a path. Joining decoded and encoding the whole, as floe did, is the same only
  // for a separator that encodeURIComponent escapes: for Apache's reference catalog from 1.11,
  // which says %2E (Jetty 12 refuses %1F in a path), it sent "a.b", one level named "a.b".
  private separator = '\u001f';
  private pathSeparator = '%1F';
  /** Table config from the last load, so commit results carry the same vended credentials. */
  private readonly tableConfigs = new Map<string, Pick<LoadedTable, 'config' | 'storageCredentials'>>();

  constructor(private readonly options: RestCatalogOptions) {
    this.log = options.logger ?? silentLogger;
    const uri = options.uri.replace(/\/+$/, '');
    let auth: AuthProvider = noAuth;
    if (options.credential !== undefined) {
      auth = new OAuth2ClientCredentials({
        credential: options.credential,
        serverUri: options.oauth2ServerUri ?? `${uri}/v1/oauth/tokens`,
        ...(options.scope !== undefined ? { scope: options.scope } : {}),
        ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
        ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
        logger: this.log,
      });
    } else if (options.token !== undefined) {
      auth = bearerAuth(options.token);
    }
    this.http = new CatalogHttp({
      baseUri: uri,
      auth,
      ...(options.headers !== undefined ? { headers: options.headers } : {}),
      ...(options.timeoutMs !== undefined ? { timeoutMs: options.timeoutMs } : {}),
      ...(options.commitTimeoutMs !== undefined ? { commitTimeoutMs: options.commitTimeoutMs } : {}),
      ...(options.readRetries !== undefined ? { readRetries: options.readRetries } : {}),
      ...(options.fetch !== undefined ? { fetch: options.fetch } : {}),
      logger: this.log,
    });
  }

  /** GET /v1/config, once; every other call waits for it because it decides the path prefix. */
  config(): Promise<CatalogConfig> {
    this.configPromise ??= this.fetchConfig().catch((err: unknown) => {
      this.configPromise = undefined; // let the next call try again
      throw err;
    });
    return this.configPromise;
  }

  private async fetchConfig(): Promise<CatalogConfig> {
    const res = await this.http.send({
      method: 'GET',
      path: '/v1/config',
      query: { warehouse: this.options.warehouse },
      kind: 'read',
    });
    const body = (res.body ?? {}) as { defaults?: unknown; overrides?: unknown; endpoints?: unknown };
    const client: Record<string, string> = { ...(this.options.properties ?? {}) };
    if (this.options.warehouse !== undefined) client.warehouse = this.options.warehouse;
    if (this.options.prefix !== undefined) client.prefix = this.options.prefix;
    const properties = { ...stringMap(body.defaults), ...client, ...stringMap(body.overrides) };
    const prefix = properties.prefix?.replace(/^\/+|\/+$/g, '') || undefined;
    this.prefixPath = prefix === undefined ? '' : `/${prefix}`;
    if (properties['namespace-separator'] !== undefined) {
      this.separator = decodeURIComponent(properties['namespace-separator']);
      this.pathSeparator = properties['namespace-separator'];
    }
    // Iceberg's `header.<name>` catalog properties become request headers.
    const headers: Record<string, string> = {};
    for (const [k, v] of Object.entries(properties)) if (k.startsWith('header.')) headers[k.slice(7)] = v;
    this.http.addHeaders(headers);
    const endpoints = Array.isArray(body.endpoints) ? body.endpoints.map(String) : undefined;
    this.log.debug({ prefix, endpoints: endpoints?.length }, 'loaded catalog config');
    return { properties, prefix, endpoints };
  }

  // ---- namespaces ----

  async listNamespaces(parent?: string[]): Promise<string[][]> {
    const out: string[][] = [];
    for await (const page of this.pages('/namespaces', 'namespaces', parent ? { parent: this.joinNs(parent) } : {})) {
      for (const ns of page) if (Array.isArray(ns)) out.push(ns.map(String));
    }
    return out;
  }

  async createNamespace(
    namespace: string[],
    properties: Record<string, string> = {},
  ): Promise<{ namespace: string[]; properties: Record<string, string> }> {
    const res = await this.call({
      method: 'POST',
      path: '/namespaces',
      body: { namespace, properties },
      kind: 'write',
    });
    const body = res as { namespace?: string[]; properties?: unknown } | undefined;
    return { namespace: body?.namespace ?? namespace, properties: stringMap(body?.properties) };
  }

  /** Creates the namespace unless it exists; tolerates another writer creating it concurrently. */
  async ensureNamespace(namespace: string[], properties: Record<string, string> = {}): Promise<void> {
    if (await this.namespaceExists(namespace)) return;
    try {
      await this.createNamespace(namespace, properties);
    } catch (err) {
      if (!isFloeError(err, CatalogErrorCode.AlreadyExists)) throw err;
    }
  }

  /** The namespace's properties. */
  async loadNamespace(namespace: string[]): Promise<Record<string, string>> {
    const res = await this.call({
      method: 'GET',
      path: `/namespaces/${this.nsPath(namespace)}`,
      kind: 'read',
      notFound: 'namespace',
    });
    return stringMap((res as { properties?: unknown } | undefined)?.properties);
  }

  async namespaceExists(namespace: string[]): Promise<boolean> {
    return this.exists({ method: 'HEAD', path: `/namespaces/${this.nsPath(namespace)}`, kind: 'read', notFound: 'namespace' });
  }

  async dropNamespace(namespace: string[]): Promise<void> {
    await this.call({ method: 'DELETE', path: `/namespaces/${this.nsPath(namespace)}`, kind: 'write', notFound: 'namespace' });
  }

  // ---- tables ----

  async listTables(namespace: string[]): Promise<TableIdentifier[]> {
    const out: TableIdentifier[] = [];
    for await (const page of this.pages(`/namespaces/${this.nsPath(namespace)}/tables`, 'identifiers', {}, 'namespace')) {
      for (const id of page as { namespace?: string[]; name?: string }[]) {
        if (id && Array.isArray(id.namespace) && typeof id.name === 'string') {
          out.push({ namespace: id.namespace.map(String), name: id.name });
        }
      }
    }
    return out;
  }

  async createTable(id: TableIdentifier, options: CreateTableOptions): Promise<LoadedTable> {
    const body: Record<string, unknown> = {
      name: id.name,
      schema: options.schema,
      'stage-create': options.stageCreate ?? false,
      properties: options.properties ?? {},
    };
    if (options.location !== undefined) body.location = options.location;
    if (options.partitionSpec !== undefined) body['partition-spec'] = options.partitionSpec;
    if (options.writeOrder !== undefined) body['write-order'] = options.writeOrder;
    const res = await this.call({
      method: 'POST',
      path: `/namespaces/${this.nsPath(id.namespace)}/tables`,
      body,
      kind: 'write',
      notFound: 'namespace',
      headers: this.delegationHeader(),
    });
    return this.remember(id, readLoadResult(res, 'create table'));
  }

  /** Loads the table; `snapshots: 'refs'` asks for only the snapshots that refs point at. */
  async loadTable(id: TableIdentifier, options: { snapshots?: 'all' | 'refs' } = {}): Promise<LoadedTable> {
    const res = await this.call({
      method: 'GET',
      path: this.tablePath(id),
      query: { snapshots: options.snapshots },
      kind: 'read',
      notFound: 'table',
      headers: this.delegationHeader(),
    });
    return this.remember(id, readLoadResult(res, 'load table'));
  }

  async tableExists(id: TableIdentifier): Promise<boolean> {
    return this.exists({ method: 'HEAD', path: this.tablePath(id), kind: 'read', notFound: 'table' });
  }

  async dropTable(id: TableIdentifier, options: { purge?: boolean } = {}): Promise<void> {
    await this.call({
      method: 'DELETE',
      path: this.tablePath(id),
      query: { purgeRequested: options.purge ? 'true' : undefined },
      kind: 'write',
      notFound: 'table',
    });
    this.tableConfigs.delete(key(id));
  }

  async renameTable(from: TableIdentifier, to: TableIdentifier): Promise<void> {
    await this.call({
      method: 'POST',
      path: '/tables/rename',
      body: { source: from, destination: to },
      kind: 'write',
      notFound: 'table',
    });
    this.tableConfigs.delete(key(from));
  }

  /**
   * POST the change to the table. Throws CATALOG_COMMIT_CONFLICT (409: a requirement failed) or
   * CATALOG_COMMIT_STATE_UNKNOWN (5xx, timeout, connection lost after sending). The result carries
   * the table config of the last load, since the commit response has none.
   */
  async commitTable(id: TableIdentifier, change: TableChange): Promise<LoadedTable> {
    const res = await this.call({
      method: 'POST',
      path: this.tablePath(id),
      body: { identifier: id, requirements: change.requirements, updates: change.updates },
      kind: 'commit',
      notFound: 'table',
    });
    const result = readLoadResult(res, 'commit');
    const known = this.tableConfigs.get(key(id));
    return { ...result, config: known?.config ?? {}, ...(known?.storageCredentials ? { storageCredentials: known.storageCredentials } : {}) };
  }

  // ---- plumbing ----

  private async call(req: HttpRequest): Promise<unknown> {
    await this.config();
    const res = await this.http.send({ ...req, path: `/v1${this.prefixPath}${req.path}` });
    return res.body;
  }

  private async exists(req: HttpRequest): Promise<boolean> {
    try {
      await this.call(req);
      return true;
    } catch (err) {
      if (err instanceof FloeError && /^CATALOG_(NO_SUCH_|NOT_FOUND)/.test(err.code)) return false;
      throw err;
    }
  }

  /** Follows `next-page-token` until the server stops sending one. */
  private async *pages(
    path: string,
    field: string,
    query: Record<string, string>,
    notFound: 'namespace' | 'table' = 'namespace',
  ): AsyncGenerator<unknown[]> {
    let pageToken: string | undefined;
    const seen = new Set<string>();
    do {
      const res = (await this.call({ method: 'GET', path, query: { ...query, pageToken }, kind: 'read', notFound })) as
        | Record<string, unknown>
        | undefined;
      const items = res?.[field];
      yield Array.isArray(items) ? items : [];
      const next = res?.['next-page-token'];
      pageToken = typeof next === 'string' && next !== '' && !seen.has(next) ? next : undefined;
      if (pageToken !== undefined) seen.add(pageToken); // a server repeating a token must not loop us forever
    } while (pageToken !== undefined);
  }

  private nsPath(namespace: string[]): string {
    return nonEmpty(namespace).map(encodeURIComponent).join(this.pathSeparator);
  }

  private joinNs(namespace: string[]): string {
    return nonEmpty(namespace).join(this.separator);
  }

  private tablePath(id: TableIdentifier): string {
    return `/namespaces/${this.nsPath(id.namespace)}/tables/${encodeURIComponent(id.name)}`;
  }

  private delegationHeader(): Record<string, string> {
    const value = this.options.accessDelegation ?? 'vended-credentials';
    return value === false ? {} : { 'X-Iceberg-Access-Delegation': value };
  }

  private remember(id: TableIdentifier, table: LoadedTable): LoadedTable {
    this.tableConfigs.set(key(id), {
      config: table.config,
      ...(table.storageCredentials ? { storageCredentials: table.storageCredentials } : {}),
    });
    return table;
  }
}

function key(id: TableIdentifier): string {
  return JSON.stringify([id.namespace, id.name]);
}

function nonEmpty(namespace: string[]): string[] {
  if (namespace.length === 0) throw new FloeError(CatalogErrorCode.BadRequest, 'empty namespace');
  return namespace;
}

function stringMap(value: unknown): Record<string, string> {
  const out: Record<string, string> = {};
  if (typeof value !== 'object' || value === null) return out;
  for (const [k, v] of Object.entries(value)) if (v !== null && v !== undefined) out[k] = String(v);
  return out;
}

function readLoadResult(body: unknown, what: string): LoadedTable {
  const res = body as
    | { 'metadata-location'?: unknown; metadata?: unknown; config?: unknown; 'storage-credentials'?: unknown }
    | undefined;
  const metadata = res?.metadata as TableMetadata | undefined;
  if (typeof metadata !== 'object' || metadata === null || typeof metadata['table-uuid'] !== 'string') {
    throw new FloeError(CatalogErrorCode.BadResponse, `${what}: response has no table metadata`);
  }
  const table: LoadedTable = {
    metadataLocation: typeof res?.['metadata-location'] === 'string' ? res['metadata-location'] : undefined,
    metadata,
    config: stringMap(res?.config),
  };
  const creds = res?.['storage-credentials'];
  if (Array.isArray(creds)) {
    table.storageCredentials = creds
      .filter((c): c is { prefix: string; config: unknown } => typeof c?.prefix === 'string')
      .map((c): StorageCredential => ({ prefix: c.prefix, config: stringMap(c.config) }));
  }
  return table;
}
