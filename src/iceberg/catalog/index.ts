export * from './types.js';
export type { TableChange, TableRequirement, TableUpdate } from '../spec/changes.js';
export { RestCatalogClient, type CatalogConfig, type CreateTableOptions, type RestCatalogOptions } from './rest-client.js';
export {
  changeLanded,
  commitWithRetry,
  DEFAULT_RETRY_POLICY,
  isAncestorOf,
  retryPolicy,
  type CommitCatalog,
  type CommitOptions,
  type CommitResult,
  type RetryPolicy,
} from './commit.js';
export { bearerAuth, noAuth, OAuth2ClientCredentials, type AuthProvider, type OAuth2Options } from './auth.js';
export { CatalogErrorCode } from './errors.js';
export { parseJson, sameId, stringifyJson } from '../spec/json.js';
