import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { KEY, withAccounts, type ReadModelSuite } from './suite.js';

export function leaseTests(suite: ReadModelSuite): void {
  describe('leases', () => {
    suite.test('the first to ask takes the lease at epoch 1; another waits while it is held', async (f) => {
      const store = await withAccounts(f);
      const first = await store.lease(KEY, 'runner-a', 60_000);
      expect(first).toMatchObject({ held: true, state: { owner: 'runner-a', epoch: 1, checkpoint: 0 } });
      expect(first.state.leaseExpiresAt).toBeGreaterThanOrEqual(first.now + 59_000);
      expect(first.state.leaseExpiresAt).toBeLessThanOrEqual(first.now + 61_000);
      expect(Math.abs(first.now - Date.now())).toBeLessThan(5000); // the database's clock, not far from ours
      const second = await (await f.connect(store)).lease(KEY, 'runner-b', 60_000);
      expect(second).toMatchObject({ held: false, state: { owner: 'runner-a', epoch: 1 } });
      // Asking again without the epoch is not a renewal, even by the holder.
      expect(await store.lease(KEY, 'runner-a', 60_000)).toMatchObject({ held: false, state: { owner: 'runner-a', epoch: 1 } });
    });

    suite.test('the holder renews with its epoch; an expired lease is taken by another at the next epoch', async (f) => {
      const store = await withAccounts(f);
      await store.lease(KEY, 'runner-a', 300);
      const renewed = await store.lease(KEY, 'runner-a', 300, 1);
      expect(renewed).toMatchObject({ held: true, state: { owner: 'runner-a', epoch: 1 } });
      await sleep(450);
      const other = await f.connect(store);
      const taken = await other.lease(KEY, 'runner-b', 60_000);
      expect(taken).toMatchObject({ held: true, state: { owner: 'runner-b', epoch: 2 } });
      // The old holder's renewal with its old epoch fails, and shows the new holder.
      expect(await store.lease(KEY, 'runner-a', 300, 1)).toMatchObject({ held: false, state: { owner: 'runner-b', epoch: 2 } });
    });

    suite.test('a released lease can be taken at once, at the next epoch; a release by a non-holder does nothing', async (f) => {
      const store = await withAccounts(f);
      await store.lease(KEY, 'runner-a', 60_000);
      await store.release(KEY, 'runner-b', 1);
      await store.release(KEY, 'runner-a', 7);
      expect(await store.state(KEY)).toMatchObject({ owner: 'runner-a', epoch: 1 });
      await store.release(KEY, 'runner-a', 1);
      expect(await store.state(KEY)).toMatchObject({ owner: undefined, epoch: 1, leaseExpiresAt: 0 });
      expect(await store.lease(KEY, 'runner-b', 60_000)).toMatchObject({ held: true, state: { owner: 'runner-b', epoch: 2 } });
    });

    suite.test('a lease keeps the checkpoint, and a lease request creates no checkpoint of its own', async (f) => {
      const store = await withAccounts(f, { a: { owner: 'ann' } });
      expect(await store.lease(KEY, 'runner-a', 60_000)).toMatchObject({ held: true, state: { checkpoint: 1, epoch: 1 } });
      const fresh = { ...KEY, projection: 'fresh' };
      expect(await store.lease(fresh, 'runner-a', 60_000)).toMatchObject({ held: true, state: { checkpoint: 0, epoch: 1 } });
    });

    suite.test('of connections racing for a free lease, exactly one takes it', async (f) => {
      const store = await withAccounts(f);
      const others = [store, await f.connect(store), await f.connect(store)];
      for (let round = 0; round < 15; round++) {
        const key = { ...KEY, partition: round };
        const answers = await Promise.all(others.flatMap((connection, i) => [connection.lease(key, `runner-${i}-a`, 60_000), connection.lease(key, `runner-${i}-b`, 60_000)]));
        const holders = answers.filter((answer) => answer.held);
        expect(holders).toHaveLength(1);
        const winner = holders[0]!.state.owner;
        for (const answer of answers) expect(answer.state).toMatchObject({ owner: winner, epoch: 1 });
      }
    });
  });
}
