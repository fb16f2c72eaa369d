import { Wakeup } from '../core/wakeup.js';
import type { ReadModelStore } from '../readmodel/read-model-store.js';

const signals = new WeakMap<ReadModelStore, Wakeup>();

/**
 * The "a checkpoint may have moved" signal of a read-model store object: runners in this process
 * bump it after each commit; readers waiting for a position wait on it, and also on the store's
 * own `watch` (commits by other processes) where it has one.
 */
export function checkpointSignal(store: ReadModelStore): Wakeup {
  let wakeup = signals.get(store);
  if (wakeup === undefined) signals.set(store, (wakeup = new Wakeup()));
  return wakeup;
}
