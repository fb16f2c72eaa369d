import { describe, expect } from 'vitest';
import type { Projection } from '../../../projection/define-projection.js';
import type { RunningProjections } from '../../../projection/run-projections.js';
import { ReadModels } from '../../../readmodel/read-models.js';
import type { ProjectionStores } from './options.js';
import { allDocuments, balances, deposit, foldTrails, opened, trailProjection, type Balance, type ProjectionFixture, type ProjectionSuite, type Trail } from './suite.js';

/**
 * Registers `projections` inline and runs `body`, where the log's backend runs code inside its
 * appends; elsewhere checks the typed refusal instead (and that the store still works), so a
 * backend passes these tests either way, with no skip.
 */
async function inlineOrRefused(f: ProjectionFixture, projections: readonly Projection<any>[], body: (stores: ProjectionStores, running: RunningProjections, read: ReadModels) => Promise<void>, before?: (stores: ProjectionStores) => Promise<void>): Promise<void> {
  const stores = await f.stores();
  await before?.(stores);
  if (!stores.events.provides('inline')) {
    await expect(f.run(stores, { inline: projections })).rejects.toMatchObject({ code: 'ANNALS_NOT_SUPPORTED' });
    let refused: unknown;
    try {
      stores.events.attachInline(() => undefined);
    } catch (error) {
      refused = error;
    }
    expect(refused).toMatchObject({ code: 'ANNALS_NOT_SUPPORTED', feature: expect.any(String) });
    const { position } = await stores.events.append('account-1', [deposit(1)]);
    expect(position).toBeGreaterThan(0);
    return;
  }
  const running = await f.run(stores, { inline: projections });
  await body(stores, running, new ReadModels(stores.events.readModelStore()));
}

export function inlineTests(suite: ProjectionSuite): void {
  describe('inline projections', () => {
    suite.test('inline: a query right after the append sees it (or the store refuses inline, typed)', async (f) => {
      await inlineOrRefused(f, [balances], async ({ events }, _running, read) => {
        const accounts = read.collection<Balance>(balances, 'state');
        for (let i = 1; i <= 10; i++) {
          const { position } = await events.append('account-1', [i === 1 ? opened('ann') : deposit(i)]);
          // No wait: the append's own transaction wrote the document and the checkpoint.
          expect(await accounts.get('account-1')).toMatchObject({ events: i });
          expect(await read.checkpoint(balances)).toBe(position);
        }
        const { position } = await events.append('other-1', [{ type: 'Noise' }]);
        expect(await read.checkpoint(balances)).toBe(position);
      });
    });

    suite.test('inline: an append refused by its expected revision writes nothing; the next is applied (or the store refuses inline, typed)', async (f) => {
      await inlineOrRefused(f, [balances], async ({ events }, _running, read) => {
        const accounts = read.collection<Balance>(balances, 'state');
        const first = await events.append('account-1', [opened('ann')]);
        await expect(events.append('account-1', [deposit(5)], { expectedRevision: 3 })).rejects.toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION' });
        await expect(events.append('account-1', [deposit(5), deposit(6)], { expectedRevision: 'no_stream' })).rejects.toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION' });
        expect(await accounts.get('account-1')).toMatchObject({ events: 1 });
        expect(await read.checkpoint(balances)).toBe(first.position);
        const { position } = await events.append('account-1', [deposit(7)], { expectedRevision: 0 });
        expect(await accounts.get('account-1')).toMatchObject({ events: 2 });
        expect(await read.checkpoint(balances)).toBe(position);
      });
    });

    suite.test('inline: a throwing apply fails the append and writes nothing (or the store refuses inline, typed)', async (f) => {
      const trail = trailProjection();
      await inlineOrRefused(f, [trail, balances], async ({ events }, _running, read) => {
        const first = await events.append('account-1', [opened('ann'), deposit(5)]);
        await expect(events.append('account-1', [deposit(1), deposit(-1)])).rejects.toThrow(/negative deposit -1/);
        // Neither the events nor any projection's documents or checkpoint.
        // (The head may pass positions the failed append took and never committed, as on PostgreSQL.)
        const after: unknown[] = [];
        for await (const event of events.readAll({ after: first.position })) after.push(event);
        expect(after).toEqual([]);
        const revisions: number[] = [];
        for await (const event of events.readStream('account-1')) revisions.push(event.revision);
        expect(revisions).toEqual([0, 1]);
        expect(await read.collection<Balance>(balances, 'state').get('account-1')).toEqual({ owner: 'ann', balance: 5, events: 2 });
        expect(await read.collection<Trail>(trail, 'streams').get('account-1')).toEqual({ revisions: [0, 1], positions: [first.position - 1, first.position] });
        // The checkpoints may pass the positions the failed append took, where they are gaps for
        // good (PostgreSQL), never an event: the documents above show nothing was applied.
        const head = await events.headPosition();
        for (const projection of [trail, balances]) {
          const checkpoint = await read.checkpoint(projection);
          expect(checkpoint).toBeGreaterThanOrEqual(first.position);
          expect(checkpoint).toBeLessThanOrEqual(head);
        }
        // The store goes on: the next append applies inline.
        const next = await events.append('account-1', [deposit(2)]);
        expect(await read.collection<Balance>(balances, 'state').get('account-1')).toEqual({ owner: 'ann', balance: 7, events: 3 });
        expect(await read.checkpoint(trail)).toBe(next.position);
      });
    });

    suite.test('inline: events appended before it was registered, or by a connection without it, are applied once (or the store refuses inline, typed)', async (f) => {
      const trail = trailProjection();
      await inlineOrRefused(
        f,
        [trail],
        async (stores, running, read) => {
          const { events } = stores;
          // At once, while the runner still catches up, and through another connection that
          // does not run the projection (another process, the CLI): those the runner applies.
          const other = await f.connect(stores);
          for (let i = 0; i < 12; i++) await (i % 3 === 2 ? other.events : events).append(`s-${i % 3}`, [{ type: 'E' }, { type: 'E' }]);
          const head = await events.headPosition();
          await read.waitFor(trail, { minPosition: head, timeoutMs: 10_000 });
          // Caught up: the next append applies inline, in its own transaction.
          const { position } = await events.append('s-9', [{ type: 'E' }]);
          expect(await read.checkpoint(trail)).toBe(position);
          expect(await allDocuments(read.collection<Trail>(trail, 'streams'))).toEqual(await foldTrails(events));
          const [status] = await running.status();
          expect(status).toMatchObject({ checkpoint: position, head: position, lag: { positions: 0 } });
        },
        async ({ events }) => {
          for (let i = 0; i < 10; i++) await events.append(`s-${i % 4}`, [{ type: 'E' }]);
        },
      );
    });
  });
}
