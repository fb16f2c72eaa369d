import pg from 'pg';
import type { Backend, BackendParts, Durability, PartitionIndexes, Replication } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import { Announcer } from './announcer.js';
import type { PostgresPool } from './connection.js';
import { Notifier } from './commit-signal.js';
import { PostgresInline } from './inline-host.js';
import { PostgresLog } from './postgres-log.js';
import { PostgresReadModels } from './postgres-read-models.js';
import { PostgresReplication } from './replication.js';
import { PostgresSnapshots } from './postgres-snapshots.js';

/**
 * The PostgreSQL backend: a pool per store, shared by its parts, and one LISTEN connection
 * while anyone subscribes. Built by openPostgres, which connects and migrates.
 */
export class PostgresBackend implements Backend {
  readonly name = 'postgres';
  /** The log, the snapshot store, the commit signal (LISTEN/NOTIFY), the read models, inline projections, the replication state and the partition indexes, on one pool. */
  readonly parts: BackendParts & {
    /** The event log, on the store's tables. */
    readonly log: PostgresLog;
    /** The commit signal: one LISTEN connection while anyone subscribes. */
    readonly commits: Notifier;
    /** Read models, projection checkpoints and leases, in the store's schema. */
    readonly readModels: PostgresReadModels;
    /** Inline projections: while one is attached, each append is a transaction that also applies them. */
    readonly inline: PostgresInline;
    /** Whether the server is a standby (a read replica), and its lag. */
    readonly replication: Replication;
    /** The index of partition reads, kept behind the log (partition-entries.ts). */
    readonly partitions: PartitionIndexes;
  };
  private readonly announcer: Announcer;

  constructor(
    private readonly pool: PostgresPool,
    /** The schema holding the store's tables. */
    readonly schemaName: string,
    readonly schema: SchemaState,
    readonly durability: Durability,
    pollIntervalMs: number,
    /** Where the server is (`host:port`), and whether it was a standby on open (connect learns both). */
    server: { readonly location: string; readonly standby: boolean } = { location: 'unknown', standby: false },
    /** How long an inline append's transaction may idle (PostgresOptions.inlineIdleTimeoutMs). */
    inlineIdleTimeoutMs = 10_000,
  ) {
    const quotedSchema = pg.escapeIdentifier(schemaName);
    const channel = `annals:${schemaName}`;
    const { location, standby } = server;
    const commits = new Notifier(pool.config, channel, pollIntervalMs, !standby);
    this.announcer = new Announcer(pool, channel, commits);
    const readModels = new PostgresReadModels(pool, schemaName, pollIntervalMs, false, standby ? location : undefined);
    const inline = new PostgresInline(pool, quotedSchema, schemaName, readModels, inlineIdleTimeoutMs);
    const log = new PostgresLog(pool, quotedSchema, pollIntervalMs, commits, this.announcer, inline, standby);
    this.parts = {
      log,
      snapshots: new PostgresSnapshots(pool, quotedSchema),
      commits,
      readModels,
      inline,
      replication: new PostgresReplication(pool, location, standby),
      partitions: log.partitions,
    };
  }

  async close(): Promise<void> {
    this.parts.log.close();
    await this.parts.commits.close();
    await this.parts.readModels.close();
    await this.announcer.settle();
    await this.pool.end();
  }
}

/** @deprecated Use `PostgresBackend` (from `openPostgres`). */
export const PostgresAdapter = PostgresBackend;
/** @deprecated Use `PostgresBackend` (from `openPostgres`). */
export type PostgresAdapter = PostgresBackend;
