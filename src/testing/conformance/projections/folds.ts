import { describe, expect } from 'vitest';
import { keyedProjection } from '../../../projection/shapes.js';
import { ReadModels } from '../../../readmodel/read-models.js';
import { balances, deposit, opened, type Balance, type ProjectionSuite } from './suite.js';

export function foldTests(suite: ProjectionSuite): void {
  describe('folds', () => {
    suite.test('folds each stream into its document, before and after it reaches the head', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      await events.append('account-1', [opened('ann'), deposit(5)]);
      await events.append('other-1', [{ type: 'Noise' }]);
      const running = await f.run(stores, [balances]);
      await running.caughtUp();
      await events.append('account-2', [opened('bob'), deposit(7)]);
      const { position } = await events.append('account-1', [deposit(10)]);
      const accounts = running.readModels.collection<Balance>(balances, 'state');
      expect(await accounts.get('account-1', { minPosition: position })).toEqual({ owner: 'ann', balance: 15, events: 3 });
      expect(await accounts.get('account-2')).toEqual({ owner: 'bob', balance: 7, events: 2 });
      expect(await accounts.get('other-1')).toBeUndefined();
      expect((await accounts.find({ where: { owner: 'bob' } })).items.map((item) => item.id)).toEqual(['account-2']);
      expect(await accounts.count({ balance: { gt: 10 } })).toBe(1);
      expect(await accounts.count()).toBe(2);
    });

    suite.test('folds events keyed by a field of their data, from any stream', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      const byOwner = keyedProjection<{ total: number }>({
        name: 'by-owner',
        version: 1,
        collection: 'owners',
        handles: { types: ['Deposited'] },
        key: (event) => (event.data as { owner?: string }).owner,
        initialState: () => ({ total: 0 }),
        evolve: (state, event) => ({ total: state.total + (event.data as { amount: number }).amount }),
      });
      const running = await f.run(stores, [byOwner]);
      await events.append('account-1', [{ type: 'Deposited', data: { owner: 'ann', amount: 2 } }]);
      await events.append('account-2', [{ type: 'Deposited', data: { owner: 'ann', amount: 3 } }, { type: 'Deposited', data: { amount: 100 } }]);
      await events.append('bonus-1', [{ type: 'Deposited', data: { owner: 'bob', amount: 1 } }, { type: 'Withdrawn', data: { owner: 'bob', amount: 50 } }]);
      const { position } = await events.append('account-3', [{ type: 'Deposited', data: { owner: 'bob', amount: 4 } }]);
      const owners = running.readModels.collection<{ total: number }>(byOwner, 'owners');
      expect(await owners.get('ann', { minPosition: position })).toEqual({ total: 5 });
      expect(await owners.get('bob')).toEqual({ total: 5 });
      expect(await owners.count()).toBe(2);
    });

    suite.test('moves its checkpoint past events it does not handle', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      await events.append('account-1', [opened('ann')]);
      const running = await f.run(stores, [balances], { batchSize: 2 });
      await running.caughtUp();
      // Pages of nothing but ignored events (of another category, and several pages of them) still move it.
      for (let i = 0; i < 3; i++) await events.append(`other-${i}`, [{ type: 'Noise' }, { type: 'Noise' }, { type: 'Noise' }]);
      const { position } = await events.append('other-9', [{ type: 'Noise' }]);
      await running.readModels.waitFor(balances, { minPosition: position, timeoutMs: 5000 });
      expect(await running.readModels.checkpoint(balances)).toBe(position);
      expect(await new ReadModels(stores.readModels).collection<Balance>(balances, 'state').count()).toBe(1);
      const [status] = await running.status();
      expect(status).toMatchObject({ checkpoint: position, head: position, lag: { positions: 0, seconds: 0 } });
    });
  });
}
