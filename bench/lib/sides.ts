import type { EventInput } from '../../src/index.js';
import type { Operation, Side } from './compare.js';
import { makeEvents, newStreamName } from './workload.js';

/**
 * One side of an append case: each operation appends `size` events to a new stream through
 * `append` (Annals' store, or a raw baseline). The inputs are built outside the timing; a raw
 * baseline that is synchronous stays synchronous. `operations` counts what was timed.
 */
export class NewStreamAppends implements Side {
  operations = 0;

  constructor(
    private readonly size: number,
    private readonly append: (stream: string, events: EventInput[]) => unknown,
  ) {}

  next(): Operation {
    const n = this.operations++;
    const stream = newStreamName(n);
    const events = makeEvents(this.size, n);
    const { size, append } = this;
    return () => {
      const done = append(stream, events);
      return done instanceof Promise ? done.then(() => size) : size;
    };
  }
}

/**
 * Annals' side of a read case: each operation iterates `read()` to the end, touching every
 * event, and fails unless it handed out exactly `expected` events.
 */
export function readSide(read: () => AsyncIterable<{ readonly position: number }>, expected: number, touch: (position: number) => void): Side {
  return {
    next: () => async () => {
      let count = 0;
      for await (const event of read()) {
        touch(event.position);
        count++;
      }
      return checkCount('annals', count, expected);
    },
  };
}

/** Both sides of a read must hand out every event they were timed for. */
export function checkCount(side: string, count: number, expected: number): number {
  if (count !== expected) throw new Error(`${side} read ${count} events, expected ${expected}`);
  return count;
}
