/**
 * Authentication for the catalog server: static bearer tokens, and an OAuth2 client-credentials
 * token endpoint (POST /v1/oauth/tokens, the flow Java's RESTCatalog, PyIceberg and Spark use
 * with `credential=<id>:<secret>`). Issued tokens are HMAC-signed and carry their expiry, so the
 * server keeps no session state and, given a configured secret, tokens survive a restart.
 *
 * An issued token names what it was issued from (an OAuth2 client id, or a fingerprint of the
 * static token that was exchanged) and is only valid while that is still configured: removing a
 * client or a static token revokes every token issued from it at the next restart.
 */
import { createHmac, randomBytes, timingSafeEqual } from 'node:crypto';

export interface AuthOptions {
  /** Bearer tokens accepted as they are (e.g. for the daemon or an admin). */
  tokens?: string[];
  /** Bearer tokens that may only read: GET and HEAD; anything else is a 403. */
  readOnlyTokens?: string[];
  /** OAuth2 clients allowed to exchange their id and secret for a token. */
  clients?: { id: string; secret: string }[];
  /** Key that signs issued tokens; random per process when absent. */
  tokenSecret?: string;
  /** Lifetime of issued tokens. */
  tokenTtlSeconds?: number;
}

/** Who a request is from; `readOnly` callers may not change anything. */
export interface Principal {
  name: string;
  readOnly: boolean;
}

export interface OAuthReply {
  status: number;
  body: Record<string, unknown>;
}

const ACCESS_TOKEN_TYPE = 'urn:ietf:params:oauth:token-type:access_token';

export class Authenticator {
  private readonly secret: Buffer;
  private readonly ttl: number;

  constructor(private readonly o: AuthOptions = {}) {
    this.secret = o.tokenSecret ? Buffer.from(o.tokenSecret, 'utf8') : randomBytes(32);
    this.ttl = o.tokenTtlSeconds ?? 3600;
  }

  /** Whether any credential is configured, i.e. whether anyone could authenticate at all. */
  get configured(): boolean {
    return (this.o.tokens?.length ?? 0) > 0 || (this.o.readOnlyTokens?.length ?? 0) > 0 || (this.o.clients?.length ?? 0) > 0;
  }

  /** Checks an Authorization header value; returns the principal or undefined. */
  verify(header: string | undefined): Principal | undefined {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header ?? '');
    if (!m) return undefined;
    const token = m[1] as string;
    if ((this.o.tokens ?? []).some((t) => safeEqual(t, token))) return { name: `t:${this.fingerprint(token)}`, readOnly: false };
    if ((this.o.readOnlyTokens ?? []).some((t) => safeEqual(t, token))) return { name: `r:${this.fingerprint(token)}`, readOnly: true };
    return this.verifyIssued(token);
  }

  /** Whether what a token was issued from (`sub`) is still configured. */
  private stillValid(sub: string): Principal | undefined {
    const kind = sub.slice(0, 2);
    const rest = sub.slice(2);
    if (kind === 'c:' && (this.o.clients ?? []).some((c) => c.id === rest)) return { name: sub, readOnly: false };
    if (kind === 't:' && (this.o.tokens ?? []).some((t) => this.fingerprint(t) === rest)) return { name: sub, readOnly: false };
    if (kind === 'r:' && (this.o.readOnlyTokens ?? []).some((t) => this.fingerprint(t) === rest)) return { name: sub, readOnly: true };
    return undefined;
  }

  /** The token endpoint: form-encoded client_credentials (or token-exchange of a valid token). */
  token(form: URLSearchParams, authorization: string | undefined): OAuthReply {
    const grant = form.get('grant_type');
    if (grant === 'client_credentials') {
      let id = form.get('client_id');
      let secret = form.get('client_secret');
      // RFC 6749 also allows the client to authenticate with HTTP Basic.
      const basic = /^Basic\s+(\S+)$/i.exec(authorization ?? '');
      if ((id === null || secret === null) && basic) {
        const decoded = Buffer.from(basic[1] as string, 'base64').toString('utf8');
        const i = decoded.indexOf(':');
        if (i < 0) return oauthError(400, 'invalid_request', 'Basic credentials must be id:secret');
        try {
          id = decodeURIComponent(decoded.slice(0, i));
          secret = decodeURIComponent(decoded.slice(i + 1));
        } catch {
          return oauthError(400, 'invalid_request', 'malformed percent-encoding in Basic credentials');
        }
      }
      const client = (this.o.clients ?? []).find((c) => c.id === id && secret !== null && safeEqual(c.secret, secret));
      if (!client) return oauthError(401, 'invalid_client', 'unknown client or wrong secret');
      return { status: 200, body: this.issue(`c:${client.id}`) };
    }
    if (grant === 'urn:ietf:params:oauth:grant-type:token-exchange') {
      // Clients refresh by exchanging their current token for a fresh one. Only OAuth2 clients
      // refresh; without any, an exchange would only turn a static token into more tokens.
      if ((this.o.clients?.length ?? 0) === 0) return oauthError(400, 'unsupported_grant_type', 'token exchange needs OAuth2 clients configured');
      const subject = form.get('subject_token') ?? '';
      const principal = this.verify(`Bearer ${subject}`) ?? this.verify(authorization);
      if (!principal) return oauthError(401, 'invalid_client', 'subject token is not valid');
      return { status: 200, body: this.issue(principal.name) };
    }
    return oauthError(400, 'unsupported_grant_type', `unsupported grant_type ${String(grant)}`);
  }

  private issue(principal: string): Record<string, unknown> {
    const payload = Buffer.from(JSON.stringify({ sub: principal, exp: Math.floor(Date.now() / 1000) + this.ttl })).toString('base64url');
    return {
      access_token: `${payload}.${this.sign(payload)}`,
      token_type: 'bearer',
      expires_in: this.ttl,
      issued_token_type: ACCESS_TOKEN_TYPE,
    };
  }

  private verifyIssued(token: string): Principal | undefined {
    const [payload, sig, extra] = token.split('.');
    if (payload === undefined || sig === undefined || extra !== undefined || !safeEqual(this.sign(payload), sig)) return undefined;
    try {
      const claims = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8')) as { sub?: unknown; exp?: unknown };
      if (typeof claims.exp !== 'number' || claims.exp * 1000 < Date.now() || typeof claims.sub !== 'string') return undefined;
      return this.stillValid(claims.sub);
    } catch {
      return undefined;
    }
  }

  /**
   * Names a static token inside issued tokens without revealing it: keyed with the signing secret,
   * so the holder of an issued token cannot test guesses of the static token offline.
   */
  private fingerprint(token: string): string {
    return createHmac('sha256', this.secret).update(`static-token:${token}`).digest('base64url').slice(0, 22);
  }

  private sign(payload: string): string {
    return createHmac('sha256', this.secret).update(payload).digest('base64url');
  }
}

function oauthError(status: number, error: string, description: string): OAuthReply {
  return { status, body: { error, error_description: description } };
}

function safeEqual(a: string, b: string): boolean {
  const x = Buffer.from(a);
  const y = Buffer.from(b);
  return x.length === y.length && timingSafeEqual(x, y);
}

/** Loopback binds are reachable only from this machine, so they may run without credentials. */
export function isLoopback(host: string): boolean {
  return host === 'localhost' || host === '::1' || host === '[::1]' || /^127\./.test(host);
}
