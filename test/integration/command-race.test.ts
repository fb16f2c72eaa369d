// The proof of the command handler under contention: 8 handlers increment one counter stream
// 200 times each; the final state is exactly 1,600, no update is lost and no event is duplicated.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { commandEventId, handleCommand, type Decider, loadState, openStore, WrongExpectedRevisionError, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

const HANDLERS = 8;
const COMMANDS_EACH = 200;
const TOTAL = HANDLERS * COMMANDS_EACH;
/** Each attempt folds the whole stream (snapshots are not there yet): one page per load keeps the round trips few. */
const READ_PAGE = 2_000;

type Total = { readonly total: number };
type Incremented = { readonly type: 'Incremented'; readonly data: Total };

/** Every event records the total it decided: a lost update (a decision on a stale total) repeats a total. Same as the worker's. */
const raceCounter = {
  initialState: (): Total => ({ total: 0 }),
  evolve: (_state: Total, event: Incremented): Total => ({ total: event.data.total }),
  decide: (_command: { readonly type: 'Increment' }, state: Total): Incremented[] => [{ type: 'Incremented', data: { total: state.total + 1 } }],
} satisfies Decider<Total, { readonly type: 'Increment' }, Incremented>;

interface HandlerReport {
  readonly worker: number;
  readonly handled: readonly { commandId: string; revision: number; total: number }[];
  readonly conflicts: number;
  readonly resent: number;
  readonly errors: readonly unknown[];
}

/** What every race must leave behind, whatever the backend. */
async function expectExactCount(store: EventStore, stream: string, reports: readonly HandlerReport[]): Promise<void> {
  const tally = reports.map((r) => `handler ${r.worker}: ${r.conflicts} conflicts, ${r.resent} resent`).join('; ');
  expect(reports.flatMap((r) => r.errors), tally).toEqual([]);
  const events: RecordedEvent[] = await collect(store.readStream(stream));
  // No lost update: the i-th event decided total i + 1, so every decision saw every earlier event.
  expect(events.map((e) => (e.data as { total: number }).total)).toEqual(range(TOTAL).map((i) => i + 1));
  expect(events.map((e) => e.revision)).toEqual(range(TOTAL));
  // No duplicate: each command's one event, with the id derived from the command id.
  const commandIds = reports.flatMap((r) => range(COMMANDS_EACH).map((n) => `worker-${r.worker}-command-${n}`));
  expect(events.map((e) => e.metadata.causationId).sort()).toEqual([...commandIds].sort());
  for (const event of events) expect(event.id).toBe(commandEventId(stream, event.metadata.causationId!, 0));
  // What each handler was told matches the log.
  const byRevision = new Map(events.map((e) => [e.revision, e.metadata.causationId]));
  for (const { commandId, revision, total } of reports.flatMap((r) => r.handled)) {
    expect([byRevision.get(revision), total]).toEqual([commandId, revision + 1]);
  }
  expect((await loadState(store, raceCounter, stream)).state).toEqual({ total: TOTAL });
  // The handlers did overlap: appends lost races and were decided again.
  expect(reports.reduce((sum, r) => sum + r.conflicts, 0), tally).toBeGreaterThan(0);
}

describe('SQLite: 8 processes handling increments of one counter', () => {
  const dir = createTempDir();
  afterEach(killRunningWorkers);
  afterAll(() => dir.remove());

  it('ends at exactly 1,600 with every command once', async () => {
    const url = `sqlite:${dir.file('counter.db')}`;
    const stream = 'counter-race';
    await (await openStore(url)).close(); // migrated before the race
    const workers = range(HANDLERS).map((worker) => new Worker('command-counter.mjs', { url, stream, count: COMMANDS_EACH, worker, options: { pageSize: READ_PAGE } }));
    await startTogether(workers);
    const reports = await Promise.all(workers.map((w) => w.report<HandlerReport>()));
    const store = await openStore(url);
    try {
      await expectExactCount(store, stream, reports);
    } finally {
      await store.close();
    }
  }, 180_000);
});

const postgres = await checkService(postgresService);

describeWithService(postgres, 'PostgreSQL: 8 connections handling increments of one counter', () => {
  const pg = usePostgres(postgres.url);

  it('ends at exactly 1,600 with every command once', async () => {
    const schema = pg.schema();
    const stores = await Promise.all(range(HANDLERS).map(() => openStore(postgres.url, { schema, poolSize: 1, pageSize: READ_PAGE }).then((s) => pg.track(s))));
    const stream = 'counter-race';
    const reports = await Promise.all(stores.map((store, worker) => increment(store, stream, worker)));
    await expectExactCount(stores[0]!, stream, reports);
    console.info(`PostgreSQL race: ${reports.map((r) => `${r.conflicts}/${r.resent}`).join(' ')} (conflicts/resent per handler)`);
  }, 180_000);
});

/** The worker script's loop, in this process, on a store with its own connection. */
async function increment(store: EventStore, stream: string, worker: number): Promise<HandlerReport> {
  const handled: { commandId: string; revision: number; total: number }[] = [];
  const errors: unknown[] = [];
  let conflicts = 0;
  let resent = 0;
  for (let n = 0; n < COMMANDS_EACH && errors.length === 0; n++) {
    const commandId = `worker-${worker}-command-${n}`;
    for (;;) {
      try {
        const options = { commandId, maxRetries: 20, backoff: { initialMs: 2, maxMs: 100 }, onConflict: () => conflicts++ };
        const result = await handleCommand(store, raceCounter, stream, { type: 'Increment' }, options);
        handled.push({ commandId, revision: result.streamRevision, total: result.state.total });
        break;
      } catch (error) {
        if (!(error instanceof WrongExpectedRevisionError)) {
          const { name, code, message } = error as { name?: string; code?: string; message?: string };
          errors.push({ name, code, message, commandId });
          break;
        }
        resent++;
      }
    }
  }
  return { worker, handled, conflicts, resent, errors };
}
