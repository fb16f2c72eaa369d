import type { Backend, BackendParts, Durability, InlineHost, PartitionIndexes } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import type { SqliteConnection, SqliteSettings } from './connection.js';
import { DataVersionPoller } from './commit-signal.js';
import { SqliteLog } from './sqlite-log.js';
import { SqliteReadModels } from './sqlite-read-models.js';
import { SqliteSnapshots } from './sqlite-snapshots.js';

/** The SQLite backend: one connection, reused by every part. Built by openSqlite, which does the I/O. */
export class SqliteBackend implements Backend {
  readonly name = 'sqlite';
  /** The log, the snapshot store, the commit signal (polling `PRAGMA data_version`), the read models and the partition indexes. */
  readonly parts: BackendParts & {
    /** The event log, which groups concurrent appends into one transaction (see append-groups.ts). */
    readonly log: SqliteLog;
    /** The commit signal: a poll timer that runs while anyone subscribes. */
    readonly commits: DataVersionPoller;
    /** Read models in the same file, on the same connection (so inline projections can write in an append's transaction). */
    readonly readModels: SqliteReadModels;
    /** Inline projections, run inside the log's append transactions and writing the read models. */
    readonly inline: InlineHost;
    /** The index of partition reads, kept behind the log (partition-reads.ts). */
    readonly partitions: PartitionIndexes;
  };

  constructor(
    private readonly connection: SqliteConnection,
    readonly schema: SchemaState,
    readonly durability: Durability,
    pollIntervalMs: number,
  ) {
    const commits = new DataVersionPoller(connection, pollIntervalMs);
    const log = new SqliteLog(connection);
    const readModels = new SqliteReadModels(connection, commits);
    this.parts = {
      log,
      snapshots: new SqliteSnapshots(connection),
      commits,
      readModels,
      inline: { readModels, attach: (apply) => log.attachInline(apply) },
      partitions: log.partitions,
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
