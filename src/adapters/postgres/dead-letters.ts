import type { DeadLetter, ProjectionKey } from '../../readmodel/types.js';
import type { PostgresPool } from './connection.js';
import { KEY_MATCHES, keyValues } from './projection-states.js';
import { epochMs } from './read-model-sql.js';
import type { Statement } from './pipeline.js';
import { statementName, type Transaction } from './transaction.js';

interface LetterRow {
  readonly position: number;
  readonly event_id: string;
  readonly stream: string;
  readonly type: string;
  readonly error: string;
  readonly parked_at: number;
  readonly owner: string | null;
}

/** The parked events of each projection key, in the schema's `dead_letters` table, by position. */
export class DeadLetters {
  private readonly table: string;

  constructor(
    private readonly pool: PostgresPool,
    quotedSchema: string,
  ) {
    this.table = `${quotedSchema}.dead_letters`;
  }

  /** Parks events inside a commit's transaction (a position parked already is replaced), owned by `owner` (the commit's lease holder; null without a lease). */
  async park(tx: Transaction, key: ProjectionKey, letters: readonly DeadLetter[], owner: string | null): Promise<void> {
    const statement = this.parkStatement(key, letters, owner);
    if (statement !== undefined) await tx.query(statement.text, statement.values as unknown[]);
  }

  /** Removes dead letters inside a commit's transaction (events retried or dropped). */
  async unpark(tx: Transaction, key: ProjectionKey, positions: readonly number[]): Promise<void> {
    const statement = this.unparkStatement(key, positions);
    if (statement !== undefined) await tx.query(statement.text, statement.values as unknown[]);
  }

  /** park's statement; none for no letters. */
  parkStatement(key: ProjectionKey, letters: readonly DeadLetter[], owner: string | null): Statement | undefined {
    if (letters.length === 0) return undefined;
    // parked_at is the runner's clock in ms: added to the epoch as an interval, exactly.
    const text = `INSERT INTO ${this.table} (projection, version, partition, position, event_id, stream, type, error, parked_at, owner)
       SELECT $1, $2, $3, l.position, l.event_id, l.stream, l.type, l.error, 'epoch'::timestamptz + l.parked_at * interval '1 millisecond', $10
         FROM unnest($4::bigint[], $5::text[], $6::text[], $7::text[], $8::text[], $9::float8[]) AS l(position, event_id, stream, type, error, parked_at)
       ON CONFLICT (projection, version, partition, position) DO UPDATE
         SET event_id = excluded.event_id, stream = excluded.stream, type = excluded.type, error = excluded.error, parked_at = excluded.parked_at,
             owner = excluded.owner`;
    const values = [
      ...keyValues(key),
      letters.map((l) => l.position),
      letters.map((l) => l.eventId),
      letters.map((l) => l.stream),
      letters.map((l) => l.type),
      letters.map((l) => l.error),
      letters.map((l) => l.parkedAt),
      owner,
    ];
    return { name: statementName(text), text, values };
  }

  /** unpark's statement; none for no positions. */
  unparkStatement(key: ProjectionKey, positions: readonly number[]): Statement | undefined {
    if (positions.length === 0) return undefined;
    const text = `DELETE FROM ${this.table} WHERE ${KEY_MATCHES} AND position = ANY($4::bigint[])`;
    return { name: statementName(text), text, values: [...keyValues(key), positions] };
  }

  async list(key: ProjectionKey, after: number, limit: number): Promise<DeadLetter[]> {
    const text = `SELECT position, event_id, stream, type, error, ${epochMs('parked_at')} AS parked_at, owner FROM ${this.table}
                   WHERE ${KEY_MATCHES} AND position > $4 ORDER BY position LIMIT $5`;
    const { rows } = await this.pool.query<LetterRow>(statementName(text), text, [...keyValues(key), after, limit]);
    return rows.map((row) => {
      const letter = { position: row.position, eventId: row.event_id, stream: row.stream, type: row.type, error: row.error, parkedAt: row.parked_at };
      return row.owner === null ? letter : { ...letter, owner: row.owner };
    });
  }

  async remove(key: ProjectionKey, positions: readonly number[]): Promise<number> {
    if (positions.length === 0) return 0;
    const text = `DELETE FROM ${this.table} WHERE ${KEY_MATCHES} AND position = ANY($4::bigint[])`;
    return (await this.pool.query(statementName(text), text, [...keyValues(key), positions])).rowCount ?? 0;
  }
}
