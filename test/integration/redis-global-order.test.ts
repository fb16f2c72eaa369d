import { randomUUID } from 'node:crypto';
import { expect, it } from 'vitest';
import type { EventStore, RecordedEvent } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { redisService, useRedis } from '../helpers/redis.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(redisService);

const WRITERS = 8;
const APPENDS_EACH = 40;
const PAGE_SIZES = [1, 7, 100];
const END = 'End';

/** Appends of 1 to 3 events, to a few streams, and now and then to two streams at once. */
async function writer(store: EventStore, w: number): Promise<string[]> {
  const written: string[] = [];
  for (let n = 0; n < APPENDS_EACH; n++) {
    const events = range(1 + (n % 3)).map((k) => ({ id: randomUUID(), type: `T${k}`, data: { w, n, k } }));
    if (n % 10 === 9) {
      const side = { id: randomUUID(), type: 'Side', data: { w, n } };
      await store.appendMany([
        { stream: `w${w}-${n % 4}`, events },
        { stream: `other${w}-${n % 2}`, events: [side] },
      ]);
      written.push(side.id);
    } else {
      await store.append(`w${w}-${n % 4}`, events);
    }
    written.push(...events.map((e) => e.id));
  }
  return written;
}

/** Pages through readAll again and again, resuming after the last position seen, until the End event. */
async function pagingReader(store: EventStore, pageSize: number): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    for await (const event of store.readAll({ after, pageSize, maxCount: pageSize })) {
      if (event.type === END) return seen;
      seen.push(event);
      after = event.position;
    }
    await new Promise((resolve) => setImmediate(resolve));
  }
}

async function subscriber(store: EventStore): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  for await (const event of store.subscribe({ pageSize: 13 })) {
    if (event.type === END) return seen;
    seen.push(event);
  }
  throw new Error('the subscription ended before the End event');
}

describeWithService(service, 'Redis: global order under concurrent writers', () => {
  const redis = useRedis(service.url);

  it('shows every reader (page sizes 1, 7, 100) and a subscriber every event exactly once, in log order', async () => {
    const first = await redis.open();
    const writers = [first, ...(await Promise.all(range(WRITERS - 1).map(() => redis.reopen(first))))];
    const readers = await Promise.all(PAGE_SIZES.map(() => redis.reopen(first)));
    const subscriberStore = await redis.reopen(first);

    const subscribed = subscriber(subscriberStore);
    const reading = readers.map((store, i) => pagingReader(store, PAGE_SIZES[i]!));
    const written = (await Promise.all(writers.map((store, w) => writer(store, w)))).flat();
    await first.append('end-1', [{ type: END }]);

    const all = (await collect(first.readAll())).slice(0, -1);
    expect(new Set(all.map((e) => e.id))).toEqual(new Set(written));
    expect(all).toHaveLength(written.length);
    for (let i = 1; i < all.length; i++) expect(all[i]!.position).toBeGreaterThan(all[i - 1]!.position);

    const results = await Promise.all([...reading, subscribed]);
    for (const [i, seen] of results.entries()) {
      const who = i < PAGE_SIZES.length ? `reader with page size ${PAGE_SIZES[i]}` : 'subscriber';
      expect(seen.map((e) => e.position), who).toEqual(all.map((e) => e.position));
      expect(seen, who).toEqual(all);
    }
  });
});
