import type pg from 'pg';

/** One statement: named (prepared once per connection) when it has a name, else sent as it is. */
export interface Statement {
  readonly name?: string;
  readonly text: string;
  readonly values?: readonly unknown[];
}

/** A connection of a driver version that can pipeline (one with the `pipeline` switch). */
type Pipelining = pg.ClientBase & { pipeline: boolean };

/** Whether `client` can send several statements before the first one's answer. */
export function canPipeline(client: pg.ClientBase): client is Pipelining {
  return typeof (client as Partial<Pipelining>).pipeline === 'boolean';
}

/**
 * Sends `statements` on `client` in one round trip (pipelined: each one's messages go out before
 * the first answer comes back; the server still runs them one after the other, in order, and each
 * ends with its own Sync, so one that fails does not stop the next from being run) and returns
 * each one's outcome, in order. Inside a transaction, a failure aborts it: the statements after
 * it fail too (25P02), and a COMMIT among them rolls back. Without a driver that pipelines, they
 * run one after another, with the same outcomes.
 *
 * The connection is switched to pipelining for these statements only, and back once every answer
 * is in: nothing else may use it meanwhile (a connection taken out of the pool is the caller's).
 */
export async function sendTogether(client: pg.ClientBase, statements: readonly Statement[]): Promise<PromiseSettledResult<pg.QueryResult>[]> {
  const send = (statement: Statement) =>
    statement.name === undefined
      ? client.query(statement.text, statement.values as unknown[] | undefined)
      : client.query({ name: statement.name, text: statement.text, values: statement.values as unknown[] | undefined });
  if (!canPipeline(client)) {
    const outcomes: PromiseSettledResult<pg.QueryResult>[] = [];
    for (const statement of statements) {
      try {
        outcomes.push({ status: 'fulfilled', value: await send(statement) });
      } catch (reason) {
        outcomes.push({ status: 'rejected', reason });
      }
    }
    return outcomes;
  }
  client.pipeline = true;
  try {
    return await Promise.allSettled(statements.map(send));
  } finally {
    client.pipeline = false;
  }
}

/** The answers of statements sent together, when all succeeded; else the first failure is thrown. */
export function allAnswered(outcomes: readonly PromiseSettledResult<pg.QueryResult>[]): pg.QueryResult[] {
  const failed = outcomes.find((outcome) => outcome.status === 'rejected');
  if (failed !== undefined) throw failed.reason;
  return outcomes.map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value);
}
