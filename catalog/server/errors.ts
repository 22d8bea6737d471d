/**
 * Errors the catalog server answers with, in the REST spec's ErrorModel shape
 * (`{"error":{"message","type","code"}}`). The `type` strings are the Java exception names the
 * spec documents, because Java's RESTCatalog client maps status + type back to its exceptions
 * (a 409 with NamespaceNotEmptyException vs AlreadyExistsException, for instance).
 */
import { FloeError } from '../../src/util/errors.js';

export class CatalogError extends Error {
  constructor(
    readonly status: number,
    readonly type: string,
    message: string,
  ) {
    super(message);
  }

  toBody(): { error: { message: string; type: string; code: number } } {
    return { error: { message: this.message, type: this.type, code: this.status } };
  }
}

export const badRequest = (m: string) => new CatalogError(400, 'BadRequestException', m);
export const notAuthorized = (m: string) => new CatalogError(401, 'NotAuthorizedException', m);
export const noSuchNamespace = (ns: string[]) =>
  new CatalogError(404, 'NoSuchNamespaceException', `Namespace does not exist: ${ns.join('.')}`);
export const noSuchTable = (ns: string[], name: string) =>
  new CatalogError(404, 'NoSuchTableException', `Table does not exist: ${[...ns, name].join('.')}`);
export const namespaceExists = (ns: string[]) =>
  new CatalogError(409, 'AlreadyExistsException', `Namespace already exists: ${ns.join('.')}`);
export const tableExists = (ns: string[], name: string) =>
  new CatalogError(409, 'AlreadyExistsException', `Table already exists: ${[...ns, name].join('.')}`);
export const namespaceNotEmpty = (ns: string[]) =>
  new CatalogError(409, 'NamespaceNotEmptyException', `Namespace is not empty: ${ns.join('.')}`);
export const commitFailed = (m: string) => new CatalogError(409, 'CommitFailedException', m);
export const unprocessable = (m: string) => new CatalogError(422, 'UnprocessableEntityException', m);
export const notFound = (m: string) => new CatalogError(404, 'NotFoundException', m);
export const notImplemented = (m: string) => new CatalogError(406, 'UnsupportedOperationException', m);

/**
 * Maps anything thrown while serving to the error the client should see. Spec violations found by
 * floe's metadata code are the client's fault (400, like Java's ValidationException); storage
 * failures are 500 so that a committing client treats the outcome as unknown.
 */
export function toCatalogError(err: unknown): CatalogError {
  if (err instanceof CatalogError) return err;
  if (err instanceof FloeError) {
    if (err.code.startsWith('ICEBERG_INVALID')) return badRequest(err.message);
    // Clients retry 503 (Java's client too); a commit's outcome is then resolved by reloading.
    if (err.code === 'CATALOG_STORE_UNAVAILABLE') return new CatalogError(503, 'ServiceUnavailableException', err.message);
  }
  if (err instanceof SyntaxError) return badRequest(`malformed JSON: ${err.message}`);
  const message = err instanceof Error ? err.message : String(err);
  return new CatalogError(500, 'InternalServerError', message);
}
