import { describe, expect } from 'vitest';
import { anEvent, collect, expectError, expectUnchanged, resultOf, snapshot, someEvents, unchecked, UUID_PATTERN } from './helpers.js';
import type { AppendRequest, EventInput } from '../../core/types.js';
import type { EventStore } from '../../core/event-store.js';
import { DEFAULT_MAX_EVENT_BYTES } from '../../core/validate.js';
import type { Fixture, Suite } from './suite.js';

export function appendTests(suite: Suite): void {
  describe('append', () => {
    suite.test('gives the first event of a new stream revision 0 and a positive integer position', async (f) => {
      const store = await f.store();
      const result = await store.append('order-1', [anEvent()]);
      expect(result.stream).toBe('order-1');
      expect(result.streamRevision).toBe(0);
      expect(Number.isSafeInteger(result.position)).toBe(true);
      expect(result.position).toBeGreaterThan(0);
      expect(Object.keys(result).sort()).toEqual(['position', 'stream', 'streamRevision']);
    });

    suite.test('numbers revisions 0, 1, 2, … without gaps across appends', async (f) => {
      const store = await f.store();
      const revisions = [];
      for (let i = 0; i < 5; i++) revisions.push((await store.append('order-1', [anEvent()])).streamRevision);
      expect(revisions).toEqual([0, 1, 2, 3, 4]);
      expect((await collect(store.readStream('order-1'))).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
    });

    suite.test('writes a multi-event append at consecutive revisions and returns the last', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent()]);
      const events = someEvents(4);
      const result = await store.append('order-1', events);
      const stored = await collect(store.readStream('order-1', { fromRevision: 1 }));
      expect(stored.map((e) => e.id)).toEqual(events.map((e) => e.id));
      expect(stored.map((e) => e.revision)).toEqual([1, 2, 3, 4]);
      expect(result).toEqual(resultOf(stored[3]!));
      for (let i = 1; i < stored.length; i++) expect(stored[i]!.position).toBeGreaterThan(stored[i - 1]!.position);
    });

    suite.test('keeps revisions per stream and positions strictly increasing across streams', async (f) => {
      const store = await f.store();
      const results = [];
      for (let i = 0; i < 9; i++) results.push(await store.append(`order-${i % 3}`, [anEvent()]));
      expect(results.map((r) => r.streamRevision)).toEqual([0, 0, 0, 1, 1, 1, 2, 2, 2]);
      for (let i = 1; i < results.length; i++) expect(results[i]!.position).toBeGreaterThan(results[i - 1]!.position);
      const all = await collect(store.readAll());
      expect(all.map(resultOf)).toEqual(results);
    });

    suite.test('returns a result that matches the stored event', async (f) => {
      const store = await f.store();
      const event = anEvent();
      const result = await store.append('order-1', [event]);
      const stored = await store.getEvent(event.id);
      expect(stored && resultOf(stored)).toEqual(result);
    });

    suite.test('generates a distinct lower-case UUID for each event given without an id', async (f) => {
      const store = await f.store();
      await store.append('order-1', [{ type: 'A' }, { type: 'B' }]);
      await store.append('order-1', [{ type: 'C' }]);
      const ids = (await collect(store.readStream('order-1'))).map((e) => e.id);
      for (const id of ids) expect(id).toMatch(UUID_PATTERN);
      expect(new Set(ids).size).toBe(3);
    });

    suite.test('keeps a given event id, lower-cased', async (f) => {
      const store = await f.store();
      const id = anEvent().id.toUpperCase();
      await store.append('order-1', [{ type: 'A', id }]);
      const [stored] = await collect(store.readStream('order-1'));
      expect(stored!.id).toBe(id.toLowerCase());
    });

    suite.test('writes none of a multi-event append when one of its events is invalid', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent()]);
      const before = await snapshot(store, ['order-1']);
      const good = anEvent();
      const error = await expectError(store.append('order-1', [good, { type: '' }, anEvent()]), 'ANNALS_INVALID_EVENT');
      expect(error.index).toBe(1);
      expect(error.field).toBe('type');
      await expectUnchanged(store, before);
      expect(await store.getEvent(good.id)).toBeUndefined();
    });

    suite.test('takes an event of exactly the default 1 MiB, and refuses one byte more with ANNALS_EVENT_TOO_LARGE, writing nothing', async (f) => {
      const store = await f.store();
      // The size is the data's and metadata's JSON in UTF-8: '"…"' adds 2 bytes, metadata '{}' 2 more.
      const largest = 'x'.repeat(DEFAULT_MAX_EVENT_BYTES - 4);
      const taken = await store.append('blob-1', [{ type: 'Stored', data: largest }]);
      const [stored] = await collect(store.readStream('blob-1'));
      expect(stored!.data).toBe(largest);
      const before = await snapshot(store, ['blob-1', 'blob-2']);
      const small = anEvent();
      const error = await expectError(store.appendMany([{ stream: 'blob-2', events: [small] }, { stream: 'blob-1', events: [anEvent(), { type: 'Stored', data: `${largest}x` }] }]), 'ANNALS_EVENT_TOO_LARGE');
      expect(error).toMatchObject({ index: 1, stream: 'blob-1', bytes: DEFAULT_MAX_EVENT_BYTES + 1, limit: DEFAULT_MAX_EVENT_BYTES });
      await expectUnchanged(store, before);
      expect(await store.getEvent(small.id)).toBeUndefined();
      expect(await store.headPosition()).toBe(taken.position);
    });
  });

  describe('appendMany', () => {
    suite.test('writes every part and returns the results in request order', async (f) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      await store.append('order-2', [anEvent()]);
      const parts = [
        { stream: 'order-1', events: someEvents(2), expectedRevision: 'no_stream' as const },
        { stream: 'order-2', events: someEvents(1), expectedRevision: 0 },
        { stream: 'user-1', events: someEvents(3) },
      ];
      const results = await store.appendMany(parts);
      expect(results.map((r) => [r.stream, r.streamRevision])).toEqual([
        ['order-1', 1],
        ['order-2', 1],
        ['user-1', 2],
      ]);
      for (const [i, part] of parts.entries()) {
        const stored = await collect(store.readStream(part.stream));
        expect(stored.slice(-part.events.length).map((e) => e.id)).toEqual(part.events.map((e) => e.id));
        expect(results[i]).toEqual(resultOf(stored[stored.length - 1]!));
      }
      const positions = results.map((r) => r.position);
      expect(new Set(positions).size).toBe(3);
    });

    suite.test('with one request behaves like append', async (f) => {
      const store = await f.store();
      const events = someEvents(2);
      const [result] = await store.appendMany([{ stream: 'order-1', events, expectedRevision: 'no_stream' }]);
      expect(result).toEqual({ stream: 'order-1', streamRevision: 1, position: expect.any(Number) });
      expect((await collect(store.readStream('order-1'))).map((e) => e.id)).toEqual(events.map((e) => e.id));
    });

    suite.test('gives every event of a call a position above all earlier positions', async (f) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      const earlier = await store.append('order-9', someEvents(3));
      await store.appendMany([
        { stream: 'order-1', events: someEvents(2) },
        { stream: 'order-2', events: someEvents(2) },
      ]);
      const all = await collect(store.readAll());
      expect(all).toHaveLength(7);
      for (const event of all.slice(3)) expect(event.position).toBeGreaterThan(earlier.position);
      // Within a stream, revision order is position order.
      for (const stream of ['order-1', 'order-2']) {
        const [first, second] = all.filter((e) => e.stream === stream);
        expect(second!.position).toBeGreaterThan(first!.position);
      }
    });

    /** Runs an appendMany whose middle part `breakPart` spoils, and checks that no part was written. */
    const nothingWritten = async (
      f: Fixture,
      breakPart: (store: EventStore, good: readonly EventInput[]) => Promise<AppendRequest>,
      code: string,
    ) => {
      const store = await f.store();
      f.requires(store, 'multiStreamAppend');
      await store.append('order-1', [anEvent()]);
      const good1 = someEvents(2);
      const good2 = someEvents(1);
      const bad = await breakPart(store, good1);
      const before = await snapshot(store, ['order-1', 'order-2', 'user-1']);
      const error = await expectError(
        store.appendMany([
          { stream: 'order-1', events: good1, expectedRevision: 0 },
          bad,
          { stream: 'order-2', events: good2, expectedRevision: 'no_stream' },
        ]),
        code,
      );
      await expectUnchanged(store, before);
      for (const event of [...good1, ...good2]) expect(await store.getEvent(event.id)).toBeUndefined();
      return error;
    };

    suite.test('writes nothing anywhere when one part has an invalid event', (f) =>
      nothingWritten(f, async () => ({ stream: 'user-1', events: [anEvent(), { type: 'Bad', data: unchecked({ at: new Date() }) }] }), 'ANNALS_INVALID_EVENT'),
    );

    suite.test('writes nothing anywhere when one part has an invalid stream name', (f) =>
      nothingWritten(f, async () => ({ stream: '', events: [anEvent()] }), 'ANNALS_INVALID_STREAM_NAME'),
    );

    suite.test('writes nothing anywhere when one part has an invalid expected revision', (f) =>
      nothingWritten(f, async () => ({ stream: 'user-1', events: [anEvent()], expectedRevision: -1 }), 'ANNALS_INVALID_ARGUMENT'),
    );

    suite.test("writes nothing anywhere when one part's expected revision conflicts", (f) =>
      nothingWritten(
        f,
        async (store) => {
          await store.append('user-1', someEvents(2));
          return { stream: 'user-1', events: [anEvent()], expectedRevision: 0 };
        },
        'ANNALS_WRONG_EXPECTED_REVISION',
      ),
    );

    suite.test('writes nothing anywhere when one part targets a hard-deleted stream', (f) =>
      nothingWritten(
        f,
        async (store) => {
          f.requires(store, 'hardDelete');
          await store.deleteStream('user-1', { mode: 'hard' });
          return { stream: 'user-1', events: [anEvent()] };
        },
        'ANNALS_STREAM_DELETED',
      ),
    );

    suite.test('writes nothing anywhere when one part reuses an id recorded in another stream', (f) =>
      nothingWritten(
        f,
        async (store) => {
          const taken = anEvent();
          await store.append('user-2', [taken]);
          return { stream: 'user-1', events: [anEvent(), { ...taken }] };
        },
        'ANNALS_DUPLICATE_EVENT_ID',
      ),
    );

    suite.test('writes nothing anywhere when two parts carry the same new id', async (f) => {
      let twin = '';
      const error = await nothingWritten(
        f,
        async (_store, good) => {
          twin = good[1]!.id!;
          // The same id in another part of the call, in another case: ids are compared lower-cased.
          return { stream: 'user-1', events: [anEvent(), { type: 'Twin', id: twin.toUpperCase() }] };
        },
        'ANNALS_DUPLICATE_EVENT_ID',
      );
      expect(error.eventId).toBe(twin);
    });
  });
}
