import { describe, expect } from 'vitest';
import { anEvent, collect, expectError } from './helpers.js';
import type { Suite } from './suite.js';

export function capabilityTests(suite: Suite): void {
  describe('capabilities', () => {
    suite.test('declares its backend and capabilities, and throws ANNALS_NOT_SUPPORTED for any it lacks', async (f) => {
      const store = await f.store();
      expect(typeof store.backend).toBe('string');
      expect(store.backend.length).toBeGreaterThan(0);
      expect(store.closed).toBe(false);
      const { capabilities } = store;
      for (const key of ['multiStreamAppend', 'softDelete', 'hardDelete', 'truncate', 'crossProcessNotifications'] as const) {
        expect(typeof capabilities[key], key).toBe('boolean');
      }
      await store.append('cap-1', [anEvent()]);
      const attempts: [boolean, () => Promise<unknown>][] = [
        [capabilities.multiStreamAppend, () => store.appendMany([{ stream: 'cap-2', events: [anEvent()] }, { stream: 'cap-3', events: [anEvent()] }])],
        [capabilities.softDelete, () => store.deleteStream('cap-1', { mode: 'soft' })],
        [capabilities.hardDelete, () => store.deleteStream('cap-1', { mode: 'hard' })],
        [capabilities.truncate, () => store.truncateStream('cap-1', { before: 1 })],
      ];
      for (const [declared, attempt] of attempts) if (!declared) await expectError(attempt, 'ANNALS_NOT_SUPPORTED');
      // Unsupported calls leave the log as it was.
      if (attempts.some(([declared]) => !declared)) expect(await collect(store.readAll())).toHaveLength(1);
    });

    suite.test('reports whether acknowledged appends survive a crash, and what can be lost when not', async (f) => {
      const { durability } = await f.store();
      expect(typeof durability.safe).toBe('boolean');
      if (durability.safe) expect(durability.risk).toBeUndefined();
      else expect(durability.risk).toMatch(/\w{3,}/);
    });
  });
}
