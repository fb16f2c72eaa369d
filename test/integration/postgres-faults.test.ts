import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { setTimeout as sleep } from 'node:timers/promises';
import type pg from 'pg';
import { expect, it } from 'vitest';
import { AnnalsError, openStore, type AppendResult, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect } from '../helpers/collect.js';
import { postgresService, STORE_APPLICATION_NAME, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';

const service = await checkService(postgresService);

const WORKERS = 6;
const APPENDS_EACH = 30;
const KILLS = 4;
/** A guard against hanging while waiting for something the test caused, never an assertion on time. */
const PATIENCE_MS = 20_000;

interface Attempt {
  readonly stream: string;
  readonly events: { id: string; type: string; data: { n: number } }[];
  result?: AppendResult;
  error?: unknown;
}

/** Terminates the store's connections to this client's database (not this client's own). */
async function terminateStoreConnections(admin: pg.Client, extra = ''): Promise<number> {
  const { rows } = await admin.query<{ pid: number }>(
    `SELECT pg_terminate_backend(pid), pid FROM pg_stat_activity
      WHERE application_name = $1 AND datname = current_database() AND pid <> pg_backend_pid() ${extra}`,
    [STORE_APPLICATION_NAME],
  );
  return rows.length;
}

async function until<T>(what: string, probe: () => Promise<T | undefined> | T | undefined): Promise<T> {
  const deadline = Date.now() + PATIENCE_MS;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`gave up waiting for ${what}`);
    await sleep(5);
  }
}

/** How many of these ids are stored (read directly, so that no horizon holds any back). */
async function storedCount(admin: pg.Client, schema: string, ids: readonly string[]): Promise<number> {
  const { rows } = await admin.query<{ n: number }>(`SELECT count(*)::int AS n FROM "${schema}".events WHERE id = ANY ($1::uuid[])`, [ids]);
  return rows[0]!.n;
}

function expectUnavailable(error: unknown): void {
  if (!(error instanceof AnnalsError)) expect.fail(`expected a typed ANNALS_STORE_UNAVAILABLE, got a raw ${String(error)}`);
  expect({ code: error.code, retryable: error.retryable }).toEqual({ code: 'ANNALS_STORE_UNAVAILABLE', retryable: true });
}

async function closedPort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as { port: number };
  await new Promise((resolve) => server.close(resolve));
  return port;
}

