export { startCatalogServer, createCatalogServer, type CatalogServerOptions, type RunningCatalog } from './server.js';
export { SqliteStore } from './sqlite-store.js';
export type { CatalogStore, TableRow } from './store.js';
export { Authenticator, isLoopback, type AuthOptions } from './auth.js';
