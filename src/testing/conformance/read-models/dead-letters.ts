import { describe, expect } from 'vitest';
import { LeaseLostError } from '../../../core/errors.js';
import { ACCOUNTS, commitOf, KEY, NOTES, put, withAccounts, type ReadModelSuite } from './suite.js';

const letter = (position: number, stream: string, error = 'boom') => ({
  position,
  eventId: `00000000-0000-4000-8000-${String(position).padStart(12, '0')}`,
  stream,
  type: 'Deposited',
  error,
  parkedAt: 1_700_000_000_000 + position,
});

export function deadLetterTests(suite: ReadModelSuite): void {
  describe('dead letters', () => {
    suite.test('parks events with the commit, lists them in position order and pages them', async (f) => {
      const store = await withAccounts(f);
      await store.commit(commitOf([put(ACCOUNTS, 'a', { owner: 'ann' })], 0, 10, { park: [letter(7, 'account-2', 'after a parked event'), letter(3, 'account-2', 'Error: no such account')] }));
      await store.commit(commitOf([], 10, 20, { park: [letter(15, 'account-9')] }));
      expect(await store.deadLetters(KEY, 0, 100)).toEqual([letter(3, 'account-2', 'Error: no such account'), letter(7, 'account-2', 'after a parked event'), letter(15, 'account-9')]);
      expect((await store.deadLetters(KEY, 3, 1)).map((l) => l.position)).toEqual([7]);
      expect(await store.deadLetters(KEY, 15, 100)).toEqual([]);
      expect(await store.deadLetters({ ...KEY, version: 2 }, 0, 100)).toEqual([]);
      expect(await (await f.connect(store)).deadLetters(KEY, 0, 1)).toHaveLength(1);
    });

    suite.test('removes dead letters by position and says how many it removed', async (f) => {
      const store = await withAccounts(f);
      await store.commit(commitOf([], 0, 10, { park: [letter(3, 's-1'), letter(5, 's-1'), letter(8, 's-2')] }));
      expect(await store.removeDeadLetters(KEY, [3, 8, 99])).toBe(2);
      expect((await store.deadLetters(KEY, 0, 10)).map((l) => l.position)).toEqual([5]);
      expect(await store.removeDeadLetters(KEY, [])).toBe(0);
      expect(await store.removeDeadLetters({ ...KEY, partition: 3 }, [5])).toBe(0);
      expect(await store.deadLetters(KEY, 0, 10)).toHaveLength(1);
    });

    suite.test('parking a position that is already parked replaces its letter', async (f) => {
      const store = await withAccounts(f);
      await store.commit(commitOf([], 0, 10, { park: [letter(3, 's-1', 'Error: first'), letter(5, 's-1', 'after a parked event')] }));
      const again = { ...letter(3, 's-1', 'Error: second'), parkedAt: 1_800_000_000_000 };
      await store.commit(commitOf([], 10, 10, { park: [again] }));
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([again, letter(5, 's-1', 'after a parked event')]);
      expect(await (await f.connect(store)).deadLetters(KEY, 0, 10)).toHaveLength(2);
    });

    suite.test('a commit un-parks dead letters in the same step as its writes and checkpoint', async (f) => {
      const store = await withAccounts(f);
      await store.commit(commitOf([], 0, 10, { park: [letter(3, 's-1'), letter(5, 's-1'), letter(8, 's-2')] }));
      // A retry: applies the parked events of s-1, un-parks them and writes their documents, without moving the checkpoint.
      await store.commit(commitOf([put(ACCOUNTS, 's-1', { owner: 'retried' }), put(NOTES, 'n', {})], 10, 10, { unpark: [3, 5, 99] }));
      expect((await store.deadLetters(KEY, 0, 10)).map((l) => l.position)).toEqual([8]);
      expect(JSON.parse((await store.get(ACCOUNTS, ['s-1']))[0]!)).toEqual({ owner: 'retried' });
      expect((await store.state(KEY))!.checkpoint).toBe(10);
      // Un-parked and parked again in one commit: it stays parked, with the new letter.
      await store.commit(commitOf([], 10, 12, { unpark: [8], park: [letter(8, 's-2', 'Error: again')] }));
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([letter(8, 's-2', 'Error: again')]);
      const other = await f.connect(store);
      expect(await other.deadLetters(KEY, 0, 10)).toHaveLength(1);
      expect(await other.state(KEY)).toMatchObject({ checkpoint: 12 });
    });

    suite.test('a refused commit un-parks nothing and writes nothing', async (f) => {
      const store = await withAccounts(f);
      await store.lease(KEY, 'runner-a', 60_000);
      await store.commit(commitOf([], 0, 10, { lease: { owner: 'runner-a', epoch: 1 }, ttlMs: 60_000, park: [letter(3, 's-1'), letter(5, 's-1')] }));
      const attempts = [
        commitOf([put(ACCOUNTS, 's-1', { owner: 'retried' })], 9, 10, { lease: { owner: 'runner-a', epoch: 1 }, unpark: [3, 5] }), // another checkpoint
        commitOf([put(ACCOUNTS, 's-1', { owner: 'retried' })], 10, 10, { lease: { owner: 'runner-b', epoch: 1 }, unpark: [3, 5] }), // another owner
        commitOf([put(ACCOUNTS, 's-1', { owner: 'retried' })], 10, 10, { lease: { owner: 'runner-a', epoch: 2 }, unpark: [3], park: [letter(5, 's-1', 'Error: x')] }),
      ];
      for (const attempt of attempts) {
        const refused = await store.commit(attempt).catch((error: unknown) => error);
        expect(refused).toBeInstanceOf(LeaseLostError);
      }
      const owned = { owner: 'runner-a' };
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([{ ...letter(3, 's-1'), ...owned }, { ...letter(5, 's-1'), ...owned }]);
      expect(await store.get(ACCOUNTS, ['s-1'])).toEqual([undefined]);
    });

    suite.test('a dead letter names the lease holder whose commit parked it, and no one when the commit had no lease', async (f) => {
      const store = await withAccounts(f);
      await store.commit(commitOf([], 0, 5, { park: [letter(2, 's-1')] })); // inline: no lease
      await store.lease(KEY, 'runner-a', 60_000);
      await store.commit(commitOf([], 5, 10, { lease: { owner: 'runner-a', epoch: 1 }, ttlMs: 60_000, park: [letter(7, 's-2'), letter(9, 's-2')] }));
      const listed = await (await f.connect(store)).deadLetters(KEY, 0, 10);
      expect(listed).toEqual([letter(2, 's-1'), { ...letter(7, 's-2'), owner: 'runner-a' }, { ...letter(9, 's-2'), owner: 'runner-a' }]);
      expect(listed[0]!.owner).toBeUndefined();
      // Parked again, a letter takes the owner of the commit that parked it last (or none).
      await store.release(KEY, 'runner-a', 1);
      await store.lease(KEY, 'runner-b', 60_000);
      await store.commit(commitOf([], 10, 10, { lease: { owner: 'runner-b', epoch: 2 }, park: [letter(2, 's-1', 'Error: again')] }));
      await store.commit(commitOf([], 10, 12, { park: [letter(7, 's-2', 'Error: again')] }));
      const again = await store.deadLetters(KEY, 0, 10);
      expect(again).toEqual([{ ...letter(2, 's-1', 'Error: again'), owner: 'runner-b' }, letter(7, 's-2', 'Error: again'), { ...letter(9, 's-2'), owner: 'runner-a' }]);
      expect(again[1]!.owner).toBeUndefined();
    });

    suite.test('keeps long error texts and odd stream names whole', async (f) => {
      const store = await withAccounts(f);
      const long = `Error: ${'é'.repeat(3000)}\n    at apply (projection.ts:1:1)`;
      await store.commit(commitOf([], 0, 5, { park: [letter(4, "acc-o'brien \"quoted\"", long)] }));
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([letter(4, "acc-o'brien \"quoted\"", long)]);
    });
  });
}
