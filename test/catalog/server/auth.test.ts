import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startEmbeddedCatalog } from '../../../catalog/server/embedded.js';
import { createCatalogServer, startCatalogServer } from '../../../catalog/server/index.js';
import { RestCatalogClient } from '../../../src/iceberg/catalog/index.js';
import { silentLogger } from '../../../src/util/log.js';

const dir = mkdtempSync(join(tmpdir(), 'floe-catalog-auth-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('catalog auth', () => {
  it('refuses to serve off loopback without credentials', () => {
    expect(() => createCatalogServer({ warehouse: join(dir, 'a'), host: '0.0.0.0' })).toThrow(/without credentials/);
  });

  it('with credentials: 401 without a token, static tokens and OAuth2 client-credentials tokens work', async () => {
    const server = await startCatalogServer({
      warehouse: join(dir, 'b'),
      port: 0,
      auth: { tokens: ['static-token'], clients: [{ id: 'spark', secret: 's3cret' }] },
    });
    try {
      const none = await fetch(`${server.url}/v1/config`);
      expect(none.status).toBe(401);
      expect(((await none.json()) as { error: { type: string } }).error.type).toBe('NotAuthorizedException');
      const bad = await fetch(`${server.url}/v1/oauth/tokens`, {
        method: 'POST',
        body: new URLSearchParams({ grant_type: 'client_credentials', client_id: 'spark', client_secret: 'wrong' }),
      });
      expect(bad.status).toBe(401);
      expect(((await bad.json()) as { error: string }).error).toBe('invalid_client');

      const byToken = new RestCatalogClient({ uri: server.url, token: 'static-token', logger: silentLogger });
      await byToken.createNamespace(['t1']);
      const byOAuth = new RestCatalogClient({ uri: server.url, credential: 'spark:s3cret', logger: silentLogger });
      expect(await byOAuth.listNamespaces()).toEqual([['t1']]);
      const forged = await fetch(`${server.url}/v1/namespaces`, { headers: { authorization: 'Bearer eyJzdWIiOiJ4IiwiZXhwIjo5OTk5OTk5OTk5fQ.bad' } });
      expect(forged.status).toBe(401);
    } finally {
      await server.close();
    }
  });

  it('the embedded catalog answers through the fetch it hands to the daemon, on a port picked at start', async () => {
    const warn: unknown[] = [];
    const embedded = startEmbeddedCatalog({ warehouse: join(dir, 'c'), port: 0 }, { info: () => undefined, warn: (o) => warn.push(o), error: () => undefined });
    const client = new RestCatalogClient({ uri: embedded.uri, fetch: embedded.fetch, logger: silentLogger });
    await client.createNamespace(['e']);
    expect(await client.namespaceExists(['e'])).toBe(true);
    expect(warn).toEqual([]);
  });
});
