/**
 * The catalog's HTTP transport: JSON in and out (64-bit exact, see json.ts), auth headers,
 * timeouts, error mapping, one resend after a 401 with fresh credentials, and a few quick retries
 * of idempotent reads. Commits are never resent here: their outcome must be resolved by the caller.
 */
import { FloeError } from '../../util/errors.js';
import { silentLogger, type Logger } from '../../util/log.js';
import { noAuth, type AuthProvider } from './auth.js';
import { CatalogErrorCode, errorForNetwork, errorForStatus, type CallKind, type ErrorModel } from './errors.js';
import { parseJson, stringifyJson } from '../spec/json.js';

export interface HttpOptions {
  /** Catalog base URI without `/v1`, e.g. http://127.0.0.1:18181 */
  baseUri: string;
  auth?: AuthProvider;
  headers?: Record<string, string>;
  /** Per-request timeout of reads and writes other than commits. */
  timeoutMs?: number;
  /** Commits rewrite metadata files on the server and may take longer. */
  commitTimeoutMs?: number;
  /** Extra attempts for GET/HEAD after a retryable failure. */
  readRetries?: number;
  logger?: Logger;
  fetch?: typeof fetch;
}

export interface HttpRequest {
  method: 'GET' | 'HEAD' | 'POST' | 'DELETE';
  /** Path below the base URI, already encoded, e.g. /v1/ns/namespaces/a%1Fb */
  path: string;
  query?: Record<string, string | undefined>;
  body?: unknown;
  kind: CallKind;
  notFound?: 'table' | 'namespace';
  headers?: Record<string, string>;
}

export interface HttpResponse {
  status: number;
  /** Parsed JSON body, undefined for empty bodies (204, HEAD). */
  body: unknown;
  headers: Headers;
}

export class CatalogHttp {
  readonly baseUri: string;
  private readonly auth: AuthProvider;
  private readonly log: Logger;
  private readonly fetchFn: typeof fetch;
  private headers: Record<string, string>;

  constructor(private readonly options: HttpOptions) {
    this.baseUri = options.baseUri.replace(/\/+$/, '');
    this.auth = options.auth ?? noAuth;
    this.log = options.logger ?? silentLogger;
    this.fetchFn = options.fetch ?? fetch;
    this.headers = { ...(options.headers ?? {}) };
  }

  /** Headers learned later (catalog config `header.*` properties) join the configured ones. */
  addHeaders(headers: Record<string, string>): void {
    this.headers = { ...headers, ...this.headers };
  }

  async send(req: HttpRequest): Promise<HttpResponse> {
    const idempotent = req.method === 'GET' || req.method === 'HEAD';
    const retries = idempotent ? (this.options.readRetries ?? 2) : 0;
    for (let attempt = 0; ; attempt++) {
      try {
        return await this.sendAuthenticated(req);
      } catch (err) {
        if (attempt >= retries || !(err instanceof FloeError) || !err.retryable) throw err;
        const delay = Math.round(200 * 2 ** attempt * (0.5 + Math.random() / 2));
        this.log.debug({ path: req.path, attempt, delay, err: err.message }, 'retrying catalog read');
        await new Promise((r) => setTimeout(r, delay));
      }
    }
  }

  private async sendAuthenticated(req: HttpRequest): Promise<HttpResponse> {
    try {
      return await this.sendOnce(req);
    } catch (err) {
      if (err instanceof FloeError && err.code === CatalogErrorCode.Unauthorized) {
        // The token may have been revoked or expired early; a 401 means the request was not processed.
        if (await this.auth.invalidate()) {
          this.log.info({ path: req.path }, 'catalog answered 401; resending with a fresh token');
          return await this.sendOnce(req);
        }
      }
      throw err;
    }
  }

  private async sendOnce(req: HttpRequest): Promise<HttpResponse> {
    const url = new URL(this.baseUri + req.path);
    for (const [k, v] of Object.entries(req.query ?? {})) if (v !== undefined) url.searchParams.set(k, v);
    const headers: Record<string, string> = {
      Accept: 'application/json',
      'User-Agent': 'floe',
      // Iceberg's Java client sends this; some catalogs gate behaviour on it.
      'X-Client-Version': 'floe',
      ...this.headers,
      ...(req.headers ?? {}),
      ...(await this.auth.headers()),
    };
    let body: string | undefined;
    if (req.body !== undefined) {
      body = stringifyJson(req.body);
      headers['Content-Type'] = 'application/json';
    }
    const timeoutMs =
      req.kind === 'commit' ? (this.options.commitTimeoutMs ?? 120_000) : (this.options.timeoutMs ?? 30_000);
    const timeout = AbortSignal.timeout(timeoutMs);
    const started = Date.now();
    let res: Response;
    let text: string;
    try {
      res = await this.fetchFn(url, { method: req.method, headers, body, signal: timeout });
      // Reading the body is part of the exchange: a reset here still leaves a commit unknown.
      text = await res.text();
    } catch (err) {
      throw errorForNetwork(err, req.method, req.path, req.kind, timeout.aborted);
    }
    this.log.debug(
      { method: req.method, path: req.path, status: res.status, ms: Date.now() - started },
      'catalog request',
    );
    if (res.status >= 200 && res.status < 300) {
      if (text === '') return { status: res.status, body: undefined, headers: res.headers };
      try {
        return { status: res.status, body: parseJson(text), headers: res.headers };
      } catch (err) {
        // A 2xx commit with an unreadable body did happen, but we cannot see the result.
        throw new FloeError(
          req.kind === 'commit' ? CatalogErrorCode.CommitStateUnknown : CatalogErrorCode.BadResponse,
          `${req.method} ${req.path} → ${res.status} with a body that is not JSON`,
          { cause: err, details: { method: req.method, path: req.path, status: res.status } },
        );
      }
    }
    throw errorForStatus({
      method: req.method,
      path: req.path,
      kind: req.kind,
      status: res.status,
      error: readErrorModel(text),
      body: text,
      ...(req.notFound ? { notFound: req.notFound } : {}),
    });
  }
}

function readErrorModel(text: string): ErrorModel | undefined {
  if (text === '') return undefined;
  try {
    const parsed = JSON.parse(text) as { error?: ErrorModel };
    return typeof parsed.error === 'object' && parsed.error !== null ? parsed.error : undefined;
  } catch {
    return undefined;
  }
}
