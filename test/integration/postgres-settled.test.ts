import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect, it } from 'vitest';
import { partitionOf, type EventStore, type RecordedEvent, type SubscribeOptions, type SubscriptionPage } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { recordStatements } from '../helpers/pg-statements.js';
import { appendEventsQuery, postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { Settled } from '../../src/adapters/postgres/settled.js';

const service = await checkService(postgresService);

async function positions(store: EventStore, after = 0): Promise<number[]> {
  const seen: number[] = [];
  for await (const event of store.readAll({ after })) seen.push(event.position);
  return seen;
}

/** A live subscription, collecting until `stop()`; `seen` grows as events arrive. */
function follow(store: EventStore, options: SubscribeOptions = {}) {
  const seen: RecordedEvent[] = [];
  const controller = new AbortController();
  const done = (async () => {
    for await (const event of store.subscribe({ ...options, signal: controller.signal, pageSize: 5 })) seen.push(event);
  })();
  return { seen, stop: async () => (controller.abort(), await done) };
}

/** A live page subscription, collecting pages and their events until `stop()`. */
function followPages(store: EventStore, options: SubscribeOptions) {
  const pages: SubscriptionPage[] = [];
  const seen: RecordedEvent[] = [];
  const controller = new AbortController();
  const done = (async () => {
    for await (const page of store.subscribePages({ ...options, signal: controller.signal, pageSize: 5 })) {
      pages.push(page);
      seen.push(...page.events);
    }
  })();
  return { pages, seen, stop: async () => (controller.abort(), await done) };
}

async function until(condition: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await sleep(5);
  }
}

const event = (type: string) => ({ id: randomUUID(), type, data: null });

type Look = () => Promise<{ head: number; holders: string[] }>;
/** The private parts of a store's PostgreSQL log that these tests reach into. */
type LogInternals = { lookAtAppenders: Look; pool: { query: (name: string, ...rest: unknown[]) => Promise<unknown> } };
const logOf = (store: EventStore): LogInternals => (store as unknown as { impl: { parts: { log: LogInternals } } }).impl.parts.log;

/** The store's own look at the sequence and its lock (a private method of its log). */
const lookOf = (store: EventStore): Look => {
  const log = logOf(store);
  return () => log.lookAtAppenders();
};

/**
 * A store with an event at 'first', an append holding the next position in an open transaction
 * of 'slow', and a later event committed after it.
 */
async function heldAppend(ctx: ReturnType<typeof usePostgres>) {
  const schema = ctx.schema();
  const store = await ctx.open({ schema });
  const first = await store.append('order-1', [{ type: 'Placed' }]);
  const slow = await ctx.client('annals-test-slow-appender');
  await slow.query('BEGIN');
  const held = await slow.query(appendEventsQuery(schema, 'order-2', [event('Placed')]));
  const heldPosition = held.rows[0].out_position as number;
  const later = await store.append('order-3', [{ type: 'Placed' }]);
  return { schema, store, first, slow, heldPosition, later };
}

