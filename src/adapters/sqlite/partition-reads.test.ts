import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import Database from 'better-sqlite3';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import { keyHash } from '../../core/partition.js';
import { openStore } from '../../index.js';
import { SqliteConnection } from './connection.js';
import { migrate } from './migrations.js';
import { PARTITION_ENTRIES_LAG as ENTRIES_LAG } from '../../backend/parts.js';
import { ENTRIES_BATCH, entriesPageSql, PartitionPages, SqlitePartitionIndexes, tailPageSql } from './partition-reads.js';

// A read of one partition seeks its entries and walks them in position order, then walks only
// the unindexed tail of the log: its time must not grow with the events of the other partitions.
// And it returns exactly the events a filter of the log by keyHash returns, wherever the entries end.

const EVENTS = 20_000;
const db = new Database(':memory:');
migrate(db, ':memory:', { migrate: true, readonly: false });
const insert = db.prepare(
  `INSERT INTO annals_events (id, stream, category, stream_hash, revision, type, data, metadata, recorded_at) VALUES (?, ?, ?, ?, ?, ?, 'null', '{}', 0)`,
);
db.transaction(() => {
  for (let n = 0; n < EVENTS; n++) {
    const stream = `cat${n % 10}-${n % 1000}`;
    insert.run(randomUUID(), stream, `cat${n % 10}`, keyHash(stream), Math.floor(n / 1000), `Type${n % 20}`);
  }
})();
const connection = new SqliteConnection(db, ':memory:', false, 1000, false);
const indexes = new SqlitePartitionIndexes(connection);
const pages = new PartitionPages(db, 'stream, position', indexes);
const setThrough = db.prepare<[number, number]>(`UPDATE annals_partition_progress SET through = ? WHERE partition_count = ?`);
const entryCount = db.prepare<[number], number>(`SELECT count(*) FROM annals_partition_entries WHERE partition_count = ?`).pluck();
db.exec('ANALYZE');
afterAll(() => db.close());

function plan(sql: string, params: unknown[]): string {
  const rows = db.prepare(`EXPLAIN QUERY PLAN ${sql}`).all(...params) as { detail: string }[];
  return rows.map((row) => row.detail).join('\n');
}

/** The log filtered by keyHash: what every partition page must agree with. */
const ALL = db.prepare(`SELECT stream, position FROM annals_events ORDER BY position`).all() as { stream: string; position: number }[];
function truth(count: number, index: number, after: number): { stream: string; position: number }[] {
  return ALL.filter((row) => row.position > after && keyHash(row.stream) % count === index);
}

describe('SQLite partition reads', () => {
  it('builds the entries of a count up to the head, one batch per transaction, each event once', async () => {
    await indexes.prepare(16);
    await indexes.prepare(16); // idempotent
    expect(entryCount.get(16)).toBe(EVENTS);
    expect(db.prepare(`SELECT through FROM annals_partition_progress WHERE partition_count = 16`).pluck().get()).toBe(EVENTS);
    expect(Math.ceil(EVENTS / ENTRIES_BATCH)).toBeGreaterThan(1); // so more than one batch was needed
    const wrong = db
      .prepare(`SELECT count(*) FROM annals_partition_entries x JOIN annals_events e ON e.position = x.position WHERE x.part != e.stream_hash % x.partition_count`)
      .pluck()
      .get();
    expect(wrong).toBe(0);
  });

  it.each([
    ['alone', false, false],
    ['with a category', true, false],
    ['with types', false, true],
    ['with a category and types', true, true],
  ])('reads a partition (%s) from its entries in position order, then the tail, never scanning or sorting the log', (_, byCategory, byTypes) => {
    const filters = [...(byCategory ? ['cat3'] : []), ...(byTypes ? ['["Type3","Type7"]'] : [])];
    const entries = plan(entriesPageSql('stream, position', byCategory, byTypes), [16, 5, 0, 15_000, ...filters, 100]);
    expect(entries).toMatch(/^SEARCH annals_partition_entries USING PRIMARY KEY \(partition_count=\? AND part=\? AND position>\? AND position<\?\)/);
    // Each entry's event by its position: the table's key, or the category index's (category, position).
    expect(entries).toMatch(/SEARCH annals_events USING (INTEGER PRIMARY KEY \(rowid=\?\)|INDEX annals_events_by_category \(category=\? AND position=\?)/);
    expect(entries).not.toMatch(/SCAN annals_events|TEMP B-TREE/);
    const tail = plan(tailPageSql('stream, position', byCategory, byTypes), [15_000, 16, 5, ...filters, 100]);
    expect(tail).toMatch(/SEARCH annals_events USING (INTEGER PRIMARY KEY \(rowid>\?\)|INDEX annals_events_by_category \(category=\? AND position>\?\))/);
    expect(tail).not.toMatch(/SCAN annals_events|TEMP B-TREE/);
  });

  it('returns the partition’s events, the same as filtering the log by keyHash, wherever the entries end', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: EVENTS }),
        fc.integer({ min: 0, max: EVENTS }),
        fc.integer({ min: 1, max: 400 }),
        fc.integer({ min: 0, max: 15 }),
        (through, after, limit, index) => {
          setThrough.run(through, 16);
          const { events, lagging } = pages.read({ after, limit }, { index, count: 16 }, EVENTS);
          expect(events).toEqual(truth(16, index, after).slice(0, limit));
          expect(lagging).toBe(EVENTS - through > ENTRIES_LAG);
        },
      ),
      { numRuns: 200 },
    );
    setThrough.run(EVENTS, 16);
  });

  it('reads a count never prepared from the log alone, filtered by the hash', () => {
    const { events, lagging } = pages.read({ after: 100, limit: 50 }, { index: 3, count: 7 }, EVENTS);
    expect(events).toEqual(truth(7, 3, 100).slice(0, 50));
    expect(lagging).toBe(false);
  });
});

