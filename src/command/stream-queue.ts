import { CommandQueueFullError } from '../core/errors.js';

/**
 * Commands for one stream, handled through one store object, take turns.
 *
 * Why: commands racing on one stream all load the same revision; one append wins and the others
 * conflict, back off, reload and decide again (8 loops on one PostgreSQL stream: 97–156
 * commands/s, against 678/s one after another). Within one store object every command is seen
 * arriving, so there is nothing to race for: each waits for the one before it, and loads the
 * state that one left.
 *
 * What it is not: a lock. Nothing is held in the database or across processes, and nothing
 * waits for another store object. Another process, another store object, or a plain `append` can
 * still write between a command's load and its append; the expected revision catches that and
 * the handler retries, as it always did. The queue only removes the conflicts a process would
 * cause itself.
 *
 * The rules, and why they hold:
 * - Order of arrival: `takeTurn` is called in the same synchronous step as `handleCommand`, and
 *   appends to a FIFO, so commands on a stream run in the order their calls were made.
 * - A failing command does not block: the turn passes in a `finally`, whatever the outcome. (A
 *   command that never settles, e.g. a store call that never answers, holds the turn.)
 * - No memory for idle streams: a stream has a line only while a command on it runs or waits.
 *   The last one out deletes it, and the store's map with its last line. The maps are keyed
 *   weakly by the store, so a dropped store leaves nothing behind either.
 * - Bounded: at most `maxWaiting` commands wait behind the running one; the next is refused at
 *   once with CommandQueueFullError, before anything is read.
 */

/** The commands waiting on one stream, in order of arrival; the line exists while one runs. */
interface Line {
  readonly waiting: (() => void)[];
}

const linesByStore = new WeakMap<object, Map<string, Line>>();

/**
 * Runs `work` when it is this command's turn on `stream` in `store`: at once when no command on
 * the stream is running, else after every command that arrived before it has settled.
 */
export function takeTurn<T>(store: object, stream: string, maxWaiting: number, work: () => Promise<T>): Promise<T> {
  let lines = linesByStore.get(store);
  if (lines === undefined) linesByStore.set(store, (lines = new Map()));
  const line = lines.get(stream);
  if (line === undefined) {
    lines.set(stream, { waiting: [] });
    return runThenPass(store, lines, stream, work);
  }
  if (line.waiting.length >= maxWaiting) return Promise.reject(new CommandQueueFullError(stream, line.waiting.length, maxWaiting));
  const mine = lines;
  return new Promise<void>((resolve) => line.waiting.push(resolve)).then(() => runThenPass(store, mine, stream, work));
}

async function runThenPass<T>(store: object, lines: Map<string, Line>, stream: string, work: () => Promise<T>): Promise<T> {
  try {
    return await work();
  } finally {
    const line = lines.get(stream)!;
    const next = line.waiting.shift();
    if (next !== undefined) next();
    else {
      lines.delete(stream);
      if (lines.size === 0) linesByStore.delete(store);
    }
  }
}

/**
 * The lines of a store now: each stream with a command running, and how many wait behind it.
 * Undefined when the store has none (what an idle store must show). For tests and diagnostics.
 */
export function queuedStreams(store: object): ReadonlyMap<string, { readonly waiting: number }> | undefined {
  const lines = linesByStore.get(store);
  if (lines === undefined) return undefined;
  return new Map([...lines].map(([stream, line]) => [stream, { waiting: line.waiting.length }]));
}
