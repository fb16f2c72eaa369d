import { afterEach, beforeEach, describe, expect, expectTypeOf, it } from 'vitest';
import { counter, CounterTooHigh, type Counter } from '../../examples/counter/counter.js';
import { InvalidArgumentError, WrongExpectedRevisionError } from '../core/errors.js';
import type { EventStore } from '../core/event-store.js';
import { openStore } from '../core/open-store.js';
import { CommandHandler } from './command-handler.js';
import { handleCommand } from './handle-command.js';
import type { CommandStore } from './load-state.js';

const noWait = { initialMs: 0, maxMs: 0 };
let store: EventStore;
beforeEach(async () => {
  store = await openStore('memory:');
});
afterEach(() => store.close());

async function types(stream: string): Promise<string[]> {
  const found: string[] = [];
  for await (const event of store.readStream(stream)) found.push(event.type);
  return found;
}

/** The store, except that another writer appends just before the handler's first `times` appends. */
function racingStore(times: number): CommandStore & { appends: number } {
  const wrapper = {
    appends: 0,
    readStream: store.readStream.bind(store),
    getEvent: store.getEvent.bind(store),
    streamInfo: store.streamInfo.bind(store),
    append: async (...args: Parameters<EventStore['append']>) => {
      if (wrapper.appends++ < times) await store.append(args[0], [{ type: 'Incremented', data: { by: 10, total: -1 } }]);
      return store.append(...args);
    },
  };
  return wrapper;
}

describe('handleCommand', () => {
  it('folds the stream, decides, and appends with no_stream on a new stream and the exact revision after', async () => {
    const first = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 2 });
    expect(first).toMatchObject({ state: { total: 2 }, streamRevision: 0 });
    expect(first.events).toMatchObject([{ type: 'Incremented', data: { by: 2, total: 2 }, stream: 'counter-1', revision: 0 }]);
    expect(first.position).toBe(first.events[0]!.position);

    const second = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 3 });
    expect(second).toMatchObject({ state: { total: 5 }, streamRevision: 1, position: second.events[0]!.position });
    expect(await types('counter-1')).toEqual(['Incremented', 'Incremented']);
  });

  it('infers state, event and command types from the decider', async () => {
    const result = await handleCommand(store, counter, 'counter-1', { type: 'Reset' });
    expectTypeOf(result.state).toEqualTypeOf<Counter>();
    expectTypeOf(result.events[0]!.type).toEqualTypeOf<'Incremented' | 'Reset'>();
    // @ts-expect-error: not a command of the counter
    await expect(handleCommand(store, counter, 'counter-1', { type: 'Decrement' })).rejects.toThrow();
  });

  it('lets an error thrown by decide reach the caller unchanged, and appends nothing', async () => {
    await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 100 });
    const error = await handleCommand(store, counter, 'counter-1', { type: 'Increment' }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(CounterTooHigh);
    expect((error as CounterTooHigh).message).toBe('100 + 1 is more than 100');
    expect(await types('counter-1')).toEqual(['Incremented']);
  });

  it('appends nothing when decide returns no events, and returns the loaded state and revision without a position', async () => {
    expect(await handleCommand(store, counter, 'counter-1', { type: 'Check' })).toEqual({ events: [], state: { total: 0 }, streamRevision: -1, position: undefined });
    await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 4 });
    expect(await handleCommand(store, counter, 'counter-1', { type: 'Check' })).toEqual({ events: [], state: { total: 4 }, streamRevision: 0, position: undefined });
    expect((await store.streamInfo('counter-1')).revision).toBe(0);
  });

  it('reloads and decides again after a conflict, on the state the other writer left', async () => {
    const racing = racingStore(2);
    const conflicts: [number, number][] = [];
    const result = await handleCommand(racing, counter, 'counter-1', { type: 'Increment' }, { backoff: noWait, onConflict: (e, attempt) => conflicts.push([e.actual, attempt]) });
    // Attempt 1 loaded no events (other writer at 0), attempt 2 loaded revision 0 (other writer at 1).
    expect(conflicts).toEqual([[0, 1], [1, 2]]);
    expect(result).toMatchObject({ streamRevision: 2, state: { total: -1 + 1 }, events: [{ revision: 2, data: { by: 1, total: 0 } }] });
  });

  it('throws the last conflict when the retries run out, having appended nothing of its own', async () => {
    const racing = racingStore(Infinity);
    const error = await handleCommand(racing, counter, 'counter-1', { type: 'Reset' }, { maxRetries: 3, backoff: noWait }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(WrongExpectedRevisionError);
    expect(error).toMatchObject({ stream: 'counter-1', expected: 2, actual: 3 });
    expect(racing.appends).toBe(4);
    expect(await types('counter-1')).toEqual(['Incremented', 'Incremented', 'Incremented', 'Incremented']);
  });

  it('retries 5 times by default', async () => {
    const racing = racingStore(Infinity);
    await expect(handleCommand(racing, counter, 'counter-1', { type: 'Reset' }, { backoff: noWait })).rejects.toBeInstanceOf(WrongExpectedRevisionError);
    expect(racing.appends).toBe(6);
  });

  it('writes the command id as causationId and correlationId, under options and over the base metadata', async () => {
    const result = await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'c-1', metadata: { user: 'ann', causationId: 'lost' } });
    expect(result.events[0]!.metadata).toEqual({ user: 'ann', correlationId: 'c-1', causationId: 'c-1' });
    const correlated = await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'c-2', correlationId: 'session-9' });
    expect(correlated.events[0]!.metadata).toEqual({ correlationId: 'session-9', causationId: 'c-2' });
    const plain = await handleCommand(store, counter, 'counter-1', { type: 'Increment' });
    expect(plain.events[0]!.metadata).toEqual({});
  });

  it('continues a soft-deleted stream and a stream truncated to nothing at their revisions', async () => {
    await handleCommand(store, counter, 'counter-1', { type: 'Increment' });
    await store.deleteStream('counter-1');
    expect(await handleCommand(store, counter, 'counter-1', { type: 'Increment' })).toMatchObject({ streamRevision: 1, state: { total: 1 } });
    await store.truncateStream('counter-1', { before: 2 });
    expect(await handleCommand(store, counter, 'counter-1', { type: 'Reset' })).toMatchObject({ streamRevision: 2, state: { total: 0 } });
  });

  it('refuses bad options before reading anything', async () => {
    for (const options of [{ maxRetries: -1 }, { maxRetries: 1.5 }, { commandId: '' }, { backoff: { initialMs: Number.NaN } }, { queue: { maxWaiting: -1 } }, { queue: { maxWaiting: 2.5 } }, { queue: 'yes' as never }]) {
      await expect(handleCommand(store, counter, 'counter-1', { type: 'Reset' }, options)).rejects.toBeInstanceOf(InvalidArgumentError);
    }
    expect((await store.streamInfo('counter-1')).exists).toBe(false);
  });
});

describe('CommandHandler', () => {
  it('handles commands with its store, decider and default options, which a call may override', async () => {
    const handler = new CommandHandler(store, counter, { metadata: { app: 'tests' }, correlationId: 'default' });
    const first = await handler.handle('counter-1', { type: 'Increment', by: 5 });
    const second = await handler.handle('counter-1', { type: 'Increment' }, { correlationId: 'override' });
    expect(second.state).toEqual({ total: 6 });
    expect([first.events[0]!.metadata, second.events[0]!.metadata]).toEqual([
      { app: 'tests', correlationId: 'default' },
      { app: 'tests', correlationId: 'override' },
    ]);
  });
});
