import { describe, expect } from 'vitest';
import type { EventStore } from '../../core/event-store.js';
import { partitionOf, type LogPartition } from '../../core/partition.js';
import { pages } from './subscription-pages.js';
import type { RecordedEvent } from '../../core/types.js';
import { anEvent, collect, expectError, expectSyncError, unchecked } from './helpers.js';
import type { Suite } from './suite.js';

/** 24 streams in 3 categories, 2 to 3 events each, of types A, B and C, appended interleaved. */
async function spreadLog(store: EventStore): Promise<RecordedEvent[]> {
  for (let round = 0; round < 3; round++) {
    for (let s = 0; s < 24; s++) {
      if (round === 2 && s % 2 === 0) continue;
      await store.append(`${['order', 'user', 'cart'][s % 3]}-${s}`, [anEvent(['A', 'B', 'C'][(s + round) % 3], { round })]);
    }
  }
  return collect(store.readAll());
}

/** A stream name of category `category` in partition `index` of `count` (the first of category-0, category-1, …). */
function streamIn(category: string, { index, count }: LogPartition): string {
  for (let n = 0; ; n++) if (partitionOf(`${category}-${n}`, count) === index) return `${category}-${n}`;
}

/** Partition options that are not `{ index, count }` with 0 <= index < count <= 1024. */
const INVALID_PARTITIONS: readonly [string, unknown][] = [
  ['an index equal to the count', { index: 4, count: 4 }],
  ['a negative index', { index: -1, count: 4 }],
  ['a count of 0', { index: 0, count: 0 }],
  ['a count of 1025', { index: 0, count: 1025 }],
  ['a fractional count', { index: 0, count: 2.5 }],
  ['a fractional index', { index: 0.5, count: 4 }],
  ['a count given as text', { index: 0, count: '4' }],
  ['a missing index', { count: 4 }],
  ['a number', 3],
  ['an array', [0, 4]],
  ['null', null],
];

