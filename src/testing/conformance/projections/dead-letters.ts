import { describe, expect } from 'vitest';
import { balances, deposit, opened, type Balance, type ProjectionSuite } from './suite.js';

// The first generation of version 1 (see generations.ts).
const KEY = { projection: 'balances', version: 100, partition: 0 };
const BEHIND = 'parked behind an earlier parked event of the same stream';

export function deadLetterTests(suite: ProjectionSuite): void {
  describe('dead letters', () => {
    suite.test('parks a failing event with the later events of its stream, and lets other streams flow', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      const errors: unknown[] = [];
      const running = await f.run(stores, [balances], { maxAttempts: 2, onError: (error) => errors.push(error) });
      await events.append('account-1', [opened('ann'), deposit(5)]);
      const poisoned = await events.append('account-2', [opened('bob'), deposit(-1), deposit(3)]);
      const { position } = await events.append('account-1', [deposit(1)]);
      const later = await events.append('account-2', [deposit(4)]);
      const accounts = running.readModels.collection<Balance>(balances, 'state');
      expect(await accounts.get('account-1', { minPosition: Math.max(position, later.position), timeoutMs: 10_000 })).toEqual({ owner: 'ann', balance: 6, events: 3 });
      expect(await accounts.get('account-2')).toEqual({ owner: 'bob', balance: 0, events: 1 });
      const letters = await stores.readModels.deadLetters(KEY, 0, 10);
      expect(letters.map((letter) => [letter.stream, letter.type, letter.error.startsWith('Error: negative deposit -1') ? 'failed' : letter.error])).toEqual([
        ['account-2', 'Deposited', 'failed'],
        ['account-2', 'Deposited', BEHIND],
        ['account-2', 'Deposited', BEHIND],
      ]);
      expect(letters.map((letter) => letter.position)).toEqual([poisoned.position - 1, poisoned.position, later.position]);
      expect(errors.length).toBeGreaterThanOrEqual(1);
      expect((await running.status())[0]!.deadLetters).toBe(3);
    });

    suite.test('a restarted runner keeps parking the later events of a parked stream', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      const first = await f.run(stores, [balances], { maxAttempts: 1 });
      await events.append('account-1', [opened('ann')]);
      const { position } = await events.append('account-2', [opened('bob'), deposit(-1)]);
      await first.readModels.waitFor(balances, { minPosition: position, timeoutMs: 5000 });
      await first.stop();
      // A new runner (another process, after a deploy) learns the parked streams from the store.
      const second = await f.run(await f.connect(stores), [balances], { maxAttempts: 1 });
      await events.append('account-2', [deposit(2)]);
      const last = await events.append('account-1', [deposit(7)]);
      const accounts = second.readModels.collection<Balance>(balances, 'state');
      expect(await accounts.get('account-1', { minPosition: last.position, timeoutMs: 5000 })).toEqual({ owner: 'ann', balance: 7, events: 2 });
      expect(await accounts.get('account-2')).toEqual({ owner: 'bob', balance: 0, events: 1 });
      const letters = await stores.readModels.deadLetters(KEY, 0, 10);
      expect(letters.map((letter) => [letter.stream, letter.error === BEHIND])).toEqual([
        ['account-2', false],
        ['account-2', true],
      ]);
    });
  });
}
