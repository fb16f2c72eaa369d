export { openSqlite, openSqliteStore, openSqliteAdapter, type SqliteStoreOptions } from './open.js';
export { SqliteBackend } from './sqlite-backend.js';
export type { SqliteSettings } from './connection.js';
export type { GroupBounds, SqliteOptions } from './options.js';
export { LATEST_SCHEMA_VERSION } from './migrations.js';
/** @deprecated The SQLite backend is `SqliteBackend` (from `openSqlite`); this name stays for code written before. */
export { SqliteBackend as SqliteAdapter } from './sqlite-backend.js';
