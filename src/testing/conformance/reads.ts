import { describe, expect } from 'vitest';
import type { Direction, JsonValue, ReadStreamOptions, RecordedEvent } from '../../core/types.js';
import { anEvent, collect, seed, someEvents, unchecked } from './helpers.js';
import type { Suite } from './suite.js';

const STREAM = 'order-1';
const N = 7;
const PAGE_SIZES = [1, N - 1, N, N + 1];
const MAX_COUNTS = [undefined, 0, 1, N, N + 1];

export function readTests(suite: Suite): void {
  describe('readStream', () => {
    suite.test('returns events as plain objects with exactly the documented fields', async (f) => {
      const store = await f.store();
      const event = anEvent('OrderPlaced', { total: 12.5, lines: [{ sku: 'a', qty: 2 }], note: null });
      const before = Date.now();
      const result = await store.append(STREAM, [{ ...event, metadata: { correlationId: 'corr-1', causationId: 'cause-1', user: 'ada' } }]);
      const after = Date.now();
      const [stored] = await collect(store.readStream(STREAM));
      expect(Object.getPrototypeOf(stored)).toBe(Object.prototype);
      expect(Object.keys(stored!).sort()).toEqual(['data', 'id', 'metadata', 'position', 'recordedAt', 'revision', 'stream', 'type']);
      expect(stored).toEqual({
        id: event.id,
        type: 'OrderPlaced',
        data: { total: 12.5, lines: [{ sku: 'a', qty: 2 }], note: null },
        metadata: { correlationId: 'corr-1', causationId: 'cause-1', user: 'ada' },
        stream: STREAM,
        revision: 0,
        position: result.position,
        recordedAt: expect.any(Date),
      });
      // Loose bounds (clocks differ between a client and a database server); catches wrong units.
      const recordedAt = stored!.recordedAt.getTime();
      expect(recordedAt).toBeGreaterThan(before - 5 * 60_000);
      expect(recordedAt).toBeLessThan(after + 5 * 60_000);
    });

    suite.test('returns null data and empty metadata for an event given neither', async (f) => {
      const store = await f.store();
      await store.append(STREAM, [{ type: 'Bare' }]);
      const [stored] = await collect(store.readStream(STREAM));
      expect(stored!.data).toBeNull();
      expect(stored!.metadata).toEqual({});
    });

    suite.test('round-trips every kind of JSON value and drops undefined properties', async (f) => {
      const store = await f.store();
      const values: JsonValue[] = [
        'text with "quotes", \\ backslash, new\nline, é, 😀, 中文',
        0,
        -17.25,
        Number.MAX_SAFE_INTEGER,
        1e-7,
        true,
        false,
        null,
        [],
        {},
        [1, 'two', [3, { four: 4 }], null],
        { nested: { deeper: { deepest: ['x'] } }, 'key with spaces': 1, '': 'empty key' },
      ];
      await store.append(STREAM, values.map((data) => ({ type: 'Value', data })));
      await store.append(STREAM, [{ type: 'Sparse', data: unchecked({ kept: 1, dropped: undefined }), metadata: { correlationId: undefined, kept: 'yes' } }]);
      const stored = await collect(store.readStream(STREAM));
      expect(stored.slice(0, values.length).map((e) => e.data)).toEqual(values);
      const sparse = stored[values.length]!;
      expect(sparse.data).toEqual({ kept: 1 });
      expect(Object.keys(sparse.data as object)).toEqual(['kept']);
      expect(sparse.metadata).toEqual({ kept: 'yes' });
      expect(Object.keys(sparse.metadata)).toEqual(['kept']);
    });

    suite.test('carries correlationId and causationId through every read', async (f) => {
      const store = await f.store();
      const event = { ...anEvent(), metadata: { correlationId: 'c-42', causationId: 'e-41' } };
      await store.append(STREAM, [event]);
      const reads = [
        (await collect(store.readStream(STREAM)))[0],
        (await collect(store.readAll()))[0],
        await store.getEvent(event.id),
      ];
      for (const read of reads) expect(read!.metadata).toEqual({ correlationId: 'c-42', causationId: 'e-41' });
    });

    suite.test('hands out fresh objects: changing one does not change the store', async (f) => {
      const store = await f.store();
      const input = { type: 'Mutable', data: { list: [1, 2] }, metadata: { correlationId: 'c' } };
      await store.append(STREAM, [input]);
      input.data.list.push(3);
      const [first] = await collect(store.readStream(STREAM));
      (first!.data as { list: number[] }).list.push(4);
      (first!.metadata as Record<string, unknown>).correlationId = 'changed';
      const [second] = await collect(store.readStream(STREAM));
      expect(second!.data).toEqual({ list: [1, 2] });
      expect(second!.metadata).toEqual({ correlationId: 'c' });
    });

    suite.test('reads nothing from a stream that was never written', async (f) => {
      const store = await f.store();
      await store.append('order-2', [anEvent()]);
      expect(await collect(store.readStream(STREAM))).toEqual([]);
      expect(await collect(store.readStream(STREAM, { direction: 'backwards' }))).toEqual([]);
    });

    suite.test('reads only the named stream, not streams that share its prefix', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent()]);
      await store.append('order-10', [anEvent()]);
      await store.append('order-1-x', [anEvent()]);
      expect((await collect(store.readStream('order-1'))).map((e) => e.stream)).toEqual(['order-1']);
    });

    for (const direction of ['forwards', 'backwards'] as Direction[]) {
      for (const pageSize of PAGE_SIZES) {
        suite.test(`pages ${direction} with page size ${pageSize} of ${N} and every maxCount edge`, async (f) => {
          const store = await f.store();
          const all = await seed(store, STREAM, N);
          const ordered = direction === 'forwards' ? all : [...all].reverse();
          for (const maxCount of MAX_COUNTS) {
            const read = await collect(store.readStream(STREAM, { direction, pageSize, maxCount }));
            expect(read, `maxCount ${maxCount}`).toEqual(ordered.slice(0, maxCount ?? N));
          }
        });
      }
    }

    const fromCases: [string, ReadStreamOptions, number[]][] = [
      ['forwards from the middle', { fromRevision: 3 }, [3, 4, 5, 6]],
      ['forwards from the last revision', { fromRevision: 6 }, [6]],
      ['forwards from beyond the end (nothing)', { fromRevision: 7 }, []],
      ['forwards from far beyond the end (nothing)', { fromRevision: 1000 }, []],
      ["forwards from 'start'", { fromRevision: 'start' }, [0, 1, 2, 3, 4, 5, 6]],
      ["forwards from 'end' (nothing)", { fromRevision: 'end' }, []],
      ['backwards by default from the last revision', { direction: 'backwards' }, [6, 5, 4, 3, 2, 1, 0]],
      ['backwards from the middle', { direction: 'backwards', fromRevision: 3 }, [3, 2, 1, 0]],
      ['backwards from revision 0', { direction: 'backwards', fromRevision: 0 }, [0]],
      ['backwards from beyond the end (from the last)', { direction: 'backwards', fromRevision: 50 }, [6, 5, 4, 3, 2, 1, 0]],
      ["backwards from 'end'", { direction: 'backwards', fromRevision: 'end' }, [6, 5, 4, 3, 2, 1, 0]],
      ["backwards from 'start' (only revision 0)", { direction: 'backwards', fromRevision: 'start' }, [0]],
      ['forwards from the middle with maxCount 2 and page size 1', { fromRevision: 2, maxCount: 2, pageSize: 1 }, [2, 3]],
      ['backwards from the middle with maxCount 3 and page size 2', { direction: 'backwards', fromRevision: 5, maxCount: 3, pageSize: 2 }, [5, 4, 3]],
    ];
    for (const [name, options, revisions] of fromCases) {
      suite.test(`reads ${name}`, async (f) => {
        const store = await f.store();
        await seed(store, STREAM, N);
        expect((await collect(store.readStream(STREAM, options))).map((e) => e.revision)).toEqual(revisions);
      });
    }

    suite.test('starts over, and sees new events, each time the same iterable is iterated', async (f) => {
      const store = await f.store();
      await seed(store, STREAM, 3);
      const read = store.readStream(STREAM, { pageSize: 2 });
      expect((await collect(read)).map((e) => e.revision)).toEqual([0, 1, 2]);
      await store.append(STREAM, someEvents(2));
      expect((await collect(read)).map((e) => e.revision)).toEqual([0, 1, 2, 3, 4]);
    });

    suite.test('lets a reader stop early and read again', async (f) => {
      const store = await f.store();
      await seed(store, STREAM, 5);
      const seen = [];
      for await (const event of store.readStream(STREAM, { pageSize: 2 })) {
        seen.push(event.revision);
        if (event.revision === 2) break;
      }
      expect(seen).toEqual([0, 1, 2]);
      expect(await collect(store.readStream(STREAM))).toHaveLength(5);
    });
  });

  describe('getEvent', () => {
    suite.test('finds an event by id, equal to what readStream returns', async (f) => {
      const store = await f.store();
      const events = someEvents(3);
      await store.append(STREAM, events);
      const stored = await collect(store.readStream(STREAM));
      for (const [i, event] of events.entries()) expect(await store.getEvent(event.id)).toEqual(stored[i]);
    });

    suite.test('finds an event by its upper-cased id', async (f) => {
      const store = await f.store();
      const event = anEvent();
      await store.append(STREAM, [event]);
      expect((await store.getEvent(event.id.toUpperCase()))?.id).toBe(event.id);
    });

    suite.test('returns undefined for an id never recorded', async (f) => {
      const store = await f.store();
      await store.append(STREAM, [anEvent()]);
      expect(await store.getEvent(anEvent().id)).toBeUndefined();
      expect(await store.getEvent('not-a-uuid')).toBeUndefined();
    });

    suite.test('returns undefined for any text that is not a UUID, even one close to a recorded id', async (f) => {
      const store = await f.store();
      await store.append(STREAM, [{ type: 'A' }]);
      const [{ id }] = (await collect(store.readAll())) as [RecordedEvent];
      const near = [
        `${id.slice(0, 23)} ${id.slice(24)}`, // a space for a dash
        `${id.slice(0, 23)}x${id.slice(24)}`,
        `${id.slice(0, 24)}0x${id.slice(26)}`, // hex with a 0x
        `${id.slice(0, 21)} ${id.slice(22)}`,
        `${id.slice(0, 21)}+${id.slice(22)}`,
        `${id.slice(0, 24)}-${id.slice(25)}`, // two dashes
        `${id.slice(0, 19)}-${id.slice(20)}`,
        ` ${id.slice(1)}`,
        `${id}0`,
        id.slice(0, 35),
      ];
      for (const text of near) expect(await store.getEvent(text), text).toBeUndefined();
      expect((await store.getEvent(id))?.type).toBe('A');
    });
  });
}
