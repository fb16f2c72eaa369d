import { setTimeout as sleep } from 'node:timers/promises';
import { isBusy } from './errors.js';

/**
 * Runs `attempt` again while it fails with SQLITE_BUSY, for at most `timeoutMs`, then lets
 * the error through. The connection's own busy handler is off once the store is open:
 * SQLite's sleeps in growing steps (up to 100 ms between tries) and blocks the event loop
 * meanwhile, so a process appending back-to-back kept the lock for seconds while another
 * waited past its timeout. Trying every millisecond, asynchronously, shares the lock fairly
 * and keeps the process responsive while it waits.
 */
export async function retryWhileBusy<T>(attempt: () => T, timeoutMs: number): Promise<T> {
  const deadline = performance.now() + timeoutMs;
  for (;;) {
    try {
      return attempt();
    } catch (error) {
      if (!isBusy(error) || performance.now() >= deadline) throw error;
    }
    await sleep(1);
  }
}
