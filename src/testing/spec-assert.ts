import { AssertionError } from 'node:assert';
import { isDeepStrictEqual } from 'node:util';

/** Any error class, abstract ones included (e.g. a domain's base error). */
export type ErrorClass<E> = abstract new (...args: never[]) => E;

/** JSON for a failure message: readable on one line per value. */
export function show(value: unknown): string {
  if (value instanceof Error) return `${value.name}: ${value.message}`;
  try {
    return JSON.stringify(value) ?? String(value);
  } catch {
    return String(value);
  }
}

/** Fails with both values as JSON in the message, and as `expected`/`actual` for the test runner's diff. */
export function assertEvents(actual: unknown, expected: unknown, what: string): void {
  if (isDeepStrictEqual(actual, expected)) return;
  throw new AssertionError({
    message: `${what}\nexpected: ${show(expected)}\nactual:   ${show(actual)}`,
    actual,
    expected,
    operator: 'deepStrictEqual',
  });
}

export function fail(message: string, actual?: unknown, expected?: unknown): never {
  throw new AssertionError({ message, actual, expected, operator: 'fail' });
}

/** Checks that `run` threw an instance of `errorClass` (and passes `check`), and returns the error. */
export function assertThrown<E>(thrown: { error: unknown } | undefined, decided: unknown, errorClass: ErrorClass<E>, check?: (error: E) => boolean | void): E {
  const name = errorClass.name || 'the expected error';
  if (thrown === undefined) fail(`Expected the command to be refused with ${name}, but it decided: ${show(decided)}`, decided, name);
  const { error } = thrown;
  if (!(error instanceof errorClass)) {
    fail(`Expected the command to be refused with ${name}, but it threw ${show(error)}`, show(error), name);
  }
  if (check && check(error) === false) fail(`The ${name} thrown did not pass the check: ${show(error)} ${show({ ...error })}`, error, name);
  return error;
}

/** The command was expected to succeed and threw: show what was expected, and keep the error as the cause. */
export function failWithThrown(error: unknown, expected: unknown): never {
  const failure = new AssertionError({
    message: `Expected the command to give ${show(expected)}, but it threw ${show(error)}`,
    actual: show(error),
    expected,
    operator: 'fail',
  });
  (failure as { cause?: unknown }).cause = error;
  throw failure;
}

/** `await given(…).when(…)` calls `then` with two functions: say what to write instead. */
export function refuseAwait(expected: unknown): void {
  if (typeof expected === 'function') {
    throw new TypeError('given(…).when(…) is not a promise: end it with .then(expectedEvents) or .thenThrows(ErrorClass).');
  }
}
