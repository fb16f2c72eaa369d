import pg from 'pg';
import type { Backend, BackendParts, Durability } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import { Announcer } from './announcer.js';
import type { PostgresPool } from './connection.js';
import { Notifier } from './commit-signal.js';
import { PostgresLog } from './postgres-log.js';
import { PostgresSnapshots } from './postgres-snapshots.js';

/**
 * The PostgreSQL backend: a pool per store, shared by its parts, and one LISTEN connection
 * while anyone subscribes. Built by openPostgres, which connects and migrates.
 */
export class PostgresBackend implements Backend {
  readonly name = 'postgres';
  /** The log, the snapshot store, and the commit signal (LISTEN/NOTIFY). */
  readonly parts: BackendParts & {
    /** The event log, on the store's tables. */
    readonly log: PostgresLog;
    /** The commit signal: one LISTEN connection while anyone subscribes. */
    readonly commits: Notifier;
  };
  private readonly announcer: Announcer;

  constructor(
    private readonly pool: PostgresPool,
    /** The schema holding the store's tables. */
    readonly schemaName: string,
    readonly schema: SchemaState,
    readonly durability: Durability,
    pollIntervalMs: number,
  ) {
    const quotedSchema = pg.escapeIdentifier(schemaName);
    const channel = `annals:${schemaName}`;
    const commits = new Notifier(pool.config, channel, pollIntervalMs);
    this.announcer = new Announcer(pool, channel, commits);
    this.parts = {
      log: new PostgresLog(pool, quotedSchema, pollIntervalMs, commits, this.announcer),
      snapshots: new PostgresSnapshots(pool, quotedSchema),
      commits,
    };
  }

  async close(): Promise<void> {
    this.parts.log.close();
    await this.parts.commits.close();
    await this.announcer.settle();
    await this.pool.end();
  }
}

/** @deprecated Use `PostgresBackend` (from `openPostgres`). */
export const PostgresAdapter = PostgresBackend;
/** @deprecated Use `PostgresBackend` (from `openPostgres`). */
export type PostgresAdapter = PostgresBackend;
