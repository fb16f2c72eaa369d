import type { Backend, BackendParts, Durability, InlineHost } from '../../backend/parts.js';
import { MemoryLog } from './memory-log.js';
import { MemoryReadModels } from './memory-read-models.js';
import { MemorySnapshots } from './memory-snapshots.js';

/**
 * An in-process backend with the same semantics as the others: for tests and examples. It has
 * no commit signal: only its own store writes it, and the store wakes its subscribers itself.
 */
export class MemoryBackend implements Backend {
  readonly name = 'memory';
  readonly durability: Durability = { safe: false, risk: 'the memory store keeps events in this process only: all of them are lost when it ends' };
  /** The log and the snapshot store, both in this process's memory. */
  readonly parts: BackendParts & {
    /** The event log. */
    readonly log: MemoryLog;
    /** The snapshot store. */
    readonly snapshots: MemorySnapshots;
    /** Read models, projection checkpoints and leases. */
    readonly readModels: MemoryReadModels;
    /** Inline projections, run inside the log's appends. */
    readonly inline: InlineHost;
  };

  constructor() {
    const snapshots = new MemorySnapshots();
    const log = new MemoryLog(snapshots);
    const readModels = new MemoryReadModels();
    this.parts = { log, snapshots, readModels, inline: { readModels, attach: (apply) => log.attachInline(apply) } };
  }

  async close(): Promise<void> {
    this.parts.log.clear();
    this.parts.snapshots.clear();
  }
}
