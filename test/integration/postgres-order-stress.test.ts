import { randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import pg from 'pg';
import { expect, it } from 'vitest';
import { categoryOf, DuplicateEventIdError, WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { appendEventsQuery, postgresService, usePostgres, type RawEvent } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

/** How long the writers run; the readers then catch up and everything is checked. */
/** The least time the writers write; they go on until the scenario has happened. */
const WRITING_MS = 3000;
const STORE_WRITERS = 3;
const RAW_WRITERS = 4;
/** A guard against hanging, not an assertion: the whole test takes a few seconds. */
const DEADLINE_MS = 40_000;

interface Filter {
  readonly category?: string;
  readonly types?: readonly string[];
}

const FILTERS: readonly Filter[] = [{}, { category: 'keep' }, { types: ['Kept', 'RawKept'] }, { category: 'keep', types: ['RawKept'] }];

function matches(filter: Filter, e: { stream: string; type: string }): boolean {
  return (filter.category === undefined || categoryOf(e.stream) === filter.category) && (filter.types === undefined || filter.types.includes(e.type));
}

/** What the writers did, shared with the readers. Only `doomed` streams are ever deleted or truncated. */
class Ledger {
  /** Every id that was committed (acknowledged to a store writer, or in a raw transaction that committed). */
  readonly committed = new Set<string>();
  readonly rolledBack = new Set<string>();
  readonly done: Record<string, number> = {};
  maxAcknowledged = 0;
  writing = true;
  /** Set once the writers have finished: every event left, in position order, read with plain SQL. */
  truth: { id: string; position: number; stream: string; type: string }[] | undefined;
  readonly deadline = Date.now() + DEADLINE_MS;

  count(what: string): void {
    this.done[what] = (this.done[what] ?? 0) + 1;
  }

  acknowledge(ids: readonly string[], position: number): void {
    for (const id of ids) this.committed.add(id);
    this.maxAcknowledged = Math.max(this.maxAcknowledged, position);
  }

  checkDeadline(who: string): void {
    if (Date.now() > this.deadline) throw new Error(`${who} did not finish within ${DEADLINE_MS} ms`);
  }
}

const kept = (n = 1) => Array.from({ length: n }, () => ({ id: randomUUID(), type: 'Kept', data: null }));

/** A store writer: fast and slow appends, failing appends (some of which burn positions), deletes and truncates. */
async function storeWriter(store: EventStore, w: number, ledger: Ledger): Promise<void> {
  const mine: string[] = [];
  for (let n = 0; ledger.writing; n++) {
    const stream = `keep-w${w}x${n % 4}`;
    switch (n % 8) {
      case 0:
      case 1: {
        const events = kept(n % 2 === 0 ? 1 : 3); // the one-statement path, one event or several
        const result = await store.append(stream, events);
        ledger.acknowledge(events.map((e) => e.id), result.position);
        mine.push(events[0]!.id);
        ledger.count('fast');
        break;
      }
      case 2: {
        const a = kept(2);
        const b = [{ id: randomUUID(), type: 'Other', data: null }];
        const results = await store.appendMany([
          { stream, events: a },
          { stream: `other-w${w}x${n % 3}`, events: b },
        ]);
        ledger.acknowledge([...a, ...b].map((e) => e.id), Math.max(...results.map((r) => r.position)));
        ledger.count('appendMany');
        break;
      }
      case 3: {
        await expect(store.append(stream, kept(), { expectedRevision: 1_000_000 })).rejects.toThrow(WrongExpectedRevisionError);
        ledger.count('wrong revision');
        break;
      }
      case 4: {
        // An id recorded already, in another stream: the one-statement path takes a position, the
        // insert fails on the id's key, and the position is burnt.
        if (mine.length === 0) break;
        const taken = mine[Math.floor(Math.random() * mine.length)]!;
        await expect(store.append(`other-dup${w}x${n}`, [{ id: taken, type: 'Other' }])).rejects.toThrow(DuplicateEventIdError);
        ledger.count('duplicate id');
        break;
      }
      case 5: {
        // An idempotent retry: the one-statement path burns a position, the function finds the events.
        const events = kept(2);
        const first = await store.append(stream, events);
        ledger.acknowledge(events.map((e) => e.id), first.position);
        const again = await store.append(stream, events);
        expect(again.position).toBe(first.position);
        ledger.count('idempotent retry');
        break;
      }
      case 6:
      case 7: {
        const doomed = `doomed-w${w}x${n}`;
        const events = [0, 1, 2].map(() => ({ id: randomUUID(), type: 'Doomed', data: null }));
        const result = await store.append(doomed, events, { expectedRevision: 'no_stream' });
        ledger.acknowledge(events.map((e) => e.id), result.position);
        await sleep(Math.random() * 3);
        const how = Math.floor(n / 8) % 3;
        if (how === 0) await store.truncateStream(doomed, { before: 2 });
        else await store.deleteStream(doomed, { mode: how === 1 ? 'soft' : 'hard' });
        if (how === 1) {
          // A soft-deleted stream takes appends again, continuing its revisions.
          const more = [{ id: randomUUID(), type: 'Doomed', data: null }];
          const after = await store.append(doomed, more);
          ledger.acknowledge([more[0]!.id], after.position);
          await store.deleteStream(doomed, { mode: 'soft' });
        }
        ledger.count(['truncate', 'soft delete', 'hard delete'][how]!);
        break;
      }
    }
    ledger.checkDeadline(`store writer ${w}`);
  }
}

const rawEvents = (type: string, n: number): RawEvent[] => Array.from({ length: n }, () => ({ id: randomUUID(), type, data: null }));

/**
 * A transaction of its own that takes positions (nextval alone, the append function, in a
 * savepoint rolled back or released), held open until a later position has been acknowledged
 * to a store writer (or a little while), then committed or rolled back.
 */
async function rawWriter(client: pg.Client, schema: string, c: number, ledger: Ledger): Promise<void> {
  const s = pg.escapeIdentifier(schema);
  const nextval = async () => Number((await client.query<{ p: string }>(`SELECT nextval('${s}.positions') AS p`)).rows[0]!.p);
  const append = async (stream: string, events: RawEvent[]) =>
    Number((await client.query<{ out_position: number }>(appendEventsQuery(schema, stream, events))).rows[0]!.out_position);
  for (let n = 0; ledger.writing; n++) {
    const outcome: string[] = [];
    const lost: string[] = [];
    let top = 0;
    await client.query('BEGIN');
    switch (n % 5) {
      case 0:
        top = await nextval();
        ledger.count('raw nextval');
        break;
      case 1: {
        const events = rawEvents('RawKept', 1 + (n % 3));
        top = await append(`keep-raw${c}x${n}`, events);
        outcome.push(...events.map((e) => e.id));
        ledger.count('raw append');
        break;
      }
      case 2: {
        // Positions taken in a savepoint rolled back; the transaction goes on and ends later.
        await client.query('SAVEPOINT sp');
        const gone = rawEvents('RawKept', 2);
        top = await append(`keep-raw${c}x${n}`, gone);
        lost.push(...gone.map((e) => e.id));
        await client.query('ROLLBACK TO SAVEPOINT sp');
        if (n % 2 === 0) {
          const events = rawEvents('RawKept', 1);
          top = await append(`keep-rawsp${c}x${n}`, events);
          outcome.push(...events.map((e) => e.id));
        }
        ledger.count('raw savepoint rolled back');
        break;
      }
      case 3: {
        await client.query('SAVEPOINT sp');
        await nextval();
        const events = rawEvents('Other', 2);
        top = await append(`other-raw${c}x${n}`, events);
        await client.query('RELEASE SAVEPOINT sp');
        outcome.push(...events.map((e) => e.id));
        ledger.count('raw savepoint released');
        break;
      }
      case 4: {
        await client.query('SAVEPOINT sp');
        top = await nextval();
        await client.query('ROLLBACK TO SAVEPOINT sp');
        ledger.count('raw nextval in savepoint rolled back');
        break;
      }
    }
    const until = Date.now() + 30;
    while (ledger.maxAcknowledged <= top && Date.now() < until) await sleep(1);
    await sleep(Math.random() * 10);
    const rollBack = Math.random() < 0.25;
    await client.query(rollBack ? 'ROLLBACK' : 'COMMIT');
    for (const id of lost) ledger.rolledBack.add(id);
    for (const id of outcome) (rollBack ? ledger.rolledBack : ledger.committed).add(id);
    if (ledger.maxAcknowledged > top && top > 0) ledger.count('raw ended after a later position');
    ledger.checkDeadline(`raw writer ${c}`);
  }
}

/** Pages through readAll, resuming after the last event seen, until a read after the writers finished finds nothing more. */
async function pageReader(store: EventStore, pageSize: number, filter: Filter, ledger: Ledger): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  let after = 0;
  for (;;) {
    const finished = ledger.truth !== undefined;
    let read = 0;
    for await (const event of store.readAll({ ...filter, after, pageSize })) {
      seen.push(event);
      after = event.position;
      read++;
    }
    if (finished && read === 0) return seen;
    if (read === 0) await sleep(1);
    ledger.checkDeadline(`reader ${pageSize} ${JSON.stringify(filter)}`);
  }
}

/** A live subscription from the start, stopped once it holds the last event of the truth it should see. */
async function subscriber(store: EventStore, filter: Filter, ledger: Ledger): Promise<RecordedEvent[]> {
  const seen: RecordedEvent[] = [];
  const stop = new AbortController();
  const watch = setInterval(() => {
    if (ledger.truth !== undefined) {
      const last = ledger.truth.filter((e) => matches(filter, e)).pop();
      if (last === undefined || seen.some((e) => e.position >= last.position)) stop.abort();
    }
    if (Date.now() > ledger.deadline) stop.abort();
  }, 5);
  try {
    for await (const event of store.subscribe({ ...filter, signal: stop.signal, pageSize: 5 })) seen.push(event);
  } finally {
    clearInterval(watch);
  }
  return seen;
}

/** Single pages from near the newest acknowledged position (often above what this store has settled), with what each held. */
async function jumper(store: EventStore, filter: Filter, ledger: Ledger): Promise<{ after: number; seen: RecordedEvent[] }[]> {
  const reads: { after: number; seen: RecordedEvent[] }[] = [];
  while (ledger.writing) {
    const after = Math.max(0, ledger.maxAcknowledged - Math.floor(Math.random() * 30));
    reads.push({ after, seen: await collect(store.readAll({ ...filter, after, pageSize: 50, maxCount: 50 })) });
    await sleep(Math.random() * 3);
  }
  return reads;
}

/** headPosition, then the positions visible at or below it in a later snapshot: nothing may appear there afterwards. */
async function headWatcher(store: EventStore, client: pg.Client, schema: string, ledger: Ledger): Promise<{ head: number; visible: Set<number> }[]> {
  const s = pg.escapeIdentifier(schema);
  const looks: { head: number; visible: Set<number> }[] = [];
  while (ledger.writing) {
    const head = await store.headPosition();
    const { rows } = await client.query<{ position: string }>(`SELECT position FROM ${s}.events WHERE position <= $1`, [head]);
    looks.push({ head, visible: new Set(rows.map((r) => Number(r.position))) });
    await sleep(Math.random() * 5);
  }
  return looks;
}

/** What is wrong with what a reader saw, given the truth at the end (empty for a correct reader). */
function faults(who: string, seen: readonly RecordedEvent[], filter: Filter, ledger: Ledger, after = 0, complete = true): string[] {
  const truth = ledger.truth!;
  const found: string[] = [];
  let last = after;
  for (const e of seen) {
    if (e.position <= last) found.push(`${who}: position ${e.position} after ${last}`);
    last = Math.max(last, e.position);
    if (!ledger.committed.has(e.id)) found.push(`${who}: ${ledger.rolledBack.has(e.id) ? 'rolled-back' : 'unknown'} event at ${e.position}`);
    if (!matches(filter, e)) found.push(`${who}: ${e.stream}/${e.type} at ${e.position} does not match`);
  }
  const ids = new Set(seen.map((e) => e.id));
  const present = new Set(truth.map((e) => e.id));
  for (const e of seen) if (!present.has(e.id) && categoryOf(e.stream) !== 'doomed') found.push(`${who}: ${e.stream} at ${e.position} vanished`);
  const end = complete ? Infinity : last;
  for (const e of truth) {
    if (e.position > after && e.position <= end && matches(filter, e) && !ids.has(e.id)) found.push(`${who}: missed ${e.stream}/${e.type} at ${e.position}`);
  }
  return found;
}

/** Every kind of step the writers take, each of which must have happened at least once. */
const STEPS = [
  'fast', 'appendMany', 'wrong revision', 'duplicate id', 'idempotent retry', 'truncate', 'soft delete', 'hard delete',
  'raw nextval', 'raw append', 'raw savepoint rolled back', 'raw savepoint released', 'raw nextval in savepoint rolled back',
];

function scenarioHappened(ledger: Ledger): boolean {
  return (
    STEPS.every((what) => (ledger.done[what] ?? 0) > 0) &&
    (ledger.done['raw ended after a later position'] ?? 0) > 10 &&
    ledger.rolledBack.size > 0 &&
    ledger.maxAcknowledged > 100
  );
}

describeWithService(service, 'PostgreSQL global order under stress', () => {
  const ctx = usePostgres(service.url);

  it(
    'never hands out a position at or below one already handed out, nor misses one, whatever commits, rolls back, burns or deletes positions',
    async () => {
      const schema = ctx.schema();
      const readers = await ctx.open({ schema, pollIntervalMs: 50, poolSize: 6 });
      const heads = await ctx.open({ schema, poolSize: 3 });
      const jumpers = await ctx.open({ schema, poolSize: 3 });
      const writers = await Promise.all(Array.from({ length: STORE_WRITERS }, () => ctx.open({ schema, poolSize: 2 })));
      const clients = await Promise.all(Array.from({ length: RAW_WRITERS + 2 }, () => ctx.client()));
      const [inspector, finalReader, ...rawClients] = clients;
      const ledger = new Ledger();

      const paging = [1, 7, 100].flatMap((size) => FILTERS.map((filter) => ({ size, filter, seen: pageReader(readers, size, filter, ledger) })));
      const live = FILTERS.slice(0, 2).map((filter) => ({ filter, seen: subscriber(readers, filter, ledger) }));
      // Another store on the schema, with its own settled position, reading from wherever the writers are.
      const jumps = FILTERS.slice(0, 2).map((filter) => ({ filter, reads: jumper(jumpers, filter, ledger) }));
      const headLooks = headWatcher(heads, inspector!, schema, ledger);
      const all = Promise.all([...paging.map((r) => r.seen), ...live.map((r) => r.seen), ...jumps.map((r) => r.reads), headLooks]);
      all.catch(() => undefined); // awaited below; one failing early must not surface as unhandled

      const writing = Promise.all([
        ...writers.map((store, w) => storeWriter(store, w, ledger)),
        ...rawClients.map((client, c) => rawWriter(client, schema, c, ledger)),
      ]);
      writing.catch(() => undefined);
      await Promise.race([sleep(WRITING_MS), writing]);
      // On a slow or busy machine, write on until every kind of step has happened (checked below).
      while (!scenarioHappened(ledger) && Date.now() < ledger.deadline - 15_000) await Promise.race([sleep(100), writing]);
      ledger.writing = false;
      await writing;

      const s = pg.escapeIdentifier(schema);
      const { rows } = await finalReader!.query<{ id: string; position: string; stream: string; type: string }>(
        `SELECT id, position, stream, type FROM ${s}.events ORDER BY position`,
      );
      ledger.truth = rows.map((r) => ({ ...r, position: Number(r.position) }));
      await all;

      const found: string[] = [];
      for (const { size, filter, seen } of paging) found.push(...faults(`page size ${size} ${JSON.stringify(filter)}`, await seen, filter, ledger));
      for (const { filter, seen } of live) found.push(...faults(`subscription ${JSON.stringify(filter)}`, await seen, filter, ledger));
      let jumped = 0;
      for (const { filter, reads } of jumps) {
        for (const { after, seen } of await reads) {
          // One page: complete from `after` up to its last event (or, when full, exactly its 50 events).
          found.push(...faults(`jumper ${JSON.stringify(filter)} after ${after}`, seen, filter, ledger, after, false));
          jumped += seen.length;
        }
      }
      for (const { head, visible } of await headLooks) {
        for (const e of ledger.truth) if (e.position <= head && !visible.has(e.position)) found.push(`headPosition ${head}: ${e.position} appeared later`);
      }
      expect(found.slice(0, 20)).toEqual([]);

      // The scenario really happened.
      expect(ledger.truth.length).toBeGreaterThan(100);
      expect(jumped).toBeGreaterThan(0);
      expect((await headLooks).length).toBeGreaterThan(0);
      for (const what of STEPS) expect(ledger.done[what] ?? 0, what).toBeGreaterThan(0);
      expect(ledger.done['raw ended after a later position'] ?? 0).toBeGreaterThan(10);
      expect(ledger.rolledBack.size).toBeGreaterThan(0);
    },
    60_000,
  );
});
