// The proof of the per-stream command queue: in one process, 8 loops × 50 commands on one stream
// take turns (400 events, 400 distinct decisions, no conflict and no retry, in order of arrival);
// across two processes on one store file or database, the queues do not reach each other, and
// optimistic concurrency still loses no update.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { commandEventId, handleCommand, openStore, type Decider, type EventStore, type RecordedEvent } from '../../src/index.js';
import { collect, range } from '../helpers/collect.js';
import { postgresService, usePostgres } from '../helpers/postgres.js';
import { checkService, describeWithService } from '../helpers/services.js';
import { createTempDir } from '../helpers/temp-dir.js';
import { killRunningWorkers, startTogether, Worker } from '../helpers/worker.js';

const LOOPS = 8;
const EACH = 50;
const TOTAL = LOOPS * EACH;
const PROCESSES = 2;

type Tally = { readonly total: number };
type Command = { readonly type: 'Record'; readonly worker: number; readonly arrival: number };
type Recorded = { readonly type: 'Recorded'; readonly data: { readonly total: number; readonly worker: number; readonly arrival: number } };

/** Every event records the total it decided (a lost update repeats a total), and who sent the command when. Same as the worker's. */
const arrivals = {
  initialState: (): Tally => ({ total: 0 }),
  evolve: (_state: Tally, event: Recorded): Tally => ({ total: event.data.total }),
  decide: (command: Command, state: Tally): Recorded[] => [{ type: 'Recorded', data: { total: state.total + 1, worker: command.worker, arrival: command.arrival } }],
} satisfies Decider<Tally, Command, Recorded>;

async function recorded(store: EventStore, stream: string): Promise<Recorded['data'][]> {
  const events: RecordedEvent[] = await collect(store.readStream(stream));
  return events.map((e) => e.data as Recorded['data']);
}

/** 8 loops × 50 commands on one stream through one store, all at once; a single conflict would be thrown (maxRetries 0). */
async function queuedLoops(store: EventStore, stream: string): Promise<void> {
  let arrived = 0;
  let conflicts = 0;
  const results = await Promise.all(
    range(LOOPS).map(async () => {
      const mine: { arrival: number; revision: number; total: number }[] = [];
      for (let n = 0; n < EACH; n++) {
        const arrival = arrived++;
        const result = await handleCommand(store, arrivals, stream, { type: 'Record', worker: 0, arrival }, { maxRetries: 0, onConflict: () => conflicts++ });
        mine.push({ arrival, revision: result.streamRevision, total: result.state.total });
      }
      return mine;
    }),
  );
  expect(conflicts).toBe(0);
  const events = await recorded(store, stream);
  // 400 events, 400 distinct decisions: the i-th decided total i + 1, on everything before it.
  expect(events.map((e) => e.total)).toEqual(range(TOTAL).map((i) => i + 1));
  // In order of arrival.
  expect(events.map((e) => e.arrival)).toEqual(range(TOTAL));
  for (const { arrival, revision, total } of results.flat()) expect([revision, total]).toEqual([arrival, arrival + 1]);
}

interface LoopsReport {
  readonly worker: number;
  readonly handled: readonly { commandId: string; arrival: number; revision: number; total: number }[];
  readonly conflicts: number;
  readonly errors: readonly unknown[];
}

/** PROCESSES workers, each running LOOPS / PROCESSES loops of EACH commands on `stream` of `url`. */
async function processes(url: string, stream: string, options: object = {}): Promise<LoopsReport[]> {
  const workers = range(PROCESSES).map(
    (worker) => new Worker('command-loops.mjs', { url, stream, loops: LOOPS / PROCESSES, count: EACH, worker, options }),
  );
  await startTogether(workers);
  return Promise.all(workers.map((w) => w.report<LoopsReport>()));
}

/** No lost update, no duplicate, each process's commands in its order of arrival. */
async function expectNoLostUpdate(store: EventStore, stream: string, reports: readonly LoopsReport[]): Promise<void> {
  expect(reports.flatMap((r) => r.errors)).toEqual([]);
  const events: RecordedEvent[] = await collect(store.readStream(stream));
  const data = events.map((e) => e.data as Recorded['data']);
  expect(data.map((d) => d.total)).toEqual(range(TOTAL).map((i) => i + 1));
  for (const worker of range(PROCESSES)) {
    expect(data.filter((d) => d.worker === worker).map((d) => d.arrival)).toEqual(range(TOTAL / PROCESSES));
  }
  for (const event of events) expect(event.id).toBe(commandEventId(stream, event.metadata.causationId!, 0));
  const byRevision = new Map(events.map((e) => [e.revision, e.metadata.causationId]));
  for (const { commandId, revision, total } of reports.flatMap((r) => r.handled)) {
    expect([byRevision.get(revision), total]).toEqual([commandId, revision + 1]);
  }
  console.info(`command queue, ${PROCESSES} processes on ${stream}: ${reports.map((r) => r.conflicts).join(' / ')} conflicts (retried in turn)`);
}

describe('SQLite: commands queued on one stream', () => {
  const dir = createTempDir();
  afterEach(killRunningWorkers);
  afterAll(() => dir.remove());

  it('8 loops × 50 in one process: 400 events, 400 distinct decisions, no conflict, no retry, in order of arrival', async () => {
    const store = await openStore(`sqlite:${dir.file('one-process.db')}`);
    try {
      await queuedLoops(store, 'tally-hot');
    } finally {
      await store.close();
    }
  });

  it('two processes on one store file: no lost update, each in its order of arrival', async () => {
    const url = `sqlite:${dir.file('two-processes.db')}`;
    const store = await openStore(url); // migrated before the race
    try {
      const reports = await processes(url, 'tally-hot');
      await expectNoLostUpdate(store, 'tally-hot', reports);
    } finally {
      await store.close();
    }
  }, 120_000);
});

const postgres = await checkService(postgresService);

describeWithService(postgres, 'PostgreSQL: commands queued on one stream', () => {
  const pg = usePostgres(postgres.url);
  afterEach(killRunningWorkers);

  it('8 loops × 50 in one process: 400 events, 400 distinct decisions, no conflict, no retry, in order of arrival', async () => {
    await queuedLoops(await pg.open(), 'tally-hot');
  }, 60_000);

  it('two processes on one database: no lost update, each in its order of arrival', async () => {
    const schema = pg.schema();
    const store = pg.track(await openStore(postgres.url, { schema })); // migrated before the race
    const reports = await processes(postgres.url, 'tally-hot', { schema });
    await expectNoLostUpdate(store, 'tally-hot', reports);
  }, 120_000);
});
