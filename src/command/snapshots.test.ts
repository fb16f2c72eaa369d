import fc from 'fast-check';
import { afterEach, describe, expect, it } from 'vitest';
import { counter, type Counter, type CounterCommand, type CounterEvent } from '../../examples/counter/counter.js';
import { InvalidArgumentError } from '../core/errors.js';
import { EventStore } from '../core/event-store.js';
import { MemoryBackend } from '../adapters/memory/index.js';
import { openStore } from '../core/open-store.js';
import type { Decider } from './decider.js';
import { handleCommand } from './handle-command.js';
import { replayFromEnvironment } from '../testing/conformance/property.js';
import type { SnapshotPolicy } from './snapshot-policy.js';

type CounterDecider = Decider<Counter, CounterCommand, CounterEvent>;

const opened: EventStore[] = [];
async function open(url: string): Promise<EventStore> {
  const store = await openStore(url);
  opened.push(store);
  return store;
}
afterEach(async () => {
  for (const store of opened.splice(0)) await store.close();
});

function withSnapshots(snapshot: SnapshotPolicy<Counter, CounterEvent>): CounterDecider {
  return { ...counter, snapshot };
}

/** The outcome of a command, comparable across stores: the state and revision, or the domain error's message. */
async function outcome(store: EventStore, decider: CounterDecider, command: CounterCommand) {
  try {
    const { state, streamRevision } = await handleCommand(store, decider, 'counter-1', command);
    return { state, streamRevision };
  } catch (error) {
    return { refused: (error as Error).message };
  }
}

const command: fc.Arbitrary<CounterCommand> = fc.oneof(
  { arbitrary: fc.record({ type: fc.constant('Increment' as const), by: fc.integer({ min: 1, max: 30 }) }), weight: 6 },
  { arbitrary: fc.constant({ type: 'Reset' as const }), weight: 1 },
  { arbitrary: fc.constant({ type: 'Check' as const }), weight: 1 },
);
/** A command, or a change of the snapshot version (the state's shape "changed"). */
const step = fc.oneof({ arbitrary: command, weight: 9 }, { arbitrary: fc.constant('new version' as const), weight: 1 });
const policy: fc.Arbitrary<{ every?: number; when?: (state: Counter, event: CounterEvent) => boolean }> = fc.oneof(
  fc.record({ every: fc.integer({ min: 1, max: 5 }) }),
  fc.record({ when: fc.integer({ min: 2, max: 9 }).map((m) => (state: Counter) => state.total % m === 0) }),
  fc.record({ every: fc.integer({ min: 2, max: 6 }), when: fc.constant((_: Counter, event: CounterEvent) => event.type === 'Reset') }),
);

describe.each([
  ['memory', () => 'memory:'],
  ['sqlite', () => 'sqlite::memory:'],
])('handleCommand with snapshots on the %s store', (_name, url) => {
  it('gives the same state and revision as without snapshots, for random commands and version changes', async () => {
    await fc.assert(
      fc.asyncProperty(fc.array(step, { maxLength: 40 }), policy, async (steps, { every, when }) => {
        const plain = await open(url());
        const snapshotted = await open(url());
        let version = 1;
        let decider = withSnapshots({ version, every, when });
        for (const next of steps) {
          if (next === 'new version') {
            // The stored snapshot is now stale: make it wrong too, so that using it would show.
            const info = await snapshotted.streamInfo('counter-1');
            if (info.exists && info.revision >= info.truncatedBefore) {
              await snapshotted.saveSnapshot('counter-1', { revision: info.revision, version, state: { total: -1000 } });
            }
            decider = withSnapshots({ version: ++version, every, when });
            continue;
          }
          expect(await outcome(snapshotted, decider, next)).toEqual(await outcome(plain, counter, next));
        }
        const reloadPlain = await outcome(plain, counter, { type: 'Check' });
        expect(await outcome(snapshotted, decider, { type: 'Check' })).toEqual(reloadPlain);
        await Promise.all([plain.close(), snapshotted.close()]);
      }),
      { numRuns: 40, ...replayFromEnvironment() },
    );
  });
});

