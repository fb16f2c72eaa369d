import { describe, expect } from 'vitest';
import { anEvent, collect, expectError, expectUnchanged, snapshot } from './helpers.js';
import type { Fixture, Suite } from './suite.js';

const STREAM = 'order-1';
const OTHER = 'order-2';

/** order-1 with revisions 0..4 interleaved with order-2 (0..1). */
async function fiveEvents(f: Fixture) {
  const store = await f.store();
  f.requires(store, 'truncate');
  for (let i = 0; i < 5; i++) {
    await store.append(STREAM, [anEvent('A', { i })]);
    if (i % 2 === 0 && i < 4) await store.append(OTHER, [anEvent('A', { i })]);
  }
  const all = await collect(store.readAll());
  return { store, all, mine: all.filter((e) => e.stream === STREAM) };
}

const revisionsOf = async (events: AsyncIterable<{ revision: number }>) => (await collect(events)).map((e) => e.revision);

export function truncationTests(suite: Suite): void {
  describe('truncateStream', () => {
    suite.test('removes the revisions before the given one from every read', async (f) => {
      const { store, all, mine } = await fiveEvents(f);
      await store.truncateStream(STREAM, { before: 2 });
      expect(await revisionsOf(store.readStream(STREAM))).toEqual([2, 3, 4]);
      expect(await collect(store.readAll())).toEqual(all.filter((e) => e.stream !== STREAM || e.revision >= 2));
      expect(await store.getEvent(mine[0]!.id)).toBeUndefined();
      expect(await store.getEvent(mine[1]!.id)).toBeUndefined();
      expect(await store.getEvent(mine[2]!.id)).toEqual(mine[2]);
      expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: true, revision: 4, deleted: false, truncatedBefore: 2 });
    });

    suite.test('reads of a truncated stream start and stop at the truncation point', async (f) => {
      const { store } = await fiveEvents(f);
      await store.truncateStream(STREAM, { before: 2 });
      expect(await revisionsOf(store.readStream(STREAM, { fromRevision: 0, pageSize: 1 }))).toEqual([2, 3, 4]);
      expect(await revisionsOf(store.readStream(STREAM, { fromRevision: 1, maxCount: 2 }))).toEqual([2, 3]);
      expect(await revisionsOf(store.readStream(STREAM, { direction: 'backwards', pageSize: 2 }))).toEqual([4, 3, 2]);
      expect(await revisionsOf(store.readStream(STREAM, { direction: 'backwards', fromRevision: 1 }))).toEqual([]);
    });

    suite.test('truncating before revision 0 changes nothing', async (f) => {
      const { store } = await fiveEvents(f);
      const before = await snapshot(store, [STREAM, OTHER]);
      await store.truncateStream(STREAM, { before: 0 });
      await expectUnchanged(store, before);
      expect((await store.streamInfo(STREAM)).truncatedBefore).toBe(0);
    });

    suite.test('truncating before revision + 1 removes every event but keeps the stream and its revision', async (f) => {
      const { store, all } = await fiveEvents(f);
      await store.truncateStream(STREAM, { before: 5 });
      expect(await collect(store.readStream(STREAM))).toEqual([]);
      expect(await collect(store.readAll())).toEqual(all.filter((e) => e.stream !== STREAM));
      expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: true, revision: 4, deleted: false, truncatedBefore: 5 });
      expect((await store.append(STREAM, [anEvent()], { expectedRevision: 4 })).streamRevision).toBe(5);
      expect(await revisionsOf(store.readStream(STREAM))).toEqual([5]);
    });

    suite.test('rejects truncating beyond revision + 1 and changes nothing', async (f) => {
      const { store } = await fiveEvents(f);
      const before = await snapshot(store, [STREAM, OTHER]);
      for (const beyond of [6, 100]) {
        await expectError(store.truncateStream(STREAM, { before: beyond }), 'ANNALS_INVALID_ARGUMENT', { argument: 'before', value: beyond });
      }
      await expectUnchanged(store, before);
    });

    suite.test('never moves the truncation point back', async (f) => {
      const { store } = await fiveEvents(f);
      await store.truncateStream(STREAM, { before: 3 });
      const before = await snapshot(store, [STREAM, OTHER]);
      for (const earlier of [1, 0, 3]) {
        await store.truncateStream(STREAM, { before: earlier });
        await expectUnchanged(store, before);
      }
      expect((await store.streamInfo(STREAM)).truncatedBefore).toBe(3);
      expect(await revisionsOf(store.readStream(STREAM))).toEqual([3, 4]);
    });

    suite.test('keeps the revision counter: appends continue after a truncate', async (f) => {
      const { store } = await fiveEvents(f);
      await store.truncateStream(STREAM, { before: 4 });
      const result = await store.append(STREAM, [anEvent(), anEvent()], { expectedRevision: 4 });
      expect(result.streamRevision).toBe(6);
      expect(await revisionsOf(store.readStream(STREAM))).toEqual([4, 5, 6]);
      expect(await store.streamInfo(STREAM)).toMatchObject({ revision: 6, truncatedBefore: 4, exists: true });
    });

    suite.test('rejects truncating a stream that was never written with ANNALS_STREAM_NOT_FOUND', async (f) => {
      const { store } = await fiveEvents(f);
      const before = await snapshot(store, [STREAM, OTHER, 'order-3']);
      await expectError(store.truncateStream('order-3', { before: 0 }), 'ANNALS_STREAM_NOT_FOUND', { stream: 'order-3' });
      await expectUnchanged(store, before);
    });

    suite.test('rejects truncating a soft-deleted stream with ANNALS_STREAM_NOT_FOUND', async (f) => {
      const { store } = await fiveEvents(f);
      f.requires(store, 'softDelete');
      await store.deleteStream(STREAM);
      const before = await snapshot(store, [STREAM, OTHER]);
      await expectError(store.truncateStream(STREAM, { before: 5 }), 'ANNALS_STREAM_NOT_FOUND', { stream: STREAM });
      await expectUnchanged(store, before);
    });

    suite.test('truncates a recreated stream from where its soft delete left it', async (f) => {
      const { store } = await fiveEvents(f);
      f.requires(store, 'softDelete');
      await store.deleteStream(STREAM);
      await store.append(STREAM, [anEvent(), anEvent(), anEvent()]);
      await store.truncateStream(STREAM, { before: 2 });
      expect((await store.streamInfo(STREAM)).truncatedBefore).toBe(5);
      await store.truncateStream(STREAM, { before: 7 });
      expect(await revisionsOf(store.readStream(STREAM))).toEqual([7]);
      expect(await store.streamInfo(STREAM)).toEqual({ stream: STREAM, exists: true, revision: 7, deleted: false, truncatedBefore: 7 });
    });
  });
}
