import { randomUUID } from 'node:crypto';
import type { DecidedEvent, Decider } from '../command/decider.js';
import { handleCommand } from '../command/handle-command.js';
import type { CommandStore } from '../command/load-state.js';
import type { HandleCommandOptions } from '../command/options.js';
import type { CommandResult } from '../command/result.js';
import type { EventMetadata, RecordedEvent } from '../core/types.js';
import { assertEvents, assertThrown, failWithThrown, type ErrorClass } from './spec-assert.js';

/** An event the command should append; `metadata`, when given, is compared key by key. */
export type ExpectedEvent<Event> = Event extends unknown
  ? Event & {
      /** The metadata keys to compare; others are not checked. */
      readonly metadata?: EventMetadata;
    }
  : never;

/** The assertions of a store spec, after `when`. */
export interface StoreThen<State, Event extends DecidedEvent> {
  /**
   * Asserts that handling the command appended exactly these events (type and data; metadata too,
   * for the keys an expected event gives) and that the stream holds them after the given ones.
   */
  then(expected: readonly ExpectedEvent<Event>[]): Promise<CommandResult<State, Event>>;
  /** Asserts that the command is refused with this error class and that nothing was appended. */
  thenThrows<E>(errorClass: ErrorClass<E>, check?: (error: E) => boolean | void): Promise<E>;
}

/** A store spec's given events, waiting for the command. */
export interface StoreGiven<State, Command, Event extends DecidedEvent> {
  /** The command to handle (with handleCommand and these options) once the given events are appended. */
  when(command: Command, options?: HandleCommandOptions): StoreThen<State, Event>;
}

/** Options of `storeSpec`. */
export interface StoreSpecOptions {
  /** The stream each test writes: a name, or a function called per given(…). Default: `spec-<random uuid>`. */
  readonly stream?: string | (() => string);
}

/**
 * The given/when/then test of deciderSpec, run through handleCommand against a real store:
 * the given events are appended to the stream first, then the command is handled.
 *
 *     const given = storeSpec(store, account, { stream: () => `account-${randomUUID()}` });
 *     await given([opened]).when({ type: 'Withdraw', amount: 1 }).thenThrows(InsufficientFunds);
 */
export function storeSpec<State, Command, Event extends DecidedEvent>(
  store: CommandStore,
  decider: Decider<State, Command, Event>,
  options: StoreSpecOptions = {},
) {
  const streamName = () => (typeof options.stream === 'function' ? options.stream() : (options.stream ?? `spec-${randomUUID()}`));
  return (events: readonly Event[] = []): StoreGiven<State, Command, Event> => ({
    when(command, handleOptions) {
      const stream = streamName();
      const arrange = async (): Promise<number> => {
        if (events.length > 0) await store.append(stream, events.map(toInput), { expectedRevision: 'any' });
        return (await store.streamInfo(stream)).revision;
      };
      const check = async (expected: readonly ExpectedEvent<Event>[]) => {
        const before = await arrange();
        const result = await handleCommand(store, decider, stream, command, handleOptions).catch((error: unknown) => failWithThrown(error, expected));
        assertEvents(result.events.map((e, i) => comparable(e, expected[i])), expected.map(normalise), 'The command appended other events than expected.');
        const stored = await readAfter(store, stream, before);
        assertEvents(stored.map((e, i) => comparable(e, expected[i])), expected.map(normalise), `The stream "${stream}" holds other events after the given ones.`);
        return result;
      };
      return {
        then(expected) {
          // `await given(…).when(…)` calls then(resolve, reject): settle it with the explanation instead of hanging.
          if (typeof expected === 'function') {
            const reject: unknown = arguments[1];
            const error = new TypeError('given(…).when(…) is not a promise: end it with .then(expectedEvents) or .thenThrows(ErrorClass).');
            if (typeof reject === 'function') reject(error);
            const refused = Promise.reject(error);
            refused.catch(() => undefined); // the await machinery ignores this promise: never report it as unhandled
            return refused;
          }
          return check(expected);
        },
        async thenThrows(errorClass, verify) {
          const before = await arrange();
          let result: CommandResult<State, Event> | undefined;
          let thrown: { error: unknown } | undefined;
          try {
            result = await handleCommand(store, decider, stream, command, handleOptions);
          } catch (error) {
            thrown = { error };
          }
          const error = assertThrown(thrown, result?.events.map((e) => comparable(e)), errorClass, verify);
          const appended = await readAfter(store, stream, before);
          assertEvents(appended.map((e) => comparable(e)), [], `The command was refused, but events were appended to "${stream}".`);
          return error;
        },
      };
    },
  });
}

function toInput(event: DecidedEvent) {
  return { type: event.type, ...(event.data === undefined ? {} : { data: event.data as never }), ...(event.metadata ? { metadata: event.metadata } : {}) };
}

/** An expected event as it is recorded: data null when it has none. */
function normalise(event: DecidedEvent): object {
  return { type: event.type, data: event.data ?? null, ...(event.metadata ? { metadata: event.metadata } : {}) };
}

/** The parts of a recorded event that the expected one speaks of. */
function comparable(recorded: RecordedEvent, expected?: DecidedEvent): object {
  if (!expected?.metadata) return { type: recorded.type, data: recorded.data };
  const metadata = Object.fromEntries(Object.keys(expected.metadata).map((key) => [key, recorded.metadata[key]]));
  return { type: recorded.type, data: recorded.data, metadata };
}

async function readAfter(store: CommandStore, stream: string, revision: number): Promise<RecordedEvent[]> {
  const events: RecordedEvent[] = [];
  for await (const event of store.readStream(stream, { fromRevision: revision + 1 })) events.push(event);
  return events;
}
