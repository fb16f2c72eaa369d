import { describe, expect } from 'vitest';
import { StoreClosedError } from '../../core/errors.js';
import type { EventStore } from '../../core/event-store.js';
import { anEvent, collect, expectError, expectSyncError, populate, snapshot } from './helpers.js';
import type { Suite } from './suite.js';

const CLOSED = 'ANNALS_STORE_CLOSED';

/** Every method of the store, called with valid arguments. */
function everyCall(store: EventStore): [name: string, call: () => unknown, sync: boolean][] {
  return [
    ['append', () => store.append('order-1', [anEvent()]), false],
    ['appendMany', () => store.appendMany([{ stream: 'order-9', events: [anEvent()] }]), false],
    ['readStream', () => store.readStream('order-1'), true],
    ['readAll', () => store.readAll(), true],
    ['subscribe', () => store.subscribe(), true],
    ['getEvent', () => store.getEvent(anEvent().id), false],
    ['streamInfo', () => store.streamInfo('order-1'), false],
    ['deleteStream', () => store.deleteStream('order-1'), false],
    ['deleteStream (hard)', () => store.deleteStream('order-1', { mode: 'hard' }), false],
    ['truncateStream', () => store.truncateStream('order-1', { before: 1 }), false],
    ['saveSnapshot', () => store.saveSnapshot('order-1', { revision: 0, version: 1, state: {} }), false],
    ['loadSnapshot', () => store.loadSnapshot('order-1'), false],
  ];
}

export function closedStoreTests(suite: Suite): void {
  describe('closed store', () => {
    suite.test('rejects every method with ANNALS_STORE_CLOSED and changes nothing', async (f) => {
      const store = await f.store();
      const streams = await populate(store);
      // Another connection, opened first, shows what the data looks like after the calls.
      const witness = f.reopens ? await f.connect(store) : undefined;
      const before = witness && (await snapshot(witness, streams));
      await store.close();
      expect(store.closed).toBe(true);
      for (const [name, call, sync] of everyCall(store)) {
        const error = sync ? expectSyncError(call, CLOSED) : await expectError(async () => call(), CLOSED);
        expect(error, name).toBeInstanceOf(StoreClosedError);
      }
      if (witness) expect(await snapshot(witness, streams)).toEqual(before);
    });

    suite.test('closes idempotently', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent()]);
      await store.close();
      await store.close();
      await Promise.all([store.close(), store.close()]);
      expect(store.closed).toBe(true);
      await expectError(store.streamInfo('order-1'), CLOSED);
    });

    suite.test('fails a read created before close when it is iterated after', async (f) => {
      const store = await f.store();
      await store.append('order-1', [anEvent(), anEvent(), anEvent()]);
      const stream = store.readStream('order-1', { pageSize: 1 });
      const all = store.readAll({ pageSize: 1 });
      const started = all[Symbol.asyncIterator]();
      expect((await started.next()).done).toBe(false);
      await store.close();
      await expectError(collect(stream), CLOSED);
      await expectError(collect({ [Symbol.asyncIterator]: () => started }), CLOSED);
    });
  });
}
