import type { ReadModelStore } from '../readmodel/read-model-store.js';
import { checkpointSignal } from './checkpoint-signal.js';

/**
 * Calls `check` after each wake-up of the read models (a commit or a promotion, in this process
 * or, where the store can watch, another), at most every 100 ms and never missing the last
 * wake-up, until `signal` aborts: how a runner learns, without polling, that a rebuild promoted
 * another generation.
 */
export function afterReadModelWakeups(store: ReadModelStore, signal: AbortSignal, check: () => void): void {
  const wakeup = checkpointSignal(store);
  const stopWatching = store.watch?.(() => wakeup.bump());
  let scheduled: NodeJS.Timeout | undefined;
  const schedule = () => {
    scheduled ??= setTimeout(() => {
      scheduled = undefined;
      check();
    }, 100);
  };
  void (async () => {
    while (!signal.aborted) {
      const seen = wakeup.generation;
      await wakeup.after(seen, signal);
      if (!signal.aborted) schedule();
    }
    stopWatching?.();
    clearTimeout(scheduled);
  })();
}
