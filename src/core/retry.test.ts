import { describe, expect, it } from 'vitest';
import { InvalidArgumentError, StoreUnavailableError } from './errors.js';
import { retryWhileUnavailable } from './retry.js';

const unavailable = () => new StoreUnavailableError('test', 'connection lost');

describe('retryWhileUnavailable', () => {
  it('retries retryable failures until the call succeeds', async () => {
    let calls = 0;
    const result = await retryWhileUnavailable(async () => {
      if (++calls < 4) throw unavailable();
      return 'page';
    }, new AbortController().signal, { initialMs: 1 });
    expect(result).toBe('page');
    expect(calls).toBe(4);
  });

  it('passes other errors through at once', async () => {
    let calls = 0;
    const failing = retryWhileUnavailable(async () => {
      calls++;
      throw new InvalidArgumentError('after', -1, 'an integer >= 0');
    }, new AbortController().signal, { initialMs: 1 });
    await expect(failing).rejects.toMatchObject({ code: 'ANNALS_INVALID_ARGUMENT' });
    expect(calls).toBe(1);
  });

  it('gives up quietly when aborted while it waits', async () => {
    const controller = new AbortController();
    let calls = 0;
    const waiting = retryWhileUnavailable(async () => {
      if (++calls === 2) controller.abort();
      throw unavailable();
    }, controller.signal, { initialMs: 1 });
    await expect(waiting).resolves.toBeUndefined();
    expect(calls).toBe(2);
  });
});
