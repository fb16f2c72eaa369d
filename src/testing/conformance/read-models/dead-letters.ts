import { describe, expect } from 'vitest';
import { ACCOUNTS, commitOf, KEY, put, withAccounts, type ReadModelSuite } from './suite.js';

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

    suite.test('keeps long error texts and odd stream names whole', async (f) => {
      const store = await withAccounts(f);
      const long = `Error: ${'é'.repeat(3000)}\n    at apply (projection.ts:1:1)`;
      await store.commit(commitOf([], 0, 5, { park: [letter(4, "acc-o'brien \"quoted\"", long)] }));
      expect(await store.deadLetters(KEY, 0, 10)).toEqual([letter(4, "acc-o'brien \"quoted\"", long)]);
    });
  });
}