describeWithService(service, 'PostgreSQL faults', () => {
  const pg = usePostgres(service.url);

  it('loses no acknowledged append and shows no partial one when the store connections are terminated under load', async () => {
    // A database of its own: terminating every 'annals' connection in it touches no one else's.
    const url = await pg.database();
    const schema = pg.schema();
    const store = await pg.open({ url, schema, poolSize: 4 });
    const admin = await pg.client(undefined, url);

    const attempts: Attempt[] = [];
    let finished = 0;
    const worker = async (w: number) => {
      for (let n = 0; n < APPENDS_EACH; n++) {
        const attempt: Attempt = {
          stream: `load${w}-${n}`,
          events: Array.from({ length: 1 + (n % 3) }, (_, k) => ({ id: randomUUID(), type: 'Loaded', data: { n: k } })),
        };
        attempts.push(attempt);
        try {
          attempt.result = await store.append(attempt.stream, attempt.events, { expectedRevision: 'no_stream' });
        } catch (error) {
          attempt.error = error;
        }
        finished++;
      }
    };
    // The last kill waits for an append blocked inside the database (the test holds a lock every
    // append's INSERT waits for), so at least one kill surely hits a call in flight; the others
    // land wherever the load is, on a busy machine often between calls.
    const watcher = await pg.client(undefined, url);
    const killInFlight = async () => {
      await admin.query('BEGIN');
      try {
        await admin.query(`LOCK TABLE "${schema}".events IN SHARE MODE`);
        await until('an append to wait for the lock', async () => {
          const { rows } = await watcher.query(
            `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND wait_event_type = 'Lock'`,
            [STORE_APPLICATION_NAME],
          );
          return rows.length > 0 || undefined;
        });
        return await terminateStoreConnections(watcher);
      } finally {
        await admin.query('ROLLBACK');
      }
    };
    const killer = async () => {
      const terminated: number[] = [];
      for (let k = 1; k <= KILLS; k++) {
        await until(`${k}/${KILLS + 1} of the load`, () => finished >= (k * WORKERS * APPENDS_EACH) / (KILLS + 1));
        terminated.push(k === KILLS ? await killInFlight() : await terminateStoreConnections(admin));
      }
      return terminated;
    };
    const [terminated] = await Promise.all([killer(), ...Array.from({ length: WORKERS }, (_, w) => worker(w))]);
    for (const count of terminated) expect(count).toBeGreaterThan(0);

    // Every failure is the typed, retryable one: never a raw driver error.
    const failed = attempts.filter((a) => a.error !== undefined);
    for (const attempt of failed) expectUnavailable(attempt.error);
    // The last kill, at least, hit calls in flight.
    expect(failed.length, 'appends that were in flight when their connection was terminated').toBeGreaterThan(0);

    // Acknowledged appends are stored, where they were acknowledged.
    for (const attempt of attempts.filter((a) => a.result)) {
      expect(await storedCount(admin, schema, attempt.events.map((e) => e.id))).toBe(attempt.events.length);
      const last = await store.getEvent(attempt.events[attempt.events.length - 1]!.id);
      expect({ stream: last!.stream, streamRevision: last!.revision, position: last!.position }).toEqual(attempt.result);
    }
    // A failed one is all there (it had committed) or not at all; its retry with the same ids,
    // through the same store (the pool reconnects by itself), answers with where it is.
    for (const attempt of failed) {
      const ids = attempt.events.map((e) => e.id);
      const before = await storedCount(admin, schema, ids);
      expect([0, ids.length], `stored events of a failed append to ${attempt.stream}`).toContain(before);
      const original = before === 0 ? undefined : await store.getEvent(ids[ids.length - 1]!);
      const retried = await store.append(attempt.stream, attempt.events, { expectedRevision: 'no_stream' });
      if (original) expect(retried).toEqual({ stream: attempt.stream, streamRevision: original.revision, position: original.position });
      else expect(retried).toMatchObject({ stream: attempt.stream, streamRevision: ids.length - 1 });
      expect(await storedCount(admin, schema, ids)).toBe(ids.length);
    }

    // Each event exactly once, and readers see all of them.
    const total = attempts.reduce((sum, a) => sum + a.events.length, 0);
    const { rows } = await admin.query<{ n: number; ids: number }>(`SELECT count(*)::int AS n, count(DISTINCT id)::int AS ids FROM "${schema}".events`);
    expect(rows[0]).toEqual({ n: total, ids: total });
    const read = await until('readAll to hand out every event', async () => {
      const all = await collect(store.readAll());
      return all.length >= total ? all : undefined;
    });
    expect(new Set(read.map((e) => e.id)).size).toBe(total);
    expect(store.closed).toBe(false);
  }, 60_000);

  it('fails a call blocked in the database with ANNALS_STORE_UNAVAILABLE when its connection is terminated, and writes nothing', async () => {
    const url = await pg.database();
    const schema = pg.schema();
    const store = await pg.open({ url, schema, poolSize: 2 });
    const admin = await pg.client(undefined, url);
    await store.append('blocked-1', [{ type: 'Opened' }]);

    // The test holds the stream's row, so the append waits inside the database: surely in flight.
    // (Watched from another client: pg_stat_activity is read once per transaction, and this one stays open.)
    const watcher = await pg.client(undefined, url);
    await admin.query('BEGIN');
    const events = [{ id: randomUUID(), type: 'Blocked' }, { id: randomUUID(), type: 'Blocked' }];
    try {
      await admin.query(`SELECT 1 FROM "${schema}".streams WHERE stream = 'blocked-1' FOR UPDATE`);
      const call = store.append('blocked-1', events).then(
        () => expect.fail('the blocked append succeeded'),
        (error: unknown) => error,
      );
      await until('the append to wait for the row lock', async () => {
        const { rows } = await watcher.query(
          `SELECT 1 FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND wait_event_type = 'Lock'`,
          [STORE_APPLICATION_NAME],
        );
        return rows.length > 0 || undefined;
      });
      expect(await terminateStoreConnections(watcher)).toBeGreaterThan(0);
      const error = await call;
      expectUnavailable(error);
      expect((error as AnnalsError).toJSON()).toMatchObject({ code: 'ANNALS_STORE_UNAVAILABLE' });
    } finally {
      await admin.query('ROLLBACK');
    }

    expect(await storedCount(admin, schema, events.map((e) => e.id))).toBe(0);
    // The pool replaces the terminated connection by itself: the retry writes it now.
    expect(await store.append('blocked-1', events, { expectedRevision: 0 })).toMatchObject({ stream: 'blocked-1', streamRevision: 2 });
    expect(await store.append('blocked-1', events, { expectedRevision: 0 })).toMatchObject({ streamRevision: 2 });
    expect((await collect(store.readStream('blocked-1'))).map((e) => e.revision)).toEqual([0, 1, 2]);
  });

  it('fails to open with a retryable ANNALS_STORE_OPEN_FAILED naming the server when the connection is refused', async () => {
    const port = await closedPort();
    const url = new URL(service.url);
    url.host = `127.0.0.1:${port}`;
    let error: unknown;
    try {
      pg.track(await openStore(url.toString(), { schema: pg.schema(), connectionTimeoutMs: 5000 }));
    } catch (caught) {
      error = caught;
    }
    expect(error).toMatchObject({ code: 'ANNALS_STORE_OPEN_FAILED', failure: 'connection refused', retryable: true, adapter: 'postgres', location: `127.0.0.1:${port}` });
    expect((error as AnnalsError).hint).not.toMatch(/append/);
  });

  it('names the database when it does not exist, and the user when the server refuses it, retryable neither', async () => {
    const url = new URL(service.url);
    url.pathname = '/annals_no_such_database';
    await expect(openStore(url.toString(), { schema: pg.schema() })).rejects.toMatchObject({
      code: 'ANNALS_STORE_OPEN_FAILED',
      failure: 'database missing',
      database: 'annals_no_such_database',
      retryable: false,
      hint: expect.stringContaining('createdb'),
    });
    const stranger = new URL(service.url);
    stranger.username = 'annals_no_such_role';
    await expect(openStore(stranger.toString(), { schema: pg.schema() })).rejects.toMatchObject({
      code: 'ANNALS_STORE_OPEN_FAILED',
      failure: 'authentication failed',
      user: 'annals_no_such_role',
      retryable: false,
      message: expect.stringContaining('annals_no_such_role'),
    });
  });

  it('keeps a subscription going, with no gap or duplicate, when its LISTEN connection is terminated', async () => {
    const schema = pg.schema();
    // The slow poll is only a fallback; the test also checks that the listener came back.
    const subscriberStore = await pg.open({ schema, pollIntervalMs: 250 });
    const writer = await pg.open({ schema });
    const admin = await pg.client();
    const listener = async () => {
      const { rows } = await admin.query<{ pid: number }>(
        `SELECT pid FROM pg_stat_activity WHERE application_name = $1 AND datname = current_database() AND query = $2`,
        [STORE_APPLICATION_NAME, `LISTEN "annals:${schema}"`],
      );
      return rows[0]?.pid;
    };

    const seen: RecordedEvent[] = [];
    const stop = new AbortController();
    const consuming = (async () => {
      for await (const event of subscriberStore.subscribe({ signal: stop.signal })) seen.push(event);
    })();
    const appended: string[] = [];
    const appendSome = async (count: number) => {
      for (let i = 0; i < count; i++) {
        const id = randomUUID();
        await writer.append(`watched-${appended.length % 3}`, [{ id, type: 'Watched', data: { i: appended.length } }]);
        appended.push(id);
      }
    };

    try {
      let pid = await until('the LISTEN connection', listener);
      await appendSome(5);
      await until('the first events', () => seen.length >= 5 || undefined);
      for (let round = 0; round < 3; round++) {
        await admin.query('SELECT pg_terminate_backend($1)', [pid]);
        await appendSome(4); // some of these commit while nobody listens
        const previous = pid;
        pid = await until('a new LISTEN connection', async () => {
          const now = await listener();
          return now !== undefined && now !== previous ? now : undefined;
        });
        await appendSome(3);
        await until(`every event after round ${round}`, () => seen.length >= appended.length || undefined);
      }
    } finally {
      stop.abort();
      await consuming;
    }
    expect(seen.map((e) => e.id)).toEqual(appended);
    for (let i = 1; i < seen.length; i++) expect(seen[i]!.position).toBeGreaterThan(seen[i - 1]!.position);
  });

  it('lets exactly one of two stores record a new id appended to two streams at once; the other gets ANNALS_DUPLICATE_EVENT_ID', async () => {
    const schema = pg.schema();
    const [a, b] = [await pg.open({ schema, poolSize: 2 }), await pg.open({ schema, poolSize: 2 })] as [EventStore, EventStore];
    for (let round = 0; round < 20; round++) {
      const id = randomUUID();
      const streams = [`dupa-${round}`, `dupb-${round}`];
      const outcomes = await Promise.allSettled([a.append(streams[0]!, [{ id, type: 'Raced' }]), b.append(streams[1]!, [{ id, type: 'Raced' }])]);
      const winners = outcomes.flatMap((o, i) => (o.status === 'fulfilled' ? [{ i, result: o.value }] : []));
      expect(winners, `round ${round}`).toHaveLength(1);
      const winner = winners[0]!;
      const loser = outcomes[1 - winner.i] as PromiseRejectedResult;
      if (!(loser.reason instanceof AnnalsError)) expect.fail(`the loser got a raw error: ${String(loser.reason)}`);
      expect(loser.reason).toMatchObject({
        code: 'ANNALS_DUPLICATE_EVENT_ID',
        eventId: id,
        stream: streams[1 - winner.i],
        existing: { stream: streams[winner.i], revision: 0, position: winner.result.position },
      });
      expect(await a.streamInfo(streams[1 - winner.i]!)).toMatchObject({ exists: false, revision: -1 });
    }
  });
});
