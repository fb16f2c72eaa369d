import { describe, expect } from 'vitest';
import type { EventStore } from '../../core/event-store.js';
import type { SubscriptionPage } from '../../core/subscription.js';
import type { SubscribeOptions } from '../../core/types.js';
import { anEvent, collect, someEvents } from './helpers.js';
import type { Suite } from './suite.js';

/** Events of a category the tests' filters never match, in appends of up to 100. */
async function appendNoise(store: EventStore, count: number): Promise<void> {
  for (let done = 0; done < count; done += 100) {
    await store.append(`noise-${done / 100}`, someEvents(Math.min(100, count - done), 'Noise'));
  }
}

/** A page subscription that the test pulls from by hand, and stops at the end. */
export function pages(store: EventStore, options: Omit<SubscribeOptions, 'signal'>) {
  const stop = new AbortController();
  const iterator = store.subscribePages({ ...options, signal: stop.signal })[Symbol.asyncIterator]();
  return {
    async next(): Promise<SubscriptionPage> {
      const result = await iterator.next();
      if (result.done) return expect.fail('the page subscription ended');
      return result.value;
    },
    async stop(): Promise<void> {
      stop.abort();
      await iterator.return?.();
    },
  };
}

export function subscriptionPageTests(suite: Suite): void {
  describe('subscribePages', () => {
    suite.test('reports readThrough at the head after a filtered page over 1,000 events it does not match', async (f) => {
      const store = await f.store();
      await store.append('wanted-1', [anEvent('Wanted')]);
      const [wanted] = await collect(store.readStream('wanted-1'));
      await appendNoise(store, 1000);
      const subscription = pages(store, { category: 'wanted' });
      const page = await subscription.next();
      expect(page.events.map((e) => e.id)).toEqual([wanted!.id]);
      expect(page.readThrough).toBe(await store.headPosition());
      expect(page.caughtUp).toBe(true);
      await subscription.stop();
    });

    suite.test('moves readThrough on when only unmatched events are committed while it is live', async (f) => {
      const store = await f.store();
      await store.append('wanted-1', [anEvent('Wanted')]);
      const subscription = pages(store, { category: 'wanted' });
      const first = await subscription.next();
      expect(first.events).toHaveLength(1);
      await appendNoise(store, 300);
      const head = await store.headPosition();
      let page = await subscription.next();
      // Pages are handed out as the log moves on; each says how far it reached, never back.
      while (page.readThrough < head) {
        expect(page.events).toEqual([]);
        expect(page.readThrough).toBeGreaterThan(first.readThrough);
        page = await subscription.next();
      }
      expect(page).toEqual({ events: [], readThrough: head, caughtUp: true });
      await subscription.stop();
    });

    suite.test('pages the catch-up: a full page reads through its last event, and every event comes once, in order', async (f) => {
      const store = await f.store();
      await store.append('wanted-1', someEvents(3, 'Wanted'));
      await appendNoise(store, 10);
      await store.append('wanted-2', someEvents(2, 'Wanted'));
      await appendNoise(store, 10);
      const expected = await collect(store.readAll({ category: 'wanted' }));
      const head = await store.headPosition();
      const subscription = pages(store, { category: 'wanted', pageSize: 2 });
      const seen: string[] = [];
      let readThrough = 0;
      for (;;) {
        const page = await subscription.next();
        for (const event of page.events) {
          expect(event.position).toBeGreaterThan(readThrough);
          expect(event.position).toBeLessThanOrEqual(page.readThrough);
        }
        if (page.events.length === 2) expect(page.readThrough).toBe(page.events[1]!.position);
        expect(page.caughtUp).toBe(page.events.length < 2);
        expect(page.readThrough).toBeGreaterThanOrEqual(readThrough);
        readThrough = page.readThrough;
        seen.push(...page.events.map((e) => e.id));
        if (page.caughtUp) break;
      }
      expect(seen).toEqual(expected.map((e) => e.id));
      expect(readThrough).toBe(head);
      await subscription.stop();
    });

    suite.test('says it is caught up with an empty page when a full page ended at the head', async (f) => {
      const store = await f.store();
      await store.append('wanted-1', someEvents(4, 'Wanted'));
      const head = await store.headPosition();
      const subscription = pages(store, { category: 'wanted', pageSize: 2 });
      const full = [await subscription.next(), await subscription.next()];
      expect(full.map((page) => [page.events.length, page.caughtUp])).toEqual([
        [2, false],
        [2, false],
      ]);
      expect(full[1]!.readThrough).toBe(head);
      const last = await subscription.next();
      expect(last).toEqual({ events: [], readThrough: head, caughtUp: true });
      await subscription.stop();
    });

    suite.test('resumes after a readThrough with exactly the events committed past it', async (f) => {
      const store = await f.store();
      await store.append('wanted-1', someEvents(2, 'Wanted'));
      await appendNoise(store, 5);
      const first = pages(store, { category: 'wanted' });
      const { readThrough } = await first.next();
      await first.stop();
      await appendNoise(store, 5);
      await store.append('wanted-2', [anEvent('Wanted')]);
      const later = await collect(store.readAll({ category: 'wanted', after: readThrough }));
      const resumed = pages(store, { category: 'wanted', after: readThrough });
      const page = await resumed.next();
      expect(later.map((e) => e.stream)).toEqual(['wanted-2']);
      expect(page.events.map((e) => e.id)).toEqual(later.map((e) => e.id));
      await resumed.stop();
    });
  });
}
