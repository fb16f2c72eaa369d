import { setTimeout as sleep } from 'node:timers/promises';

/** The wait between retries of a conflicting command: exponential, with full jitter (backoffDelay). */
export interface Backoff {
  /** The cap of the first wait, in milliseconds. Default 10. */
  readonly initialMs?: number;
  /** No wait is longer than this. Default 1000. */
  readonly maxMs?: number;
}

/** The backoff handleCommand uses when none is given. */
export const DEFAULT_BACKOFF = {
  /** The cap of the first wait, in milliseconds. */
  initialMs: 10,
  /** The longest wait, in milliseconds. */
  maxMs: 1000,
} as const;

/**
 * The wait before retry number `retry` (1, 2, …): a random time between 0 and
 * min(maxMs, initialMs · 2^(retry-1)) ("full jitter"), so that writers that collided once
 * spread out instead of colliding again in step.
 */
export function backoffDelay(retry: number, backoff: Required<Backoff>, random: () => number = Math.random): number {
  const cap = Math.min(backoff.maxMs, backoff.initialMs * 2 ** Math.max(0, retry - 1));
  return Math.floor(random() * cap);
}

export async function waitBeforeRetry(retry: number, backoff: Required<Backoff>): Promise<void> {
  const delay = backoffDelay(retry, backoff);
  if (delay > 0) await sleep(delay);
}