describe('handleCommand with snapshots', () => {
  it('saves a snapshot once `every` events were appended since the last one', async () => {
    const store = await open('memory:');
    const decider = withSnapshots({ version: 'v1', every: 3 });
    for (let i = 0; i < 2; i++) await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    expect(await store.loadSnapshot('counter-1')).toBeUndefined();
    await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    expect(await store.loadSnapshot('counter-1')).toMatchObject({ revision: 2, version: 'v1', state: { total: 3 } });
    for (let i = 0; i < 2; i++) await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    expect(await store.loadSnapshot('counter-1')).toMatchObject({ revision: 2 });
    await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    expect(await store.loadSnapshot('counter-1')).toMatchObject({ revision: 5, state: { total: 6 } });
  });

  it('saves a snapshot after an event for which `when` holds', async () => {
    const store = await open('memory:');
    const decider = withSnapshots({ version: 1, when: (_state, event) => event.type === 'Reset' });
    await handleCommand(store, decider, 'counter-1', { type: 'Increment', by: 5 });
    expect(await store.loadSnapshot('counter-1')).toBeUndefined();
    await handleCommand(store, decider, 'counter-1', { type: 'Reset' });
    expect(await store.loadSnapshot('counter-1')).toMatchObject({ revision: 1, version: 1, state: { total: 0 } });
  });

  it('starts from a snapshot of its version and folds only the events after it', async () => {
    const store = await open('memory:');
    const decider = withSnapshots({ version: 1, every: 1000 });
    for (let i = 0; i < 3; i++) await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    // A snapshot the events do not explain: only reading it could give this state.
    await store.saveSnapshot('counter-1', { revision: 2, version: 1, state: { total: 40 } });
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Check' })).toMatchObject({ state: { total: 40 }, streamRevision: 2 });
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Increment', by: 2 })).toMatchObject({ state: { total: 42 }, streamRevision: 3 });
    // The event appended after the snapshot is folded onto it.
    await store.saveSnapshot('counter-1', { revision: 2, version: 1, state: { total: 10 } });
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Check' })).toMatchObject({ state: { total: 42 }, streamRevision: 3 });
  });

  it('ignores a snapshot of another version, and replaces it at the next save', async () => {
    const store = await open('memory:');
    for (let i = 0; i < 3; i++) await handleCommand(store, counter, 'counter-1', { type: 'Increment' });
    await store.saveSnapshot('counter-1', { revision: 2, version: 1, state: { total: 40 } });
    const decider = withSnapshots({ version: 2, every: 2 });
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Check' })).toMatchObject({ state: { total: 3 } });
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Increment' })).toMatchObject({ state: { total: 4 }, streamRevision: 3 });
    expect(await store.loadSnapshot('counter-1')).toMatchObject({ revision: 3, version: 2, state: { total: 4 } });
    // A string version is another version than the same digits as a number.
    const stringly = withSnapshots({ version: '2', every: 100 });
    await store.saveSnapshot('counter-1', { revision: 3, version: 2, state: { total: 40 } });
    expect(await handleCommand(store, stringly, 'counter-1', { type: 'Check' })).toMatchObject({ state: { total: 4 } });
  });

  it('folds from the start again after a delete removed the snapshot', async () => {
    const store = await open('memory:');
    const decider = withSnapshots({ version: 1, every: 1 });
    await handleCommand(store, decider, 'counter-1', { type: 'Increment', by: 7 });
    await store.deleteStream('counter-1');
    expect(await store.loadSnapshot('counter-1')).toBeUndefined();
    expect(await handleCommand(store, decider, 'counter-1', { type: 'Increment' })).toMatchObject({ state: { total: 1 }, streamRevision: 1 });
  });

  it('still succeeds when the snapshot cannot be saved, and reports why', async () => {
    const store = await open('memory:');
    const decider: Decider<{ at: Date }, CounterCommand, CounterEvent> = {
      initialState: () => ({ at: new Date(0) }),
      evolve: (state) => state,
      decide: () => [{ type: 'Reset' }],
      snapshot: { version: 1, every: 1 },
    };
    const errors: unknown[] = [];
    const result = await handleCommand(store, decider, 'counter-1', { type: 'Reset' }, { onSnapshotError: (error) => errors.push(error) });
    expect(result.streamRevision).toBe(0);
    expect(errors).toHaveLength(1);
    expect(errors[0]).toBeInstanceOf(InvalidArgumentError);
    expect(await store.loadSnapshot('counter-1')).toBeUndefined();
  });

  it('folds the whole stream on a backend without the snapshots part, instead of failing', async () => {
    const backend = new MemoryBackend();
    const store = new EventStore({ ...backend, close: () => backend.close(), parts: { log: backend.parts.log } });
    opened.push(store);
    const decider = withSnapshots({ version: 'v1', every: 1 });
    for (let i = 0; i < 3; i++) await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    const { state, streamRevision } = await handleCommand(store, decider, 'counter-1', { type: 'Increment' });
    expect({ state, streamRevision }).toEqual({ state: { total: 4 }, streamRevision: 3 });
    expect(await backend.parts.snapshots.load('counter-1')).toBeUndefined();
  });

  it('refuses a bad snapshot policy before reading anything', async () => {
    const store = await open('memory:');
    for (const snapshot of [{ version: 1, every: 0 }, { version: 1, every: 1.5 }, { version: '' }, { version: 1.5 }, { version: 1, when: 'often' }]) {
      const decider = { ...counter, snapshot } as unknown as CounterDecider;
      await expect(handleCommand(store, decider, 'counter-1', { type: 'Increment' })).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect((await store.streamInfo('counter-1')).exists).toBe(false);
  });
});
