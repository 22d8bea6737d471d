import { createServer, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkedToken, oauthBearerProvider } from '../../src/source/oauth.js';
import { isFloeError } from '../../src/util/errors.js';

const jwt = (claims: object) => `${Buffer.from('{"alg":"none"}').toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.`;

let server: Server;
let url = '';
const requests: Array<{ auth: string; body: string }> = [];
let answer: { status: number; body: string } = { status: 200, body: '' };

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      requests.push({ auth: req.headers.authorization ?? '', body });
      res.writeHead(answer.status, { 'content-type': 'application/json' }).end(answer.body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  url = `http://127.0.0.1:${(server.address() as { port: number }).port}/token`;
});
afterAll(() => new Promise((r) => server.close(r)));

describe('oauthBearerProvider', () => {
  it('fetches with the client-credentials grant and reuses the token until 80 % of its lifetime', async () => {
    requests.length = 0;
    let now = 1_000_000;
    const token = jwt({ sub: 'c', exp: 2_000_000 });
    answer = { status: 200, body: JSON.stringify({ access_token: token, expires_in: 100 }) };
    const provider = oauthBearerProvider({ tokenEndpoint: url, clientId: 'id:x', clientSecret: 's&cret', scope: 'kafka', now: () => now });
    expect(await provider()).toEqual({ value: token });
    expect(await provider()).toEqual({ value: token });
    expect(requests).toHaveLength(1);
    expect(new URLSearchParams(requests[0]!.body).get('grant_type')).toBe('client_credentials');
    expect(new URLSearchParams(requests[0]!.body).get('scope')).toBe('kafka');
    expect(Buffer.from(requests[0]!.auth.replace('Basic ', ''), 'base64').toString()).toBe('id%3Ax:s%26cret');
    now += 81_000;
    await provider();
    expect(requests).toHaveLength(2);
  });

  it('a refused client is an authentication failure that names the error code but not the secret', async () => {
    answer = { status: 401, body: JSON.stringify({ error: 'invalid_client', error_description: 'bad secret s3cr3t' }) };
    const err = await oauthBearerProvider({ tokenEndpoint: url, clientId: 'id', clientSecret: 's3cr3t' })().catch((e: unknown) => e);
    expect(isFloeError(err, 'KAFKA_AUTHENTICATION_FAILED')).toBe(true);
    expect((err as Error).message).toMatch(/refused the client credentials of kafka.sasl \(HTTP 401, invalid_client\)/);
    expect((err as Error).message).not.toContain('s3cr3t');
  });

  it('a server error or garbage is retryable; an unreachable endpoint too', async () => {
    answer = { status: 503, body: 'busy' };
    const e1 = await oauthBearerProvider({ tokenEndpoint: url, clientId: 'id', clientSecret: 's' })().catch((e: unknown) => e);
    expect(isFloeError(e1, 'KAFKA_OAUTH_UNREACHABLE') && e1.retryable).toBe(true);
    answer = { status: 200, body: '{"token_type":"bearer"}' };
    const e2 = await oauthBearerProvider({ tokenEndpoint: url, clientId: 'id', clientSecret: 's' })().catch((e: unknown) => e);
    expect(isFloeError(e2, 'KAFKA_OAUTH_BAD_RESPONSE') && e2.retryable).toBe(true);
    const e3 = await oauthBearerProvider({ tokenEndpoint: 'http://127.0.0.1:1/token', clientId: 'id', clientSecret: 's' })().catch((e: unknown) => e);
    expect(isFloeError(e3, 'KAFKA_OAUTH_UNREACHABLE') && e3.retryable).toBe(true);
  });

  it('a static token is used as is, unless it is a JWT that has expired', async () => {
    expect(await oauthBearerProvider({ token: 'opaque-token' })()).toEqual({ value: 'opaque-token' });
    const expired = jwt({ sub: 'x', exp: 1000 });
    const err = await oauthBearerProvider({ token: expired, now: () => 2_000_000 })().catch((e: unknown) => e);
    expect(isFloeError(err, 'KAFKA_AUTHENTICATION_FAILED')).toBe(true);
    expect((err as Error).message).toBe(
      "the OAuth token (kafka.sasl.token) expired at 1970-01-01T00:16:40.000Z; Kafka would refuse it. Check the token or the token endpoint's clock",
    );
    expect(checkedToken(jwt({ exp: 3000 }), 'x', 2_000_000)).toBeTruthy();
    expect(checkedToken('a.b.c', 'x', 0)).toBe('a.b.c');
  });
});
