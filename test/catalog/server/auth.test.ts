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

  it('revoking a static token or a client revokes what was issued from it; read-only tokens only read', async () => {
    const secret = 'fixed-signing-secret';
    const wh = join(dir, 'revoke');
    const token = async (url: string, form: Record<string, string>, authorization?: string) => {
      const r = await fetch(`${url}/v1/oauth/tokens`, { method: 'POST', body: new URLSearchParams(form), ...(authorization ? { headers: { authorization } } : {}) });
      return { status: r.status, body: (await r.json()) as { access_token?: string; error?: string } };
    };
    const get = async (url: string, bearer: string, method = 'GET') =>
      (await fetch(`${url}/v1/namespaces`, { method, headers: { authorization: `Bearer ${bearer}` }, ...(method === 'POST' ? { body: '{"namespace":["ro"]}' } : {}) })).status;

    const first = await startCatalogServer({
      warehouse: wh, port: 0,
      auth: { tokens: ['old-static', 'kept'], readOnlyTokens: ['reader'], clients: [{ id: 'spark', secret: 's' }], tokenSecret: secret },
    });
    let fromStatic: string, fromClient: string, fromReader: string;
    try {
      fromStatic = (await token(first.url, { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'old-static' })).body.access_token!;
      fromClient = (await token(first.url, { grant_type: 'client_credentials', client_id: 'spark', client_secret: 's' })).body.access_token!;
      expect(await get(first.url, fromStatic)).toBe(200);
      expect(await get(first.url, 'reader')).toBe(200);
      expect(await get(first.url, 'reader', 'POST')).toBe(403);
      // Exchanged, a read-only token yields a read-only one.
      fromReader = (await token(first.url, { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'reader' })).body.access_token!;
      expect(await get(first.url, fromReader)).toBe(200);
      expect(await get(first.url, fromReader, 'POST')).toBe(403);
      expect(await get(first.url, 'kept', 'POST')).toBe(200);
      // Basic credentials with a broken %-escape: a 400 from the token endpoint, not a 500.
      const basic = `Basic ${Buffer.from('spark:%E0%A4%A').toString('base64')}`;
      expect((await token(first.url, { grant_type: 'client_credentials' }, basic)).status).toBe(400);
    } finally {
      await first.close();
    }
    // Same signing secret, but the static token and the client are gone: their tokens die with them.
    const second = await startCatalogServer({ warehouse: wh, port: 0, auth: { tokens: ['kept'], tokenSecret: secret } });
    try {
      expect(await get(second.url, fromStatic)).toBe(401);
      expect(await get(second.url, fromClient)).toBe(401);
      expect(await get(second.url, fromReader)).toBe(401);
      expect(await get(second.url, 'kept')).toBe(200);
      // No OAuth2 clients configured: a static token cannot be exchanged for more tokens.
      const exchanged = await token(second.url, { grant_type: 'urn:ietf:params:oauth:grant-type:token-exchange', subject_token: 'kept' });
      expect(exchanged).toEqual({ status: 400, body: { error: 'unsupported_grant_type', error_description: 'token exchange needs OAuth2 clients configured' } });
    } finally {
      await second.close();
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
