import { expect, it } from 'vitest';
import { LeaseLostError } from '../../src/core/errors.js';
import type { PostgresReadModels } from '../../src/adapters/postgres/index.js';
import { collectionSpec } from '../../src/readmodel/names.js';
import type { ProjectionCommit, ProjectionKey } from '../../src/readmodel/types.js';
import { ACCOUNTS, put, useReadModels } from '../helpers/postgres-read-models.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

const ROUNDS = 40;

/** Two stores on one schema, each with its own pool: two processes. */
async function twoProcesses(stores: ReturnType<typeof useReadModels>): Promise<[PostgresReadModels, PostgresReadModels]> {
  const { store, schema } = await stores.backend();
  const other = await stores.own(schema);
  // Connected and prepared on both sides, so that the calls below start together.
  await Promise.all([store.state(key(0)), other.state(key(0))]);
  return [store, other];
}

function key(partition: number): ProjectionKey {
  return { projection: 'balances', version: 1, partition };
}

/** Which of two settled calls won; the loser must have failed with LeaseLostError. */
function winner(results: PromiseSettledResult<unknown>[]): number {
  const won = results.flatMap((result, index) => (result.status === 'fulfilled' ? [index] : []));
  expect(won, JSON.stringify(results.map((r) => r.status === 'rejected' && String(r.reason)))).toHaveLength(1);
  const lost = results[1 - won[0]!] as PromiseRejectedResult;
  expect(lost.reason).toBeInstanceOf(LeaseLostError);
  return won[0]!;
}

describeWithService(service, 'postgres read models under races between processes', () => {
  const ctx = usePostgres(service.url);
  const stores = useReadModels(ctx);

  it('lets exactly one of two commits from the same checkpoint through, and only its documents', async () => {
    const [a, b] = await twoProcesses(stores);
    await a.prepare([ACCOUNTS]);
    for (let round = 0; round < ROUNDS; round++) {
      const partition = round + 1;
      // Half the rounds start from a state row, half from none (the first commit of an inline writer).
      const from = round % 2 === 0 ? 0 : 7;
      if (from !== 0) await a.commit({ key: key(partition), from: 0, checkpoint: from, writes: [] });
      const commit = (by: string): ProjectionCommit => ({
        key: key(partition),
        from,
        checkpoint: from + 3,
        writes: [put(ACCOUNTS, `r${round}`, { owner: by }), put(ACCOUNTS, `r${round}-${by}`, { owner: by })],
        park: [{ position: from + 1, eventId: by, stream: 's-1', type: 'T', error: by, parkedAt: 1 }],
      });
      const results = await Promise.allSettled([a.commit(commit('a')), b.commit(commit('b'))]);
      const by = ['a', 'b'][winner(results)]!;
      const loser = by === 'a' ? 'b' : 'a';
      expect(await a.get(ACCOUNTS, [`r${round}`, `r${round}-${by}`, `r${round}-${loser}`])).toEqual([JSON.stringify({ owner: by }), JSON.stringify({ owner: by }), undefined]);
      expect((await b.deadLetters(key(partition), 0, 10)).map((l) => l.eventId)).toEqual([by]);
      expect(await b.state(key(partition))).toMatchObject({ checkpoint: from + 3 });
    }
  });

  it('gives a free lease to exactly one of two processes asking at once, new row or expired', async () => {
    const [a, b] = await twoProcesses(stores);
    for (let round = 0; round < ROUNDS; round++) {
      const partition = 100 + round;
      // Even rounds: no state row yet. Odd rounds: a lease that has just expired.
      if (round % 2 === 1) {
        await a.lease(key(partition), 'old', 1);
        await new Promise((resolve) => setTimeout(resolve, 5));
      }
      const [fromA, fromB] = await Promise.all([a.lease(key(partition), 'a', 10_000), b.lease(key(partition), 'b', 10_000)]);
      expect([fromA.held, fromB.held].filter(Boolean)).toHaveLength(1);
      const holder = fromA.held ? 'a' : 'b';
      const epoch = round % 2 === 1 ? 2 : 1;
      for (const answer of [fromA, fromB]) expect(answer.state).toMatchObject({ owner: holder, epoch });
      // The holder's commit goes through; the other's, with the epoch it would have had, does not.
      const loser = holder === 'a' ? b : a;
      await expect(loser.commit({ key: key(partition), from: 0, checkpoint: 1, writes: [], lease: { owner: holder === 'a' ? 'b' : 'a', epoch } })).rejects.toBeInstanceOf(LeaseLostError);
      await (holder === 'a' ? a : b).commit({ key: key(partition), from: 0, checkpoint: 1, writes: [], lease: { owner: holder, epoch }, ttlMs: 10_000 });
    }
  });

  it('promotes one version of two asked at once, and prepares the same collections from two processes at once', async () => {
    const [a, b] = await twoProcesses(stores);
    for (let round = 0; round < ROUNDS; round++) {
      const projection = `p${round}`;
      const promoted = await Promise.all([a.promote(projection, 1, undefined), b.promote(projection, 2, undefined)]);
      expect(promoted.filter(Boolean)).toHaveLength(1);
      const switched = await Promise.all([a.promote(projection, 3, promoted[0] ? 1 : 2), b.promote(projection, 4, promoted[0] ? 1 : 2)]);
      expect(switched.filter(Boolean)).toHaveLength(1);
      const specs = [collectionSpec(projection, 1, 'one', { name: 'string' }), collectionSpec(projection, 1, 'two', { n: 'number', name: 'string' })];
      await Promise.all([a.prepare(specs), b.prepare(specs)]);
      expect(await b.count(specs[1]!, { field: 'n', kind: 'number', gt: 0 })).toBe(0);
    }
  });
});
