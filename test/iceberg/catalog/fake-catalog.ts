/**
 * A small in-memory REST catalog on node:http for unit tests of the client and the commit retry:
 * enough of the protocol (config, OAuth2 tokens, namespaces, tables, commits with requirements)
 * plus fault injection for conflicts, lost responses and expiring tokens.
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseJson, stringifyJson } from '../../../src/iceberg/spec/json.js';
import type { TableRequirement, TableUpdate } from '../../../src/iceberg/spec/changes.js';
import type { TableMetadata } from '../../../src/iceberg/spec/types.js';

/** What to do with the next commit request. */
export type CommitFault =
  | 'conflict' // answer 409 without applying
  | 'apply-then-500' // apply, then answer 500 (state unknown, landed)
  | 'apply-then-reset' // apply, then destroy the socket (state unknown, landed)
  | 'reject-503' // answer 503 without applying (state unknown, not landed)
  | 'reset-before-apply'; // destroy the socket without applying

export interface RecordedRequest {
  method: string;
  path: string;
  query: URLSearchParams;
  headers: IncomingMessage['headers'];
  body: unknown;
}

export class FakeCatalog {
  readonly requests: RecordedRequest[] = [];
  readonly namespaces = new Map<string, Record<string, string>>();
  readonly tables = new Map<string, { metadata: TableMetadata; version: number }>();
  commitFaults: CommitFault[] = [];
  /** Statuses to answer the next GET/HEAD requests with (e.g. 503 for a flaky catalog). */
  readFaults: number[] = [];
  /** Calls to run when a commit is applied (e.g. to simulate a concurrent writer first). */
  beforeCommit: (() => void)[] = [];
  config = { defaults: { 'clients': '2' } as Record<string, string>, overrides: { prefix: 'ws1' } as Record<string, string> };
  tableConfig: Record<string, string> = { 's3.access-key-id': 'vended', 's3.secret-access-key': 'vended-secret' };
  /** When set, every non-token request needs `Authorization: Bearer <a token issued and not revoked>`. */
  oauth: { clientId: string; secret: string; expiresIn: number } | undefined;
  issuedTokens: string[] = [];
  revoked = new Set<string>();
  private server: Server | undefined;

  async start(): Promise<string> {
    this.server = createServer((req, res) => void this.handle(req, res));
    await new Promise<void>((r) => this.server!.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
  }

  async stop(): Promise<void> {
    this.server?.closeAllConnections();
    await new Promise<void>((r) => this.server?.close(() => r()) ?? r());
  }

  addTable(ns: string[], name: string, metadata: TableMetadata): void {
    this.tables.set(tkey(ns, name), { metadata, version: 0 });
  }

  table(ns: string[], name: string): TableMetadata {
    return this.tables.get(tkey(ns, name))!.metadata;
  }

  private async handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url!, 'http://x');
    const chunks: Buffer[] = [];
    for await (const c of req) chunks.push(c as Buffer);
    const raw = Buffer.concat(chunks).toString('utf8');
    const isForm = (req.headers['content-type'] ?? '').includes('x-www-form-urlencoded');
    const body = raw === '' ? undefined : isForm ? Object.fromEntries(new URLSearchParams(raw)) : parseJson(raw);
    this.requests.push({ method: req.method!, path: url.pathname, query: url.searchParams, headers: req.headers, body });
    const send = (status: number, payload?: unknown) => {
      res.writeHead(status, payload === undefined ? {} : { 'Content-Type': 'application/json' });
      res.end(payload === undefined ? undefined : stringifyJson(payload));
    };
    const error = (status: number, type: string, message = type) => send(status, { error: { message, type, code: status } });

    if (url.pathname === '/v1/oauth/tokens') {
      const f = body as Record<string, string>;
      if (!this.oauth || f.client_id !== this.oauth.clientId || f.client_secret !== this.oauth.secret) {
        return send(401, { error: 'invalid_client' });
      }
      const token = `tok-${this.issuedTokens.length + 1}`;
      this.issuedTokens.push(token);
      return send(200, { access_token: token, token_type: 'bearer', expires_in: this.oauth.expiresIn });
    }
    if (this.oauth) {
      const auth = req.headers.authorization ?? '';
      const token = auth.replace(/^Bearer /, '');
      if (!this.issuedTokens.includes(token) || this.revoked.has(token)) return error(401, 'NotAuthorizedException');
    }
    if ((req.method === 'GET' || req.method === 'HEAD') && this.readFaults.length > 0) {
      return error(this.readFaults.shift()!, 'ServiceUnavailableException');
    }
    if (url.pathname === '/v1/config') return send(200, this.config);

    const m = /^\/v1\/ws1\/namespaces(?:\/([^/]+)(?:\/tables(?:\/([^/]+))?)?)?$/.exec(url.pathname);
    if (!m) return error(404, 'NotFound', `no route ${url.pathname}`);
    // As Iceberg's server: split the raw segment on the separator as advertised (URL-encoded),
    // then decode each level; a level may contain the decoded separator.
    const sep = this.config.overrides['namespace-separator'] ?? '%1F';
    const ns = m[1] === undefined ? undefined : m[1].split(sep).map(decodeURIComponent);
    const table = m[2] === undefined ? undefined : decodeURIComponent(m[2]);

