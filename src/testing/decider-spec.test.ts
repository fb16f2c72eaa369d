import { AssertionError } from 'node:assert';
import { describe, expect, it } from 'vitest';
import { counter, CounterTooHigh } from '../../examples/counter/counter.js';
import { deciderSpec } from './decider-spec.js';

const given = deciderSpec(counter);
const at = (total: number) => ({ type: 'Incremented', data: { by: total, total } }) as const;

/** The assertion error a spec throws (fails the test when it throws none). */
function failure(run: () => unknown): AssertionError {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(AssertionError);
    return error as AssertionError;
  }
  throw new Error('the spec passed, but it should have failed');
}

describe('deciderSpec', () => {
  it('passes when the command decides the expected events, after folding the given ones', () => {
    given([at(5)]).when({ type: 'Increment', by: 2 }).then([{ type: 'Incremented', data: { by: 2, total: 7 } }]);
    given().when({ type: 'Check' }).then([]);
    given([at(5)]).when({ type: 'Increment' }).thenState({ total: 6 });
  });

  it('fails with the expected and the actual events as JSON when the events differ', () => {
    const error = failure(() => given([at(5)]).when({ type: 'Increment' }).then([{ type: 'Incremented', data: { by: 1, total: 5 } }]));
    expect(error.message).toContain('expected: [{"type":"Incremented","data":{"by":1,"total":5}}]');
    expect(error.message).toContain('actual:   [{"type":"Incremented","data":{"by":1,"total":6}}]');
    expect(error.expected).toEqual([{ type: 'Incremented', data: { by: 1, total: 5 } }]);
    expect(error.actual).toEqual([{ type: 'Incremented', data: { by: 1, total: 6 } }]);
  });

  it('fails, showing the error, when events were expected and decide threw', () => {
    const error = failure(() => given([at(100)]).when({ type: 'Increment' }).then([]));
    expect(error.message).toBe('Expected the command to give [], but it threw Error: 100 + 1 is more than 100');
    expect(error.cause).toBeInstanceOf(CounterTooHigh);
  });

  it('passes thenThrows for the expected error class, and returns the error', () => {
    const error = given([at(100)]).when({ type: 'Increment' }).thenThrows(CounterTooHigh);
    expect(error.code).toBe('COUNTER_TOO_HIGH');
    given([at(100)]).when({ type: 'Increment' }).thenThrows(CounterTooHigh, (e) => e.message.startsWith('100 + 1'));
  });

  it('fails thenThrows when the command decided events, or threw another error, or failed the check', () => {
    expect(failure(() => given().when({ type: 'Increment' }).thenThrows(CounterTooHigh)).message).toBe(
      'Expected the command to be refused with CounterTooHigh, but it decided: [{"type":"Incremented","data":{"by":1,"total":1}}]',
    );
    expect(failure(() => given().when({ type: 'Increment' }).thenThrows(RangeError)).message).toContain('refused with RangeError');
    expect(failure(() => given([at(100)]).when({ type: 'Increment' }).thenThrows(RangeError)).message).toContain('but it threw Error: 100 + 1 is more than 100');
    expect(failure(() => given([at(100)]).when({ type: 'Increment' }).thenThrows(CounterTooHigh, () => false)).message).toContain('did not pass the check');
  });

  it('fails thenState when the state differs', () => {
    expect(failure(() => given().when({ type: 'Increment' }).thenState({ total: 2 })).message).toContain('expected: {"total":2}\nactual:   {"total":1}');
  });

  it('refuses to be awaited without then', async () => {
    await expect(async () => {
      await (given().when({ type: 'Check' }) as unknown as Promise<void>);
    }).rejects.toThrow(/end it with \.then\(expectedEvents\)/);
  });
});
