import type { Backend, BackendParts, Durability } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import type { SqliteConnection, SqliteSettings } from './connection.js';
import { DataVersionPoller } from './commit-signal.js';
import { SqliteLog } from './sqlite-log.js';
import { SqliteSnapshots } from './sqlite-snapshots.js';

/** The SQLite backend: one connection, reused by every part. Built by openSqlite, which does the I/O. */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  /** The log, the snapshot store, and the commit signal (polling `PRAGMA data_version`). */
  readonly parts: BackendParts & {
    /** The event log, which groups concurrent appends into one transaction (see append-groups.ts). */
    readonly log: SqliteLog;
    /** The commit signal: a poll timer that runs while anyone subscribes. */
    readonly commits: DataVersionPoller;
  };

  constructor(
    private readonly connection: SqliteConnection,
    readonly schema: SchemaState,
    readonly durability: Durability,
    pollIntervalMs: number,
  ) {
    this.parts = {
      log: new SqliteLog(connection),
      snapshots: new SqliteSnapshots(connection),
      commits: new DataVersionPoller(connection, pollIntervalMs),
    };
  }

  /** The file's path, or ':memory:'. */
  get location(): string {
    return this.connection.location;
  }

  /** The durability and locking settings in force on this store's connection. */
  get settings(): SqliteSettings {
    return this.connection.settings;
  }

  async close(): Promise<void> {
    await this.parts.log.whenIdle(); // appends requested before close are committed (or fail) first
    this.parts.commits.close();
    this.connection.close();
  }
}

/** @deprecated Use `SqliteBackend` (from `openSqlite`). */
export const SqliteAdapter = SqliteBackend;
/** @deprecated Use `SqliteBackend` (from `openSqlite`). */
export type SqliteAdapter = SqliteBackend;
