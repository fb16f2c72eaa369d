/**
 * Turns: one holder at a time, in the order they asked. A runner's batches take turns with the
 * tasks given to it between batches (retrying dead letters under its lease), so the two never
 * interleave.
 */
export class Turns {
  /** Settles when the turn in progress ends. */
  private last: Promise<void> = Promise.resolve();

  /** Waits for the turn in progress; the returned function ends this one. */
  async take(): Promise<() => void> {
    const previous = this.last;
    let done!: () => void;
    this.last = new Promise<void>((resolve) => (done = resolve));
    await previous;
    return done;
  }

  /** Runs `task` in a turn of its own. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    const done = await this.take();
    try {
      return await task();
    } finally {
      done();
    }
  }

  /** The items, each handed out in a turn of its own: the turn ends when the next item is asked for, or the loop ends. */
  async *each<T>(items: AsyncIterable<T>): AsyncIterable<T> {
    for await (const item of items) {
      const done = await this.take();
      try {
        yield item;
      } finally {
        done();
      }
    }
  }
}
