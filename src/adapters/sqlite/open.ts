import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import { connect } from './connection.js';
import { checkSqliteOptions, parseTarget, type SqliteOptions } from './options.js';
import { SqliteBackend } from './sqlite-backend.js';

/** Options of `openSqliteStore` and `openSqlite`: the backend's and the EventStore's. */
export type SqliteStoreOptions = SqliteOptions & EventStoreOptions;

/**
 * Opens a SQLite event store. `target` is a file path (`./annals.db`, `//abs/path` from a
 * `sqlite://` URL, or `:memory:`), optionally followed by a query with options:
 * `?synchronous=normal&busyTimeoutMs=10000&pollIntervalMs=25&groupCommit=false&migrate=false&readonly=true`.
 * Options passed in code win over the URL's.
 */
export async function openSqliteStore(target: string, options: SqliteStoreOptions = {}): Promise<EventStore> {
  const [backend, merged] = openSqliteNow(target, options);
  return new EventStore(backend, merged);
}

/**
 * The SQLite backend alone, from the same target and options as `openSqliteStore`: for tools
 * that need its `settings`, and for an EventStore of one's own (`new EventStore(backend)`).
 */
export async function openSqlite(target: string, options: SqliteStoreOptions = {}): Promise<SqliteBackend> {
  return openSqliteNow(target, options)[0];
}

/** @deprecated Use `await openSqlite(target, options)`. */
export function openSqliteAdapter(target: string, options: SqliteStoreOptions = {}): SqliteBackend {
  return openSqliteNow(target, options)[0];
}

/**
 * Opens the backend, and returns it with the options the URL and the code gave together. Every
 * option is checked before the driver opens (and perhaps creates) the file.
 */
function openSqliteNow(target: string, options: SqliteStoreOptions): [SqliteBackend, SqliteStoreOptions] {
  const { path, fromUrl } = parseTarget(target);
  const merged = { ...fromUrl, ...options };
  const checked = checkSqliteOptions(merged);
  checkStoreOptions(merged);
  const { connection, schema, durability } = connect(path, checked);
  return [new SqliteBackend(connection, schema, durability, checked.pollIntervalMs), merged];
}
