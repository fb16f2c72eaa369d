import type { SnapshotStore } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';

/** One snapshot per stream, in a map. */
export class MemorySnapshots implements SnapshotStore {
  private readonly byStream = new Map<string, StoredSnapshot>();

  async save(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const stored = this.byStream.get(stream);
    if (stored === undefined || stored.revision <= snapshot.revision) this.byStream.set(stream, snapshot);
  }

  async load(stream: string): Promise<StoredSnapshot | undefined> {
    return this.byStream.get(stream);
  }

  /** Removes the stream's snapshot when it folds a revision below `revision` (any, on delete). */
  removeBefore(stream: string, revision: number): void {
    if ((this.byStream.get(stream)?.revision ?? Infinity) < revision) this.byStream.delete(stream);
  }

  clear(): void {
    this.byStream.clear();
  }
}
