export { openSqliteStore, openSqliteAdapter } from './open.js';
export { SqliteAdapter, type SqliteSettings } from './sqlite-adapter.js';
export type { SqliteOptions } from './options.js';
export { LATEST_SCHEMA_VERSION } from './schema.js';
