/**
 * The listeners of a backend's "something may have been committed elsewhere" signal. The
 * resource that watches (a poll timer, a LISTEN or XREAD connection) runs only while someone
 * listens: `start` when the first listener arrives, `stop` when the last one leaves.
 */
export class Watchers {
  private readonly listeners = new Set<() => void>();
  private closed = false;

  constructor(private readonly resource: { start(): void; stop(): void }) {}

  /** True while at least one listener is there (and so the resource runs). */
  get active(): boolean {
    return this.listeners.size > 0;
  }

  /** Adds a listener; returns the function that removes it. */
  add(listener: () => void): () => void {
    if (this.closed) return () => undefined;
    this.listeners.add(listener);
    if (this.listeners.size === 1) this.resource.start();
    return () => {
      if (this.listeners.delete(listener) && this.listeners.size === 0) this.resource.stop();
    };
  }

  /** Calls every listener: something may have been committed. */
  wake(): void {
    for (const listener of [...this.listeners]) listener();
  }

  /** Removes every listener for good, stopping the resource. */
  close(): void {
    const wasActive = this.active;
    this.closed = true;
    this.listeners.clear();
    if (wasActive) this.resource.stop();
  }
}
