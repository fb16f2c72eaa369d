import { setTimeout as sleep } from 'node:timers/promises';
import { now, since } from '../lib/timer.js';

/**
 * Fires `fire(i)` at a steady `perSecond` for `ms` milliseconds, open loop: the i-th call is due
 * at i / perSecond from the start, whether earlier ones have finished or not (a late timer fires
 * the calls that are due at once). Resolves with every call's result once all have settled.
 */
export async function paced<T>(perSecond: number, ms: number, fire: (i: number) => Promise<T>): Promise<{ results: T[]; wallNs: number }> {
  const start = now();
  const calls: Promise<T>[] = [];
  const intervalMs = 1000 / perSecond;
  for (let i = 0; i * intervalMs < ms; i++) {
    const wait = i * intervalMs - since(start) / 1e6;
    if (wait >= 1) await sleep(wait);
    calls.push(fire(i));
  }
  const results = await Promise.all(calls);
  return { results, wallNs: since(start) };
}
