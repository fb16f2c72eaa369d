import { setTimeout as sleep } from 'node:timers/promises';
import { AnnalsError } from './errors.js';

export interface RetryOptions {
  readonly initialMs?: number;
  readonly maxMs?: number;
}

/**
 * Runs `attempt` until it succeeds, waiting with doubling back-off after each retryable
 * failure (a lost connection, a locked file): what a subscription does so that an outage
 * delays it instead of ending it. Other errors go to the caller at once. Returns undefined
 * when `signal` aborts while it waits.
 */
export async function retryWhileUnavailable<T>(attempt: () => Promise<T>, signal: AbortSignal, options: RetryOptions = {}): Promise<T | undefined> {
  const maxMs = options.maxMs ?? 2000;
  let delayMs = options.initialMs ?? 25;
  for (;;) {
    try {
      return await attempt();
    } catch (error) {
      if (!(error instanceof AnnalsError && error.retryable) || signal.aborted) {
        if (signal.aborted) return undefined;
        throw error;
      }
    }
    try {
      await sleep(delayMs, undefined, { signal });
    } catch {
      return undefined; // aborted while waiting
    }
    delayMs = Math.min(maxMs, delayMs * 2);
  }
}
