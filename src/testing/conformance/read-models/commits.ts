import { describe, expect } from 'vitest';
import { LeaseLostError } from '../../../core/errors.js';
import { ACCOUNTS, commitOf, KEY, NOTES, put, withAccounts, type ReadModelSuite } from './suite.js';



export function commitTests(suite: ReadModelSuite): void {
  describe('commits', () => {
    suite.test('a commit moves the checkpoint with its documents, and stamps the time on the database clock', async (f) => {
      const store = await withAccounts(f);
      expect(await store.state(KEY)).toBeUndefined();
      const before = Date.now();
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann' })], 0, 17));
      const state = await store.state(KEY);
      expect(state).toMatchObject({ checkpoint: 17, owner: undefined, epoch: 0 });
      // The database's clock may differ a little from this process's: allow a second.
      expect(state!.updatedAt).toBeGreaterThanOrEqual(before - 1000);
      expect(state!.updatedAt).toBeLessThanOrEqual(Date.now() + 1000);
      await store.commit(commitOf([], 17, 40)); // no writes: a projection that ignored the batch still moves on
      expect((await store.state(KEY))!.checkpoint).toBe(40);
      expect(await (await f.connect(store)).state(KEY)).toMatchObject({ checkpoint: 40 });
    });

    suite.test('a commit from another checkpoint is refused with ANNALS_LEASE_LOST and writes nothing', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann' } });
      const refused = await store
        .commit(commitOf([put(ACCOUNTS, 'a', { owner: 'changed' }), put(NOTES, 'n', { text: 'x' })], 0, 5, { park: [{ position: 3, eventId: '00000000-0000-4000-8000-000000000003', stream: 'account-1', type: 'Deposited', error: 'boom', parkedAt: 1_700_000_000_000 }] }))
        .catch((error: unknown) => error);
      expect(refused).toBeInstanceOf(LeaseLostError);
      expect(refused).toMatchObject({ code: 'ANNALS_LEASE_LOST', from: 0, found: { checkpoint: 1, owner: undefined, epoch: 0 } });
      expect(JSON.parse((await store.get(ACCOUNTS, ['a']))[0]!)).toEqual({ owner: 'ann' });
      expect(await store.get(NOTES, ['n'])).toEqual([undefined]);
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([]);
      expect((await store.state(KEY))!.checkpoint).toBe(1);
    });

    suite.test('a first commit from a checkpoint other than 0 is refused: there is no state to match', async (f) => {
      const store = await withAccounts(f);
      const refused = await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann' })], 3, 5)).catch((error: unknown) => error);
      expect(refused).toMatchObject({ code: 'ANNALS_LEASE_LOST', found: undefined });
      expect(await store.get(ACCOUNTS, ['a'])).toEqual([undefined]);
      expect(await store.state(KEY)).toBeUndefined();
    });

    suite.test('a commit with a lease needs that owner and epoch, and renews the lease', async (f) => {
      const store = await withAccounts(f);
      const taken = await store.lease(KEY, 'runner-a', 60_000);
      expect(taken).toMatchObject({ held: true, state: { owner: 'runner-a', epoch: 1, checkpoint: 0 } });
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann' })], 0, 3, { lease: { owner: 'runner-a', epoch: 1 }, ttlMs: 120_000 }));
      const state = (await store.state(KEY))!;
      expect(state).toMatchObject({ checkpoint: 3, owner: 'runner-a', epoch: 1 });
      expect(state.leaseExpiresAt).toBeGreaterThan(taken.state.leaseExpiresAt + 30_000);
      for (const lease of [{ owner: 'runner-b', epoch: 1 }, { owner: 'runner-a', epoch: 2 }, { owner: 'runner-a', epoch: 0 }]) {
        const refused = await store.commit(commitOf([put(ACCOUNTS, 'b', { owner: 'bob' })], 3, 4, { lease, ttlMs: 1000 })).catch((error: unknown) => error);
        expect(refused).toMatchObject({ code: 'ANNALS_LEASE_LOST', lease, found: { checkpoint: 3, owner: 'runner-a', epoch: 1 } });
      }
      expect(await store.get(ACCOUNTS, ['b'])).toEqual([undefined]);
      expect(await store.state(KEY)).toMatchObject({ checkpoint: 3, owner: 'runner-a', epoch: 1, leaseExpiresAt: state.leaseExpiresAt });
    });

    suite.test('a runner that lost its lease to another can no longer commit, even from the right checkpoint', async (f) => {
      const store = await withAccounts(f);
      await store.lease(KEY, 'runner-a', 60_000);
      await store.release(KEY, 'runner-a', 1);
      expect(await store.lease(KEY, 'runner-b', 60_000)).toMatchObject({ held: true, state: { owner: 'runner-b', epoch: 2 } });
      const stale = await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'stale' })], 0, 9, { lease: { owner: 'runner-a', epoch: 1 }, ttlMs: 1000 })).catch((error: unknown) => error);
      expect(stale).toMatchObject({ code: 'ANNALS_LEASE_LOST' });
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'fresh' })], 0, 9, { lease: { owner: 'runner-b', epoch: 2 }, ttlMs: 1000 }));
      expect(JSON.parse((await store.get(ACCOUNTS, ['a']))[0]!)).toEqual({ owner: 'fresh' });
    });

    suite.test('of two connections committing from the same checkpoint, exactly one wins, and only its writes land', async (f) => {
      const store = await withAccounts(f);
      const other = await f.connect(store);
      for (let round = 0; round < 10; round++) {
        const from = round * 10;
        const outcomes = await Promise.allSettled([
          store.commit(commitOf([put(ACCOUNTS, 'doc', { owner: `first-${round}` }), put(NOTES, `first-${round}`, {})], from, from + 10)),
          other.commit(commitOf([put(ACCOUNTS, 'doc', { owner: `second-${round}` }), put(NOTES, `second-${round}`, {})], from, from + 10)),
        ]);
        const won = outcomes.findIndex((outcome) => outcome.status === 'fulfilled');
        expect(outcomes.filter((outcome) => outcome.status === 'fulfilled')).toHaveLength(1);
        const lost = outcomes[1 - won] as PromiseRejectedResult;
        expect(lost.reason).toBeInstanceOf(LeaseLostError);
        const winner = won === 0 ? 'first' : 'second';
        const loser = won === 0 ? 'second' : 'first';
        expect(JSON.parse((await other.get(ACCOUNTS, ['doc']))[0]!)).toEqual({ owner: `${winner}-${round}` });
        expect(await store.get(NOTES, [`${winner}-${round}`, `${loser}-${round}`])).toEqual([expect.any(String), undefined]);
      }
      expect((await other.state(KEY))!.checkpoint).toBe(100);
    });

    suite.test('keeps each partition and version of a projection apart', async (f) => {
      const store = await withAccounts(f);
      const p1 = { ...KEY, partition: 1 };
      const v2 = { ...KEY, version: 2 };
      await store.commit(commitOf([], 0, 5));
      await store.commit({ key: p1, from: 0, checkpoint: 7, writes: [] });
      await store.lease(v2, 'runner-v2', 60_000);
      expect((await store.state(KEY))!.checkpoint).toBe(5);
      expect((await store.state(p1))!.checkpoint).toBe(7);
      expect(await store.state(v2)).toMatchObject({ checkpoint: 0, owner: 'runner-v2', epoch: 1 });
      expect(await store.state({ ...KEY, projection: 'other' })).toBeUndefined();
      const states = await store.states('bank');
      expect(states.map(({ key, state }) => [key.version, key.partition, state.checkpoint])).toEqual([
        [1, 0, 5],
        [1, 1, 7],
        [2, 0, 0],
      ]);
      expect(await store.states('other')).toEqual([]);
    });
  });
}
