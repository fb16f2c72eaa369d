import type { Redis } from 'ioredis';
import type { CommitSignal } from '../../backend/parts.js';
import { Watchers } from '../../backend/watchers.js';

/**
 * The Redis commit signal: wakes a store's live subscriptions when the global log grows,
 * whoever appended. One connection per store, opened while anyone watches and shared by all
 * watchers, blocks in XREAD on the log after a known id (the position counter, which every
 * append moves in the same atomic step as it writes the log).
 *
 * A wake-up is only a hint: each subscriber re-reads from its own position. So a wake-up
 * may be spare but must never be missing: the watcher takes its starting point first and
 * wakes everyone after, at the start and after every reconnect, so a commit can never fall
 * between what a subscriber read and what the watcher waits for.
 */
export class CommitWatcher implements CommitSignal {
  private readonly watchers = new Watchers({ start: () => this.start(), stop: () => this.stop() });
  private client: Redis | undefined;
  private closed = false;

  constructor(
    private readonly connect: () => Redis,
    private readonly logKey: string,
    private readonly counterKey: string,
    private readonly blockMs: number,
  ) {}

  watch(listener: () => void): () => void {
    return this.watchers.add(listener);
  }

  close(): void {
    this.closed = true;
    this.watchers.close();
    this.stop();
  }

  private wake(): void {
    this.watchers.wake();
  }

  private start(): void {
    const client = this.connect();
    this.client = client;
    void this.run(client);
  }

  private stop(): void {
    const client = this.client;
    this.client = undefined;
    client?.disconnect();
  }

  private active(client: Redis): boolean {
    return this.client === client && !this.closed;
  }

  private async run(client: Redis): Promise<void> {
    let after: string | undefined;
    let failures = 0;
    while (this.active(client)) {
      try {
        // Lazily created, or given up on: connect. While ioredis reconnects on its own, commands
        // wait in its offline queue instead.
        if (client.status === 'wait' || client.status === 'end') await client.connect();
        if (after === undefined) {
          after = `${(await client.get(this.counterKey)) ?? 0}-0`;
          failures = 0;
          this.wake(); // anything committed before the starting point
        }
        const reply = await client.xread('COUNT', 1, 'BLOCK', this.blockMs, 'STREAMS', this.logKey, after);
        if (reply && this.active(client)) {
          after = undefined; // move the starting point to the head, then wake
        }
      } catch {
        // The connection dropped (or never came up): start afresh once it is back.
        after = undefined;
        if (!this.active(client)) return;
        await sleep(Math.min(2000, 25 * 2 ** Math.min(failures++, 7)));
      }
    }
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms).unref());
}
