import { describe, expect, it } from 'vitest';
import { backoffDelay } from './backoff.js';

describe('backoffDelay', () => {
  const backoff = { initialMs: 10, maxMs: 100 };

  it('doubles the cap with each retry and never exceeds maxMs', () => {
    const almostOne = () => 0.9999;
    expect([1, 2, 3, 4, 5, 6].map((retry) => backoffDelay(retry, backoff, almostOne))).toEqual([9, 19, 39, 79, 99, 99]);
  });

  it('draws the wait at random between 0 and the cap (full jitter)', () => {
    expect(backoffDelay(3, backoff, () => 0)).toBe(0);
    expect(backoffDelay(3, backoff, () => 0.5)).toBe(20);
  });
});
