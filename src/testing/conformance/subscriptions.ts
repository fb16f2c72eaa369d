import { describe, expect } from 'vitest';
import type { RecordedEvent, SubscribeOptions } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, seed, someEvents, yieldToEventLoop } from './helpers.js';
import type { Fixture, Suite } from './suite.js';

const END = 'End';

/**
 * Reads from `subscription` until an event of type End arrives; returns what came before it.
 * Fails, rather than hangs, when the subscription keeps handing out events (duplicates).
 */
async function untilEnd(subscription: AsyncIterable<RecordedEvent>, slow = false): Promise<RecordedEvent[]> {
  const received: RecordedEvent[] = [];
  for await (const event of subscription) {
    if (event.type === END) return received;
    received.push(event);
    if (received.length > 1000) expect.fail('the subscription handed out more than 1000 events: more than were appended');
    if (slow) await yieldToEventLoop();
  }
  return expect.fail('the subscription ended before the End event');
}

/**
 * Appends keep coming while a subscriber starts mid-way: it must catch up and go live
 * with every event exactly once, in log order. The End event comes last, so a gap shows
 * as a mismatch rather than a hang.
 */
async function seam(f: Fixture, options: { slow?: boolean; otherConnection?: boolean }): Promise<void> {
  const store = await f.store();
  const reader = options.otherConnection ? await f.connect(store) : store;
  let appends = 0;
  const appending = (async () => {
    for (let i = 0; i < 40; i++) {
      await store.append(`seam-${i % 3}`, i % 5 === 4 ? someEvents(3, 'Tick') : [anEvent('Tick', { i })]);
      appends++;
      await yieldToEventLoop();
    }
  })();
  while (appends < 12) await yieldToEventLoop();
  const received = untilEnd(reader.subscribe({ pageSize: 5 }), options.slow);
  await appending;
  await store.append('seam-end', [anEvent(END)]);
  const events = await received;
  const all = (await collect(store.readAll())).slice(0, -1);
  expect(events.map((e) => e.id)).toEqual(all.map((e) => e.id));
  expect(events).toEqual(all);
}

