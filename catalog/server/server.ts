/**
 * floe's Iceberg REST catalog on node:http: store + warehouse + auth wired to the router.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';
import { stringifyJson, parseJson } from '../../src/iceberg/spec/json.js';
import { LocalFileIO } from '../../src/iceberg/io/local.js';
import { resolveFileIO } from '../../src/iceberg/io/resolve.js';
import type { S3FileIOOptions } from '../../src/iceberg/io/s3.js';
import type { FileIO } from '../../src/iceberg/io/types.js';
import { FloeError } from '../../src/util/errors.js';
import { Authenticator, isLoopback, type AuthOptions } from './auth.js';
import { DEFAULT_MAX_UPDATES } from './commit-checks.js';
import { badRequest, CatalogError, notAuthorized, toCatalogError } from './errors.js';
import { LocationPolicy } from './locations.js';
import { Namespaces } from './namespaces.js';
import { Router } from './routes.js';
import { PostgresStore } from './postgres-store.js';
import { SqliteStore } from './sqlite-store.js';
import type { CatalogStore } from './store.js';
import type { PurgeResult } from './purge.js';
import { TableService } from './tables.js';
import { ViewService } from './views.js';

export interface CatalogServerOptions {
  /** Bind address; default 127.0.0.1. Anything but loopback requires credentials. */
  host?: string;
  /** Default 8181; 0 picks a free port. */
  port?: number;
  /** Where tables without an explicit location go: a local directory or s3://bucket/prefix. */
  warehouse: string;
  /** SQLite file of the pointer store; default `<warehouse>/floe-catalog.db` for a local warehouse. */
  storePath?: string;
  /** A PostgreSQL database for the pointer store instead of SQLite (postgres://…). */
  postgresUrl?: string;
  /** A ready store instead of the SQLite file (tests). */
  store?: CatalogStore;
  /** S3 endpoint, region and keys for an s3:// warehouse. */
  s3?: S3FileIOOptions;
  auth?: AuthOptions;
  /** Handed to clients in /v1/config defaults and each table's config (e.g. s3.endpoint). */
  clientConfig?: Record<string, string>;
  /** Called for requests that failed on the server side (5xx). */
  onError?: (err: unknown, method: string, url: string) => void;
  /** Roots outside the warehouse where table and view locations are also allowed. */
  allowedLocations?: string[];
  /** Largest request body, in bytes; default 1 MiB. The token endpoint always takes at most 16 KiB. */
  maxRequestBytes?: number;
  /** Updates (and requirements) one table or view change may carry; default 100. */
  maxUpdatesPerCommit?: number;
  /** Told what each purge did: files deleted, or why none were ('shared': the location is not only this table's; 'unverified': another table's files could not be read). */
  onPurge?: (table: string, result: PurgeResult) => void;
}

export interface RunningCatalog {
  url: string;
  host: string;
  port: number;
  close(): Promise<void>;
}

/** Default request body limit: far above any real commit, far below what exhausts memory. */
export const DEFAULT_MAX_REQUEST_BYTES = 1024 * 1024;
/** The unauthenticated token endpoint takes a short form; nothing more. */
export const MAX_TOKEN_REQUEST_BYTES = 16 * 1024;

export interface CatalogHandler {
  server: Server;
  host: string;
  /** Resolves once the store is usable (a PostgreSQL store connects and creates its tables). */
  ready: Promise<void>;
  /** Closes the store (when the server opened it). */
  closeStore(): Promise<void>;
}

