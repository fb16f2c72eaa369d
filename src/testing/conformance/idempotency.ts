import { describe, expect } from 'vitest';
import { DuplicateEventIdError } from '../../core/errors.js';
import type { AppendResult, EventInput, RecordedEvent } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, expectError, expectUnchanged, resultOf, snapshot, someEvents } from './helpers.js';
import type { Suite } from './suite.js';

const STREAM = 'order-1';

/** A stream with three appends: [a] at 0, [b, c, d] at 1..3, [e] at 4. */
async function history(store: EventStore) {
  const [a, b, c, d, e] = someEvents(5);
  const first = await store.append(STREAM, [a!], { expectedRevision: 'no_stream' });
  const second = await store.append(STREAM, [b!, c!, d!], { expectedRevision: 0 });
  const third = await store.append(STREAM, [e!], { expectedRevision: 3 });
  const events = await collect(store.readStream(STREAM));
  return { a: a!, b: b!, c: c!, d: d!, e: e!, first, second, third, events };
}

/** Appends `events` again and checks that nothing was written and the original result came back. */
async function expectIdempotent(store: EventStore, stream: string, events: EventInput[], options: object, original: AppendResult) {
  const before = await snapshot(store, [stream]);
  expect(await store.append(stream, events, options)).toEqual(original);
  await expectUnchanged(store, before);
}

/**
 * Appends `events` and checks that it fails as a duplicate, writing nothing. The error names one
 * of the call's recorded ids (which one is the backend's choice) and where that id is recorded.
 */
async function expectDuplicate(store: EventStore, stream: string, events: EventInput[], options: object, streams: string[] = [stream]) {
  const before = await snapshot(store, streams);
  const error = await expectError(store.append(stream, events, options), 'ANNALS_DUPLICATE_EVENT_ID', { stream });
  expect(error).toBeInstanceOf(DuplicateEventIdError);
  const recordedIds = before.all.map((e) => e.id);
  expect(events.map((e) => e.id!.toLowerCase()).filter((id) => recordedIds.includes(id))).toContain(error.eventId);
  const recorded = before.all.find((e) => e.id === error.eventId)!;
  expect(error.existing).toEqual({ stream: recorded.stream, revision: recorded.revision, position: recorded.position });
  await expectUnchanged(store, before);
  return error;
}

