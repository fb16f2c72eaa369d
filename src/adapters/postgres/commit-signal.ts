import pg from 'pg';
import type { CommitSignal } from '../../backend/parts.js';
import { Watchers } from '../../backend/watchers.js';

/**
 * The PostgreSQL commit signal (its receiving side; announcer.ts sends). One LISTEN connection
 * per store, shared by all its subscribers, opened while anyone watches. It reconnects after
 * the connection drops and then wakes every watcher, so subscribers re-read from their last
 * position: a lost notification delays, never skips. A slow poll wakes them too, as a fallback
 * (and alone on a standby, where LISTEN is refused).
 */
export class Notifier implements CommitSignal {
  private readonly watchers = new Watchers({ start: () => this.start(), stop: () => this.stop() });
  private client: pg.Client | undefined;
  private poll: NodeJS.Timeout | undefined;
  private reconnect: NodeJS.Timeout | undefined;
  private closed = false;

  constructor(
    private readonly config: pg.ClientConfig,
    private readonly channel: string,
    private readonly pollIntervalMs: number,
    /** False where LISTEN is refused (a standby): the poll alone wakes the watchers. */
    private readonly listen = true,
  ) {}

  /** The backend of this store's own LISTEN connection, while connected: its own NOTIFY would only wake itself. */
  get listenerPid(): number | undefined {
    return (this.client as { processID?: number | null } | undefined)?.processID ?? undefined;
  }

  watch(listener: () => void): () => void {
    return this.watchers.add(listener);
  }

  /** Wakes the watchers of this process, e.g. once the transaction that held back a read has ended. */
  wake(): void {
    this.watchers.wake();
  }

  async close(): Promise<void> {
    this.closed = true;
    this.watchers.close();
    this.stop();
  }

  private start(): void {
    this.poll = setInterval(() => this.wake(), this.pollIntervalMs);
    this.poll.unref();
    if (this.listen) void this.connect(0);
  }

  private stop(): void {
    clearInterval(this.poll);
    clearTimeout(this.reconnect);
    this.poll = undefined;
    const client = this.client;
    this.client = undefined;
    void client?.end().catch(() => undefined);
  }

  private async connect(attempt: number): Promise<void> {
    if (this.closed || !this.watchers.active) return;
    const client = new pg.Client(this.config);
    this.client = client;
    const retry = () => {
      if (this.client !== client) return;
      this.client = undefined;
      void client.end().catch(() => undefined);
      if (this.closed || !this.watchers.active) return;
      this.reconnect = setTimeout(() => void this.connect(attempt + 1), Math.min(2000, 50 * 2 ** attempt));
      this.reconnect.unref();
    };
    client.on('error', retry);
    client.on('end', retry);
    client.on('notification', () => this.wake());
    try {
      await client.connect();
      await client.query(`LISTEN ${pg.escapeIdentifier(this.channel)}`);
      attempt = 0;
      this.wake(); // anything committed while we were not listening
    } catch {
      retry();
    }
  }
}
