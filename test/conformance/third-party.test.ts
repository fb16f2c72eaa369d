// The conformance suite run the way a third party runs it: on a backend built from
// 'annals/adapter' alone (test/fixtures/tiny-adapter), through the built package's entry points.
import { NotSupportedError } from 'annals';
import { EventStore } from 'annals/adapter';
import { runEventStoreConformance } from 'annals/testing';
import { describe, expect, it } from 'vitest';
import { openTiny } from '../fixtures/tiny-adapter/open.js';

// The snapshot tests skip themselves, visibly: the tiny backend has no snapshots part.
runEventStoreConformance({
  name: 'tiny',
  create: async () => new EventStore(await openTiny()),
  skip: [],
});

describe('a backend with the event log part only', () => {
  it('refuses snapshots with ANNALS_NOT_SUPPORTED naming the backend and the part', async () => {
    const store = new EventStore(await openTiny());
    try {
      await store.append('order-1', [{ type: 'OrderPlaced' }]);
      const facts = { code: 'ANNALS_NOT_SUPPORTED', feature: 'the snapshots part', adapter: 'tiny' };
      const save = store.saveSnapshot('order-1', { revision: 0, version: 1, state: {} });
      await expect(save).rejects.toBeInstanceOf(NotSupportedError);
      await expect(save).rejects.toMatchObject(facts);
      await expect(store.loadSnapshot('order-1')).rejects.toMatchObject(facts);
    } finally {
      await store.close();
    }
  });

  it('declares the parts it provides, and no cross-process notifications without a commit signal', async () => {
    const store = new EventStore(await openTiny());
    try {
      expect(store.backend).toBe('tiny');
      expect(store.provides('log')).toBe(true);
      expect(store.provides('snapshots')).toBe(false);
      expect(store.provides('commits')).toBe(false);
      expect(store.capabilities.crossProcessNotifications).toBe(false);
    } finally {
      await store.close();
    }
  });
});
