/**
 * Maps REST catalog requests (open-api/rest-catalog-open-api.yaml) onto the namespace and table
 * services. Paths are matched on decoded segments; a namespace segment holds its levels joined
 * by the unit separator (%1F). An optional `{prefix}` segment before `namespaces` / `tables` /
 * `transactions` is accepted and ignored, since this server advertises none in /v1/config.
 */
import type { TableChange } from '../../src/iceberg/spec/changes.js';
import { badRequest, notFound } from './errors.js';
import { checkNamespace, type Namespaces } from './namespaces.js';
import { SEP, type Namespace } from './store.js';
import type { CreateTableRequest, TableService } from './tables.js';
import type { ViewService } from './views.js';

export interface Request {
  method: string;
  segments: string[];
  query: URLSearchParams;
  body: () => Promise<unknown>;
}

export interface Reply {
  status: number;
  body?: unknown;
}

/** Every route this server implements, advertised in /v1/config so clients use no others. */
export const ENDPOINTS = [
  'GET /v1/{prefix}/namespaces',
  'POST /v1/{prefix}/namespaces',
  'GET /v1/{prefix}/namespaces/{namespace}',
  'HEAD /v1/{prefix}/namespaces/{namespace}',
  'DELETE /v1/{prefix}/namespaces/{namespace}',
  'POST /v1/{prefix}/namespaces/{namespace}/properties',
  'GET /v1/{prefix}/namespaces/{namespace}/tables',
  'POST /v1/{prefix}/namespaces/{namespace}/tables',
  'GET /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/tables/{table}',
  'POST /v1/{prefix}/namespaces/{namespace}/register',
  'POST /v1/{prefix}/namespaces/{namespace}/tables/{table}/metrics',
  'POST /v1/{prefix}/tables/rename',
  'POST /v1/{prefix}/transactions/commit',
  'GET /v1/{prefix}/namespaces/{namespace}/views',
  'POST /v1/{prefix}/namespaces/{namespace}/views',
  'GET /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'HEAD /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'POST /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'DELETE /v1/{prefix}/namespaces/{namespace}/views/{view}',
  'POST /v1/{prefix}/views/rename',
];

export class Router {
  constructor(
    private readonly namespaces: Namespaces,
    private readonly tables: TableService,
    private readonly views: ViewService,
    private readonly defaults: Record<string, string> = {},
  ) {}

  async route(req: Request): Promise<Reply> {
    const s = req.segments;
    if (s[0] !== 'v1') throw notFound(`no route for ${req.method} /${s.join('/')}`);
    if (s.length === 2 && s[1] === 'config' && req.method === 'GET') {
      return ok({ defaults: this.defaults, overrides: {}, endpoints: ENDPOINTS });
    }
    // Drop an optional prefix segment: /v1/<prefix>/namespaces/... → /v1/namespaces/...
    const rest = ['namespaces', 'tables', 'views', 'transactions'].includes(s[1] ?? '') ? s.slice(1) : s.slice(2);
    const m = req.method;
    const [a, b, c, d, e] = rest;
    if (a === 'namespaces') {
      if (b === undefined) {
        if (m === 'GET') return this.listNamespaces(req);
        if (m === 'POST') {
          const body = obj(await req.body());
          return ok(await this.namespaces.create(checkNamespace(body.namespace), (body.properties ?? {}) as Record<string, string>));
        }
      } else {
        const ns = parseNamespace(b);
        if (c === undefined) {
          if (m === 'GET') return ok(await this.namespaces.load(ns));
          if (m === 'HEAD') return { status: (await this.namespaces.exists(ns)) ? 204 : 404 };
          if (m === 'DELETE') return (await this.namespaces.drop(ns), { status: 204 });
        } else if (c === 'properties' && d === undefined && m === 'POST') {
          const body = obj(await req.body());
          return ok(await this.namespaces.updateProperties(ns, body.removals as string[] | undefined, body.updates as Record<string, string> | undefined));
        } else if (c === 'register' && d === undefined && m === 'POST') {
          const body = obj(await req.body());
          return ok(await this.tables.register(ns, body.name as string, body['metadata-location'] as string, body.overwrite === true));
        } else if (c === 'tables') {
          return this.tableRoute(req, ns, d, e);
        } else if (c === 'views' && e === undefined) {
          return this.viewRoute(req, ns, d);
        }
      }
    } else if (a === 'tables' && b === 'rename' && c === undefined && m === 'POST') {
      const body = obj(await req.body());
      await this.tables.rename(identifier(body.source), identifier(body.destination));
      return { status: 204 };
    } else if (a === 'views' && b === 'rename' && c === undefined && m === 'POST') {
      const body = obj(await req.body());
      await this.views.rename(identifier(body.source), identifier(body.destination));
      return { status: 204 };
    } else if (a === 'transactions' && b === 'commit' && c === undefined && m === 'POST') {
      const body = obj(await req.body());
      const changes = body['table-changes'];
      if (!Array.isArray(changes)) throw badRequest('table-changes must be a list');
      await this.tables.commitTransaction(
        changes.map((ch) => {
          const id = identifier(obj(ch).identifier);
          return { ns: id.ns, name: id.name, change: ch as TableChange };
        }),
      );
      return { status: 204 };
    }
    throw notFound(`no route for ${m} /${s.join('/')}`);
  }

