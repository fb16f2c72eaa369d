import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { expect, it } from 'vitest';
import { AnnalsError, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { appendEventsQuery, postgresService, usePostgres, type RawEvent } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

const STORE_WRITERS = 4;
const RAW_WRITERS = 4; // 4 + 4 = 8 connections appending at once
const RAW_TRANSACTIONS_EACH = 20;
const MIN_STORE_APPENDS_EACH = 20;
const PAGE_SIZES = [1, 7, 100];
/** A guard against hanging, not an assertion: the whole test takes a few seconds. */
const DEADLINE_MS = 45_000;

interface Written {
  readonly id: string;
  readonly position?: number;
}

/** What the writers did, shared with the readers: what committed, what rolled back, and when it ended. */
class Ledger {
  readonly committed = new Map<string, Written>();
  readonly rolledBack = new Set<string>();
  /** The largest position acknowledged to a store writer so far. */
  maxAcknowledged = 0;
  /** Raw transactions that ended after a larger position than theirs had been acknowledged. */
  inversions = 0;
  rawDone = false;
  /** Set once every writer has finished: the largest committed position. */
  finalPosition: number | undefined;
  readonly deadline = Date.now() + DEADLINE_MS;

  checkDeadline(who: string, progress: string): void {
    if (Date.now() > this.deadline) throw new Error(`${who} did not finish within ${DEADLINE_MS} ms (${progress})`);
  }
}

function someRawEvents(writer: string, n: number): RawEvent[] {
  return Array.from({ length: 1 + (n % 3) }, (_, k) => ({ id: randomUUID(), type: `Raw${k}`, data: { writer, n, k } }));
}

/** Appends through a store until the raw writers are done (so every held transaction sees a later commit). */
async function storeWriter(store: EventStore, w: number, ledger: Ledger): Promise<void> {
  for (let n = 0; !ledger.rawDone || n < MIN_STORE_APPENDS_EACH; n++) {
    const events = Array.from({ length: 1 + (n % 2) }, () => ({ id: randomUUID(), type: 'Stored', data: { w, n } }));
    const result = await store.append(`stored${w}-${n % 3}`, events);
    for (const e of events) ledger.committed.set(e.id, { id: e.id, ...(e === events[events.length - 1] ? { position: result.position } : {}) });
    ledger.maxAcknowledged = Math.max(ledger.maxAcknowledged, result.position);
    ledger.checkDeadline(`store writer ${w}`, `${n} appends`);
  }
}

/**
 * Appends in a transaction held open after it took its positions: until an append that took
 * a larger position has been acknowledged, and then a random moment more. One in four rolls back.
 */
async function rawWriter(client: import('pg').Client, schema: string, w: number, ledger: Ledger): Promise<void> {
  for (let n = 0; n < RAW_TRANSACTIONS_EACH; n++) {
    const events = someRawEvents(`raw${w}`, n);
    await client.query('BEGIN');
    const { rows } = await client.query<{ out_position: number }>(appendEventsQuery(schema, `raw${w}-${n}`, events));
    const mine = rows[0]!.out_position;
    while (ledger.maxAcknowledged <= mine) {
      await sleep(1);
      ledger.checkDeadline(`raw writer ${w}`, `waiting for a position above ${mine}`);
    }
    await client.query('SELECT pg_sleep($1)', [Math.random() * 0.02]);
    const rollBack = n % 4 === 3;
    await client.query(rollBack ? 'ROLLBACK' : 'COMMIT');
    ledger.inversions++;
    for (const e of events) {
      // Positions of one call need not be consecutive (others take theirs meanwhile): only the last is known.
      if (rollBack) ledger.rolledBack.add(e.id);
      else ledger.committed.set(e.id, { id: e.id, ...(e === events[events.length - 1] ? { position: mine } : {}) });
    }
  }
}

/** Pages through readAll, resuming after the last event seen, until it has caught up with the finished writers. */
async function pageReader(store: EventStore, pageSize: number, ledger: Ledger): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    const target = ledger.finalPosition;
    let read = 0;
    for await (const event of store.readAll({ after, pageSize })) {
      seen.push(event);
      after = event.position;
      read++;
    }
    if (target !== undefined && after >= target) break;
    if (read === 0) await sleep(2);
    ledger.checkDeadline(`reader with page size ${pageSize}`, `at position ${after} of ${target ?? '(writers running)'}`);
  }
  // Caught up: nothing may come after the last committed position (rolled-back positions stay empty).
  expect(await collect(store.readAll({ after, pageSize }))).toEqual([]);
  return seen;
}

