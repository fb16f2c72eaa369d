import { foldEvents, type DecidedEvent, type Decider } from '../command/decider.js';
import { assertEvents, assertThrown, failWithThrown, refuseAwait, type ErrorClass } from './spec-assert.js';

/** The assertions of a decider spec, after `when`. */
export interface DeciderThen<State, Event> {
  /** Asserts that the command decides exactly these events (in order, compared deeply). */
  then(expected: readonly Event[]): void;
  /** Asserts that the command is refused with this error class (and, when given, that `check` does not return false). */
  thenThrows<E>(errorClass: ErrorClass<E>, check?: (error: E) => boolean | void): E;
  /** Asserts the state after the given events and the decided ones. */
  thenState(expected: State): void;
}

/** A decider spec's given events, waiting for the command. */
export interface DeciderGiven<State, Command, Event> {
  /** The command to decide on the state folded from the given events. */
  when(command: Command): DeciderThen<State, Event>;
}

/**
 * A given/when/then test for a pure decider, with no store:
 *
 *     const given = deciderSpec(account);
 *     given([opened]).when({ type: 'Deposit', amount: 500 }).then([{ type: 'MoneyDeposited', data: { amount: 500 } }]);
 *     given([]).when({ type: 'Deposit', amount: 500 }).thenThrows(AccountNotOpen);
 *
 * A failure throws an AssertionError that shows the expected and the actual events.
 */
export function deciderSpec<State, Command, Event extends DecidedEvent>(decider: Decider<State, Command, Event>) {
  return (events: readonly Event[] = []): DeciderGiven<State, Command, Event> => ({
    when(command) {
      const run = () => decider.decide(command, foldEvents(decider, events));
      const decideOrFail = (expected: unknown): readonly Event[] => {
        try {
          return run();
        } catch (error) {
          failWithThrown(error, expected);
        }
      };
      return {
        then(expected) {
          refuseAwait(expected);
          assertEvents(decideOrFail(expected), expected, 'The command decided other events than expected.');
        },
        thenThrows(errorClass, check) {
          let decided: readonly Event[] | undefined;
          let thrown: { error: unknown } | undefined;
          try {
            decided = run();
          } catch (error) {
            thrown = { error };
          }
          return assertThrown(thrown, decided, errorClass, check);
        },
        thenState(expected) {
          assertEvents(foldEvents(decider, decideOrFail(expected), foldEvents(decider, events)), expected, 'The state after the command differs from the expected state.');
        },
      };
    },
  });
}
