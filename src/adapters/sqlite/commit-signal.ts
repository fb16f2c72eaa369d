import type { CommitSignal } from '../../backend/parts.js';
import { Watchers } from '../../backend/watchers.js';
import type { SqliteConnection } from './connection.js';

/**
 * The SQLite commit signal. Commits by other connections (in this process or another) change
 * PRAGMA data_version on this one. It is polled only while someone watches, and only to learn
 * that there is something new: a subscriber that is behind reads on without waiting. The read
 * models' `watch` uses it too (a checkpoint moved by another connection is such a commit).
 */
export class DataVersionPoller implements CommitSignal {
  private readonly watchers = new Watchers({ start: () => this.start(), stop: () => this.stop() });
  private readonly dataVersion;
  private poller: NodeJS.Timeout | undefined;
  private lastDataVersion = 0;

  constructor(
    private readonly connection: SqliteConnection,
    private readonly pollIntervalMs: number,
  ) {
    this.dataVersion = connection.db.prepare(`PRAGMA data_version`).pluck();
  }

  watch(listener: () => void): () => void {
    return this.watchers.add(listener);
  }

  close(): void {
    this.watchers.close();
  }

  private start(): void {
    this.lastDataVersion = this.dataVersion.get() as number;
    this.poller = setInterval(() => this.poll(), this.pollIntervalMs);
    this.poller.unref();
  }

  private stop(): void {
    clearInterval(this.poller);
    this.poller = undefined;
  }

  private poll(): void {
    if (!this.connection.db.open) return;
    try {
      const version = this.dataVersion.get() as number;
      if (version === this.lastDataVersion) return;
      this.lastDataVersion = version;
    } catch {
      // A timer must not throw (it would end the process): wake the subscribers instead,
      // whose own read meets the same error and hands it to their consumer.
    }
    this.watchers.wake();
  }
}
