import type Database from 'better-sqlite3';
import { keyHash } from '../../core/partition.js';
import { latestVersion, pendingMigrations, type SchemaState } from '../../backend/migrations.js';

/**
 * Versioned, append-only: a released migration is never edited, only followed by a new one.
 * Exported for the tests that build a file at an older version.
 */
export const MIGRATIONS: readonly { version: number; sql: string; after?: (db: Database.Database) => void }[] = [
  {
    version: 1,
    sql: `
      CREATE TABLE annals_events (
        position    INTEGER PRIMARY KEY AUTOINCREMENT,  -- never reused, even after deletes
        id          TEXT    NOT NULL UNIQUE,
        stream      TEXT    NOT NULL,
        category    TEXT    NOT NULL,
        revision    INTEGER NOT NULL,
        type        TEXT    NOT NULL,
        data        TEXT    NOT NULL,
        metadata    TEXT    NOT NULL,
        recorded_at INTEGER NOT NULL,
        UNIQUE (stream, revision)
      );
      CREATE INDEX annals_events_by_category ON annals_events (category, position);
      -- Only streams that were deleted or truncated have a row: the revision an append
      -- continues from is the larger of this row's and the stream's last event's.
      CREATE TABLE annals_streams (
        stream           TEXT    PRIMARY KEY,
        revision         INTEGER NOT NULL,
        deleted          TEXT    CHECK (deleted IN ('soft', 'hard')),
        truncated_before INTEGER NOT NULL DEFAULT 0
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 2,
    sql: `
      -- One snapshot per stream (the latest save wins), removed with the events it describes.
      CREATE TABLE annals_snapshots (
        stream   TEXT    PRIMARY KEY,
        revision INTEGER NOT NULL,
        version  TEXT    NOT NULL,  -- JSON text: 1 and "1" are different versions
        state    TEXT    NOT NULL,
        saved_at INTEGER NOT NULL
      ) WITHOUT ROWID;
    `,
  },
  {
    version: 3,
    sql: `
      -- The query side: each projection partition's progress and lease, compare-and-set by
      -- every commit. Times are ms since the epoch on SQLite's clock (one host's clock).
      CREATE TABLE annals_projections (
        projection       TEXT    NOT NULL,
        version          INTEGER NOT NULL,
        partition        INTEGER NOT NULL,
        checkpoint       INTEGER NOT NULL DEFAULT 0,
        owner            TEXT,
        epoch            INTEGER NOT NULL DEFAULT 0,
        lease_expires_at INTEGER NOT NULL DEFAULT 0,
        updated_at       INTEGER NOT NULL DEFAULT 0,
        PRIMARY KEY (projection, version, partition)
      ) WITHOUT ROWID;
      -- Events a projection parked, in position order per projection key.
      CREATE TABLE annals_dead_letters (
        projection TEXT    NOT NULL,
        version    INTEGER NOT NULL,
        partition  INTEGER NOT NULL,
        position   INTEGER NOT NULL,
        event_id   TEXT    NOT NULL,
        stream     TEXT    NOT NULL,
        type       TEXT    NOT NULL,
        error      TEXT    NOT NULL,
        parked_at  INTEGER NOT NULL,
        PRIMARY KEY (projection, version, partition, position)
      );
      -- Which version of each projection readers use (blue/green rebuilds switch it).
      CREATE TABLE annals_live_versions (
        projection TEXT    PRIMARY KEY,
        version    INTEGER NOT NULL
      ) WITHOUT ROWID;
      -- The documents live in one table per collection, created by the read-model store's prepare.
    `,
  },
  {
    version: 4,
    sql: `
      -- Consumer groups. Each event's partition hash (keyHash of its stream name, see
      -- src/core/partition.ts), written by appends, filled here for the events already stored;
      -- the partition indexes on it (annals_events_partition_<count>) are made when a group of
      -- that count first runs.
      ALTER TABLE annals_events ADD COLUMN stream_hash INTEGER NOT NULL DEFAULT 0;
      UPDATE annals_events SET stream_hash = annals_key_hash(stream);
      -- The members of each group, with their heartbeats (ms since the epoch, SQLite's clock).
      CREATE TABLE annals_group_members (
        projection   TEXT    NOT NULL,
        version      INTEGER NOT NULL,
        member       TEXT    NOT NULL,
        joined_at    INTEGER NOT NULL,
        heartbeat_at INTEGER NOT NULL,
        expires_at   INTEGER NOT NULL,
        PRIMARY KEY (projection, version, member)
      ) WITHOUT ROWID;
      -- Who parked the event: the lease holder whose commit parked it (NULL: parked without a lease).
      ALTER TABLE annals_dead_letters ADD COLUMN owner TEXT;
    `,
  },
  {
    version: 5,
    sql: `
      -- The index of partition reads, kept behind the log rather than by appends (see
      -- partition-reads.ts): per partition count, the partition of every event up to through.
      CREATE TABLE annals_partition_progress (
        partition_count INTEGER PRIMARY KEY,
        through         INTEGER NOT NULL
      ) WITHOUT ROWID;
      CREATE TABLE annals_partition_entries (
        partition_count INTEGER NOT NULL,
        part            INTEGER NOT NULL,
        position        INTEGER NOT NULL,
        PRIMARY KEY (partition_count, part, position)
      ) WITHOUT ROWID;
    `,
    // The expression indexes version 4's partition reads used (annals_events_partition_<count>)
    // cost every append a page: dropped, each count kept as one to index from the start.
    after: (db) => {
      const names = db.prepare(`SELECT name FROM sqlite_master WHERE type = 'index' AND name GLOB 'annals_events_partition_[0-9]*'`).pluck().all() as string[];
      const keep = db.prepare(`INSERT INTO annals_partition_progress (partition_count, through) VALUES (?, 0) ON CONFLICT DO NOTHING`);
      for (const name of names) {
        db.exec(`DROP INDEX "${name}"`);
        keep.run(Number(name.slice('annals_events_partition_'.length)));
      }
    },
  },
];

/** The schema version this Annals brings a SQLite store to. */
export const LATEST_SCHEMA_VERSION = latestVersion(MIGRATIONS);

/**
 * Brings the schema to the latest version (or checks it, when `migrate` is false or the store
 * is read-only). Runs under a write lock, so two processes opening one new file migrate it once.
 */
export function migrate(db: Database.Database, location: string, options: { migrate: boolean; readonly: boolean }): SchemaState {
  const allowed = options.migrate && !options.readonly;
  const found = currentVersion(db);
  // Nothing is created before this check: a store that may not migrate is left as it was found.
  if (pendingMigrations(location, found, MIGRATIONS, allowed).length === 0) return { version: found, migratedFrom: found };
  // Version 4 fills each stored event's partition hash, computed here as appends compute it.
  db.function('annals_key_hash', { deterministic: true }, (stream: unknown) => keyHash(String(stream)));
  const apply = db.transaction(() => {
    db.exec(`CREATE TABLE IF NOT EXISTS annals_schema_migrations (version INTEGER PRIMARY KEY, applied_at INTEGER NOT NULL)`);
    const from = currentVersion(db); // another process may have migrated while we waited for the lock
    for (const { version, sql, after } of pendingMigrations(location, from, MIGRATIONS, allowed)) {
      db.exec(sql);
      after?.(db);
      db.prepare(`INSERT INTO annals_schema_migrations (version, applied_at) VALUES (?, ?)`).run(version, Date.now());
    }
    return from;
  });
  return { version: LATEST_SCHEMA_VERSION, migratedFrom: apply.immediate() };
}

function currentVersion(db: Database.Database): number {
  const table = db.prepare(`SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'annals_schema_migrations'`).get();
  if (!table) return 0;
  return (db.prepare(`SELECT coalesce(max(version), 0) AS v FROM annals_schema_migrations`).get() as { v: number }).v;
}
