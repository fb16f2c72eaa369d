import { createHash } from 'node:crypto';
import type pg from 'pg';
import type { PostgresPool } from './connection.js';
import { toAnnalsError, TRANSIENT } from './errors.js';

const MAX_TRANSIENT_RETRIES = 3;

/** The statements of one transaction, on its one connection. */
export interface Transaction {
  /** A named (prepared) statement: its name is a hash of its text. */
  query<R extends object = Record<string, unknown>>(text: string, values?: unknown[]): Promise<pg.QueryResult<R>>;
  /** A statement as it is, unprepared: for DDL, run once. */
  run(text: string): Promise<void>;
}

/**
 * A prepared statement's name for its text. Names are kept per connection and PostgreSQL cuts
 * them at 63 bytes, so a name built from a table's name could collide; a hash of the text is
 * short and one per text.
 */
export function statementName(text: string): string {
  let name = names.get(text);
  if (name === undefined) {
    name = `annals:rm:${createHash('sha1').update(text).digest('base64url').slice(0, 22)}`;
    if (names.size >= 10_000) names.clear(); // texts are few (per collection and find shape); a bound all the same
    names.set(text, name);
  }
  return name;
}

/** Statement names already computed, by text. */
const names = new Map<string, string>();

/** The statements of a transaction the caller has begun on `client`. */
export function transactionOn(client: pg.ClientBase): Transaction {
  return {
    query: (text, values = []) => client.query({ name: statementName(text), text, values }),
    run: async (text) => void (await client.query(text)),
  };
}

/**
 * Runs `use` in a transaction on one connection of the pool: COMMIT when it resolves, ROLLBACK
 * when it throws (its error is then thrown, typed). A serialization failure or deadlock wrote
 * nothing, so the whole transaction runs again (`use` must be safe to run again).
 *
 * An error thrown by `use` after a successful ROLLBACK (a typed refusal such as LeaseLostError)
 * leaves the connection sound: it goes back to the pool instead of being closed.
 *
 * With `idleTimeoutMs`, the server ends the session when the transaction waits that long for
 * its next statement (idle_in_transaction_session_timeout, set with the BEGIN in one round
 * trip): a process paused between two statements (stopped, swapped out, in a long garbage
 * collection) cannot hold the transaction's row locks past it, so a lease it lost can be taken
 * while it is still paused.
 */
export async function inTransaction<T>(pool: PostgresPool, use: (tx: Transaction) => Promise<T>, idleTimeoutMs?: number): Promise<T> {
  const begin = idleTimeoutMs === undefined ? 'BEGIN' : `BEGIN; SET LOCAL idle_in_transaction_session_timeout = ${Math.max(1, Math.round(idleTimeoutMs))}`;
  for (let attempt = 0; ; attempt++) {
    try {
      const outcome = await pool.onClient(async (client): Promise<{ value: T } | { refused: unknown }> => {
        await client.query(begin);
        try {
          const value = await use(transactionOn(client));
          await client.query('COMMIT');
          return { value };
        } catch (error) {
          // A ROLLBACK that fails means the connection is gone: its error closes the connection.
          await client.query('ROLLBACK');
          return { refused: error };
        }
      });
      if ('value' in outcome) return outcome.value;
      throw outcome.refused;
    } catch (error) {
      const code = (error as { code?: string } | null)?.code;
      if (TRANSIENT.has(code ?? '') && attempt < MAX_TRANSIENT_RETRIES) continue;
      throw toAnnalsError(error);
    }
  }
}