  private async tableRoute(req: Request, ns: Namespace, table: string | undefined, sub: string | undefined): Promise<Reply> {
    const m = req.method;
    if (table === undefined) {
      if (m === 'GET') return this.listTables(req, ns);
      if (m === 'POST') return ok(await this.tables.create(ns, obj(await req.body()) as unknown as CreateTableRequest));
    } else if (sub === undefined) {
      if (m === 'GET') return ok(await this.tables.load(ns, table));
      if (m === 'HEAD') return { status: (await this.tables.exists(ns, table)) ? 204 : 404 };
      if (m === 'POST') return ok(await this.tables.commit(ns, table, obj(await req.body()) as unknown as TableChange));
      if (m === 'DELETE') {
        await this.tables.drop(ns, table, req.query.get('purgeRequested') === 'true');
        return { status: 204 };
      }
    } else if (sub === 'metrics' && m === 'POST') {
      // Scan and commit reports are accepted and not kept.
      await req.body();
      return { status: 204 };
    }
    throw notFound(`no route for ${m} ${[...ns, table ?? ''].join('.')}`);
  }

  private async viewRoute(req: Request, ns: Namespace, view: string | undefined): Promise<Reply> {
    const m = req.method;
    if (view === undefined) {
      if (m === 'GET') {
        const { page, next } = paginate((await this.views.list(ns)).map((name) => ({ namespace: ns, name })), req.query);
        return ok({ identifiers: page, ...(next ? { 'next-page-token': next } : {}) });
      }
      if (m === 'POST') return ok(await this.views.create(ns, obj(await req.body()) as unknown as Parameters<ViewService['create']>[1]));
    } else {
      if (m === 'GET') return ok(await this.views.load(ns, view));
      if (m === 'HEAD') return { status: (await this.views.exists(ns, view)) ? 204 : 404 };
      if (m === 'POST') return ok(await this.views.replace(ns, view, obj(await req.body()) as Parameters<ViewService['replace']>[2]));
      if (m === 'DELETE') return (await this.views.drop(ns, view), { status: 204 });
    }
    throw notFound(`no route for ${m} view ${[...ns, view ?? ''].join('.')}`);
  }

  private async listNamespaces(req: Request): Promise<Reply> {
    const parent = req.query.get('parent');
    const all = await this.namespaces.list(parent ? parseNamespace(parent) : []);
    const { page, next } = paginate(all, req.query);
    return ok({ namespaces: page, ...(next ? { 'next-page-token': next } : {}) });
  }

  private async listTables(req: Request, ns: Namespace): Promise<Reply> {
    const all = (await this.tables.list(ns)).map((name) => ({ namespace: ns, name }));
    const { page, next } = paginate(all, req.query);
    return ok({ identifiers: page, ...(next ? { 'next-page-token': next } : {}) });
  }
}

const ok = (body: unknown): Reply => ({ status: 200, body });

function obj(v: unknown): Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) throw badRequest('request body must be a JSON object');
  return v as Record<string, unknown>;
}

function identifier(v: unknown): { ns: Namespace; name: string } {
  const o = obj(v);
  if (typeof o.name !== 'string' || o.name === '') throw badRequest(`invalid table identifier ${JSON.stringify(v)}`);
  return { ns: checkNamespace(o.namespace), name: o.name };
}

export function parseNamespace(segment: string): Namespace {
  return checkNamespace(segment.split(SEP));
}

/** Offset-based pages: the token is the index of the next item, opaque to clients. */
function paginate<T>(all: T[], q: URLSearchParams): { page: T[]; next?: string } {
  const size = q.get('pageSize');
  const token = q.get('pageToken');
  if (size === null && !token) return { page: all };
  const start = token ? Number(token) : 0;
  const n = size === null ? all.length : Number(size);
  if (!Number.isInteger(start) || start < 0 || !Number.isInteger(n) || n < 1) throw badRequest('invalid pageToken or pageSize');
  const page = all.slice(start, start + n);
  return start + n < all.length ? { page, next: String(start + n) } : { page };
}