    if (ns === undefined) {
      if (req.method === 'GET') return send(200, { namespaces: [...this.namespaces.keys()].map((k) => k.split('\u001f')) });
      const b = body as { namespace: string[]; properties?: Record<string, string> };
      const k = b.namespace.join('\u001f');
      if (this.namespaces.has(k)) return error(409, 'AlreadyExistsException');
      this.namespaces.set(k, b.properties ?? {});
      return send(200, { namespace: b.namespace, properties: b.properties ?? {} });
    }
    const nsKey = ns.join('\u001f');
    if (!this.namespaces.has(nsKey)) return error(404, 'NoSuchNamespaceException');
    if (table === undefined && m[0].endsWith('/tables')) {
      return send(200, {
        identifiers: [...this.tables.keys()].map((k) => JSON.parse(k) as [string[], string]).filter(([n]) => n.join('\u001f') === nsKey).map(([namespace, name]) => ({ namespace, name })),
      });
    }
    if (table === undefined) {
      if (req.method === 'HEAD') return send(204);
      if (req.method === 'DELETE') return this.namespaces.delete(nsKey), send(204);
      return send(200, { namespace: ns, properties: this.namespaces.get(nsKey) });
    }
    const entry = this.tables.get(tkey(ns, table));
    if (!entry) return error(404, 'NoSuchTableException');
    if (req.method === 'HEAD') return send(204);
    const location = () => `${entry.metadata.location}/metadata/v${entry.version}.metadata.json`;
    if (req.method === 'GET') return send(200, { 'metadata-location': location(), metadata: entry.metadata, config: this.tableConfig });
    if (req.method === 'POST') {
      const fault = this.commitFaults.shift();
      if (fault === 'conflict') return error(409, 'CommitFailedException', 'injected conflict');
      if (fault === 'reject-503') return error(503, 'ServiceUnavailableException');
      if (fault === 'reset-before-apply') return void req.socket.destroy();
      for (const f of this.beforeCommit.splice(0)) f();
      const change = body as { requirements: TableRequirement[]; updates: TableUpdate[] };
      const failed = change.requirements.find((r) => !requirementHolds(entry.metadata, r));
      if (failed) return error(409, 'CommitFailedException', `requirement failed: ${failed.type}`);
      // As Iceberg's TableMetadata.Builder: a v3 table refuses a snapshot without row lineage (400).
      if (entry.metadata['format-version'] >= 3 && change.updates.some((u) => u.action === 'add-snapshot' && u.snapshot['first-row-id'] === undefined)) {
        return error(400, 'ValidationException', 'Cannot add a snapshot: first-row-id is null');
      }
      entry.metadata = applyUpdates(entry.metadata, change.updates);
      entry.version++;
      if (fault === 'apply-then-500') return error(500, 'CommitStateUnknownException');
      if (fault === 'apply-then-reset') return void req.socket.destroy();
      return send(200, { 'metadata-location': location(), metadata: entry.metadata });
    }
    return error(405, 'MethodNotAllowed');
  }
}

function tkey(ns: string[], name: string): string {
  return JSON.stringify([ns, name]);
}

function requirementHolds(m: TableMetadata, r: TableRequirement): boolean {
  switch (r.type) {
    case 'assert-table-uuid':
      return m['table-uuid'] === r.uuid;
    case 'assert-ref-snapshot-id': {
      const cur = m.refs?.[r.ref]?.['snapshot-id'];
      return r['snapshot-id'] === null ? cur === undefined : cur !== undefined && String(cur) === String(r['snapshot-id']);
    }
    case 'assert-current-schema-id':
      return m['current-schema-id'] === r['current-schema-id'];
    default:
      return true;
  }
}

function applyUpdates(m: TableMetadata, updates: TableUpdate[]): TableMetadata {
  const next: TableMetadata = structuredClone(m);
  for (const u of updates) {
    if (u.action === 'add-snapshot') {
      next.snapshots = [...(next.snapshots ?? []), u.snapshot];
      // As a real catalog does: the next commit's sequence number builds on this one.
      next['last-sequence-number'] = Math.max(next['last-sequence-number'] ?? 0, u.snapshot['sequence-number'] ?? 0);
    }
    else if (u.action === 'set-snapshot-ref') {
      next.refs = { ...(next.refs ?? {}), [u['ref-name']]: { 'snapshot-id': u['snapshot-id'], type: u.type } };
      if (u['ref-name'] === 'main') next['current-snapshot-id'] = u['snapshot-id'];
    } else if (u.action === 'set-properties') next.properties = { ...(next.properties ?? {}), ...u.updates };
    else if (u.action === 'remove-properties') for (const k of u.removals) delete next.properties?.[k];
  }
  next['last-updated-ms'] = Date.now();
  return next;
}

/** Minimal v2 metadata for tests. */
export function emptyMetadata(properties: Record<string, string> = {}): TableMetadata {
  return {
    'format-version': 2,
    'table-uuid': '9c12d441-03fe-4693-9a96-a0705ddf69c1',
    location: 's3://warehouse/db/t',
    'last-sequence-number': 0,
    'last-updated-ms': 0,
    'last-column-id': 1,
    schemas: [{ type: 'struct', 'schema-id': 0, fields: [{ id: 1, name: 'id', required: true, type: 'long' }] }],
    'current-schema-id': 0,
    'partition-specs': [{ 'spec-id': 0, fields: [] }],
    'default-spec-id': 0,
    'last-partition-id': 999,
    properties,
    'sort-orders': [{ 'order-id': 0, fields: [] }],
    'default-sort-order-id': 0,
    snapshots: [],
    refs: {},
  };
}
