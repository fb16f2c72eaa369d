import { randomUUID } from 'node:crypto';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { EventStore, openStore, type RecordedEvent } from '../../src/index.js';
import { openSqlite } from '../../src/adapters/sqlite/index.js';
import { withRawDatabase } from '../helpers/raw-sqlite.js';
import { collect, range } from '../helpers/collect.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, Worker, type AppenderReport } from '../helpers/worker.js';

const dir = createTempDir();
afterEach(killRunningWorkers);
afterAll(() => dir.remove());

/** Pulls `count` events from a running subscription; gives up (and ends it) after `patienceMs`. */
async function take(iterator: AsyncIterator<RecordedEvent>, count: number, stop: AbortController, patienceMs = 20_000): Promise<RecordedEvent[]> {
  const guard = setTimeout(() => stop.abort(), patienceMs);
  const events: RecordedEvent[] = [];
  try {
    while (events.length < count) {
      const next = await iterator.next();
      if (next.done) break;
      events.push(next.value);
    }
  } finally {
    clearTimeout(guard);
  }
  return events;
}

describe('SQLite: subscriptions woken by other connections', () => {
  it('delivers events appended by another process live, in position order, without gap or duplicate', async () => {
    const url = `sqlite:${dir.file('other-process.db')}`;
    const stream = 'ledger-1';
    const seeded = await new Worker('appender.mjs', { url, stream, count: 20 }).report<AppenderReport>();
    expect(seeded.errors).toEqual([]);

    const store = await openStore(url);
    const stop = new AbortController();
    const iterator = store.subscribe({ signal: stop.signal })[Symbol.asyncIterator]();
    const caughtUp = await take(iterator, 20, stop);
    expect(caughtUp.map((e) => e.id)).toEqual(seeded.results.map((r) => r.id));

    // The subscriber is now waiting for news; only another process writes from here on,
    // in separate commits spread over time, so each must wake it.
    const live = take(iterator, 30, stop);
    const writer = await new Worker('appender.mjs', { url, stream, count: 30, pauseMs: 5 }).report<AppenderReport>();
    expect(writer.errors).toEqual([]);
    const delivered = [...caughtUp, ...(await live)];
    stop.abort();
    await iterator.return?.();

    expect(delivered.map((e) => e.id)).toEqual([...seeded.results, ...writer.results].map((r) => r.id));
    expect(delivered.map((e) => e.revision)).toEqual(range(50));
    const positions = delivered.map((e) => e.position);
    expect(positions).toEqual([...positions].sort((a, b) => a - b));
    expect(new Set(positions).size).toBe(50);
    expect(positions).toEqual((await collect(store.readAll())).map((e) => e.position));
    await store.close();
  });

  it('wakes each of two stores in one process when the other appends (each has its own connection)', async () => {
    const url = `sqlite:${dir.file('two-stores.db')}`;
    const first = await openStore(url);
    const second = await openStore(url);
    const pairs: [EventStore, EventStore, string][] = [
      [first, second, 'ping'],
      [second, first, 'pong'],
    ];
    for (const [subscriber, writer, category] of pairs) {
      const stop = new AbortController();
      const iterator = subscriber.subscribe({ category, signal: stop.signal })[Symbol.asyncIterator]();
      const received = take(iterator, 3, stop);
      const appended = [];
      for (const i of range(3)) appended.push(await writer.append(`${category}-1`, [{ type: 'Sent', data: { i } }]));
      const events = await received;
      stop.abort();
      await iterator.return?.();
      expect(events.map((e) => [e.stream, e.revision, e.position])).toEqual(appended.map((a) => [a.stream, a.streamRevision, a.position]));
    }
    await first.close();
    await second.close();
  });
});

describe('SQLite: a page read while another connection commits', () => {
  it("vouches for the page's own events when they were committed after it read the head", async () => {
    // readAllPage reads the head, then the page, as two statements: another connection can
    // commit between them. A short page must then not hand out a readThrough below its own
    // last event, or the next page would hand that event out again.
    const file = dir.file('between-statements.db');
    const backend = await openSqlite(`sqlite:${file}`);
    try {
      const store = new EventStore(backend);
      await store.append('ledger-1', [{ type: 'Opened' }]);
      const statements = (backend.parts.log as unknown as { statements: { head: { get(): unknown } } }).statements;
      const head = statements.head;
      statements.head = {
        get() {
          const position = head.get();
          // Another connection commits an event right after the head was read.
          withRawDatabase(file, (db) => {
            db.prepare(
              `INSERT INTO annals_events (id, stream, category, revision, type, data, metadata, recorded_at) VALUES (?, 'ledger-2', 'ledger', 0, 'Opened', 'null', '{}', 0)`,
            ).run(randomUUID());
            db.prepare(`INSERT INTO annals_streams (stream, revision, deleted, truncated_before) VALUES ('ledger-2', 0, NULL, 0)`).run();
          });
          statements.head = head;
          return position;
        },
      };
      const page = await backend.parts.log.readAllPage({ after: 0, limit: 10 });
      expect(page.events.map((e) => e.position)).toEqual([1, 2]);
      expect(page.readThrough).toBe(2);
    } finally {
      await backend.close();
    }
  });
});