export function idempotencyTests(suite: Suite): void {
  describe('idempotency', () => {
    suite.test('returns the original result for a retried single-event append and writes nothing', async (f) => {
      const store = await f.store();
      const event = anEvent();
      const original = await store.append(STREAM, [event]);
      await expectIdempotent(store, STREAM, [{ ...event }], {}, original);
    });

    suite.test('returns the original result for a retried multi-event append and writes nothing', async (f) => {
      const store = await f.store();
      const { b, c, d, second } = await history(store);
      await expectIdempotent(store, STREAM, [b, c, d], { expectedRevision: 0 }, second);
    });

    suite.test('accepts a retry after the stream moved on, with its original expected revision', async (f) => {
      const store = await f.store();
      const { a, b, c, d, first, second } = await history(store);
      await expectIdempotent(store, STREAM, [a], { expectedRevision: 'no_stream' }, first);
      await expectIdempotent(store, STREAM, [b, c, d], { expectedRevision: 0 }, second);
      await expectIdempotent(store, STREAM, [b, c, d], { expectedRevision: 'stream_exists' }, second);
      await expectIdempotent(store, STREAM, [b, c, d], { expectedRevision: 'any' }, second);
    });

    suite.test('treats a retry of consecutive ids from the middle of an append as idempotent', async (f) => {
      const store = await f.store();
      const { b, c, d, events } = await history(store);
      await expectIdempotent(store, STREAM, [b, c], {}, resultOf(events[2]!));
      await expectIdempotent(store, STREAM, [c, d], { expectedRevision: 1 }, resultOf(events[3]!));
      await expectIdempotent(store, STREAM, [d], {}, resultOf(events[3]!));
    });

    suite.test('matches retried ids in any letter case', async (f) => {
      const store = await f.store();
      const upper = { ...anEvent(), id: anEvent().id.toUpperCase() };
      const original = await store.append(STREAM, [upper]);
      await expectIdempotent(store, STREAM, [{ ...upper, id: upper.id.toLowerCase() }], {}, original);
      await expectIdempotent(store, STREAM, [upper], {}, original);
    });

    suite.test('accepts a retried appendMany and writes nothing', async (f) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      const parts = [
        { stream: 'order-1', events: someEvents(2), expectedRevision: 'no_stream' as const },
        { stream: 'order-2', events: someEvents(1), expectedRevision: 'no_stream' as const },
      ];
      const original = await store.appendMany(parts);
      await store.append('order-2', [anEvent()]);
      const before = await snapshot(store, ['order-1', 'order-2']);
      expect(await store.appendMany(parts)).toEqual(original);
      await expectUnchanged(store, before);
    });

    suite.test('writes the new part of an appendMany whose other part is a retry', async (f) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      const retried = someEvents(2);
      const original = await store.append('order-1', retried, { expectedRevision: 'no_stream' });
      const fresh = someEvents(1);
      const results = await store.appendMany([
        { stream: 'order-1', events: retried, expectedRevision: 'no_stream' },
        { stream: 'order-2', events: fresh, expectedRevision: 'no_stream' },
      ]);
      expect(results[0]).toEqual(original);
      expect(results[1]).toMatchObject({ stream: 'order-2', streamRevision: 0 });
      expect(await collect(store.readAll())).toHaveLength(3);
    });

    suite.test('fails a retried appendMany part together with a conflicting part, writing nothing', async (f) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      const retried = someEvents(2);
      await store.append('order-1', retried);
      await store.append('order-2', [anEvent()]);
      const before = await snapshot(store, ['order-1', 'order-2']);
      await expectError(
        store.appendMany([
          { stream: 'order-1', events: retried },
          { stream: 'order-2', events: [anEvent()], expectedRevision: 'no_stream' },
        ]),
        'ANNALS_WRONG_EXPECTED_REVISION',
        { stream: 'order-2', actual: 0 },
      );
      await expectUnchanged(store, before);
    });

    suite.test('rejects an id recorded at another place in the same stream', async (f) => {
      const store = await f.store();
      const { a, b, e } = await history(store);
      // a and e are in the stream but not consecutive; b alone would be idempotent, but not with a new id after it.
      await expectDuplicate(store, STREAM, [a, e], {});
      const error = await expectDuplicate(store, STREAM, [{ ...b }, anEvent()], {});
      expect(error.eventId).toBe(b.id);
    });

    suite.test('rejects an id recorded in another stream, with where it is recorded', async (f) => {
      const store = await f.store();
      const { c } = await history(store);
      const error = await expectDuplicate(store, 'order-2', [c], {}, [STREAM, 'order-2']);
      expect(error.eventId).toBe(c.id);
      expect(error.existing).toEqual({ stream: STREAM, revision: 2, position: expect.any(Number) });
      expect(await store.streamInfo('order-2')).toMatchObject({ exists: false, revision: -1 });
    });

    suite.test('rejects a partial overlap with a recorded append and writes none of the new events', async (f) => {
      const store = await f.store();
      const { d, e } = await history(store);
      const fresh = anEvent();
      await expectDuplicate(store, STREAM, [d, e, fresh], {});
      expect((await expectDuplicate(store, STREAM, [fresh, d], {})).eventId).toBe(d.id);
      expect(await store.getEvent(fresh.id)).toBeUndefined();
    });

    suite.test('rejects recorded ids retried in another order', async (f) => {
      const store = await f.store();
      const { b, c, d } = await history(store);
      await expectDuplicate(store, STREAM, [d, c, b], {});
      await expectDuplicate(store, STREAM, [c, b], {});
    });

    suite.test('rejects a retry whose exact expected revision puts the ids at another place', async (f) => {
      const store = await f.store();
      const { b, c, d, second } = await history(store);
      await expectDuplicate(store, STREAM, [b, c, d], { expectedRevision: 4 });
      await expectDuplicate(store, STREAM, [b, c, d], { expectedRevision: 1 });
      await expectDuplicate(store, STREAM, [c, d], { expectedRevision: 0 });
      // At the right place it is still a retry.
      await expectIdempotent(store, STREAM, [b, c, d], { expectedRevision: 0 }, second);
    });

    suite.test('rejects the same id twice within one append, before writing anything', async (f) => {
      const store = await f.store();
      await store.append(STREAM, [anEvent()]);
      const before = await snapshot(store, [STREAM]);
      const twin = anEvent();
      const error = await expectError(store.append(STREAM, [twin, anEvent(), { ...twin, id: twin.id.toUpperCase() }]), 'ANNALS_DUPLICATE_EVENT_ID', {
        eventId: twin.id,
        stream: STREAM,
      });
      expect(error.existing).toBeUndefined();
      await expectUnchanged(store, before);
    });

    suite.test('gives every event appended without an id a distinct UUID that getEvent finds', async (f) => {
      const store = await f.store();
      const bare = (n: number) => Array.from({ length: n }, (_, i) => ({ type: 'Happened', data: { i } }));
      await store.append('order-1', bare(1));
      await store.append('order-1', bare(3));
      if (store.capabilities.multiStreamAppend) {
        await store.appendMany([
          { stream: 'order-2', events: bare(2) },
          { stream: 'order-3', events: bare(2) },
        ]);
      }
      const all = await collect(store.readAll());
      expect(all.length).toBe(store.capabilities.multiStreamAppend ? 8 : 4);
      expect(new Set(all.map((e) => e.id)).size).toBe(all.length);
      for (const event of all) {
        expect(event.id).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/);
        expect(await store.getEvent(event.id)).toEqual(event);
        expect(await store.getEvent(event.id.toUpperCase())).toEqual(event);
      }
      expect((await collect(store.readStream('order-1'))).map((e) => e.id)).toEqual(all.filter((e) => e.stream === 'order-1').map((e) => e.id));
    });

    suite.test('treats events read back and appended again with their generated ids as a retry in place, a duplicate elsewhere', async (f) => {
      const store = await f.store();
      const original = await store.append(STREAM, [{ type: 'A' }, { type: 'B' }], { expectedRevision: 'no_stream' });
      await store.append(STREAM, [{ type: 'C' }]);
      const [a, b, c] = await collect(store.readStream(STREAM));
      const again = (...events: RecordedEvent[]) => events.map(({ id, type, data }) => ({ id, type, data }));
      await expectIdempotent(store, STREAM, again(a!, b!), { expectedRevision: 'no_stream' }, original);
      await expectIdempotent(store, STREAM, again(c!), {}, resultOf(c!));
      await expectDuplicate(store, STREAM, again(b!, a!), {});
      const error = await expectDuplicate(store, 'order-2', again(b!), {}, [STREAM, 'order-2']);
      expect(error.existing).toEqual({ stream: STREAM, revision: 1, position: b!.position });
    });

    suite.test('rejects a retry on a hard-deleted stream as deleted', async (f) => {
      const store = await f.store();
      f.requires(store, 'hardDelete');
      const event = anEvent();
      await store.append(STREAM, [event]);
      await store.deleteStream(STREAM, { mode: 'hard' });
      await expectError(store.append(STREAM, [event]), 'ANNALS_STREAM_DELETED', { stream: STREAM });
    });
  });
}
