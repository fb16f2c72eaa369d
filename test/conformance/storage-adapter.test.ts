// A backend written against the former single StorageAdapter interface still runs: `new EventStore`
// wraps it (backendOfStorageAdapter). Here one is made by delegating to the memory backend's parts.
import { describe, expect, it } from 'vitest';
import { EventStore, MemoryBackend, partitionOf, type RecordedEvent, type StorageAdapter } from '../../src/index.js';
import { runEventStoreConformance } from '../../src/testing/index.js';
import { collect } from '../helpers/collect.js';

function formerAdapter(): StorageAdapter {
  const backend = new MemoryBackend();
  const { log, snapshots } = backend.parts;
  return {
    name: 'former-adapter',
    capabilities: log.capabilities,
    durability: backend.durability,
    appendBatch: (batch) => log.appendBatch(batch),
    readStreamPage: (query) => log.readStreamPage(query),
    // The former interface had pages of events only, with no readThrough.
    readAllPage: async (query) => (await log.readAllPage(query)).events,
    getEvent: (id) => log.getEvent(id),
    headPosition: () => log.headPosition(),
    streamInfo: (stream) => log.streamInfo(stream),
    deleteStream: (stream, mode, expected) => log.deleteStream(stream, mode, expected),
    truncateStream: (stream, before) => log.truncateStream(stream, before),
    saveSnapshot: (stream, snapshot) => snapshots.save(stream, snapshot),
    loadSnapshot: (stream) => snapshots.load(stream),
    close: () => backend.close(),
  };
}

// Its pages vouch only for the events they hold, so a filtered reader moves on only when an
// event matches: the tests of readThrough past unmatched events do not apply.
const NO_READ_THROUGH = 'a former StorageAdapter has no readThrough: its pages vouch only up to their last event';

runEventStoreConformance({
  name: 'former StorageAdapter',
  create: async () => new EventStore(formerAdapter()),
  skip: [
    { test: 'reports readThrough at the head after a filtered page over 1,000 events it does not match', reason: NO_READ_THROUGH },
    { test: 'moves readThrough on when only unmatched events are committed while it is live', reason: NO_READ_THROUGH },
    { test: 'pages the catch-up: a full page reads through its last event, and every event comes once, in order', reason: NO_READ_THROUGH },
    { test: 'moves readThrough to the head and says it is caught up for a partition with no events, over 300 of the others', reason: NO_READ_THROUGH },
  ],
});

describe('a former StorageAdapter that ignores the partition option', () => {
  // Written before partitions: hands out every stream's events whatever the partition asked.
  function ignoringPartitions(): StorageAdapter {
    const adapter = formerAdapter();
    return { ...adapter, readAllPage: ({ partition: _, ...query }) => adapter.readAllPage(query) };
  }

  async function spreadLog(store: EventStore): Promise<RecordedEvent[]> {
    for (let round = 0; round < 3; round++) {
      for (let s = 0; s < 40; s++) await store.append(`order-${s}`, [{ type: 'Placed', data: { round } }]);
    }
    return collect(store.readAll());
  }

  it('still reads each partition alone: the partitions of a count are disjoint and cover the log', async () => {
    const store = new EventStore(ignoringPartitions());
    const all = await spreadLog(store);
    const seen: RecordedEvent[] = [];
    for (let index = 0; index < 4; index++) {
      const read = await collect(store.readAll({ partition: { index, count: 4 }, pageSize: 7 }));
      expect(read.map((e) => e.position)).toEqual(all.filter((e) => partitionOf(e.stream, 4) === index).map((e) => e.position));
      seen.push(...read);
    }
    expect(seen.map((e) => e.position).sort((a, b) => a - b)).toEqual(all.map((e) => e.position));
  });

  it('hands a partition subscription full pages while behind, and says it is caught up only at the head', async () => {
    const store = new EventStore(ignoringPartitions());
    const all = await spreadLog(store);
    const mine = all.filter((e) => partitionOf(e.stream, 4) === 1);
    const stop = new AbortController();
    const got: RecordedEvent[] = [];
    for await (const page of store.subscribePages({ partition: { index: 1, count: 4 }, pageSize: 5, signal: stop.signal })) {
      got.push(...page.events);
      // Caught up before the partition's last event would leave the rest until the next commit.
      if (page.caughtUp) {
        expect(got.length, 'events handed out when the subscription said it was caught up').toBe(mine.length);
        stop.abort();
      }
    }
    expect(got.map((e) => e.position)).toEqual(mine.map((e) => e.position));
  });
});
