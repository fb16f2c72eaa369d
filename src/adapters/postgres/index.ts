export { openPostgresStore, type PostgresStoreOptions } from './open.js';
export { PostgresAdapter } from './postgres-adapter.js';
export type { PostgresOptions } from './options.js';
