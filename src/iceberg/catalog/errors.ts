/**
 * How REST catalog failures become FloeErrors. The codes are stable (logs, metrics, alerts);
 * `retryable` says whether sending the *same* request again can succeed. A commit whose state is
 * unknown is deliberately not retryable: resending it blindly may append the same files twice;
 * `commitWithRetry` resolves it by reloading the table first.
 */
import { FloeError, type ErrorCode } from '../../util/errors.js';

export const CatalogErrorCode = {
  NoSuchTable: 'CATALOG_NO_SUCH_TABLE',
  NoSuchNamespace: 'CATALOG_NO_SUCH_NAMESPACE',
  NotFound: 'CATALOG_NOT_FOUND',
  AlreadyExists: 'CATALOG_ALREADY_EXISTS',
  NamespaceNotEmpty: 'CATALOG_NAMESPACE_NOT_EMPTY',
  CommitConflict: 'CATALOG_COMMIT_CONFLICT',
  CommitStateUnknown: 'CATALOG_COMMIT_STATE_UNKNOWN',
  Unauthorized: 'CATALOG_UNAUTHORIZED',
  Forbidden: 'CATALOG_FORBIDDEN',
  BadRequest: 'CATALOG_BAD_REQUEST',
  Unsupported: 'CATALOG_UNSUPPORTED',
  Unavailable: 'CATALOG_UNAVAILABLE',
  BadResponse: 'CATALOG_BAD_RESPONSE',
} as const satisfies Record<string, ErrorCode>;
export type CatalogErrorCode = (typeof CatalogErrorCode)[keyof typeof CatalogErrorCode];

/** Which kind of call failed: the same status means different things on different routes. */
export type CallKind = 'read' | 'write' | 'commit';

/** The `error` object of the spec's IcebergErrorResponse, when the server sent one. */
export interface ErrorModel {
  message?: string;
  type?: string;
  code?: number;
}

export interface HttpFailure {
  method: string;
  path: string;
  kind: CallKind;
  status: number;
  error: ErrorModel | undefined;
  /** Raw body when it was not an IcebergErrorResponse (proxies answer with HTML). */
  body: string;
  /** For 404s: what the route was looking for, used when the server omits the error type. */
  notFound?: 'table' | 'namespace';
}

export function errorForStatus(f: HttpFailure): FloeError {
  const type = f.error?.type ?? '';
  const serverMessage = f.error?.message ?? f.body.slice(0, 300);
  const message = `${f.method} ${f.path} → ${f.status}${type ? ` ${type}` : ''}: ${serverMessage}`;
  const details = { method: f.method, path: f.path, status: f.status, errorType: type || undefined };
  const make = (code: CatalogErrorCode, retryable: boolean) =>
    new FloeError(code, message, { retryable, details });

  switch (f.status) {
    case 400:
    case 422:
      return make(CatalogErrorCode.BadRequest, false);
    case 401:
    case 419:
      return make(CatalogErrorCode.Unauthorized, false);
    case 403:
      return make(CatalogErrorCode.Forbidden, false);
    case 404:
      if (/NoSuchTable/i.test(type)) return make(CatalogErrorCode.NoSuchTable, false);
      if (/NoSuchNamespace/i.test(type)) return make(CatalogErrorCode.NoSuchNamespace, false);
      if (type === '' && f.notFound === 'table') return make(CatalogErrorCode.NoSuchTable, false);
      if (type === '' && f.notFound === 'namespace') return make(CatalogErrorCode.NoSuchNamespace, false);
      return make(CatalogErrorCode.NotFound, false);
    case 406:
      return make(CatalogErrorCode.Unsupported, false);
    case 409:
      if (f.kind === 'commit') return make(CatalogErrorCode.CommitConflict, true);
      if (/NotEmpty/i.test(type)) return make(CatalogErrorCode.NamespaceNotEmpty, false);
      return make(CatalogErrorCode.AlreadyExists, false);
    case 429:
      // Throttled before processing: the commit did not happen, so even a commit may be resent.
      return make(CatalogErrorCode.Unavailable, true);
  }
  if (f.status >= 500) {
    // The spec: 500/502/504 on commit mean the commit state is unknown. 503 is listed as
    // "service unavailable", but a proxy may say 503 after forwarding, so treat all 5xx alike.
    if (f.kind === 'commit') return make(CatalogErrorCode.CommitStateUnknown, false);
    return make(CatalogErrorCode.Unavailable, true);
  }
  return make(CatalogErrorCode.BadResponse, false);
}

/** Error codes of Node's network stack that prove the request never reached the server. */
const NOT_SENT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Finds a Node error code anywhere in a cause chain (fetch wraps socket errors). */
export function networkCode(err: unknown): string | undefined {
  let cur: unknown = err;
  for (let depth = 0; depth < 5 && cur !== undefined && cur !== null; depth++) {
    const code = (cur as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    cur = (cur as { cause?: unknown }).cause;
  }
  return undefined;
}

export function errorForNetwork(
  err: unknown,
  method: string,
  path: string,
  kind: CallKind,
  timedOut: boolean,
): FloeError {
  const code = networkCode(err);
  const reason = timedOut ? 'timed out' : `failed (${code ?? (err as Error)?.message ?? 'unknown'})`;
  const details = { method, path, networkCode: code, timedOut };
  // A commit that may have reached the server has an unknown outcome; one refused at connect did not.
  if (kind === 'commit' && (timedOut || code === undefined || !NOT_SENT_CODES.has(code))) {
    return new FloeError(CatalogErrorCode.CommitStateUnknown, `${method} ${path} ${reason}`, {
      retryable: false,
      cause: err,
      details,
    });
  }
  return new FloeError(CatalogErrorCode.Unavailable, `${method} ${path} ${reason}`, {
    retryable: true,
    cause: err,
    details,
  });
}
