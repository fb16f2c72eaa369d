import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CommandQueueFullError, InvalidEventError, WrongExpectedRevisionError } from '../core/errors.js';
import type { EventStore } from '../core/event-store.js';
import { openStore } from '../core/open-store.js';
import type { Snapshot } from '../core/snapshot.js';
import { CommandHandler } from './command-handler.js';
import type { Decider } from './decider.js';
import { handleCommand } from './handle-command.js';
import type { CommandStore } from './load-state.js';
import { queuedStreams } from './stream-queue.js';

const noWait = { initialMs: 0, maxMs: 0 };

type Tally = { readonly total: number };
type Command = { readonly type: 'Record'; readonly arrival: number; readonly refuse?: boolean; readonly data?: unknown };
type Recorded = { readonly type: 'Recorded'; readonly data: { readonly total: number; readonly arrival: number } };

class Refused extends Error {}

/**
 * Each event records the total it decided and the command's place in the order of arrival: a lost
 * update repeats a total, and the stream shows the order in which commands had their turns.
 */
const tally = {
  initialState: (): Tally => ({ total: 0 }),
  evolve: (_state: Tally, event: Recorded): Tally => ({ total: event.data.total }),
  decide: (command: Command, state: Tally): Recorded[] => {
    if (command.refuse) throw new Refused(`command ${command.arrival} refused`);
    return [{ type: 'Recorded', data: { total: state.total + 1, arrival: command.arrival, ...(command.data === undefined ? {} : { bad: command.data }) } as Recorded['data'] }];
  },
} satisfies Decider<Tally, Command, Recorded>;

let store: EventStore;
beforeEach(async () => {
  store = await openStore('memory:');
});
afterEach(() => store.close());

async function recorded(from: EventStore, stream: string): Promise<Recorded['data'][]> {
  const found: Recorded['data'][] = [];
  for await (const event of from.readStream(stream)) found.push(event.data as Recorded['data']);
  return found;
}

/** `loops` loops handling `count` commands each on one stream, all at once; each command numbered as it arrives. */
async function loops(target: EventStore, stream: string, count: { loops: number; each: number }, options: Parameters<typeof handleCommand>[4] = {}) {
  let arrivals = 0;
  let conflicts = 0;
  const results = await Promise.all(
    Array.from({ length: count.loops }, async () => {
      const mine: { arrival: number; revision: number; total: number }[] = [];
      for (let n = 0; n < count.each; n++) {
        const arrival = arrivals++;
        const result = await handleCommand(target, tally, stream, { type: 'Record', arrival }, { ...options, onConflict: () => conflicts++ });
        mine.push({ arrival, revision: result.streamRevision, total: result.state.total });
      }
      return mine;
    }),
  );
  return { results: results.flat(), conflicts };
}

describe('commands on one stream through one store object', () => {
  it('take turns in order of arrival: 8 loops × 50 commands append 400 events, 400 distinct decisions, without a conflict or a retry', async () => {
    // maxRetries 0: a single conflict would be thrown.
    const { results, conflicts } = await loops(store, 'tally-1', { loops: 8, each: 50 }, { maxRetries: 0 });
    expect(conflicts).toBe(0);
    const events = await recorded(store, 'tally-1');
    expect(events.map((e) => e.total)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
    expect(events.map((e) => e.arrival)).toEqual(Array.from({ length: 400 }, (_, i) => i));
    for (const { arrival, revision, total } of results) expect([revision, total]).toEqual([arrival, arrival + 1]);
    expect(queuedStreams(store)).toBeUndefined();
  });

  it('race without the queue (queue: false): the same loops conflict and retry', async () => {
    const { conflicts } = await loops(store, 'tally-1', { loops: 8, each: 50 }, { queue: false, maxRetries: 1_000, backoff: noWait });
    expect(conflicts).toBeGreaterThan(0);
    expect((await recorded(store, 'tally-1')).map((e) => e.total)).toEqual(Array.from({ length: 400 }, (_, i) => i + 1));
  });

  it('share one line whether they come through handleCommand or a CommandHandler', async () => {
    const handler = new CommandHandler(store, tally);
    const first = handler.handle('tally-1', { type: 'Record', arrival: 0 });
    const second = handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1 });
    const third = new CommandHandler(store, tally).handle('tally-1', { type: 'Record', arrival: 2 });
    expect(queuedStreams(store)).toEqual(new Map([['tally-1', { waiting: 2 }]]));
    expect((await Promise.all([first, second, third])).map((r) => r.streamRevision)).toEqual([0, 1, 2]);
  });

  it('do not wait for commands on other streams', async () => {
    const streams = ['tally-1', 'tally-2', 'tally-3'];
    const pending = streams.map((stream, arrival) => handleCommand(store, tally, stream, { type: 'Record', arrival }));
    expect(queuedStreams(store)).toEqual(new Map(streams.map((stream) => [stream, { waiting: 0 }])));
    expect((await Promise.all(pending)).map((r) => r.streamRevision)).toEqual([0, 0, 0]);
  });
});

