import type { RecordedEvent } from '../core/types.js';
import type { DecidedEvent } from './decider.js';

/** A recorded event typed by the decider's event union (data is null when the event had none). */
export type RecordedOf<Event extends DecidedEvent> = Event extends unknown
  ? RecordedEvent<Event['type'], Event extends { readonly data: infer Data } ? Data : null>
  : never;

/** What `handleCommand` returns: the events appended, the new state, and where the stream stands. */
export interface CommandResult<State, Event extends DecidedEvent> {
  /** The events the command appended, as recorded (ids, revisions, positions, metadata). Empty when it decided none. */
  readonly events: readonly RecordedOf<Event>[];
  /** The stream's state after the command's events (the loaded state when it decided none). */
  readonly state: State;
  /** The revision of the command's last event; when it decided none, the revision it loaded (-1: no events). */
  readonly streamRevision: number;
  /** The position of the command's last event; undefined when it decided none (nothing was appended). */
  readonly position: number | undefined;
}
