import { describe, expect } from 'vitest';
import type { EventStore } from '../../core/event-store.js';
import { expectError, seed, unchecked } from './helpers.js';
import type { Fixture, Suite } from './suite.js';

const STREAM = 'account-1';
const OTHER = 'account-2';

/** account-1 with revisions 0..4 and account-2 with 0..1. */
async function streams(f: Fixture): Promise<EventStore> {
  const store = await storeWithSnapshots(f);
  await seed(store, STREAM, 5);
  await seed(store, OTHER, 2);
  return store;
}

export function snapshotTests(suite: Suite): void {
  describe('snapshots', () => {
    suite.test('loads the snapshot as it was saved, with the time it was saved', async (f) => {
      const store = await streams(f);
      const before = Date.now();
      await store.saveSnapshot(STREAM, { revision: 3, version: 'v2', state: { total: 7, names: ['a', 'b'], nested: { ok: true, none: null } } });
      const loaded = await (await f.connect(store)).loadSnapshot(STREAM);
      expect(loaded).toMatchObject({ revision: 3, version: 'v2', state: { total: 7, names: ['a', 'b'], nested: { ok: true, none: null } } });
      expect(loaded!.savedAt).toBeInstanceOf(Date);
      // Whole milliseconds may be rounded by the backend: allow one either side.
      expect(loaded!.savedAt.getTime()).toBeGreaterThanOrEqual(before - 1);
      expect(loaded!.savedAt.getTime()).toBeLessThanOrEqual(Date.now() + 1);
      expect(await store.loadSnapshot(OTHER)).toBeUndefined();
    });

    suite.test('keeps a numeric version apart from the same digits as a string', async (f) => {
      const store = await streams(f);
      await store.saveSnapshot(STREAM, { revision: 0, version: 1, state: 'one' });
      await store.saveSnapshot(OTHER, { revision: 0, version: '1', state: null });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ version: 1, state: 'one' });
      expect(await store.loadSnapshot(OTHER)).toMatchObject({ version: '1', state: null });
    });

    suite.test('keeps one snapshot per stream: the latest save wins', async (f) => {
      const store = await streams(f);
      await store.saveSnapshot(STREAM, { revision: 1, version: 1, state: { n: 1 } });
      await store.saveSnapshot(STREAM, { revision: 4, version: 1, state: { n: 4 } });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 4, state: { n: 4 } });
      // The same revision again replaces it (another version of the state, for one).
      await store.saveSnapshot(STREAM, { revision: 4, version: 2, state: { n: 'four' } });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 4, version: 2, state: { n: 'four' } });
    });

    suite.test('ignores a save with a lower revision than the stored snapshot', async (f) => {
      const store = await streams(f);
      await store.saveSnapshot(STREAM, { revision: 3, version: 1, state: { n: 3 } });
      await store.saveSnapshot(STREAM, { revision: 2, version: 1, state: { n: 2 } });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 3, version: 1, state: { n: 3 } });
    });

    suite.test('refuses a snapshot that is not { revision, version, state } of JSON, writing nothing', async (f) => {
      const store = await streams(f);
      const cycle: Record<string, unknown> = {};
      cycle.self = cycle;
      const bad: unknown[] = [
        undefined,
        null,
        'state',
        { revision: 1, version: 1 },
        { revision: 1, version: 1, state: undefined },
        { revision: 1, version: 1, state: { at: new Date() } },
        { revision: 1, version: 1, state: { n: Number.NaN } },
        { revision: 1, version: 1, state: { n: 1n } },
        { revision: 1, version: 1, state: cycle },
        { revision: -1, version: 1, state: {} },
        { revision: 1.5, version: 1, state: {} },
        { revision: '1', version: 1, state: {} },
        { revision: 1, state: {} },
        { revision: 1, version: '', state: {} },
        { revision: 1, version: 1.5, state: {} },
        { revision: 1, version: { v: 1 }, state: {} },
        { revision: 1, version: 1, state: {}, extra: true },
      ];
      for (const snapshot of bad) await expectError(store.saveSnapshot(STREAM, unchecked(snapshot)), 'ANNALS_INVALID_ARGUMENT');
      await expectError(store.saveSnapshot('', { revision: 0, version: 1, state: {} }), 'ANNALS_INVALID_STREAM_NAME');
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
    });

    suite.test('refuses a revision the stream has not reached, writing nothing', async (f) => {
      const store = await streams(f);
      await expectError(store.saveSnapshot(STREAM, { revision: 5, version: 1, state: {} }), 'ANNALS_INVALID_ARGUMENT');
      await expectError(store.saveSnapshot('account-9', { revision: 0, version: 1, state: {} }), 'ANNALS_INVALID_ARGUMENT');
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
      expect(await store.loadSnapshot('account-9')).toBeUndefined();
    });

    suite.test('soft delete removes the snapshot, and a recreated stream starts without one', async (f) => {
      const store = await streams(f);
      f.requires(store, 'softDelete');
      await store.saveSnapshot(STREAM, { revision: 4, version: 1, state: { n: 4 } });
      await store.saveSnapshot(OTHER, { revision: 1, version: 1, state: { n: 1 } });
      await store.deleteStream(STREAM, { mode: 'soft' });
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
      expect(await store.loadSnapshot(OTHER)).toMatchObject({ revision: 1 });
      // A soft-deleted stream holds no events to describe.
      await expectError(store.saveSnapshot(STREAM, { revision: 4, version: 1, state: {} }), 'ANNALS_INVALID_ARGUMENT');
      await seed(store, STREAM, 1);
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
      await store.saveSnapshot(STREAM, { revision: 5, version: 1, state: { n: 5 } });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 5 });
    });

    suite.test('hard delete removes the snapshot, and a tombstoned stream takes no new one', async (f) => {
      const store = await streams(f);
      f.requires(store, 'hardDelete');
      await store.saveSnapshot(STREAM, { revision: 2, version: 1, state: { n: 2 } });
      await store.deleteStream(STREAM, { mode: 'hard' });
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
      await expectError(store.saveSnapshot(STREAM, { revision: 2, version: 1, state: {} }), 'ANNALS_STREAM_DELETED');
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
    });

    suite.test('truncating past the snapshot revision removes it', async (f) => {
      const store = await streams(f);
      f.requires(store, 'truncate');
      await store.saveSnapshot(STREAM, { revision: 2, version: 1, state: { n: 2 } });
      await store.truncateStream(STREAM, { before: 3 });
      expect(await store.loadSnapshot(STREAM)).toBeUndefined();
      // Nor can one be saved for a revision truncation removed.
      await expectError(store.saveSnapshot(STREAM, { revision: 2, version: 1, state: {} }), 'ANNALS_INVALID_ARGUMENT');
      await store.saveSnapshot(STREAM, { revision: 3, version: 1, state: { n: 3 } });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 3 });
    });

    suite.test('truncating up to the snapshot revision keeps it', async (f) => {
      const store = await streams(f);
      f.requires(store, 'truncate');
      await store.saveSnapshot(STREAM, { revision: 2, version: 1, state: { n: 2 } });
      await store.truncateStream(STREAM, { before: 2 });
      expect(await store.loadSnapshot(STREAM)).toMatchObject({ revision: 2, version: 1, state: { n: 2 } });
    });
  });
}

/** A fresh store; the test is skipped, visibly, on a backend without the snapshots part. */
async function storeWithSnapshots(f: Fixture): Promise<EventStore> {
  const store = await f.store();
  f.requires(store, 'snapshots');
  return store;
}