describe('a failing command', () => {
  it('does not block the queue: the commands behind it run, in order, on what was written', async () => {
    const outcomes = await Promise.allSettled([
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 0 }),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1, refuse: true }),
      // Refused by the store: a BigInt is not JSON.
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 2, data: 1n }),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 3 }),
    ]);
    expect(outcomes.map((o) => o.status)).toEqual(['fulfilled', 'rejected', 'rejected', 'fulfilled']);
    expect(outcomes[1]).toMatchObject({ reason: expect.any(Refused) });
    expect(outcomes[2]).toMatchObject({ reason: expect.any(InvalidEventError) });
    expect(await recorded(store, 'tally-1')).toEqual([{ total: 1, arrival: 0 }, { total: 2, arrival: 3 }]);
    expect(queuedStreams(store)).toBeUndefined();
  });

  it('whose conflicts ran out passes the turn on too', async () => {
    // Another writer appends just before each of the first command's 3 appends (maxRetries 2).
    let interfere = 3;
    const append = store.append.bind(store);
    store.append = (async (...args: Parameters<EventStore['append']>) => {
      if (interfere-- > 0) await append(args[0], [{ type: 'Recorded', data: { total: -1, arrival: -1 } }]);
      return append(...args);
    }) as EventStore['append'];
    const first = handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 0 }, { maxRetries: 2, backoff: noWait });
    const second = handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1 }, { maxRetries: 0 });
    await expect(first).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(await second).toMatchObject({ streamRevision: 3, state: { total: 0 } });
  });
});

describe('the queue bound', () => {
  it('refuses a command beyond maxWaiting at once, with ANNALS_COMMAND_QUEUE_FULL, and reads nothing for it', async () => {
    const settled: number[] = [];
    const options = { queue: { maxWaiting: 2 } };
    const pending = [0, 1, 2, 3].map((arrival) => {
      const result = handleCommand(store, tally, 'tally-1', { type: 'Record', arrival }, options);
      void result.then(() => settled.push(arrival), () => settled.push(arrival));
      return result;
    });
    const refused = await pending[3]!.catch((e: unknown) => e);
    expect(refused).toBeInstanceOf(CommandQueueFullError);
    expect(refused).toMatchObject({ code: 'ANNALS_COMMAND_QUEUE_FULL', stream: 'tally-1', waiting: 2, maxWaiting: 2, retryable: true });
    expect((refused as CommandQueueFullError).message).toMatch(/2 more wait for their turn \(at most 2 may wait\)/);
    // Refused before the commands ahead of it were handled.
    expect(settled).toEqual([3]);
    await Promise.all(pending.slice(0, 3));
    expect((await recorded(store, 'tally-1')).map((e) => e.arrival)).toEqual([0, 1, 2]);
    // Once the line is short again, a command is taken.
    expect(await handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 4 }, options)).toMatchObject({ streamRevision: 3 });
  });

  it('is 1,000 by default, and 0 lets no command wait', async () => {
    const waiting = Array.from({ length: 1_001 }, (_, arrival) => handleCommand(store, tally, 'tally-1', { type: 'Record', arrival }));
    await expect(handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1_001 })).rejects.toMatchObject({ waiting: 1_000, maxWaiting: 1_000 });
    await Promise.all(waiting);
    const running = handleCommand(store, tally, 'tally-2', { type: 'Record', arrival: 0 }, { queue: { maxWaiting: 0 } });
    await expect(handleCommand(store, tally, 'tally-2', { type: 'Record', arrival: 1 }, { queue: { maxWaiting: 0 } })).rejects.toBeInstanceOf(CommandQueueFullError);
    await running;
  });
});