/** A live subscription from the start, stopped once it has reached the last committed position. */
async function subscriber(store: EventStore, ledger: Ledger): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const stop = new AbortController();
  const watch = setInterval(() => {
    const last = seen[seen.length - 1];
    if (ledger.finalPosition !== undefined && last !== undefined && last.position >= ledger.finalPosition) stop.abort();
    if (Date.now() > ledger.deadline) stop.abort();
  }, 5);
  try {
    for await (const event of store.subscribe({ signal: stop.signal, pageSize: 10 })) seen.push(event);
  } finally {
    clearInterval(watch);
  }
  return seen;
}

/**
 * Every committed event, read once all writers are done. It may take a few reads: an event is
 * handed out only once every transaction that was running when it took its position has ended,
 * and some of those (a store's NOTIFY after its commit, another client's work) end a little later.
 */
async function readEverything(store: EventStore, ledger: Ledger): Promise<RecordedEvent[]> {
  for (;;) {
    const all = await collect(store.readAll());
    if (all.length >= ledger.committed.size) return all;
    await sleep(10);
    ledger.checkDeadline('the final readAll', `${all.length} of ${ledger.committed.size} events`);
  }
}

/** How a reader's events differ from the truth (all zero for a correct reader). */
function tally(seen: readonly RecordedEvent[], truth: readonly RecordedEvent[], ledger: Ledger) {
  const ids = new Set(seen.map((e) => e.id));
  return {
    missing: truth.filter((e) => !ids.has(e.id)).length,
    repeated: seen.length - ids.size,
    rolledBack: seen.filter((e) => ledger.rolledBack.has(e.id)).length,
    outOfOrder: seen.filter((e, i) => i > 0 && e.position <= seen[i - 1]!.position).length,
  };
}

function mapValues<T, U>(record: Record<string, T>, f: (value: T) => U): Record<string, U> {
  return Object.fromEntries(Object.entries(record).map(([key, value]) => [key, f(value)]));
}

function expectStrictlyIncreasing(events: readonly RecordedEvent[], who: string): void {
  for (let i = 1; i < events.length; i++) {
    if (events[i]!.position <= events[i - 1]!.position) {
      expect.fail(`${who}: position ${events[i]!.position} (event ${i}) follows ${events[i - 1]!.position}`);
    }
  }
}

