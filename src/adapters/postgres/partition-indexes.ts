import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import type { PartitionIndexes } from '../../backend/parts.js';
import type { PostgresPool } from './connection.js';
import { toAnnalsError } from './errors.js';

/** How long a caller waits between tries for the lock another process's build holds. */
const LOCK_RETRY_MS = 50;

const VALIDITY = `SELECT i.indisvalid AS valid FROM pg_index i JOIN pg_class c ON c.oid = i.indexrelid JOIN pg_namespace n ON n.oid = c.relnamespace
                   WHERE n.nspname = $1 AND c.relname = $2`;

/**
 * The partition indexes: `events_partition_<count>` on `(partition_hash(stream) % count,
 * position)`, the expression the log's partition reads filter on (postgres-log.ts; the SQL
 * function is inlined by the planner, on both sides). Built with CREATE INDEX CONCURRENTLY, so
 * appends go on meanwhile; which cannot run in a transaction, so the builders of a schema are
 * serialised by a session advisory lock instead.
 *
 * The lock is taken with pg_try_advisory_lock, retried, never waited for in a statement: a
 * concurrent build waits for every transaction whose snapshot is older than its own, and a
 * caller blocked in pg_advisory_lock would be one, waiting for the builder in turn (a deadlock).
 *
 * A build that was interrupted (its process killed, the statement cancelled) leaves an INVALID
 * index, which `IF NOT EXISTS` would take for done: under the lock, such an index is dropped and
 * built again.
 */
export class PostgresPartitionIndexes implements PartitionIndexes {
  private readonly lockKey: string;

  constructor(
    private readonly pool: PostgresPool,
    private readonly quotedSchema: string,
    private readonly schemaName: string,
  ) {
    this.lockKey = `annals:partitions:${schemaName}`;
  }

  async prepare(count: number): Promise<void> {
    const name = `events_partition_${count}`;
    if ((await this.validity(name)) === true) return;
    try {
      await this.pool.onClient(async (client) => {
        while (!(await client.query<{ locked: boolean }>(`SELECT pg_try_advisory_lock(hashtext($1)) AS locked`, [this.lockKey])).rows[0]!.locked) {
          await sleep(LOCK_RETRY_MS);
        }
        try {
          await this.build(client, name, count);
        } finally {
          await client.query(`SELECT pg_advisory_unlock(hashtext($1))`, [this.lockKey]);
        }
      });
    } catch (error) {
      throw toAnnalsError(error);
    }
  }

  /** Under the lock: nothing when a valid index is there; else drops an invalid one and builds it. */
  private async build(client: pg.PoolClient, name: string, count: number): Promise<void> {
    const { rows } = await client.query<{ valid: boolean }>(VALIDITY, [this.schemaName, name]);
    if (rows[0]?.valid === true) return;
    const index = `${this.quotedSchema}.${name}`;
    // A build on a long log may take longer than the store's statement timeout, meant for reads and appends.
    await client.query(`SET statement_timeout = 0`);
    try {
      if (rows[0] !== undefined) await client.query(`DROP INDEX CONCURRENTLY IF EXISTS ${index}`);
      await client.query(
        `CREATE INDEX CONCURRENTLY IF NOT EXISTS ${name} ON ${this.quotedSchema}.events ((${this.quotedSchema}.partition_hash(stream) % ${count}), position)`,
      );
    } finally {
      await client.query(`RESET statement_timeout`);
    }
  }

  /** Whether the index is there and valid; undefined when it is not there. */
  private async validity(name: string): Promise<boolean | undefined> {
    const { rows } = await this.pool.query<{ valid: boolean }>('partition-index-validity', VALIDITY, [this.schemaName, name]);
    return rows[0]?.valid;
  }
}
