import type { RecordedEvent } from '../core/types.js';
import type { DecidedEvent, Decider } from './decider.js';
import { commandEventId } from './event-ids.js';
import { toDecidedEvent, type CommandStore } from './load-state.js';
import type { CommandResult, RecordedOf } from './result.js';

/**
 * The result of a command already handled on this stream, rebuilt from the log, or undefined.
 * The command's first event has a known id (derived from the command id), so one getEvent
 * answers "was it handled?"; then one read folds the stream up to the command's last event.
 */
export async function findHandledCommand<State, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  stream: string,
  commandId: string,
): Promise<CommandResult<State, Event> | undefined> {
  const first = await store.getEvent(commandEventId(stream, commandId, 0));
  if (first === undefined || first.stream !== stream) return undefined;
  let state = decider.initialState();
  const events: RecordedEvent[] = [];
  for await (const recorded of store.readStream(stream)) {
    if (recorded.revision >= first.revision) {
      if (recorded.id !== commandEventId(stream, commandId, events.length)) break;
      events.push(recorded);
    }
    state = decider.evolve(state, toDecidedEvent<Event>(recorded));
  }
  const last = events[events.length - 1];
  // Removed between the two calls (a delete or a truncate): the command counts as not handled.
  if (last === undefined) return undefined;
  return { events: events as unknown as RecordedOf<Event>[], state, streamRevision: last.revision, position: last.position };
}
