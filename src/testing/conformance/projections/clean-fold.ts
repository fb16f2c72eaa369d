import { describe, expect } from 'vitest';
import { ReadModels } from '../../../readmodel/read-models.js';
import { allDocuments, balances, deposit, foldTrails, opened, trailProjection, type Balance, type ProjectionSuite, type Trail } from './suite.js';

export function cleanFoldTests(suite: ProjectionSuite): void {
  describe('a clean fold', () => {
    suite.test('leaves the read model equal to a clean fold of the log, with appends racing the runner', async (f) => {
      const stores = await f.stores();
      const other = await f.connect(stores);
      const { events } = stores;
      const trail = trailProjection();
      await events.append('s-0', [{ type: 'E' }, { type: 'E' }]);
      const running = await f.run(stores, [trail, balances], { batchSize: 7 });
      // Four writers on two connections, one or several events per append, some to the same streams.
      await Promise.all(
        [events, other.events, events, other.events].map(async (store, writer) => {
          for (let i = 0; i < 25; i++) {
            const stream = i % 3 === 0 ? `account-${writer}` : `s-${(i + writer) % 6}`;
            const batch = stream.startsWith('account') ? [i === 0 ? opened(`owner-${writer}`) : deposit(i)] : Array.from({ length: 1 + (i % 3) }, () => ({ type: 'E' }));
            await store.append(stream, batch);
          }
        }),
      );
      const head = await events.headPosition();
      await running.readModels.waitFor(trail, { minPosition: head, timeoutMs: 10_000 });
      await running.readModels.waitFor(balances, { minPosition: head, timeoutMs: 10_000 });
      const readModels = new ReadModels(stores.readModels);
      expect(await allDocuments(readModels.collection<Trail>(trail, 'streams'))).toEqual(await foldTrails(events));
      // The balances, folded here by hand from the log.
      const expected = new Map<string, Balance>();
      for await (const event of events.readAll({ category: 'account' })) {
        const state = expected.get(event.stream) ?? { balance: 0, events: 0 };
        const data = event.data as { owner?: string; amount?: number };
        expected.set(event.stream, event.type === 'Opened' ? { ...state, owner: data.owner!, events: state.events + 1 } : { ...state, balance: state.balance + data.amount!, events: state.events + 1 });
      }
      expect(expected.size).toBe(4);
      expect(await allDocuments(readModels.collection<Balance>(balances, 'state'))).toEqual(expected);
    });
  });
}
