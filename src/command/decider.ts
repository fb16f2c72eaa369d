import type { EventMetadata } from '../core/types.js';
import type { SnapshotPolicy } from './snapshot-policy.js';

/**
 * An event as a decider returns it: a plain object with a `type`, JSON `data` and optional
 * `metadata`. The handler gives it an id and adds correlation and causation metadata.
 */
export interface DecidedEvent {
  /** The event's type. */
  readonly type: string;
  /** The event's payload, a JSON value. */
  readonly data?: unknown;
  /** The event's own metadata: over the `metadata` option of handleCommand, under the correlation and causation ids. */
  readonly metadata?: EventMetadata;
}

/**
 * The write side of one kind of stream, as three plain functions over plain data:
 * - `initialState()`: the state of a stream without events;
 * - `evolve(state, event)`: the state after one more event (pure, never throws for a known event);
 * - `decide(command, state)`: the events a command produces, or a thrown domain error.
 *
 * Write it as an object literal that `satisfies Decider<State, Command, Event>`: the call sites
 * (handleCommand, the test DSL) then infer the three unions from the object.
 */
export interface Decider<State, Command, Event extends DecidedEvent> {
  /** The state of a stream without events. */
  readonly initialState: () => State;
  /** The state after one more event: pure, and never throws for a known event. */
  readonly evolve: (state: State, event: Event) => State;
  /** The events a command produces in a state (none is fine), or a thrown domain error. */
  readonly decide: (command: Command, state: State) => readonly Event[];
  /**
   * Opt-in snapshots: the handler then loads the stream's snapshot (when its version matches)
   * and folds only the events after it, and saves a new one as the policy says. The state must be JSON.
   */
  readonly snapshot?: SnapshotPolicy<State, Event>;
}

/** Any decider, for generic constraints. */
export type AnyDecider = Decider<any, any, any>;

/** A decider's state type. */
export type StateOf<D> = D extends Decider<infer S, any, any> ? S : never;
/** A decider's command type. */
export type CommandOf<D> = D extends Decider<any, infer C, any> ? C : never;
/** A decider's event type. */
export type EventOf<D> = D extends Decider<any, any, infer E> ? E : never;

/** Folds events into a state, from the decider's initial state unless one is given. */
export function foldEvents<State, Event extends DecidedEvent>(
  decider: Pick<Decider<State, unknown, Event>, 'initialState' | 'evolve'>,
  events: Iterable<Event>,
  state: State = decider.initialState(),
): State {
  for (const event of events) state = decider.evolve(state, event);
  return state;
}