function subscribeTests(suite: Suite): void {
  suite.test('headPosition is 0 on an empty store, then the last position, and nothing is readable after it', async (f) => {
    const store = await f.store();
    expect(await store.headPosition()).toBe(0);
    await seed(store, 'order-1', 2);
    const { position } = await store.append('order-2', [anEvent('Placed')]);
    expect(await store.headPosition()).toBe(position);
    await store.deleteStream('order-2');
    const head = await store.headPosition();
    expect(head).toBeLessThanOrEqual(position);
    expect(await collect(store.readAll({ after: head }))).toEqual([]);
  });

  suite.test('subscribing after headPosition delivers only events committed from then on', async (f) => {
    const store = await f.store();
    await seed(store, 'order-1', 3);
    const controller = new AbortController();
    const iterator = store.subscribe({ after: await store.headPosition(), signal: controller.signal })[Symbol.asyncIterator]();
    const pending = iterator.next();
    const live = someEvents(1);
    await store.append('order-2', live);
    expect((await pending).value.id).toBe(live[0]!.id);
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  suite.test('catches up with stored events, then delivers new ones live', async (f) => {
    const store = await f.store();
    const stored = await seed(store, 'order-1', 3);
    const controller = new AbortController();
    const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
    for (const event of stored) expect((await iterator.next()).value).toEqual(event);
    const pending = iterator.next();
    const live = someEvents(2);
    await store.append('order-2', live);
    expect((await pending).value.id).toBe(live[0]!.id);
    expect((await iterator.next()).value).toEqual(await store.getEvent(live[1]!.id));
    controller.abort();
    expect((await iterator.next()).done).toBe(true);
  });

  // The consumer holds an event while the next is appended: the subscription must not then
  // wait for a commit it has already missed.
  suite.test('delivers an event appended while the consumer was busy with the previous one', async (f) => {
    const store = await f.store();
    const controller = new AbortController();
    const iterator = store.subscribe({ signal: controller.signal })[Symbol.asyncIterator]();
    const [first, second, third] = someEvents(3);
    await store.append('order-1', [first!]);
    expect((await iterator.next()).value.id).toBe(first!.id);
    await store.append('order-1', [second!]);
    expect((await iterator.next()).value.id).toBe(second!.id);
    await store.append('order-2', [third!]);
    await yieldToEventLoop();
    expect((await iterator.next()).value.id).toBe(third!.id);
    controller.abort();
  });

  suite.test('has no gap or duplicate at the catch-up/live seam while appends keep coming', (f) => seam(f, {}));

  suite.test('has no gap or duplicate at the seam with a consumer slower than the appends', (f) => seam(f, { slow: true }));

  suite.test('has no gap or duplicate at the seam when subscribed through another connection', (f) => seam(f, { otherConnection: true }));

  suite.test('starts after the given position', async (f) => {
    const store = await f.store();
    const stored = await seed(store, 'order-1', 5);
    const received = untilEnd(store.subscribe({ after: stored[2]!.position, pageSize: 1 }));
    await store.append('order-2', [anEvent(END)]);
    expect(await received).toEqual(stored.slice(3));
  });

  suite.test('delivers only events that match its category and types, in catch-up and live', async (f) => {
    const store = await f.store();
    const write = async (round: number) => {
      for (const [i, stream] of ['order-1', 'user-1', 'order-2', 'orders-1', 'order'].entries()) {
        await store.append(stream, [anEvent(i % 2 === 0 ? 'B' : 'A', { round, i }), anEvent('C')]);
      }
    };
    await write(0);
    const options: SubscribeOptions = { category: 'order', types: ['B', END], pageSize: 2 };
    const received = untilEnd(store.subscribe(options));
    await write(1);
    await store.append('order-9', [anEvent('A'), anEvent(END)]);
    const expected = (await collect(store.readAll())).filter((e) => (e.stream === 'order' || e.stream.startsWith('order-')) && e.type === 'B');
    expect(expected).toHaveLength(6);
    expect(await received).toEqual(expected);
  });

  suite.test('gives two subscribers on one store every event each', async (f) => {
    const store = await f.store();
    await seed(store, 'order-1', 2);
    const first = untilEnd(store.subscribe({ pageSize: 1 }));
    const second = untilEnd(store.subscribe());
    await store.append('order-1', someEvents(3));
    await store.append('order-2', [anEvent(END)]);
    const all = (await collect(store.readAll())).slice(0, -1);
    expect(await first).toEqual(all);
    expect(await second).toEqual(all);
  });
}

function endingTests(suite: Suite): void {
  /** A subscription that has delivered the one stored event and is waiting for more. */
  async function waiting(store: EventStore, signal?: AbortSignal) {
    const iterator = await caughtUp(store, signal);
    const pending = iterator.next();
    await yieldToEventLoop();
    return { iterator, pending };
  }

  /** A subscription that has delivered the one stored event. */
  async function caughtUp(store: EventStore, signal?: AbortSignal) {
    await store.append('order-1', [anEvent()]);
    const iterator = store.subscribe({ signal })[Symbol.asyncIterator]();
    expect((await iterator.next()).done).toBe(false);
    return iterator;
  }

  suite.test('ends, without an error, when its signal aborts while it waits', async (f) => {
    const store = await f.store();
    const controller = new AbortController();
    const { iterator, pending } = await waiting(store, controller.signal);
    controller.abort();
    expect(await pending).toEqual({ done: true, value: undefined });
    await store.append('order-1', [anEvent()]);
    expect((await iterator.next()).done).toBe(true);
  });

  suite.test('ends when its signal aborts during catch-up', async (f) => {
    const store = await f.store();
    await seed(store, 'order-1', 6);
    const controller = new AbortController();
    const received = [];
    for await (const event of store.subscribe({ signal: controller.signal, pageSize: 2 })) {
      received.push(event.revision);
      if (received.length === 3) controller.abort();
    }
    expect(received).toEqual([0, 1, 2]);
  });

  suite.test('ends at once when its signal is already aborted', async (f) => {
    const store = await f.store();
    await seed(store, 'order-1', 2);
    expect(await collect(store.subscribe({ signal: AbortSignal.abort() }))).toEqual([]);
  });

  suite.test('ends, without an error, when the store closes', async (f) => {
    const store = await f.store();
    const { iterator, pending } = await waiting(store);
    await store.close();
    expect(await pending).toEqual({ done: true, value: undefined });
    expect((await iterator.next()).done).toBe(true);
  });

  suite.test('ends when the consumer stops, and the store keeps working', async (f) => {
    const store = await f.store();
    const iterator = await caughtUp(store);
    expect(await iterator.return!()).toEqual({ done: true, value: undefined });
    const result = await store.append('order-1', [anEvent()]);
    expect(result.streamRevision).toBe(1);
  });
}

export function subscriptionTests(suite: Suite): void {
  describe('subscribe', () => {
    subscribeTests(suite);
    endingTests(suite);
  });
}
