import { describe, expect } from 'vitest';
import { withAccounts, type ReadModelSuite } from './suite.js';

export function versionTests(suite: ReadModelSuite): void {
  describe('live versions', () => {
    suite.test('promotes a version when the live one is as expected, and refuses otherwise', async (f) => {
      const store = await withAccounts(f);
      expect(await store.liveVersion('bank')).toBeUndefined();
      expect(await store.promote('bank', 1, 3)).toBe(false);
      expect(await store.promote('bank', 1, undefined)).toBe(true);
      expect(await store.liveVersion('bank')).toBe(1);
      expect(await store.promote('bank', 2, undefined)).toBe(false);
      expect(await store.promote('bank', 2, 1)).toBe(true);
      expect(await (await f.connect(store)).liveVersion('bank')).toBe(2);
      expect(await store.liveVersion('other')).toBeUndefined();
      // Back to an older version is a promotion like any other.
      expect(await store.promote('bank', 1, 2)).toBe(true);
      expect(await store.liveVersion('bank')).toBe(1);
    });

    suite.test('of connections promoting from the same live version at once, exactly one switches', async (f) => {
      const store = await withAccounts(f);
      const other = await f.connect(store);
      await store.promote('bank', 1, undefined);
      for (let round = 0; round < 10; round++) {
        const live = (await store.liveVersion('bank'))!;
        const results = await Promise.all([store.promote('bank', live + 1, live), other.promote('bank', live + 2, live), other.promote('bank', live + 3, live)]);
        expect(results.filter(Boolean)).toHaveLength(1);
        expect(await store.liveVersion('bank')).toBe(live + 1 + results.indexOf(true));
      }
    });
  });
}
