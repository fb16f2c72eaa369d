/**
 * The PostgreSQL backend: `openPostgresStore` for a store, `openPostgres` for the backend alone
 * (docs/postgres.md). Needs the `pg` package.
 * @module annals/postgres
 */
export { openPostgres, openPostgresStore, type PostgresStoreOptions } from './open.js';
export { PostgresBackend, PostgresAdapter } from './postgres-backend.js';
export { openPostgresReadModels } from './open-read-models.js';
export { PostgresReadModels } from './postgres-read-models.js';
export type { PostgresOptions } from './options.js';