export function partitionTests(suite: Suite): void {
  describe('partitions of the log', () => {
    suite.test('splits the log into disjoint partitions that together hold every event, each stream whole in its partition, in order', async (f) => {
      const store = await f.store();
      const all = await spreadLog(store);
      for (const count of [1, 4, 16]) {
        const seen: RecordedEvent[] = [];
        for (let index = 0; index < count; index++) {
          const part = await collect(store.readAll({ partition: { index, count }, pageSize: 3 }));
          for (const event of part) expect(partitionOf(event.stream, count), `${event.stream} in ${index} of ${count}`).toBe(index);
          for (let i = 1; i < part.length; i++) expect(part[i]!.position).toBeGreaterThan(part[i - 1]!.position);
          expect(part).toEqual(all.filter((e) => partitionOf(e.stream, count) === index));
          seen.push(...part);
        }
        expect(seen.map((e) => e.id).sort(), `the ${count} partitions together`).toEqual(all.map((e) => e.id).sort());
        expect(new Set(seen.map((e) => e.id)).size).toBe(all.length);
      }
    });

    suite.test('combines a partition with a category, types, after and maxCount', async (f) => {
      const store = await f.store();
      const all = await spreadLog(store);
      const after = all[10]!.position;
      for (let index = 0; index < 4; index++) {
        const partition = { index, count: 4 };
        const mine = all.filter((e) => partitionOf(e.stream, 4) === index && e.position > after);
        expect(await collect(store.readAll({ partition, category: 'user', after, pageSize: 2 }))).toEqual(mine.filter((e) => e.stream.startsWith('user-')));
        expect(await collect(store.readAll({ partition, types: ['A', 'C'], after, pageSize: 2 }))).toEqual(mine.filter((e) => e.type !== 'B'));
        expect(await collect(store.readAll({ partition, category: 'cart', types: ['B'], after }))).toEqual(
          mine.filter((e) => e.stream.startsWith('cart-') && e.type === 'B'),
        );
        expect(await collect(store.readAll({ partition, after, maxCount: 2 }))).toEqual(mine.slice(0, 2));
      }
    });

    suite.test('moves readThrough to the head and says it is caught up for a partition with no events, over 300 of the others', async (f) => {
      const store = await f.store();
      const empty = { index: 1, count: 4 };
      let appended = 0;
      for (let n = 0; appended < 300; n++) {
        if (partitionOf(`noise-${n}`, 4) === empty.index) continue;
        await store.append(`noise-${n}`, Array.from({ length: 10 }, () => anEvent('Noise')));
        appended += 10;
      }
      const subscription = pages(store, { partition: empty, pageSize: 10 });
      const page = await subscription.next();
      expect(page).toEqual({ events: [], readThrough: await store.headPosition(), caughtUp: true });
      await subscription.stop();
    });

    suite.test('hands a live partition subscriber an event appended to one of its streams, and not one appended to another partition', async (f) => {
      const store = await f.store();
      const partition = { index: 2, count: 16 };
      const other = { index: 3, count: 16 };
      await store.append(streamIn('order', other), [anEvent('Before')]);
      const before = anEvent('MineBefore');
      await store.append(streamIn('cart', partition), [before]);
      const subscription = pages(store, { partition, pageSize: 10 });
      const first = await subscription.next();
      expect(first.events.map((e) => e.id)).toEqual([before.id]);
      expect(first.caughtUp).toBe(true);
      const writer = await f.connect(store);
      await writer.append(streamIn('order', other), [anEvent('Elsewhere')]);
      const mine = anEvent('Mine');
      await writer.append(streamIn('order', partition), [mine]);
      let page = await subscription.next();
      while (page.events.length === 0) page = await subscription.next();
      expect(page.events.map((e) => e.id)).toEqual([mine.id]);
      expect(page.readThrough).toBe(page.events[0]!.position);
      await subscription.stop();
    });

    suite.test('prepares the partition indexes of a count idempotently, also from several connections at once', async (f) => {
      const store = await f.store();
      const all = await spreadLog(store);
      const other = await f.connect(store);
      await store.preparePartitions(4);
      await store.preparePartitions(4);
      await Promise.all([store.preparePartitions(16), other.preparePartitions(16), store.preparePartitions(16), store.preparePartitions(1024)]);
      for (const count of [4, 16]) {
        const parts = await Promise.all(Array.from({ length: count }, (_, index) => collect(other.readAll({ partition: { index, count } }))));
        expect(parts.flat().map((e) => e.id).sort()).toEqual(all.map((e) => e.id).sort());
      }
      const late = anEvent('Late');
      await store.append('order-0', [late]);
      const index = partitionOf('order-0', 16);
      expect((await collect(other.readAll({ partition: { index, count: 16 } }))).at(-1)?.id).toBe(late.id);
    });

    for (const [what, partition] of INVALID_PARTITIONS) {
      suite.test(`rejects a partition option of ${what} with ANNALS_INVALID_ARGUMENT, reading nothing`, async (f) => {
        const store = await f.store();
        await store.append('order-1', [anEvent()]);
        const options = unchecked<{ partition: LogPartition }>({ partition });
        expectSyncError(() => store.readAll(options), 'ANNALS_INVALID_ARGUMENT', { argument: 'partition' });
        expectSyncError(() => store.subscribe(options), 'ANNALS_INVALID_ARGUMENT', { argument: 'partition' });
        expectSyncError(() => store.subscribePages(options), 'ANNALS_INVALID_ARGUMENT', { argument: 'partition' });
      });
    }

    suite.test('rejects a partition count for preparePartitions outside 1 to 1024 or not an integer with ANNALS_INVALID_ARGUMENT', async (f) => {
      const store = await f.store();
      for (const count of [0, 1025, -4, 2.5, Number.NaN, '16', undefined, null]) {
        await expectError(() => store.preparePartitions(unchecked<number>(count)), 'ANNALS_INVALID_ARGUMENT', { argument: 'count' });
      }
    });
  });
}
