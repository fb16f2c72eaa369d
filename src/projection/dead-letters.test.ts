import { join } from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { openMemory } from '../adapters/memory/open.js';
import { openSqliteStore } from '../adapters/sqlite/index.js';
import { EventStore } from '../core/event-store.js';
import { ProjectionBusyError } from '../core/errors.js';
import type { RecordedEvent } from '../core/types.js';
import { AFTER_PARKED } from './apply-batch.js';
import { dropDeadLetters, listDeadLetters, retryDeadLetters } from './dead-letters.js';
import type { Projection } from './define-projection.js';
import { keyInUse } from './key-in-use.js';
import { runProjections, type RunningProjections } from './run-projections.js';
import { streamProjection } from './shapes.js';

type Tally = { total: number; applied: number[] };

/** Per stream: the total and the positions applied, in order (a double, missing or reordered apply shows). */
function tallies(refuses: (amount: number) => boolean): Projection<RecordedEvent> {
  return streamProjection<Tally>({
    name: 'tallies',
    version: 1,
    handles: { category: 'acct' },
    initialState: () => ({ total: 0, applied: [] }),
    evolve: (state, event) => {
      const { amount } = event.data as { amount: number };
      if (refuses(amount)) throw new Error(`refused amount ${amount}`);
      return { total: state.total + amount, applied: [...state.applied, event.position] };
    },
  });
}

/** Refuses negative amounts, except in the streams of `fixedStreams`. */
function streamProjectionFixedPer(fixedStreams: ReadonlySet<string>): Projection<RecordedEvent> {
  const fixedOne = tallies(() => false);
  const strict = tallies((amount) => amount < 0);
  return { ...strict, apply: (event, session) => (fixedStreams.has(event.stream) ? fixedOne : strict).apply(event, session) };
}

const buggy = tallies((amount) => amount < 0);
const fixed = tallies(() => false);
const add = (amount: number) => ({ type: 'Added', data: { amount } });

/** The stream folded from the log, independently of any runner: what a clean projection holds. */
async function cleanFold(events: EventStore, stream: string): Promise<Tally | undefined> {
  let state: Tally | undefined;
  for await (const event of events.readStream(stream)) {
    state ??= { total: 0, applied: [] };
    state = { total: state.total + (event.data as { amount: number }).amount, applied: [...state.applied, event.position] };
  }
  return state;
}

