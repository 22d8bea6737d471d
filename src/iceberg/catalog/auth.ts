/**
 * Catalog authentication: a static bearer token, or OAuth2 client credentials (RFC 6749 §4.4)
 * against the catalog's token endpoint. Tokens are refreshed before they expire, so a long-running
 * daemon does not meet a 401 mid-commit; a 401 anyway (revoked, clock skew) makes the client fetch
 * a fresh token once and resend.
 */
import { FloeError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { CatalogErrorCode } from './errors.js';

export interface AuthProvider {
  /** Headers to add to a catalog request (Authorization, usually). */
  headers(): Promise<Record<string, string>>;
  /** Called after a 401. Resolves true when new credentials were obtained and a resend may work. */
  invalidate(): Promise<boolean>;
}

export const noAuth: AuthProvider = {
  headers: async () => ({}),
  invalidate: async () => false,
};

export function bearerAuth(token: string): AuthProvider {
  return {
    headers: async () => ({ Authorization: `Bearer ${token}` }),
    invalidate: async () => false,
  };
}

export interface OAuth2Options {
  /** "client_id:client_secret", or only a secret (Iceberg's `credential` property). */
  credential: string;
  /** Token endpoint; Iceberg's default is `<catalog uri>/v1/oauth/tokens`. */
  serverUri: string;
  /** Iceberg's default scope is "catalog". */
  scope?: string;
  timeoutMs?: number;
  logger?: Logger;
  /** Lifetime assumed when the server states none and the token is not a JWT. */
  defaultLifetimeMs?: number;
  now?: () => number;
  fetch?: typeof fetch;
}

interface CachedToken {
  token: string;
  /** When to fetch a new one: ahead of the real expiry. */
  refreshAt: number;
}

export class OAuth2ClientCredentials implements AuthProvider {
  private cached: CachedToken | undefined;
  private inflight: Promise<CachedToken> | undefined;
  private readonly clientId: string | undefined;
  private readonly clientSecret: string;
  private readonly log: Logger;
  private readonly now: () => number;
  private readonly fetchFn: typeof fetch;

  constructor(private readonly options: OAuth2Options) {
    const colon = options.credential.indexOf(':');
    this.clientId = colon >= 0 ? options.credential.slice(0, colon) : undefined;
    this.clientSecret = colon >= 0 ? options.credential.slice(colon + 1) : options.credential;
    this.log = options.logger ?? silentLogger;
    this.now = options.now ?? Date.now;
    this.fetchFn = options.fetch ?? fetch;
  }

  async headers(): Promise<Record<string, string>> {
    const current = this.cached;
    if (current !== undefined && this.now() < current.refreshAt) {
      return { Authorization: `Bearer ${current.token}` };
    }
    const fresh = await this.fetchOnce();
    return { Authorization: `Bearer ${fresh.token}` };
  }

  async invalidate(): Promise<boolean> {
    this.cached = undefined;
    await this.fetchOnce();
    return true;
  }

  /** Concurrent callers share one token request. */
  private fetchOnce(): Promise<CachedToken> {
    this.inflight ??= this.requestToken().finally(() => {
      this.inflight = undefined;
    });
    return this.inflight;
  }

  private async requestToken(): Promise<CachedToken> {
    const form = new URLSearchParams({ grant_type: 'client_credentials' });
    if (this.clientId !== undefined && this.clientId !== '') form.set('client_id', this.clientId);
    form.set('client_secret', this.clientSecret);
    form.set('scope', this.options.scope ?? 'catalog');

    const started = this.now();
    let res: Response;
    try {
      res = await this.fetchFn(this.options.serverUri, {
        method: 'POST',
        headers: { 'Content-Type': 'application/x-www-form-urlencoded', Accept: 'application/json' },
        body: form.toString(),
        signal: AbortSignal.timeout(this.options.timeoutMs ?? 30_000),
      });
    } catch (err) {
      throw new FloeError(CatalogErrorCode.Unavailable, `OAuth2 token request failed: ${(err as Error).message}`, {
        retryable: true,
        cause: err,
        details: { serverUri: this.options.serverUri },
      });
    }
    const text = await res.text();
    if (!res.ok) {
      // Never include the request (it holds the secret); the OAuth error body is safe to show.
      let reason = text.slice(0, 300);
      try {
        const body = JSON.parse(text) as { error?: string; error_description?: string };
        reason = [body.error, body.error_description].filter(Boolean).join(': ') || reason;
      } catch {
        /* not JSON */
      }
      const fatal = res.status < 500 && res.status !== 429;
      throw new FloeError(
        fatal ? CatalogErrorCode.Unauthorized : CatalogErrorCode.Unavailable,
        `OAuth2 token request → ${res.status}: ${reason}`,
        { retryable: !fatal, details: { serverUri: this.options.serverUri, status: res.status } },
      );
    }
    let body: { access_token?: unknown; expires_in?: unknown };
    try {
      body = JSON.parse(text) as typeof body;
    } catch (err) {
      throw new FloeError(CatalogErrorCode.BadResponse, 'OAuth2 token response is not JSON', { cause: err });
    }
    if (typeof body.access_token !== 'string' || body.access_token === '') {
      throw new FloeError(CatalogErrorCode.BadResponse, 'OAuth2 token response has no access_token');
    }
    const lifetimeMs =
      typeof body.expires_in === 'number' && body.expires_in > 0
        ? body.expires_in * 1000
        : (jwtLifetimeMs(body.access_token, started) ?? this.options.defaultLifetimeMs ?? 3_600_000);
    // Refresh at 90% of the lifetime but at most 5 minutes early: leaves room for slow requests.
    const margin = Math.min(lifetimeMs * 0.1, 300_000);
    const token: CachedToken = { token: body.access_token, refreshAt: started + lifetimeMs - margin };
    this.cached = token;
    this.log.debug({ serverUri: this.options.serverUri, lifetimeMs }, 'obtained catalog OAuth2 token');
    return token;
  }
}

/** Remaining lifetime of a JWT from its `exp` claim, if the token is one. */
function jwtLifetimeMs(token: string, now: number): number | undefined {
  const parts = token.split('.');
  if (parts.length !== 3 || parts[1] === undefined) return undefined;
  try {
    const claims = JSON.parse(Buffer.from(parts[1], 'base64url').toString('utf8')) as { exp?: unknown };
    if (typeof claims.exp !== 'number') return undefined;
    const ms = claims.exp * 1000 - now;
    return ms > 0 ? ms : undefined;
  } catch {
    return undefined;
  }
}