describe('the queue holds no memory for idle streams', () => {
  it('removes a stream’s line when its last command leaves, whatever the outcome, and the store’s map with the last line', async () => {
    expect(queuedStreams(store)).toBeUndefined();
    const options = { queue: { maxWaiting: 3 } };
    const pending = [
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 0 }, options),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1, refuse: true }, options),
      handleCommand(store, tally, 'tally-2', { type: 'Record', arrival: 2 }, options),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 3 }, options),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 4 }, options),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 5 }, options),
    ];
    expect(queuedStreams(store)).toEqual(new Map([['tally-1', { waiting: 3 }], ['tally-2', { waiting: 0 }]]));
    await Promise.allSettled(pending);
    expect(queuedStreams(store)).toBeUndefined();
  });

  it('keeps nothing after commands on many streams', async () => {
    await Promise.all(Array.from({ length: 500 }, (_, n) => handleCommand(store, tally, `tally-${n % 250}`, { type: 'Record', arrival: n })));
    expect(queuedStreams(store)).toBeUndefined();
  });

  it('makes no line for a command that races (queue: false)', async () => {
    const pending = handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 0 }, { queue: false });
    expect(queuedStreams(store)).toBeUndefined();
    await pending;
  });
});

describe('a line per store object', () => {
  let dir: string;
  beforeEach(() => {
    dir = mkdtempSync(join(tmpdir(), 'annals-queue-'));
  });
  afterEach(() => rmSync(dir, { recursive: true, force: true }));

  it('two store objects on one SQLite file do not wait for each other: they race, and the expected revision settles it', async () => {
    const url = `sqlite:${join(dir, 'tally.db')}`;
    const a = await openStore(url);
    const b = await openStore(url);
    try {
      // a's first append is held until b has handled a command on the same stream.
      let release!: () => void;
      const held = new Promise<void>((resolve) => (release = resolve));
      const append = a.append.bind(a);
      a.append = (async (...args: Parameters<EventStore['append']>) => {
        await held;
        return append(...args);
      }) as EventStore['append'];
      const conflicts: number[] = [];
      const first = handleCommand(a, tally, 'tally-1', { type: 'Record', arrival: 0 }, { backoff: noWait, onConflict: (e) => conflicts.push(e.actual) });
      const behind = handleCommand(a, tally, 'tally-1', { type: 'Record', arrival: 2 }, { maxRetries: 0 });
      // b has its own line: its command does not wait for a's.
      expect(await handleCommand(b, tally, 'tally-1', { type: 'Record', arrival: 1 })).toMatchObject({ streamRevision: 0 });
      expect(queuedStreams(a)).toEqual(new Map([['tally-1', { waiting: 1 }]]));
      expect(queuedStreams(b)).toBeUndefined();
      release();
      // a loaded the stream before b wrote: its append conflicts, and it decides again on b's event.
      expect(await first).toMatchObject({ streamRevision: 1, state: { total: 2 } });
      expect(conflicts).toEqual([0]);
      expect(await behind).toMatchObject({ streamRevision: 2, state: { total: 3 } });
      expect((await recorded(a, 'tally-1')).map((e) => [e.arrival, e.total])).toEqual([[1, 1], [0, 2], [2, 3]]);
    } finally {
      await a.close();
      await b.close();
    }
  });
});

describe('the queue with idempotent commands and snapshots', () => {
  it('hands the same command sent twice at once its turn twice: the second finds the first and returns its result, without a conflict', async () => {
    let conflicts = 0;
    const options = { commandId: 'cmd-1', onConflict: () => conflicts++ };
    const [a, b] = await Promise.all([
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 0 }, options),
      handleCommand(store, tally, 'tally-1', { type: 'Record', arrival: 1 }, options),
    ]);
    expect(b).toEqual(a);
    expect(conflicts).toBe(0);
    expect(await recorded(store, 'tally-1')).toEqual([{ total: 1, arrival: 0 }]);
  });

  it('saves the snapshot before the turn passes: the next command in line starts from it', async () => {
    const loaded: (number | undefined)[] = [];
    const watched: CommandStore = {
      readStream: store.readStream.bind(store),
      append: store.append.bind(store),
      getEvent: store.getEvent.bind(store),
      streamInfo: store.streamInfo.bind(store),
      saveSnapshot: store.saveSnapshot.bind(store),
      loadSnapshot: async (stream: string): Promise<Snapshot | undefined> => {
        const snapshot = await store.loadSnapshot(stream);
        loaded.push(snapshot?.revision);
        return snapshot;
      },
    };
    const snapshotted = { ...tally, snapshot: { version: 1, every: 1 } } satisfies Decider<Tally, Command, Recorded>;
    await Promise.all([0, 1, 2].map((arrival) => handleCommand(watched, snapshotted, 'tally-1', { type: 'Record', arrival })));
    expect(loaded).toEqual([undefined, 0, 1]);
  });
});
