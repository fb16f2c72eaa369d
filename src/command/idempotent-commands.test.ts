import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { counter } from '../../examples/counter/counter.js';
import type { EventStore } from '../core/event-store.js';
import { openStore } from '../core/open-store.js';
import { commandEventId } from './event-ids.js';
import { handleCommand } from './handle-command.js';

let store: EventStore;
beforeEach(async () => {
  store = await openStore('memory:');
});
afterEach(() => store.close());

async function revisions(stream: string): Promise<number> {
  return (await store.streamInfo(stream)).revision;
}

describe('idempotent commands', () => {
  it('derives the event ids from the command id and writes it as causationId', async () => {
    const result = await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'cmd-1' });
    expect(result.events.map((e) => e.id)).toEqual([commandEventId('counter-1', 'cmd-1', 0)]);
    expect(result.events[0]!.metadata.causationId).toBe('cmd-1');
  });

  it('appends once and returns the original result when the same command is handled twice', async () => {
    const first = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 3 }, { commandId: 'cmd-1' });
    const again = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 3 }, { commandId: 'cmd-1' });
    expect(again).toEqual(first);
    expect(await revisions('counter-1')).toBe(0);
  });

  it('returns the original result, not a conflict, after other commands moved the stream on', async () => {
    await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 1 });
    const first = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 3 }, { commandId: 'cmd-1' });
    await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 5 });
    await handleCommand(store, counter, 'counter-1', { type: 'Reset' }, { commandId: 'cmd-2' });
    const again = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 3 }, { commandId: 'cmd-1' });
    expect(again).toEqual(first);
    expect(again).toMatchObject({ state: { total: 4 }, streamRevision: 1 });
    expect(await revisions('counter-1')).toBe(3);
  });

  it('takes the command id from a commandId field of the command', async () => {
    const first = await handleCommand(store, counter, 'counter-1', { type: 'Increment', commandId: 'cmd-9' });
    const again = await handleCommand(store, counter, 'counter-1', { type: 'Increment', commandId: 'cmd-9' });
    expect(first.events[0]!.metadata).toEqual({ correlationId: 'cmd-9', causationId: 'cmd-9' });
    expect(again).toEqual(first);
    expect(await revisions('counter-1')).toBe(0);
  });

  it('handles the same command id on two streams as two commands', async () => {
    await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'cmd-1' });
    const other = await handleCommand(store, counter, 'counter-2', { type: 'Increment' }, { commandId: 'cmd-1' });
    expect(other.streamRevision).toBe(0);
    expect(await revisions('counter-2')).toBe(0);
  });

  it('appends once when the same command is handled by two callers racing at the same time', async () => {
    // Without the queue, as two processes would: both look it up, both decide, one append wins.
    const [a, b] = await Promise.all([
      handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 2 }, { commandId: 'cmd-1', queue: false }),
      handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 2 }, { commandId: 'cmd-1', queue: false }),
    ]);
    expect(a).toEqual(b);
    expect(await revisions('counter-1')).toBe(0);
  });

  it('returns the original result when the same command lands between its lookup and its load, with others after it', async () => {
    let original: unknown;
    let lookups = 0;
    const racing = {
      readStream: store.readStream.bind(store),
      streamInfo: store.streamInfo.bind(store),
      append: store.append.bind(store),
      getEvent: async (id: string) => {
        const found = await store.getEvent(id);
        if (lookups++ === 0) {
          // Another caller handles the same command, and a third writer appends after it.
          original = await handleCommand(store, counter, 'counter-1', { type: 'Increment', by: 2 }, { commandId: 'cmd-1' });
          await handleCommand(store, counter, 'counter-1', { type: 'Increment' });
        }
        return found;
      },
    };
    const result = await handleCommand(racing, counter, 'counter-1', { type: 'Increment', by: 2 }, { commandId: 'cmd-1' });
    expect(result).toEqual(original);
    expect(lookups).toBe(2);
    expect(await revisions('counter-1')).toBe(1);
  });

  it('decides again when the events of the handled command were deleted', async () => {
    await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'cmd-1' });
    await store.deleteStream('counter-1');
    const again = await handleCommand(store, counter, 'counter-1', { type: 'Increment' }, { commandId: 'cmd-1' });
    expect(again).toMatchObject({ streamRevision: 1, state: { total: 1 } });
  });

  it('treats a command that decided nothing as not handled: a retry decides again', async () => {
    const first = await handleCommand(store, counter, 'counter-1', { type: 'Check' }, { commandId: 'cmd-1' });
    await handleCommand(store, counter, 'counter-1', { type: 'Increment' });
    const again = await handleCommand(store, counter, 'counter-1', { type: 'Check' }, { commandId: 'cmd-1' });
    expect([first.streamRevision, again.streamRevision]).toEqual([-1, 0]);
  });
});
