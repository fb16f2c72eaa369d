export { openPostgres, openPostgresStore, type PostgresStoreOptions } from './open.js';
export { PostgresBackend } from './postgres-backend.js';
export type { PostgresOptions } from './options.js';
/** @deprecated The PostgreSQL backend is `PostgresBackend` (from `openPostgres`); this name stays for code written before. */
export { PostgresBackend as PostgresAdapter } from './postgres-backend.js';