describe('SQLite partition reads, through a store', () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'annals-partitions-'));
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('brings the entries up to the head when a read finds the tail longer than the lag, and skips deleted events', async () => {
    const file = path.join(dir, 'keep-up.db');
    const store = await openStore(`sqlite:${file}`);
    try {
      await store.preparePartitions(4);
      const streams = Array.from({ length: 40 }, (_, n) => `order-${n}`);
      for (let n = 0; n < ENTRIES_LAG * 3; n += 8) await store.appendMany(streams.slice(n % 40, (n % 40) + 8).map((stream) => ({ stream, events: [{ type: 'Placed' }] })));
      const raw = new Database(file, { readonly: true });
      const through = () => raw.prepare(`SELECT through FROM annals_partition_progress WHERE partition_count = 4`).pluck().get() as number;
      try {
        expect(through()).toBe(0); // appends write no entries
        const head = await store.headPosition();
        const read = async (index: number) => (await collectAll(store, index)).map((e) => e.position);
        const expected = async (index: number) => {
          const all: number[] = [];
          for await (const e of store.readAll()) if (keyHash(e.stream) % 4 === index) all.push(e.position);
          return all;
        };
        expect(await read(1)).toEqual(await expected(1));
        expect(through()).toBe(head); // the read brought the entries up
        await store.deleteStream(streams[2]!, { mode: 'hard' });
        for (let index = 0; index < 4; index++) expect(await read(index)).toEqual(await expected(index));
      } finally {
        raw.close();
      }
    } finally {
      await store.close();
    }
  });

  it('never waits for the write lock to bring the entries on: the read walks the tail, a later read adds them', async () => {
    const file = path.join(dir, 'busy.db');
    const store = await openStore(`sqlite:${file}`);
    const other = new Database(file);
    try {
      await store.preparePartitions(4);
      for (let n = 0; n < ENTRIES_LAG * 2; n += 8) await store.appendMany(Array.from({ length: 8 }, (_, k) => ({ stream: `order-${n + k}`, events: [{ type: 'Placed' }] })));
      const through = () => other.prepare(`SELECT through FROM annals_partition_progress WHERE partition_count = 4`).pluck().get() as number;
      const expected: number[] = [];
      for await (const e of store.readAll()) if (keyHash(e.stream) % 4 === 0) expected.push(e.position);
      expect(through()).toBe(0);
      other.exec('BEGIN IMMEDIATE');
      // Pages of 50: every one finds the tail lagging. The lock is let go while the read would wait.
      const read = collectAll(store, 0);
      const released = new Promise<void>((resolve) => setTimeout(() => {
          other.exec('COMMIT');
          resolve();
        }, 300));
      expect((await read).map((e) => e.position)).toEqual(expected);
      expect(through()).toBe(0); // no page waited for the lock
      await released;
      await collectAll(store, 0);
      expect(through()).toBe(await store.headPosition());
    } finally {
      other.close();
      await store.close();
    }
  });
});

async function collectAll(store: Awaited<ReturnType<typeof openStore>>, index: number) {
  const events = [];
  for await (const event of store.readAll({ partition: { index, count: 4 }, pageSize: 50 })) events.push(event);
  return events;
}