const dir = mkdtempSync(join(tmpdir(), 'annals-dlq-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
let files = 0;
const closing: (() => Promise<void>)[] = [];
afterEach(async () => {
  for (const close of closing.splice(0).reverse()) await close();
});

async function run(events: EventStore, registration: Parameters<typeof runProjections>[1], options: Parameters<typeof runProjections>[2] = {}): Promise<RunningProjections> {
  const running = await runProjections(events, registration, { leaseTtlMs: 1000, maxAttempts: 1, ...options });
  closing.push(() => running.stop());
  return running;
}

describe.each([
  ['memory', async () => new EventStore(await openMemory())],
  ['sqlite', () => openSqliteStore(join(dir, `dlq-${++files}.db`))],
])('dead letters on %s', (_name, open) => {
  async function store(): Promise<EventStore> {
    const events = await open();
    closing.push(() => events.close());
    return events;
  }

  /** acct-1 flows; acct-2 is poisoned at its second event, with two events behind it. */
  async function poisoned(events: EventStore): Promise<RunningProjections> {
    const running = await run(events, [buggy]);
    await events.append('acct-1', [add(1), add(2)]);
    await events.append('acct-2', [add(10), add(-3), add(4)]);
    await events.append('acct-1', [add(5)]);
    await events.append('acct-2', [add(6)]);
    await running.readModels.waitFor(buggy, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    return running;
  }

  const doc = (running: RunningProjections, stream: string) => running.readModels.collection<Tally>(buggy, 'state').get(stream);

  it('a poisoned stream parks while others flow; after the fix, retry applies its parked events once, in order', async () => {
    const events = await store();
    const running = await poisoned(events);
    expect(await doc(running, 'acct-1')).toEqual(await cleanFold(events, 'acct-1'));
    expect(await doc(running, 'acct-2')).toEqual({ total: 10, applied: [3] });
    const letters = await listDeadLetters(events.readModelStore(), buggy);
    expect(letters.map((l) => [l.stream, l.error])).toEqual([
      ['acct-2', 'Error: refused amount -3'],
      ['acct-2', AFTER_PARKED],
      ['acct-2', AFTER_PARKED],
    ]);
    expect((await listDeadLetters(events.readModelStore(), buggy, { after: letters[0]!.position, limit: 1 })).map((l) => l.position)).toEqual([letters[1]!.position]);

    // The runner holds the lease: the standalone operation refuses, naming it.
    const busy = await retryDeadLetters(events, fixed).catch((error: unknown) => error);
    expect(busy).toBeInstanceOf(ProjectionBusyError);
    expect(busy).toMatchObject({ code: 'ANNALS_PROJECTION_BUSY', holder: running.runners[0]!.owner, projection: 'tallies v1, generation 100' });
    expect((busy as ProjectionBusyError).leaseExpiresAt.getTime()).toBeGreaterThan(Date.now() - 1000);
    expect(await listDeadLetters(events.readModelStore(), buggy)).toHaveLength(3);

    // Deploy the fix: stop, retry with the fixed projection, start again.
    await running.stop();
    expect(await retryDeadLetters(events, fixed, { owner: 'ops' })).toEqual({ applied: 3, missing: 0, streams: ['acct-2'], failed: [], stillParked: 0 });
    expect(await listDeadLetters(events.readModelStore(), fixed)).toEqual([]);
    const again = await run(events, [fixed]);
    const { position } = await events.append('acct-2', [add(7)]);
    await again.readModels.waitFor(fixed, { minPosition: position, timeoutMs: 5000 });
    expect(await doc(again, 'acct-2')).toEqual(await cleanFold(events, 'acct-2'));
    expect(await doc(again, 'acct-1')).toEqual(await cleanFold(events, 'acct-1'));
    // The operation gave its lease up; the runner took it at the next epoch.
    expect((await again.status())[0]).toMatchObject({ deadLetters: 0, lease: { owner: again.runners[0]!.owner } });
  });

  it('a runner standing by learns again which streams are parked when it takes the lease', async () => {
    const events = await store();
    await (await poisoned(events)).stop();
    const { key } = await keyInUse(events.readModelStore(), fixed);
    await events.readModelStore().lease(key, 'elsewhere', 60_000);
    const standby = await run(events, [fixed]);
    await new Promise((resolve) => setTimeout(resolve, 100));
    expect(standby.runners[0]!.state).toBe('standby');
    expect([...standby.runners[0]!.parkedStreams]).toEqual(['acct-2']);
    const { epoch } = (await events.readModelStore().state(key))!;
    await events.readModelStore().release(key, 'elsewhere', epoch);
    // Retried by another process while this runner waits for the lease.
    expect(await retryDeadLetters(events, fixed)).toMatchObject({ streams: ['acct-2'] });
    const { position } = await events.append('acct-2', [add(7)]);
    await standby.readModels.waitFor(fixed, { minPosition: position, timeoutMs: 5000 });
    expect(await doc(standby, 'acct-2')).toEqual(await cleanFold(events, 'acct-2'));
  });

  it('an event that fails again stays parked with its new error, and so do the later ones of its stream', async () => {
    const events = await store();
    const running = await poisoned(events);
    await running.stop();
    const stricter = tallies((amount) => amount < 0 || amount === 6);
    const result = await retryDeadLetters(events, tallies((amount) => amount === 6));
    expect(result).toMatchObject({ applied: 2, missing: 0, streams: [], stillParked: 1 });
    expect(result.failed.map((l) => [l.stream, l.error])).toEqual([['acct-2', 'Error: refused amount 6']]);
    const letters = await listDeadLetters(events.readModelStore(), stricter);
    expect(letters.map((l) => l.error)).toEqual(['Error: refused amount 6']);
    const again = await run(events, [stricter]);
    const { position } = await events.append('acct-2', [add(1)]);
    await again.readModels.waitFor(stricter, { minPosition: position, timeoutMs: 5000 });
    // Still parked: the new event waits behind the one that failed again.
    expect(await doc(again, 'acct-2')).toEqual({ total: 11, applied: [3, 4, 5] });
    expect((await listDeadLetters(events.readModelStore(), stricter)).map((l) => l.error)).toEqual(['Error: refused amount 6', AFTER_PARKED]);
  });

  it('drop removes dead letters unapplied: the stream flows again from its next event', async () => {
    const events = await store();
    const running = await poisoned(events);
    await running.stop();
    await expect(dropDeadLetters(events, buggy, {})).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
    expect(await dropDeadLetters(events, buggy, { streams: ['acct-9'] })).toEqual({ dropped: 0, streams: [] });
    expect(await dropDeadLetters(events, buggy, { streams: ['acct-2'] })).toEqual({ dropped: 3, streams: ['acct-2'] });
    const again = await run(events, [buggy]);
    const { position } = await events.append('acct-2', [add(100)]);
    await again.readModels.waitFor(buggy, { minPosition: position, timeoutMs: 5000 });
    expect(await doc(again, 'acct-2')).toEqual({ total: 110, applied: [3, position] });
  });

  it('dropping only the poison event leaves the rest parked, for a retry to apply', async () => {
    const events = await store();
    const running = await poisoned(events);
    const [poison] = await listDeadLetters(events.readModelStore(), buggy);
    expect(await running.dropDeadLetters('tallies', { positions: [poison!.position] })).toEqual({ dropped: 1, streams: [] });
    expect(await running.retryDeadLetters('tallies')).toEqual({ applied: 2, missing: 0, streams: ['acct-2'], failed: [], stillParked: 0 });
    const { position } = await events.append('acct-2', [add(1)]);
    await running.readModels.waitFor(buggy, { minPosition: position, timeoutMs: 5000 });
    expect(await doc(running, 'acct-2')).toEqual({ total: 21, applied: [3, 5, 7, position] });
  });

  it('retries through the runner of this process, between its batches, and the runner lets the stream flow after', async () => {
    const events = await store();
    let allowNegative = false;
    const adjustable = tallies((amount) => amount < 0 && !allowNegative);
    const running = await run(events, [adjustable]);
    await events.append('acct-2', [add(10), add(-3), add(4)]);
    await running.readModels.waitFor(adjustable, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    expect(await running.retryDeadLetters('tallies')).toMatchObject({ applied: 0, stillParked: 2 });
    allowNegative = true;
    // Appends keep coming while the retry runs: none is applied before the retried ones, none twice.
    const appending = (async () => {
      for (let i = 0; i < 30; i++) await events.append('acct-2', [add(i)]);
    })();
    const result = await running.retryDeadLetters('tallies', { streams: ['acct-2'] });
    await appending;
    expect(result).toMatchObject({ streams: ['acct-2'], stillParked: 0 });
    await running.readModels.waitFor(adjustable, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    expect(await listDeadLetters(events.readModelStore(), adjustable)).toEqual([]);
    expect(await doc(running, 'acct-2')).toEqual(await cleanFold(events, 'acct-2'));
    await expect(running.retryDeadLetters('nothing')).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
  });

  it('a retry through the runner waits for the batch in progress, which may park more of the stream', async () => {
    const events = await store();
    let allowNegative = false;
    const adjustable = tallies((amount) => amount < 0 && !allowNegative);
    // The runner's reads of acct-1 wait at a gate: its batch is held between loading and committing.
    const real = events.readModelStore();
    let gate: { entered: () => void; open: Promise<void> } | undefined;
    const gated = Object.create(real) as typeof real;
    gated.get = async (collection, ids) => {
      const held = gate;
      if (held !== undefined && ids.includes('acct-1')) {
        gate = undefined;
        held.entered();
        await held.open;
      }
      return real.get(collection, ids);
    };
    const running = await run(events, [adjustable], { readModels: gated });
    await events.append('acct-2', [add(10), add(-3)]);
    await running.readModels.waitFor(adjustable, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    let open!: () => void;
    const entered = new Promise<void>((resolve) => (gate = { entered: resolve, open: new Promise((release) => (open = release)) }));
    // One page: an event of the parked stream (parked behind, by the batch held at the gate) and one of another stream.
    await events.appendMany([
      { stream: 'acct-2', events: [add(4)] },
      { stream: 'acct-1', events: [add(1)] },
    ]);
    await entered;
    allowNegative = true;
    const retry = running.retryDeadLetters('tallies');
    await new Promise((resolve) => setTimeout(resolve, 50));
    open();
    expect(await retry).toMatchObject({ applied: 2, streams: ['acct-2'], stillParked: 0 });
    await running.readModels.waitFor(adjustable, { minPosition: await events.headPosition(), timeoutMs: 5000 });
    expect(await listDeadLetters(real, adjustable)).toEqual([]);
    expect(await doc(running, 'acct-2')).toEqual(await cleanFold(events, 'acct-2'));
  });

  it('retries an inline projection while appends apply it inline: each event once, in order', async () => {
    const events = await store();
    const fixedStreams = new Set<string>();
    const adjustable = streamProjectionFixedPer(fixedStreams);
    const rounds = 120;
    // Appended before the projection runs: its catch-up runner applies them, and parks the poisoned streams.
    for (let round = 0; round < rounds; round++) await events.append(`acct-${round}`, [add(10), add(-3), add(4)]);
    const running = await run(events, { inline: [adjustable] });
    await running.caughtUp();
    expect(await listDeadLetters(events.readModelStore(), adjustable, { limit: 1000 })).toHaveLength(2 * rounds);
    for (let round = 0; round < rounds; round++) {
      const stream = `acct-${round}`;
      fixedStreams.add(stream);
      // An append to the parked stream races the retry, started a little later each round, so that
      // some round's inline apply lands at each step of the retry (before, at and after its commit).
      const appending = (async () => {
        for (let tick = 0; tick < round; tick++) await null;
        await events.append(stream, [add(100 + round)]);
      })();
      await Promise.all([running.retryDeadLetters('tallies', { streams: [stream] }), appending]);
      expect((await listDeadLetters(events.readModelStore(), adjustable, { limit: 1000 })).filter((l) => l.stream === stream)).toEqual([]);
      expect(await doc(running, stream)).toEqual(await cleanFold(events, stream));
    }
  });
});
