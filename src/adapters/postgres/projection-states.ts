import type { LeaseAnswer, ProjectionKey, ProjectionState } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { epochMs, NOW } from './read-model-sql.js';
import { statementName } from './transaction.js';

/** A state row as the statements below return it (times already in ms; bigints come back as numbers). */
export interface StateRow {
  readonly checkpoint: number;
  readonly owner: string | null;
  readonly epoch: number;
  readonly lease_expires_at: number;
  readonly updated_at: number;
}

/** The columns of a state row, in the shape of StateRow. */
export const STATE_COLUMNS = `checkpoint, owner, epoch, ${epochMs('lease_expires_at')} AS lease_expires_at, ${epochMs('updated_at')} AS updated_at`;

/** The state row's key in a WHERE clause, from parameters $1..$3. */
export const KEY_MATCHES = `projection = $1 AND version = $2 AND partition = $3`;

/** The ProjectionState of a row. */
export function toState(row: StateRow): ProjectionState {
  return { checkpoint: row.checkpoint, owner: row.owner ?? undefined, epoch: row.epoch, leaseExpiresAt: row.lease_expires_at, updatedAt: row.updated_at };
}

/** The parameters $1..$3 of a key. */
export function keyValues(key: ProjectionKey): unknown[] {
  return [key.projection, key.version, key.partition];
}

/**
 * The projection state rows and their leases, decided in the database on its clock (NOW): one
 * statement takes, renews or refuses a lease, so two processes racing for a free lease meet on
 * the row's lock (or on its primary key, when the row is new) and exactly one gets it.
 */
export class ProjectionStates {
  private readonly table: string;

  constructor(
    private readonly pool: PostgresPool,
    quotedSchema: string,
  ) {
    this.table = `${quotedSchema}.projection_states`;
  }

  async state(key: ProjectionKey): Promise<ProjectionState | undefined> {
    const row = (await this.run<StateRow>(`SELECT ${STATE_COLUMNS} FROM ${this.table} WHERE ${KEY_MATCHES}`, keyValues(key)))[0];
    return row && toState(row);
  }

  async states(projection: string): Promise<{ key: ProjectionKey; state: ProjectionState }[]> {
    const rows = await this.run<StateRow & { version: number; partition: number }>(
      `SELECT version, partition, ${STATE_COLUMNS} FROM ${this.table} WHERE projection = $1 ORDER BY version, partition`,
      [projection],
    );
    return rows.map((row) => ({ key: { projection, version: row.version, partition: row.partition }, state: toState(row) }));
  }

  async lease(key: ProjectionKey, owner: string, ttlMs: number, epoch?: number): Promise<LeaseAnswer> {
    // $4 owner, $5 ttl, $6 the epoch to renew at (NULL: take only if free or expired).
    const renewing = `($6::bigint IS NOT NULL AND p.owner = $4 AND p.epoch = $6::bigint)`;
    const taken = await this.run<StateRow & { now: number }>(
      `INSERT INTO ${this.table} AS p (projection, version, partition, owner, epoch, lease_expires_at)
       VALUES ($1, $2, $3, $4, 1, ${NOW} + $5::float8 * interval '1 millisecond')
       ON CONFLICT (projection, version, partition) DO UPDATE
         SET owner = excluded.owner, lease_expires_at = excluded.lease_expires_at,
             epoch = CASE WHEN ${renewing} THEN p.epoch ELSE p.epoch + 1 END
         WHERE ${renewing} OR p.owner IS NULL OR p.lease_expires_at <= ${NOW}
       RETURNING ${STATE_COLUMNS}, ${epochMs(NOW)} AS now`,
      [...keyValues(key), owner, ttlMs, epoch ?? null],
    );
    if (taken[0] !== undefined) return { held: true, state: toState(taken[0]), now: taken[0].now };
    // Held by another: the row exists (the insert met it), read as it is now.
    const held = await this.run<StateRow & { now: number }>(`SELECT ${STATE_COLUMNS}, ${epochMs(NOW)} AS now FROM ${this.table} WHERE ${KEY_MATCHES}`, keyValues(key));
    return { held: false, state: toState(held[0]!), now: held[0]!.now };
  }

  async release(key: ProjectionKey, owner: string, epoch: number): Promise<void> {
    await this.run(`UPDATE ${this.table} SET owner = NULL, lease_expires_at = NULL WHERE ${KEY_MATCHES} AND owner = $4 AND epoch = $5`, [
      ...keyValues(key),
      owner,
      epoch,
    ]);
  }

  private async run<R extends object>(text: string, values: unknown[]): Promise<R[]> {
    return (await this.pool.query<R>(statementName(text), text, values)).rows;
  }
}
