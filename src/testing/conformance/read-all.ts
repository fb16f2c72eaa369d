import { describe, expect } from 'vitest';
import type { ReadAllOptions, RecordedEvent } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect } from './helpers.js';
import type { Suite } from './suite.js';

/** Streams of several categories, including look-alikes of "order" that are other categories. */
const STREAMS = ['order-1', 'user-1', 'order-2', 'order', 'orders-1', 'order-3-x', 'user-2'];

/** Appends 14 events round-robin over STREAMS with types A and B; returns the log as read back. */
async function mixedLog(store: EventStore): Promise<RecordedEvent[]> {
  for (let i = 0; i < 14; i++) await store.append(STREAMS[i % STREAMS.length]!, [anEvent(i % 3 === 0 ? 'B' : 'A', { i })]);
  const all = await collect(store.readAll());
  expect(all).toHaveLength(14);
  return all;
}

const inOrder = (stream: string) => stream === 'order' || stream.startsWith('order-');

export function readAllTests(suite: Suite): void {
  describe('readAll', () => {
    suite.test('reads every stream in commit order with strictly increasing positive positions', async (f) => {
      const store = await f.store();
      const appended = [];
      for (let i = 0; i < 6; i++) {
        const event = anEvent('A', { i });
        await store.append(STREAMS[i % 3]!, [event]);
        appended.push(event.id);
      }
      const all = await collect(store.readAll());
      expect(all.map((e) => e.id)).toEqual(appended);
      expect(all[0]!.position).toBeGreaterThan(0);
      for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);
      for (const event of all) expect(Number.isSafeInteger(event.position)).toBe(true);
    });

    suite.test('returns the same events as readStream and getEvent', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      for (const stream of STREAMS) expect(await collect(store.readStream(stream))).toEqual(all.filter((e) => e.stream === stream));
      expect(await store.getEvent(all[5]!.id)).toEqual(all[5]);
    });

    suite.test('reads nothing from an empty store', async (f) => {
      const store = await f.store();
      expect(await collect(store.readAll())).toEqual([]);
      expect(await collect(store.readAll({ category: 'order' }))).toEqual([]);
    });

    suite.test('resumes after a position, exclusively', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      for (const k of [0, 1, 6, 12, 13]) {
        expect(await collect(store.readAll({ after: all[k]!.position })), `after #${k}`).toEqual(all.slice(k + 1));
      }
      expect(await collect(store.readAll({ after: 0 }))).toEqual(all);
      expect(await collect(store.readAll({ after: all[13]!.position + 1000 }))).toEqual([]);
    });

    suite.test('resumes after a position whose event was deleted', async (f) => {
      const store = await f.store();
      f.requires(store, 'softDelete');
      const all = await mixedLog(store);
      await store.deleteStream(all[4]!.stream);
      const remaining = all.filter((e) => e.stream !== all[4]!.stream);
      expect(await collect(store.readAll({ after: all[4]!.position }))).toEqual(remaining.filter((e) => e.position > all[4]!.position));
    });

    suite.test('filters by category: the text before the first dash, or the whole name', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      expect(await collect(store.readAll({ category: 'order' }))).toEqual(all.filter((e) => inOrder(e.stream)));
      expect(await collect(store.readAll({ category: 'orders' }))).toEqual(all.filter((e) => e.stream === 'orders-1'));
      expect(await collect(store.readAll({ category: 'user' }))).toEqual(all.filter((e) => e.stream.startsWith('user-')));
      expect(await collect(store.readAll({ category: 'ord' }))).toEqual([]);
    });

    suite.test('filters by event types', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      expect(await collect(store.readAll({ types: ['B'] }))).toEqual(all.filter((e) => e.type === 'B'));
      expect(await collect(store.readAll({ types: ['A', 'B'] }))).toEqual(all);
      expect(await collect(store.readAll({ types: ['C'] }))).toEqual([]);
    });

    suite.test('filters by category and types together, after a position', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      const expected = all.filter((e) => inOrder(e.stream) && e.type === 'B');
      expect(expected.length).toBeGreaterThan(1);
      expect(await collect(store.readAll({ category: 'order', types: ['B'] }))).toEqual(expected);
      expect(await collect(store.readAll({ category: 'order', types: ['B'], after: expected[0]!.position }))).toEqual(expected.slice(1));
    });

    suite.test('pages through every page size and maxCount edge, with and without filters', async (f) => {
      const store = await f.store();
      const all = await mixedLog(store);
      const filters: [ReadAllOptions, (e: RecordedEvent) => boolean][] = [
        [{}, () => true],
        [{ category: 'order' }, (e) => inOrder(e.stream)],
        [{ types: ['B'] }, (e) => e.type === 'B'],
        [{ category: 'user', types: ['A'] }, (e) => e.stream.startsWith('user-') && e.type === 'A'],
      ];
      for (const [filter, predicate] of filters) {
        const matching = all.filter(predicate);
        const n = matching.length;
        expect(n).toBeGreaterThan(1);
        for (const pageSize of [1, n - 1, n, n + 1].filter((size) => size >= 1)) {
          for (const maxCount of [undefined, 0, 1, n, n + 1]) {
            const read = await collect(store.readAll({ ...filter, pageSize, maxCount }));
            expect(read, `${JSON.stringify(filter)} pageSize ${pageSize} maxCount ${maxCount}`).toEqual(matching.slice(0, maxCount ?? n));
          }
        }
      }
    });

    suite.test('starts over each time the same iterable is iterated', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent()]);
      const read = store.readAll({ pageSize: 1 });
      expect(await collect(read)).toHaveLength(1);
      await store.append('order-2', [anEvent()]);
      expect(await collect(read)).toHaveLength(2);
    });
  });
}
