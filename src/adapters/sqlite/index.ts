/**
 * The SQLite backend: `openSqliteStore` for a store, `openSqlite` for the backend alone, `openSqliteReadModels` for read models in a file of their own (docs/sqlite.md).
 * @module annals/sqlite
 */
export { openSqlite, openSqliteStore, openSqliteAdapter, type SqliteStoreOptions } from './open.js';
export { SqliteBackend, SqliteAdapter } from './sqlite-backend.js';
export type { SqliteSettings } from './connection.js';
export type { GroupBounds, SqliteOptions } from './options.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
export { openSqliteReadModels, type SqliteReadModelOptions } from './open-read-models.js';
