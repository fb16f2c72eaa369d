import pg from 'pg';
import { expect, it } from 'vitest';
import { canPipeline, sendTogether, type Statement } from '../../src/adapters/postgres/pipeline.js';
import { commitStatement, REFUSED_STRICT } from '../../src/adapters/postgres/read-model-commit.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** A client whose driver cannot pipeline: the `pipeline` switch hidden, as on pg versions without it. */
function withoutPipelining(client: pg.Client): pg.Client {
  Object.defineProperty(client, 'pipeline', { value: undefined, configurable: true });
  return client;
}

describeWithService(service, 'statements sent together on PostgreSQL', () => {
  const ctx = usePostgres(service.url);

  for (const pipelined of [true, false]) {
    it(`${pipelined ? 'pipelined' : 'one after another (a driver without pipelining)'}: answers in order; a failure aborts the transaction, and its COMMIT rolls back`, async () => {
      const client = await ctx.client();
      if (!pipelined) withoutPipelining(client);
      expect(canPipeline(client)).toBe(pipelined);
      const table = pg.escapeIdentifier(ctx.schema());
      await client.query(`CREATE TABLE ${table} (id int PRIMARY KEY)`);
      const insert = (id: number): Statement => ({ name: `insert-${table}`, text: `INSERT INTO ${table} VALUES ($1) RETURNING id`, values: [id] });

      const committed = await sendTogether(client, [{ text: 'BEGIN' }, insert(1), insert(2), { text: 'SELECT count(*)::int AS n FROM ' + table }, { text: 'COMMIT' }]);
      expect(committed.map((outcome) => outcome.status)).toEqual(['fulfilled', 'fulfilled', 'fulfilled', 'fulfilled', 'fulfilled']);
      expect(committed.slice(1, 4).map((outcome) => (outcome as PromiseFulfilledResult<pg.QueryResult>).value.rows[0])).toEqual([{ id: 1 }, { id: 2 }, { n: 2 }]);

      // The duplicate key aborts the transaction: the next statement is refused (25P02) and COMMIT rolls back.
      const refused = await sendTogether(client, [{ text: 'BEGIN' }, insert(3), insert(1), insert(4), { text: 'COMMIT' }]);
      expect(refused.map((outcome) => (outcome.status === 'rejected' ? (outcome.reason as { code: string }).code : 'ok'))).toEqual(['ok', 'ok', '23505', '25P02', 'ok']);
      expect((await client.query(`SELECT id FROM ${table} ORDER BY id`)).rows).toEqual([{ id: 1 }, { id: 2 }]);
      // The connection is left as it was: one statement at a time, outside any transaction.
      expect(client.pipeline ?? false).toBe(false);
      expect((await client.query('SELECT 1 AS one')).rows).toEqual([{ one: 1 }]);
    });
  }

  it('a strict commit statement whose compare-and-set fails is refused (so a COMMIT sent with it rolls back), and writes nothing', async () => {
    const name = ctx.schema();
    await ctx.open({ schema: name }); // the store's schema, with its projection_states table
    const client = await ctx.client();
    const schema = pg.escapeIdentifier(name);
    const commit = { key: { projection: 'p', version: 1, partition: 0 }, from: 5, checkpoint: 9, writes: [] };
    const strict = commitStatement(schema, commit, [], { channel: 'annals:test', strict: true });
    const outcomes = await sendTogether(client, [{ text: 'BEGIN' }, strict, { text: 'COMMIT' }]);
    expect(outcomes[1]).toMatchObject({ status: 'rejected', reason: { code: REFUSED_STRICT } });
    expect((await client.query(`SELECT count(*)::int AS n FROM ${schema}.projection_states WHERE projection = 'p'`)).rows).toEqual([{ n: 0 }]);
    // Not strict: the same refusal answers done = 0.
    const lenient = commitStatement(schema, commit, [], { channel: 'annals:test', strict: false });
    expect((await client.query({ text: lenient.text, values: lenient.values as unknown[] })).rows).toEqual([{ done: 0 }]);
  });
});