describeWithService(service, 'PostgreSQL global order', () => {
  const pg = usePostgres(service.url);

  it(
    'hands every committed event to every reader exactly once, in position order, while transactions commit out of position order',
    async () => {
      const schema = pg.schema();
      const readers = await pg.open({ schema, pollIntervalMs: 100 });
      const writers = await Promise.all(Array.from({ length: STORE_WRITERS }, () => pg.open({ schema, poolSize: 2 })));
      const clients = await Promise.all(Array.from({ length: RAW_WRITERS }, () => pg.client()));
      const ledger = new Ledger();

      const reading = Promise.all([...PAGE_SIZES.map((size) => pageReader(readers, size, ledger)), subscriber(readers, ledger)]);
      reading.catch(() => undefined); // awaited below; a reader failing early must not surface as unhandled
      const raw = Promise.all(clients.map((client, w) => rawWriter(client, schema, w, ledger))).finally(() => (ledger.rawDone = true));
      const stored = Promise.all(writers.map((store, w) => storeWriter(store, w, ledger)));
      await Promise.all([raw, stored]);

      const truth = await readEverything(readers, ledger);
      expectStrictlyIncreasing(truth, 'the final readAll');
      expect(new Set(truth.map((e) => e.id))).toEqual(new Set(ledger.committed.keys()));
      for (const e of truth) {
        const position = ledger.committed.get(e.id)!.position;
        if (position !== undefined) expect(e.position).toBe(position);
      }
      ledger.finalPosition = truth[truth.length - 1]!.position;

      const [one, seven, hundred, live] = await reading;
      const seenBy = { 'page size 1': one!, 'page size 7': seven!, 'page size 100': hundred!, subscription: live! };
      const perfect = { missing: 0, repeated: 0, rolledBack: 0, outOfOrder: 0 };
      expect(mapValues(seenBy, (seen) => tally(seen, truth, ledger))).toEqual(mapValues(seenBy, () => perfect));
      for (const [who, seen] of Object.entries(seenBy)) {
        expect(seen.map((e) => e.id), `${who} saw every committed event exactly once, in order`).toEqual(truth.map((e) => e.id));
      }

      // The scenario really happened: every held transaction ended after a later position had committed.
      expect(ledger.inversions).toBe(RAW_WRITERS * RAW_TRANSACTIONS_EACH);
      expect(ledger.rolledBack.size).toBeGreaterThan(0);
      // …and nothing of theirs is left in the store.
      for (const id of ledger.rolledBack) expect(await readers.getEvent(id)).toBeUndefined();
    },
    60_000,
  );

  it('holds back an event committed by a transaction with an older id, while one with a newer id and a smaller position runs', async () => {
    // The order that defeats any rule taken from the reader's snapshot alone: A gets its id, then B gets a
    // larger one and a smaller position, then A takes its position and commits. Until B ends, no
    // transaction above A's id may have ended, so B's id is not even listed as running in a
    // reader's snapshot.
    const schema = pg.schema();
    const store = await pg.open({ schema });
    const [a, b] = [await pg.client(), await pg.client()];
    await a.query('BEGIN');
    const aId = BigInt((await a.query<{ id: string }>('SELECT pg_current_xact_id()::text AS id')).rows[0]!.id);
    await b.query('BEGIN');
    const { rows: held } = await b.query<{ out_position: number }>(appendEventsQuery(schema, 'held-1', [{ id: randomUUID(), type: 'Held', data: null }]));
    const bId = BigInt((await b.query<{ id: string }>('SELECT pg_current_xact_id()::text AS id')).rows[0]!.id);
    const { rows: later } = await a.query<{ out_position: number }>(appendEventsQuery(schema, 'later-1', [{ id: randomUUID(), type: 'Later', data: null }]));
    await a.query('COMMIT');
    expect(bId).toBeGreaterThan(aId);
    expect(later[0]!.out_position).toBeGreaterThan(held[0]!.out_position);
    try {
      expect((await collect(store.readAll())).map((e) => e.position)).toEqual([]);
      expect(await store.headPosition()).toBe(0);
    } finally {
      await b.query('COMMIT');
    }
    // Both are final now, though a transaction that ends just as a read checks it may hold them back for that read.
    const ledger = new Ledger();
    for (const id of ['held', 'later']) ledger.committed.set(id, { id });
    expect((await readEverything(store, ledger)).map((e) => e.position)).toEqual([held[0]!.out_position, later[0]!.out_position]);
  });

  it('gives each revision of one stream to exactly one of 8 stores appending with the same exact expected revision', async () => {
    const schema = pg.schema();
    const stores = await Promise.all(Array.from({ length: 8 }, () => pg.open({ schema, poolSize: 2 })));
    const stream = 'contested-1';
    const ROUNDS = 16;
    const winners: string[] = [];
    for (let round = 0; round < ROUNDS; round++) {
      const ids = stores.map(() => randomUUID());
      const expectedRevision = round === 0 ? ('no_stream' as const) : round - 1;
      const outcomes = await Promise.allSettled(stores.map((store, i) => store.append(stream, [{ id: ids[i], type: 'Claimed', data: { round, i } }], { expectedRevision })));
      const won = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ i, result: o.value }] : []));
      expect(won, `round ${round}`).toHaveLength(1);
      expect(won[0]!.result).toMatchObject({ stream, streamRevision: round });
      winners.push(ids[won[0]!.i]!);
      for (const outcome of outcomes) {
        if (outcome.status === 'fulfilled') continue;
        const error = outcome.reason as unknown;
        if (!(error instanceof AnnalsError)) expect.fail(`a loser got a raw error: ${String(error)}`);
        expect(error).toMatchObject({ code: 'ANNALS_WRONG_EXPECTED_REVISION', stream, expected: expectedRevision, actual: round });
      }
    }
    const events = await collect(stores[0]!.readStream(stream));
    expect(events.map((e) => e.revision)).toEqual(Array.from({ length: ROUNDS }, (_, i) => i));
    expect(events.map((e) => e.id)).toEqual(winners);
  });
});
