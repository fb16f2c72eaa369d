import { describe, expect } from 'vitest';
import { defineQuery } from '../../../query/define-query.js';
import { handleQuery } from '../../../query/handle-query.js';
import { ReadModels } from '../../../readmodel/read-models.js';
import { balances, deposit, opened, type Balance, type ProjectionSuite } from './suite.js';

export function consistencyTests(suite: ProjectionSuite): void {
  describe('read-your-writes', () => {
    suite.test('a read with minPosition sees the append it waited for, from another connection too', async (f) => {
      const stores = await f.stores();
      const reader = await f.connect(stores);
      const running = await f.run(stores, [balances]);
      await running.caughtUp();
      const accounts = new ReadModels(reader.readModels).collection<Balance>(balances, 'state');
      for (let i = 1; i <= 20; i++) {
        const { position } = await stores.events.append('account-1', [i === 1 ? opened('ann') : deposit(1)]);
        expect(await accounts.get('account-1', { minPosition: position, timeoutMs: 5000 })).toMatchObject({ events: i });
      }
    });

    suite.test('a query handler passes the caller\'s position to its reads', async (f) => {
      const stores = await f.stores();
      const running = await f.run(stores, [balances]);
      const richest = defineQuery({
        name: 'richest',
        handle: async ({ limit }: { limit: number }, { readModels, consistency }) => {
          const page = await readModels.collection<Balance>(balances, 'state').find({ orderBy: 'balance', direction: 'desc', limit }, consistency);
          return page.items.map((item) => item.id);
        },
      });
      await stores.events.append('account-1', [deposit(5)]);
      const { position } = await stores.events.append('account-2', [deposit(9)]);
      expect(await handleQuery(running.readModels, richest, { limit: 1 }, { minPosition: position })).toEqual(['account-2']);
    });

    suite.test('gives a typed timeout, with the checkpoint and lag, when no runner reaches the position', async (f) => {
      const stores = await f.stores();
      const { events } = stores;
      const first = await events.append('account-1', [opened('ann')]);
      const running = await f.run(stores, [balances]);
      await running.readModels.waitFor(balances, { minPosition: first.position, timeoutMs: 5000 });
      await running.stop();
      const { position } = await events.append('account-1', [deposit(1)]);
      const readModels = new ReadModels(stores.readModels);
      const started = Date.now();
      const error = await readModels.collection(balances, 'state').get('account-1', { minPosition: position, timeoutMs: 200 }).catch((caught: unknown) => caught);
      expect(Date.now() - started).toBeGreaterThanOrEqual(190);
      expect(error).toMatchObject({ code: 'ANNALS_CONSISTENCY_TIMEOUT', projection: 'balances', minPosition: position, checkpoint: first.position, timeoutMs: 200, retryable: true });
      // Without a position, the read answers at once with what is there.
      expect(await readModels.collection<Balance>(balances, 'state').get('account-1')).toMatchObject({ events: 1 });
    });
  });
}