function openStore(o: CatalogServerOptions, warehouse: string, isLocal: boolean): CatalogStore {
  if (o.postgresUrl !== undefined) return new PostgresStore({ url: o.postgresUrl });
  const storePath = o.storePath ?? (isLocal ? join(warehouse.replace(/^file:\/\//, ''), 'floe-catalog.db') : undefined);
  if (!storePath) throw new FloeError('CONFIG_INVALID', 'an s3:// warehouse needs a storePath for the catalog database');
  return new SqliteStore(storePath);
}

/**
 * Builds the server without listening, synchronously: the daemon's embedded catalog needs its
 * URL before anything async can run (createCatalog is synchronous).
 */
export function createCatalogServer(o: CatalogServerOptions): CatalogHandler {
  const host = o.host ?? '127.0.0.1';
  const auth = new Authenticator(o.auth ?? {});
  if (!isLoopback(host) && !auth.configured) {
    throw new FloeError('CATALOG_AUTH_REQUIRED', `refusing to serve on ${host} without credentials: configure tokens or OAuth2 clients, or bind to 127.0.0.1`);
  }
  // Once credentials exist they are always enforced; without them only loopback is reachable.
  const requireAuth = auth.configured;
  const warehouse = localOrUri(o.warehouse);
  const isLocal = !/^[a-z][a-z0-9+.-]*:\/\//i.test(warehouse) || warehouse.startsWith('file:');
  const store = o.store ?? openStore(o, warehouse, isLocal);

  const local = new LocalFileIO();
  let s3: FileIO | undefined;
  const io = (location: string): FileIO => {
    if (!/^s3[an]?:\/\//i.test(location)) return local;
    return (s3 ??= resolveFileIO(location, { ...(o.s3 ? { s3: o.s3 } : {}) }));
  };
  const locations = new LocationPolicy(warehouse, (o.allowedLocations ?? []).map(localOrUri));
  const maxBody = o.maxRequestBytes ?? DEFAULT_MAX_REQUEST_BYTES;
  const maxUpdates = o.maxUpdatesPerCommit ?? DEFAULT_MAX_UPDATES;
  const namespaces = new Namespaces(store, warehouse, locations);
  const tables = new TableService({
    store, namespaces, io, locations, maxUpdates,
    ...(o.clientConfig ? { tableConfig: o.clientConfig } : {}),
    ...(o.onPurge ? { onPurge: o.onPurge } : {}),
  });
  const views = new ViewService(store, namespaces, io, locations, maxUpdates);
  const router = new Router(namespaces, tables, views, o.clientConfig ?? {});

  const server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      o.onError?.(err, req.method ?? '', req.url ?? '');
      if (!res.headersSent) send(res, 500, toCatalogError(err).toBody());
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const method = req.method ?? 'GET';
    try {
      let url: URL;
      try {
        url = new URL(req.url ?? '/', 'http://catalog');
      } catch {
        throw badRequest('malformed request path');
      }
      const rawSegments = url.pathname.split('/').filter((s) => s !== '');
      if (method === 'POST' && rawSegments.join('/') === 'v1/oauth/tokens') {
        const form = (await readBody(req, MAX_TOKEN_REQUEST_BYTES)).toString('utf8');
        const reply = auth.token(new URLSearchParams(form), req.headers.authorization);
        return send(res, reply.status, reply.body);
      }
      // Authentication before anything else looks at the request: an anonymous caller learns nothing.
      const principal = requireAuth ? auth.verify(req.headers.authorization) : undefined;
      if (requireAuth && principal === undefined) throw notAuthorized('missing or invalid bearer token');
      if (principal?.readOnly && method !== 'GET' && method !== 'HEAD' && !(method === 'POST' && isMetricsReport(rawSegments))) {
        throw new CatalogError(403, 'ForbiddenException', 'this token may only read (GET and HEAD)');
      }
      const segments = rawSegments.map(decodeSegment);
      const reply = await router.route({
        method,
        segments,
        query: url.searchParams,
        body: async () => {
          const text = (await readBody(req, maxBody)).toString('utf8');
          if (text.trim() === '') throw badRequest('empty request body');
          try {
            return parseJson(text);
          } catch (err) {
            // Deeply nested input overflows the parser's stack (RangeError): still malformed input.
            throw badRequest(`malformed JSON: ${err instanceof Error ? err.message.slice(0, 200) : ''}`);
          }
        },
      });
      send(res, reply.status, method === 'HEAD' ? undefined : reply.body);
    } catch (err) {
      const e = toCatalogError(err);
      if (e.status >= 500) o.onError?.(err, method, req.url ?? '');
      // A body left unread (too large, or refused before reading) would stall the connection.
      if (e.status === 413 || !req.complete) res.setHeader('connection', 'close');
      send(res, e.status, method === 'HEAD' ? undefined : e.toBody());
    }
  }
  const ready = store.ready();
  ready.catch(() => undefined); // observed by whoever awaits it; never an unhandled rejection
  return { server, host, ready, closeStore: async () => { if (!o.store) await store.close(); } };
}

export async function startCatalogServer(o: CatalogServerOptions): Promise<RunningCatalog> {
  const { server, host, ready, closeStore } = createCatalogServer(o);
  // Refuse to serve without a usable store: a catalog that answers 500 to everything is worse
  // than one that fails at start with the reason.
  await ready.catch(async (err: unknown) => {
    await closeStore().catch(() => undefined);
    throw err;
  });

  await new Promise<void>((ok, fail) => {
    server.once('error', fail);
    server.listen(o.port ?? 8181, host, () => ok());
  });
  const port = (server.address() as AddressInfo).port;
  const urlHost = host.includes(':') ? `[${host}]` : host;
  return {
    url: `http://${urlHost}:${port}`,
    host,
    port,
    async close() {
      server.closeAllConnections();
      await new Promise<void>((ok) => server.close(() => ok()));
      await closeStore();
    },
  };
}

/** Java's client encodes path segments as forms (space → '+'); '+' itself arrives as %2B. */
function decodeSegment(s: string): string {
  try {
    return decodeURIComponent(s.replace(/\+/g, ' '));
  } catch {
    throw badRequest('malformed percent-encoding in the request path');
  }
}

function localOrUri(warehouse: string): string {
  if (/^[a-z][a-z0-9+.-]*:\/\//i.test(warehouse)) return warehouse.replace(/\/+$/, '');
  return (isAbsolute(warehouse) ? warehouse : resolve(warehouse)).replace(/\/+$/, '');
}

function send(res: ServerResponse, status: number, body: unknown): void {
  if (body === undefined) {
    res.writeHead(status).end();
    return;
  }
  const text = stringifyJson(body);
  res.writeHead(status, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(text) }).end(text);
}

/** The body, refused with a 413 as soon as it (or its declared length) passes `limit`. */
async function readBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const tooLarge = () => new CatalogError(413, 'RequestEntityTooLargeException', `request body larger than ${limit} bytes`);
  if (Number(req.headers['content-length'] ?? 0) > limit) throw tooLarge();
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

/**
 * `POST …/tables/{table}/metrics`: the scan report a reader's client sends after reading (Java's
 * RESTCatalog, so Spark). The server accepts and keeps nothing, so a read-only token may send it.
 */
function isMetricsReport(segments: string[]): boolean {
  const i = segments.indexOf('tables');
  return segments[0] === 'v1' && i >= 3 && segments[i - 2] === 'namespaces' && segments.length === i + 3 && segments[i + 2] === 'metrics';
}
