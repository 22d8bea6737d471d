import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { RestCatalogClient } from '../../../src/iceberg/catalog/rest-client.js';
import { isFloeError } from '../../../src/util/errors.js';
import { emptyMetadata, FakeCatalog } from './fake-catalog.js';

describe('RestCatalogClient against a fake catalog', () => {
  let fake: FakeCatalog;
  let uri: string;
  beforeEach(async () => {
    fake = new FakeCatalog();
    uri = await fake.start();
  });
  afterEach(() => fake.stop());

  it('merges config defaults < client properties < overrides and uses the prefix', async () => {
    fake.config = { defaults: { a: 'default', b: 'default', prefix: 'nope' }, overrides: { b: 'override', prefix: 'ws1', 'header.X-Tenant': 't1' } };
    const client = new RestCatalogClient({ uri: `${uri}/`, warehouse: 's3://wh/', properties: { a: 'client', b: 'client' } });
    const cfg = await client.config();
    expect(cfg.properties).toMatchObject({ a: 'client', b: 'override', warehouse: 's3://wh/' });
    expect(cfg.prefix).toBe('ws1');
    expect(fake.requests[0]?.query.get('warehouse')).toBe('s3://wh/');
    await client.listNamespaces();
    expect(fake.requests[1]?.path).toBe('/v1/ws1/namespaces');
    expect(fake.requests[1]?.headers['x-tenant']).toBe('t1');
  });

  it('encodes multi-level namespaces with %1F and maps 404s', async () => {
    const client = new RestCatalogClient({ uri });
    await client.createNamespace(['a', 'b c'], { owner: 'me' });
    expect(await client.namespaceExists(['a', 'b c'])).toBe(true);
    expect(fake.requests.at(-1)?.path).toBe('/v1/ws1/namespaces/a%1Fb%20c');
    expect(await client.loadNamespace(['a', 'b c'])).toEqual({ owner: 'me' });
    expect(await client.namespaceExists(['zzz'])).toBe(false);
    expect(await client.tableExists({ namespace: ['a', 'b c'], name: 'nope' })).toBe(false);
    const err = await client.loadTable({ namespace: ['zzz'], name: 't' }).catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_NO_SUCH_NAMESPACE')).toBe(true);
    const err2 = await client.loadTable({ namespace: ['a', 'b c'], name: 't' }).catch((e: unknown) => e);
    expect(isFloeError(err2, 'CATALOG_NO_SUCH_TABLE')).toBe(true);
    expect((err2 as { retryable: boolean }).retryable).toBe(false);
    const dup = await client.createNamespace(['a', 'b c']).catch((e: unknown) => e);
    expect(isFloeError(dup, 'CATALOG_ALREADY_EXISTS')).toBe(true);
    await client.ensureNamespace(['a', 'b c']);
    await client.ensureNamespace(['new']);
    expect(fake.namespaces.has('new')).toBe(true);
  });

  it("puts the server's namespace-separator between separately encoded levels (Iceberg 1.11+'s reference catalog says %2E)", async () => {
    fake.config.overrides['namespace-separator'] = '%2E';
    const client = new RestCatalogClient({ uri });
    await client.createNamespace(['a', 'b.c d'], { owner: 'me' });
    // "." inside a level stays a literal dot; only %2E separates levels.
    expect(await client.loadNamespace(['a', 'b.c d'])).toEqual({ owner: 'me' });
    expect(fake.requests.at(-1)?.path).toBe('/v1/ws1/namespaces/a%2Eb.c%20d');
    expect(await client.namespaceExists(['a.b.c d'])).toBe(false);
    expect(fake.requests.at(-1)?.path).toBe('/v1/ws1/namespaces/a.b.c%20d');
    fake.addTable(['a', 'b.c d'], 't', emptyMetadata());
    expect(await client.tableExists({ namespace: ['a', 'b.c d'], name: 't' })).toBe(true);
    expect(fake.requests.at(-1)?.path).toBe('/v1/ws1/namespaces/a%2Eb.c%20d/tables/t');
  });

  it('loads a table with its config and asks for vended credentials', async () => {
    fake.namespaces.set('db', {});
    fake.addTable(['db'], 't', emptyMetadata());
    const client = new RestCatalogClient({ uri, token: 'static-token', headers: { 'X-Extra': 'yes' } });
    const t = await client.loadTable({ namespace: ['db'], name: 't' });
    expect(t.metadata['table-uuid']).toBe(emptyMetadata()['table-uuid']);
    expect(t.metadataLocation).toMatch(/v0\.metadata\.json$/);
    expect(t.config['s3.secret-access-key']).toBe('vended-secret');
    const req = fake.requests.at(-1)!;
    expect(req.headers['x-iceberg-access-delegation']).toBe('vended-credentials');
    expect(req.headers.authorization).toBe('Bearer static-token');
    expect(req.headers['x-extra']).toBe('yes');
    expect(await client.listTables(['db'])).toEqual([{ namespace: ['db'], name: 't' }]);
  });

  it('maps commit failures: 409 conflict is retryable, 5xx is state unknown', async () => {
    fake.namespaces.set('db', {});
    fake.addTable(['db'], 't', emptyMetadata());
    const client = new RestCatalogClient({ uri });
    const id = { namespace: ['db'], name: 't' };
    const change = { requirements: [{ type: 'assert-table-uuid' as const, uuid: 'wrong' }], updates: [] };
    const conflict = await client.commitTable(id, change).catch((e: unknown) => e);
    expect(isFloeError(conflict, 'CATALOG_COMMIT_CONFLICT')).toBe(true);
    expect((conflict as { retryable: boolean }).retryable).toBe(true);
    fake.commitFaults = ['apply-then-500', 'apply-then-reset'];
    const ok = { requirements: [], updates: [{ action: 'set-properties' as const, updates: { k: 'v' } }] };
    for (let i = 0; i < 2; i++) {
      const unknown = await client.commitTable(id, ok).catch((e: unknown) => e);
      expect(isFloeError(unknown, 'CATALOG_COMMIT_STATE_UNKNOWN')).toBe(true);
      expect((unknown as { retryable: boolean }).retryable).toBe(false);
    }
  });

  it('times out a commit as state unknown', async () => {
    const { createServer } = await import('node:http');
    const hang = createServer((req) => {
      if (req.url?.startsWith('/v1/config')) return void req.socket.end('HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 31\r\n\r\n{"defaults":{},"overrides":{}}\n');
      // never answer commits
    });
    await new Promise<void>((r) => hang.listen(0, '127.0.0.1', r));
    const port = (hang.address() as { port: number }).port;
    try {
      const client = new RestCatalogClient({ uri: `http://127.0.0.1:${port}`, commitTimeoutMs: 200 });
      const err = await client.commitTable({ namespace: ['db'], name: 't' }, { requirements: [], updates: [] }).catch((e: unknown) => e);
      expect(isFloeError(err, 'CATALOG_COMMIT_STATE_UNKNOWN')).toBe(true);
    } finally {
      hang.closeAllConnections();
      hang.close();
    }
  });

  it('retries reads after 5xx, and reports them retryable when the retries run out', async () => {
    fake.namespaces.set('db', {});
    const client = new RestCatalogClient({ uri, readRetries: 2 });
    fake.readFaults = [503, 502];
    expect(await client.namespaceExists(['db'])).toBe(true);
    fake.readFaults = [500, 500, 500];
    const err = await client.loadNamespace(['db']).catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_UNAVAILABLE')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
  });

  it('connection refused on a commit is plainly retryable: the request never left', async () => {
    const client = new RestCatalogClient({ uri: 'http://127.0.0.1:1', readRetries: 0 });
    const err = await client.config().catch((e: unknown) => e);
    expect(isFloeError(err, 'CATALOG_UNAVAILABLE')).toBe(true);
    expect((err as { retryable: boolean }).retryable).toBe(true);
  });

  describe('OAuth2 client credentials', () => {
    beforeEach(() => {
      fake.oauth = { clientId: 'floe', secret: 's3cr3t', expiresIn: 3600 };
      fake.namespaces.set('db', {});
    });

    it('exchanges the credential for a token and reuses it', async () => {
      const client = new RestCatalogClient({ uri, credential: 'floe:s3cr3t', scope: 'catalog' });
      await client.listNamespaces();
      await client.namespaceExists(['db']);
      const tokenReqs = fake.requests.filter((r) => r.path === '/v1/oauth/tokens');
      expect(tokenReqs).toHaveLength(1);
      expect(tokenReqs[0]?.body).toMatchObject({ grant_type: 'client_credentials', client_id: 'floe', client_secret: 's3cr3t', scope: 'catalog' });
      expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer tok-1');
    });

    it('refreshes before expiry', async () => {
      fake.oauth!.expiresIn = 1; // refresh margin is 10% of the lifetime: 100 ms before expiry
      const client = new RestCatalogClient({ uri, credential: 'floe:s3cr3t' });
      await client.listNamespaces();
      await new Promise((r) => setTimeout(r, 950));
      await client.listNamespaces();
      expect(fake.issuedTokens).toEqual(['tok-1', 'tok-2']);
      expect(fake.requests.at(-1)?.headers.authorization).toBe('Bearer tok-2');
    });

    it('fetches a new token and resends once after a 401', async () => {
      const client = new RestCatalogClient({ uri, credential: 'floe:s3cr3t' });
      await client.listNamespaces();
      fake.revoked.add('tok-1');
      expect(await client.namespaceExists(['db'])).toBe(true);
      expect(fake.issuedTokens).toEqual(['tok-1', 'tok-2']);
    });

    it('a wrong secret is a fatal auth error', async () => {
      const client = new RestCatalogClient({ uri, credential: 'floe:wrong' });
      const err = await client.listNamespaces().catch((e: unknown) => e);
      expect(isFloeError(err, 'CATALOG_UNAUTHORIZED')).toBe(true);
      expect((err as { retryable: boolean }).retryable).toBe(false);
      expect((err as Error).message).not.toContain('wrong');
    });
  });
});
