/**
 * OAUTHBEARER tokens for the Kafka client: a static token, or tokens fetched from an OAuth 2
 * token endpoint with the client-credentials grant (what Confluent Cloud, Strimzi/Keycloak and
 * most identity providers offer). kafkajs asks for a token on every new broker connection; a
 * fetched token is reused until 80 % of its lifetime has passed, so a reconnect storm does not
 * become a token-endpoint storm.
 *
 * The client secret and the tokens never reach a log line or an error message.
 */
import { request as httpsRequest } from 'node:https';
import { request as httpRequest, type IncomingMessage } from 'node:http';
import type { OauthbearerProviderResponse } from 'kafkajs';
import { FloeError } from '../util/errors.js';

export interface OAuthBearerOptions {
  token?: string;
  tokenEndpoint?: string;
  clientId?: string;
  clientSecret?: string;
  scope?: string;
  /** PEM text of the CA bundle that signed the endpoint's certificate. */
  ca?: string;
  timeoutMs?: number;
  now?: () => number;
}

/** A token response larger than this is not a token response. */
const MAX_RESPONSE_BYTES = 256 * 1024;
const REFRESH_AT = 0.8;

export function oauthBearerProvider(o: OAuthBearerOptions): () => Promise<OauthbearerProviderResponse> {
  const now = o.now ?? Date.now;
  if (o.token !== undefined) {
    const value = o.token;
    return async () => ({ value: checkedToken(value, 'kafka.sasl.token', now()) });
  }
  const endpoint = o.tokenEndpoint;
  if (endpoint === undefined || o.clientId === undefined || o.clientSecret === undefined) {
    throw new FloeError('CONFIG_INVALID', 'kafka.sasl (oauthbearer) needs token, or tokenEndpoint with clientId and clientSecret');
  }
  let cached: { value: string; refreshAt: number } | undefined;
  let inFlight: Promise<string> | undefined;
  return async () => {
    if (cached && now() < cached.refreshAt) return { value: cached.value };
    inFlight ??= fetchToken(endpoint, o)
      .then((t) => {
        const value = checkedToken(t.token, `the token from ${new URL(endpoint).origin}`, now());
        cached = { value, refreshAt: now() + t.expiresInMs * REFRESH_AT };
        return value;
      })
      .finally(() => {
        inFlight = undefined;
      });
    return { value: await inFlight };
  };
}

/**
 * Refuses a JWT whose `exp` has passed, as Java's client does on login (ClientJwtValidator).
 * Needed here for more than politeness: a broker answers an expired token with an error
 * *challenge*, which kafkajs 2.2.4 takes for success before the broker drops the connection, so
 * the only error kafkajs would report is "No brokers in the broker pool". Opaque (non-JWT)
 * tokens pass unchecked.
 */
export function checkedToken(token: string, source: string, nowMs: number): string {
  const parts = token.split('.');
  if (parts.length !== 3) return token;
  let exp: unknown;
  try {
    exp = (JSON.parse(Buffer.from(parts[1]!, 'base64url').toString('utf8')) as { exp?: unknown }).exp;
  } catch {
    return token;
  }
  if (typeof exp === 'number' && exp * 1000 <= nowMs) {
    throw new FloeError('KAFKA_AUTHENTICATION_FAILED', `the OAuth token (${source}) expired at ${new Date(exp * 1000).toISOString()}; Kafka would refuse it. Check the token or the token endpoint's clock`);
  }
  return token;
}

interface FetchedToken {
  token: string;
  expiresInMs: number;
}

async function fetchToken(endpoint: string, o: OAuthBearerOptions): Promise<FetchedToken> {
  const body = new URLSearchParams({ grant_type: 'client_credentials', ...(o.scope ? { scope: o.scope } : {}) }).toString();
  const basic = Buffer.from(`${encodeURIComponent(o.clientId!)}:${encodeURIComponent(o.clientSecret!)}`).toString('base64');
  const where = `OAuth token endpoint ${new URL(endpoint).origin}${new URL(endpoint).pathname}`;
  let res: { status: number; text: string };
  try {
    res = await post(endpoint, body, { authorization: `Basic ${basic}`, 'content-type': 'application/x-www-form-urlencoded', accept: 'application/json' }, o);
  } catch (err) {
    throw new FloeError('KAFKA_OAUTH_UNREACHABLE', `${where} could not be reached: ${(err as Error).message}`, { retryable: true, cause: err });
  }
  if (res.status === 400 || res.status === 401 || res.status === 403) {
    // RFC 6749 §5.2: `error` is a short code (invalid_client, unauthorized_client …), safe to show.
    const code = safeErrorCode(res.text);
    throw new FloeError('KAFKA_AUTHENTICATION_FAILED', `${where} refused the client credentials of kafka.sasl (HTTP ${res.status}${code ? `, ${code}` : ''})`, {
      details: { clientId: o.clientId },
    });
  }
  if (res.status < 200 || res.status >= 300) {
    throw new FloeError('KAFKA_OAUTH_UNREACHABLE', `${where} answered HTTP ${res.status}`, { retryable: res.status >= 500 || res.status === 429 });
  }
  let parsed: { access_token?: unknown; expires_in?: unknown };
  try {
    parsed = JSON.parse(res.text) as typeof parsed;
  } catch {
    throw new FloeError('KAFKA_OAUTH_BAD_RESPONSE', `${where} answered with something that is not JSON`, { retryable: true });
  }
  if (typeof parsed.access_token !== 'string' || parsed.access_token === '') {
    throw new FloeError('KAFKA_OAUTH_BAD_RESPONSE', `${where} answered without an access_token`, { retryable: true });
  }
  const expiresIn = typeof parsed.expires_in === 'number' && parsed.expires_in > 0 ? parsed.expires_in : 300;
  return { token: parsed.access_token, expiresInMs: Math.min(expiresIn, 24 * 3600) * 1000 };
}

function safeErrorCode(text: string): string | undefined {
  try {
    const e = (JSON.parse(text) as { error?: unknown }).error;
    return typeof e === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(e) ? e : undefined;
  } catch {
    return undefined;
  }
}

function post(url: string, body: string, headers: Record<string, string>, o: OAuthBearerOptions): Promise<{ status: number; text: string }> {
  const u = new URL(url);
  const send = u.protocol === 'https:' ? httpsRequest : httpRequest;
  return new Promise((resolve, reject) => {
    const req = send(
      u,
      { method: 'POST', headers: { ...headers, 'content-length': Buffer.byteLength(body) }, timeout: o.timeoutMs ?? 10_000, ...(o.ca ? { ca: o.ca } : {}) },
      (res: IncomingMessage) => {
        const chunks: Buffer[] = [];
        let size = 0;
        res.on('data', (c: Buffer) => {
          size += c.length;
          if (size > MAX_RESPONSE_BYTES) {
            req.destroy(new Error(`response larger than ${MAX_RESPONSE_BYTES} bytes`));
            return;
          }
          chunks.push(c);
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, text: Buffer.concat(chunks).toString('utf8') }));
        res.on('error', reject);
      },
    );
    req.on('timeout', () => req.destroy(new Error(`no answer within ${o.timeoutMs ?? 10_000} ms`)));
    req.on('error', reject);
    req.end(body);
  });
}
