import type { SnapshotStore } from '../../backend/parts.js';
import type { StoredSnapshot } from '../../core/snapshot.js';
import type { RedisCommands } from './commands.js';
import { SNAPSHOT_FIELDS, type StoreKeys } from './keys.js';
import { SCRIPTS } from './scripts/index.js';

/** One hash per stream (`<base>snap:<name>`); the log's delete and truncate scripts remove it. */
export class RedisSnapshots implements SnapshotStore {
  constructor(
    private readonly commands: RedisCommands,
    private readonly keys: StoreKeys,
  ) {}

  async save(stream: string, snapshot: StoredSnapshot): Promise<void> {
    const { revision, version, state, savedAt } = snapshot;
    await this.commands.run(SCRIPTS.saveSnapshot, [this.keys.snapshot(stream)], [revision, version, state, savedAt]);
  }

  async load(stream: string): Promise<StoredSnapshot | undefined> {
    const { revision: r, version: v, state: s, savedAt: t } = SNAPSHOT_FIELDS;
    const [revision, version, state, savedAt] = await this.commands.read(() => this.commands.client.hmget(this.keys.snapshot(stream), r, v, s, t));
    if (revision === null || revision === undefined || version == null || state == null) return undefined;
    return { revision: Number(revision), version, state, savedAt: Number(savedAt) };
  }
}