describeWithService(service, 'postgres settled order', () => {
  const ctx = usePostgres(service.url);

  it('gives the events of one append ascending positions in their order, whatever the expected revision', async () => {
    const store = await ctx.open();
    const batch = () => Array.from({ length: 50 }, (_, k) => ({ type: `E${k}` }));
    const appends = await Promise.all([
      store.append('a-1', batch(), { expectedRevision: 'no_stream' }),
      store.append('b-1', batch()),
      store.append('c-1', batch()),
    ]);
    await Promise.all([store.append('a-1', batch(), { expectedRevision: 49 }), store.append('b-1', batch(), { expectedRevision: 'stream_exists' })]);
    expect(appends.map((a) => a.streamRevision)).toEqual([49, 49, 49]);
    for (const stream of ['a-1', 'b-1', 'c-1']) {
      const events = await collect(store.readStream(stream));
      expect(events.map((e) => e.type)).toEqual(events.map((e) => `E${e.revision % 50}`));
      for (let i = 1; i < events.length; i++) expect(events[i]!.position, `${stream} revision ${i}`).toBeGreaterThan(events[i - 1]!.position);
    }
  });

  it('is not held back by an unrelated write transaction left open, in this or another database', async () => {
    const store = await ctx.open();
    const elsewhere = await ctx.client('annals-test-unrelated', await ctx.database());
    const here = await ctx.client('annals-test-unrelated');
    await elsewhere.query('BEGIN');
    await elsewhere.query('SELECT pg_current_xact_id()');
    await here.query('BEGIN');
    await here.query('CREATE TEMP TABLE scratch (x int)'); // a write: it has a transaction id
    try {
      const { position } = await store.append('order-1', [{ type: 'Placed' }]);
      expect(await positions(store)).toEqual([position]);
      expect(await store.headPosition()).toBe(position);
    } finally {
      await elsewhere.query('ROLLBACK');
      await here.query('ROLLBACK');
    }
  });

  it('holds back events after a position taken by an append still in flight, then hands out all in order', async () => {
    const { schema, store, first, slow, heldPosition, later } = await heldAppend(ctx);
    expect(later.position).toBeGreaterThan(heldPosition);

    // The later event is committed, but handing it out now would let the held one slip in behind it.
    expect(await positions(store)).toEqual([first.position]);
    expect(await store.headPosition()).toBe(first.position);
    // A reader of its own (nothing settled yet) and one resuming beyond the gap are held back alike.
    const other = await ctx.open({ schema });
    expect(await positions(other)).toEqual([first.position]);
    expect(await positions(other, heldPosition)).toEqual([]);

    await slow.query('COMMIT');
    expect(await positions(store, first.position)).toEqual([heldPosition, later.position]);
    expect(await store.headPosition()).toBe(later.position);
    expect(await positions(other, heldPosition)).toEqual([later.position]);
  });

  it('wakes a subscriber held back by an append that then rolls back, without waiting for the slow poll', async () => {
    const schema = ctx.schema();
    // The fallback poll is a minute away: only the store's own retry of a held-back read can wake it.
    const store = await ctx.open({ schema, pollIntervalMs: 60_000 });
    const first = await store.append('order-1', [{ type: 'Placed' }]);
    const subscriber = follow(store, { after: first.position });
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    await slow.query(appendEventsQuery(schema, 'order-2', [event('Placed')]));
    const later = await store.append('order-3', [{ type: 'Placed' }]);
    // Time for the subscriber's read to meet the open append and be held back (not an assertion).
    await sleep(200);
    expect(subscriber.seen).toEqual([]);
    await slow.query('ROLLBACK');
    await until(() => subscriber.seen.length > 0, 'the held-back subscriber to be woken');
    await subscriber.stop();
    expect(subscriber.seen.map((e) => e.position)).toEqual([later.position]);
  });

  it('moves an idle subscriber on past a rolled-back append at the end of the log, to the head another store reports', async () => {
    const schema = ctx.schema();
    const writer = await ctx.open({ schema });
    const reader = await ctx.open({ schema, pollIntervalMs: 200 });
    await writer.append('order-1', [{ type: 'Placed' }]);
    const subscriber = followPages(reader, {});
    await until(() => subscriber.pages.some((page) => page.readThrough >= 1), 'the subscriber to read the first event');
    // The last position taken is never used: no row will ever close the gap.
    const slow = await ctx.client('annals-test-rolled-back-appender');
    await slow.query('BEGIN');
    await slow.query(appendEventsQuery(schema, 'order-2', [event('Placed')]));
    await slow.query('ROLLBACK');
    const head = await writer.headPosition();
    expect(head).toBe(2);
    await until(() => subscriber.pages.some((page) => page.readThrough >= head), `the subscriber to read through the head (${head})`, 5000);
    await subscriber.stop();
    expect(subscriber.seen.map((e) => e.position)).toEqual([1]);
  });

  it('waits for a transaction that took its position before it had a transaction id', async () => {
    const schema = ctx.schema();
    const s = pg.escapeIdentifier(schema);
    const store = await ctx.open({ schema });
    const first = await store.append('order-1', [{ type: 'Placed' }]);
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const { rows } = await slow.query<{ p: string }>(`SELECT nextval('${s}.positions') AS p`);
    const heldPosition = Number(rows[0]!.p);
    const later = await store.append('order-2', [{ type: 'Placed' }]);
    expect(await positions(store)).toEqual([first.position]);
    await slow.query(
      `INSERT INTO ${s}.events (position, id, stream, category, revision, type, data, metadata, recorded_at)
       VALUES ($1, $2, 'late-1', 'late', 0, 'Late', 'null', '{}', now())`,
      [heldPosition, randomUUID()],
    );
    await slow.query('COMMIT');
    expect(await positions(store)).toEqual([first.position, heldPosition, later.position]);
  });

  it('is not held back by an unrelated transaction once the appends before an event have ended', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema });
    const unrelated = await ctx.client('annals-test-unrelated');
    await unrelated.query('BEGIN');
    await unrelated.query('SELECT pg_current_xact_id()'); // older than everything below
    const slow = await ctx.client('annals-test-slow-appender');
    try {
      await slow.query('BEGIN');
      const held = await slow.query(appendEventsQuery(schema, 'order-1', [event('Placed')]));
      const later = await store.append('order-2', [{ type: 'Placed' }]);
      await slow.query('COMMIT');
      expect(await positions(store)).toEqual([held.rows[0].out_position, later.position]);
      expect(await store.headPosition()).toBe(later.position);
    } finally {
      await unrelated.query('ROLLBACK');
    }
  });

  it('settles rolled-back positions, deleted streams and truncated events with about one look, not one per gap', async () => {
    const schema = ctx.schema();
    const writer = await ctx.open({ schema });
    const raw = await ctx.client();
    const kept: string[] = [];
    for (let i = 0; i < 40; i++) {
      await raw.query('BEGIN');
      await raw.query(appendEventsQuery(schema, `rolled-${i}`, [event('Rolled'), event('Rolled')]));
      await raw.query('ROLLBACK');
      const ids = [randomUUID(), randomUUID()];
      await writer.append(`keep-${i}`, ids.map((id) => ({ id, type: 'Kept' })));
      await writer.append(`gone-${i}`, [{ type: 'Gone' }]);
      kept.push(ids[1]!);
      await writer.truncateStream(`keep-${i}`, { before: 1 }); // its first event goes too
    }
    for (let i = 0; i < 40; i++) await writer.deleteStream(`gone-${i}`, { mode: i % 2 === 0 ? 'hard' : 'soft' });

    for (const options of [{}, { category: 'keep' }, { types: ['Kept'] }]) {
      const reader = await ctx.open({ schema }); // nothing settled yet
      const recorder = recordStatements();
      try {
        const read = await collect(reader.readAll({ ...options, pageSize: 7 }));
        expect(read.map((e) => e.id)).toEqual(kept);
      } finally {
        recorder.stop();
      }
      expect(recorder.counts.get('head-appenders') ?? 0, JSON.stringify(options)).toBeLessThanOrEqual(2);
    }
  });

  it('hands a late event to a filtered subscription, after the event that took a later position', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema, pollIntervalMs: 50 });
    const subscription = follow(store, { category: 'order' });
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const held = await slow.query(appendEventsQuery(schema, 'order-1', [event('Placed')]));
    const later = await store.append('order-2', [{ type: 'Placed' }]);
    await store.append('other-1', [{ type: 'Noise' }]);
    await sleep(200);
    expect(subscription.seen).toEqual([]);
    await slow.query('COMMIT');
    await until(() => subscription.seen.length >= 2, 'the held and the later event');
    await subscription.stop();
    expect(subscription.seen.map((e) => e.position)).toEqual([held.rows[0].out_position, later.position]);
  });

  it('hands a late event to a partition subscription, after the event of its partition that took a later position', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema, pollIntervalMs: 50 });
    const partition = { index: partitionOf('order-1', 4), count: 4 };
    const mine = Array.from({ length: 40 }, (_, n) => `order-${n}`).filter((stream) => partitionOf(stream, 4) === partition.index);
    const others = Array.from({ length: 40 }, (_, n) => `order-${n}`).filter((stream) => partitionOf(stream, 4) !== partition.index);
    await store.preparePartitions(4);
    const pages = followPages(store, { partition });
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const held = await slow.query(appendEventsQuery(schema, mine[0]!, [event('Placed')]));
    await store.append(others[0]!, [{ type: 'Placed' }]);
    const later = await store.append(mine[1]!, [{ type: 'Placed' }]);
    await store.append(others[1]!, [{ type: 'Placed' }]);
    await sleep(200);
    expect(pages.seen).toEqual([]);
    // Pages came, empty: none read through the held position.
    for (const page of pages.pages) expect(page.readThrough).toBeLessThan(held.rows[0].out_position);
    await slow.query('COMMIT');
    await until(() => pages.seen.length >= 2, 'the held and the later event');
    await pages.stop();
    expect(pages.seen.map((e) => e.position)).toEqual([held.rows[0].out_position, later.position]);
  });

  it('ends no read early when concurrent filtered reads of a fresh store settle the log for each other', async () => {
    const schema = ctx.schema();
    const writer = await ctx.open({ schema });
    for (let n = 0; n < 60; n++) await writer.append(`${n % 2 ? 'order' : 'user'}-${n % 24}`, [{ type: 'Placed' }]);
    const all = await collect(writer.readAll());
    for (let round = 0; round < 3; round++) {
      const reader = await ctx.open({ schema }); // nothing settled yet: every read must settle
      const reads = [
        ...Array.from({ length: 16 }, (_, index) => collect(reader.readAll({ partition: { index, count: 16 } }))),
        collect(reader.readAll({ category: 'order' })),
        collect(reader.readAll({ types: ['Placed'] })),
      ];
      const results = await Promise.all(reads);
      const [orders, placed] = results.slice(16);
      expect(results.slice(0, 16).flat().map((e) => e.id).sort(), `round ${round}`).toEqual(all.map((e) => e.id).sort());
      expect(orders!.map((e) => e.id)).toEqual(all.filter((e) => e.stream.startsWith('order-')).map((e) => e.id));
      expect(placed!.map((e) => e.id)).toEqual(all.map((e) => e.id));
    }
  });

  it('hands every event exactly once, in order, to live subscribers while appenders commit in reverse position order', async () => {
    const schema = ctx.schema();
    const store = await ctx.open({ schema, pollIntervalMs: 50 });
    const writer = await ctx.open({ schema });
    const clients = await Promise.all(Array.from({ length: 6 }, () => ctx.client()));
    const all = follow(store);
    const filtered = follow(store, { category: 'race' });
    const partitioned = follow(store, { partition: { index: 1, count: 4 } });
    const ROUNDS = 15;
    const rolledBack = new Set<string>();
    for (let round = 0; round < ROUNDS; round++) {
      // Each client takes its positions in turn, so positions ascend with the client's number…
      const mine: { client: pg.Client; ids: string[] }[] = [];
      for (const [c, client] of clients.entries()) {
        const events = Array.from({ length: 1 + (c % 2) }, () => event('Raced'));
        await client.query('BEGIN');
        await client.query(appendEventsQuery(schema, `${c % 3 === 0 ? 'other' : 'race'}-${c}x${round}`, events));
        mine.push({ client, ids: events.map((e) => e.id) });
        if (c === 2) await writer.append(`race-store${round}`, [{ type: 'Stored' }]); // committed at once, between held ones
      }
      // …and they end in reverse order, overlapping, one in six rolled back.
      await Promise.all(
        mine.reverse().map(async ({ client, ids }, k) => {
          await sleep(k * 3 + Math.random() * 5);
          const rollBack = (round + k) % 6 === 0;
          await client.query(rollBack ? 'ROLLBACK' : 'COMMIT');
          if (rollBack) for (const id of ids) rolledBack.add(id);
        }),
      );
    }
    const truth = await collect(writer.readAll());
    const truthFiltered = truth.filter((e) => e.stream.startsWith('race-'));
    const truthPartitioned = truth.filter((e) => partitionOf(e.stream, 4) === 1);
    expect(truthPartitioned.length).toBeGreaterThan(0);
    expect(truth.length).toBeGreaterThan(0);
    expect(truth.filter((e) => rolledBack.has(e.id))).toEqual([]);
    await until(
      () => all.seen.length >= truth.length && filtered.seen.length >= truthFiltered.length && partitioned.seen.length >= truthPartitioned.length,
      'the subscribers to catch up',
    );
    await sleep(100); // anything more would be a duplicate
    await Promise.all([all.stop(), filtered.stop(), partitioned.stop()]);
    expect(all.seen.map((e) => e.id)).toEqual(truth.map((e) => e.id));
    expect(filtered.seen.map((e) => e.id)).toEqual(truthFiltered.map((e) => e.id));
    expect(partitioned.seen.map((e) => e.id)).toEqual(truthPartitioned.map((e) => e.id));
  });

  it('cuts a page at the settled position known before its query, though another read settles further while the query runs', async () => {
    const { store, first, slow, heldPosition, later } = await heldAppend(ctx);
    expect(await positions(store)).toEqual([first.position]);

    // The next page query's snapshot misses the held event. Before the page is cut, the held
    // append commits and another read of the same store (which shares its settled position)
    // settles past both: a cut at that newer settled position would skip the held event for good.
    const { pool } = logOf(store);
    const query = pool.query.bind(pool);
    let armed = true;
    let meanwhile: number[] = [];
    pool.query = async (name, ...rest) => {
      const result = await query(name, ...rest);
      if (armed && name.startsWith('read-all')) {
        armed = false;
        await slow.query('COMMIT');
        meanwhile = await positions(store, first.position);
      }
      return result;
    };
    const page = await positions(store, first.position);
    expect(armed).toBe(false);
    expect(meanwhile).toEqual([heldPosition, later.position]);
    // What the page hands out starts right after 'first', without a gap ([] is allowed: held back).
    expect(page).toEqual([heldPosition, later.position].slice(0, page.length));
    expect(await positions(store, first.position)).toEqual([heldPosition, later.position]);
  });

  it('settles a pending head only with a look made after it, whatever order the answers of concurrent looks arrive in', async () => {
    const schema = ctx.schema();
    const s = pg.escapeIdentifier(schema);
    const store = await ctx.open({ schema });
    const first = await store.append('order-1', [{ type: 'Placed' }]);
    const look = lookOf(store);
    // The first look's answer is held up on its way (a slow network, a busy event loop)…
    let deliver!: () => void;
    const delivered = new Promise<void>((resolve) => (deliver = resolve));
    let calls = 0;
    const settled = new Settled(async () => {
      const answer = await look();
      if (++calls === 1) await delivered;
      return answer;
    });
    const early = settled.check();
    await until(() => calls === 1, 'the first look');
    // …while an appender takes a position, and a second look finds it and waits for it.
    const slow = await ctx.client('annals-test-slow-appender');
    await slow.query('BEGIN');
    const { rows } = await slow.query<{ p: string }>(`SELECT nextval('${s}.positions') AS p`);
    const heldPosition = Number(rows[0]!.p);
    try {
      expect(await settled.check()).toBe(heldPosition);
      expect(settled.pending).toBe(true);
      // The first look's list was made before the appender existed: it says nothing of it.
      deliver();
      await early;
      expect(settled.value).toBe(first.position);
      expect(settled.pending).toBe(true);
    } finally {
      await slow.query('ROLLBACK');
    }
    await settled.check();
    expect(settled.value).toBe(heldPosition);
  });
});
