import { setTimeout as sleep } from 'node:timers/promises';
import { describe, expect } from 'vitest';
import { projectionStatus } from '../../../projection/status.js';
import { balances, deposit, opened, type ProjectionSuite } from './suite.js';

export function statusTests(suite: ProjectionSuite): void {
  describe('status', () => {
    suite.test('reports the checkpoint, head, lag, lease and dead letters, stopped and running', async (f) => {
      const stores = await f.stores();
      const { events, readModels } = stores;
      await events.append('account-1', [opened('ann'), deposit(2)]);
      const { position: head } = await events.append('other-1', [{ type: 'Noise' }]);
      await sleep(1100);
      // No runner yet: all behind, the oldest unapplied event a second old.
      const before = await projectionStatus(events, readModels, balances);
      expect(before).toMatchObject({ name: 'balances', version: 1, generation: 100, liveGeneration: undefined, state: 'stopped', checkpoint: 0, head, lag: { positions: head }, deadLetters: 0, lastError: undefined, updatedAt: undefined });
      expect(before.lag.seconds).toBeGreaterThanOrEqual(1);
      expect(before.lease).toEqual({ owner: undefined, epoch: 0, expiresAt: undefined });
      const running = await f.run(stores, [balances], { owner: 'status-runner', maxAttempts: 2 });
      await running.readModels.waitFor(balances, { minPosition: head, timeoutMs: 5000 });
      const { position } = await events.append('account-1', [deposit(-5)]);
      await running.readModels.waitFor(balances, { minPosition: position, timeoutMs: 5000 });
      const [during] = await running.status();
      expect(during).toMatchObject({ state: 'running', checkpoint: position, head: position, lag: { positions: 0, seconds: 0 }, deadLetters: 1 });
      expect(during!.lease.owner).toBe('status-runner');
      expect(during!.lease.epoch).toBe(1);
      expect(during!.lease.expiresAt!.getTime()).toBeGreaterThan(Date.now() - 5000);
      expect(during!.updatedAt).toBeInstanceOf(Date);
      expect(during!.lastError?.message).toMatch(/negative deposit -5/);
      await running.stop();
      const after = await projectionStatus(events, readModels, balances, running.runners[0]);
      expect(after).toMatchObject({ state: 'stopped', checkpoint: position, lag: { positions: 0 } });
      expect(after.lease.owner).toBeUndefined();
    });
  });
}
