/**
 * A counter of "something may have been committed" signals. A reader notes the
 * generation before it reads; if the read comes back short, it waits for a later
 * generation, so a commit between the read and the wait is never missed.
 */
export class Wakeup {
  private current = 0;
  private waiters = new Set<() => void>();

  /** How many signals there were so far: note it before a read, and wait for a later one after. */
  get generation(): number {
    return this.current;
  }

  /** Signals: wakes everyone waiting. */
  bump(): void {
    this.current++;
    const waiters = this.waiters;
    this.waiters = new Set();
    for (const wake of waiters) wake();
  }

  /** Resolves once the generation is past `seen`, or when `signal` aborts. */
  async after(seen: number, signal: AbortSignal): Promise<void> {
    if (this.current > seen || signal.aborted) return;
    await new Promise<void>((resolve) => {
      // A waiting subscriber is work in progress: like an open socket, it keeps the process alive.
      const keepAlive = setInterval(() => undefined, 1 << 30);
      const done = () => {
        clearInterval(keepAlive);
        signal.removeEventListener('abort', done);
        this.waiters.delete(done);
        resolve();
      };
      this.waiters.add(done);
      signal.addEventListener('abort', done, { once: true });
    });
  }
}
