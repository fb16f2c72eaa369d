import { describe, expect } from 'vitest';
import { ReadModels } from '../../../readmodel/read-models.js';
import { allDocuments, eventually, foldTrails, trailProjection, type ProjectionSuite, type Trail } from './suite.js';

export function standbyTests(suite: ProjectionSuite): void {
  describe('one active runner', () => {
    suite.test('keeps one runner applying when two run the same projection, and the other takes over when it stops', async (f) => {
      const stores = await f.stores();
      const other = await f.connect(stores);
      const trail = trailProjection();
      const first = await f.run(stores, [trail], { owner: 'first', batchSize: 5 });
      const second = await f.run(other, [trail], { owner: 'second', batchSize: 5 });
      for (let i = 0; i < 30; i++) await stores.events.append(`s-${i % 4}`, [{ type: 'E' }]);
      await eventually('one runner holds the lease', () => [first, second].some((r) => r.runners[0]!.state === 'running'));
      const [active, standby] = first.runners[0]!.state === 'running' ? [first, second] : [second, first];
      await active.readModels.waitFor(trail, { minPosition: await stores.events.headPosition(), timeoutMs: 5000 });
      expect(standby.runners[0]!.state).toBe('standby');
      await active.stop();
      const { position } = await stores.events.append('s-9', [{ type: 'E' }]);
      await standby.readModels.waitFor(trail, { minPosition: position, timeoutMs: 5000 });
      expect(standby.runners[0]!.state).toBe('running');
      expect((await standby.status())[0]!.lease).toMatchObject({ owner: standby.runners[0]!.owner, epoch: 2 });
      // Each event applied exactly once, in its stream's order: as a clean fold of the log.
      const documents = await allDocuments(new ReadModels(stores.readModels).collection<Trail>(trail, 'streams'));
      expect(documents).toEqual(await foldTrails(stores.events));
    });

    suite.test('a runner that stops mid-stream hands over without applying an event twice or skipping one', async (f) => {
      const stores = await f.stores();
      const other = await f.connect(stores);
      const trail = trailProjection();
      let written = 0;
      const appending = (async () => {
        for (; written < 120; written++) await stores.events.append(`s-${written % 5}`, [{ type: 'E' }]);
      })();
      // Runners come and go while events arrive: each hands over to the next, on either connection.
      for (let round = 0; round < 4; round++) {
        const running = await f.run(round % 2 === 0 ? stores : other, [trail], { owner: `runner-${round}`, batchSize: 3 });
        await eventually('the runner applies something', async () => (await running.readModels.checkpoint(trail)) > round * 10 || written >= 120);
        await running.stop();
      }
      await appending;
      const last = await f.run(other, [trail], { owner: 'last' });
      await last.readModels.waitFor(trail, { minPosition: await stores.events.headPosition(), timeoutMs: 10_000 });
      const documents = await allDocuments(new ReadModels(stores.readModels).collection<Trail>(trail, 'streams'));
      expect(documents).toEqual(await foldTrails(stores.events));
    });
  });
}
