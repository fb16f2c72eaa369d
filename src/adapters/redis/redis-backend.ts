import type { Redis } from 'ioredis';
import { SchemaVersionError } from '../../core/errors.js';
import type { Backend, BackendParts } from '../../backend/parts.js';
import type { SchemaState } from '../../backend/migrations.js';
import type { RedisCommands } from './commands.js';
import { CommitWatcher } from './commit-signal.js';
import type { RedisDurability } from './durability.js';
import type { StoreKeys } from './keys.js';
import { ReadModelKeys } from './read-model-keys.js';
import { ReadModelWatcher, subscriberOf } from './read-model-watcher.js';
import { RedisLog } from './redis-log.js';
import { RedisReadModels } from './redis-read-models.js';
import { RedisSnapshots } from './redis-snapshots.js';
import { SCRIPTS } from './scripts/index.js';
import { REDIS_SCHEMA_VERSION } from './scripts/schema.js';

/** The Redis backend: one client shared by its parts, and one more for XREAD while anyone subscribes. Built by openRedis. */
export class RedisBackend implements Backend {
  readonly name = 'redis';
  /** The log, the snapshot store, the commit signal (XREAD BLOCK on the global log), and the read models. */
  readonly parts: BackendParts & {
    /** The commit signal: one more client, for XREAD, while anyone subscribes. */
    readonly commits: CommitWatcher;
    /** The read models (the query store), on the same client and under the same key prefix. */
    readonly readModels: RedisReadModels;
  };

  constructor(
    private readonly commands: RedisCommands,
    /** The store's keys, from its key prefix. */
    readonly keys: StoreKeys,
    /** What a crash can lose, read from the server's configuration on open. */
    readonly durability: RedisDurability,
    /** The version of the key layout, and the one found on open (see checkKeyLayout). */
    readonly schema: SchemaState,
    watcherClient: () => Redis,
    pollIntervalMs: number,
  ) {
    this.parts = {
      log: new RedisLog(commands, keys),
      snapshots: new RedisSnapshots(commands, keys),
      commits: new CommitWatcher(watcherClient, keys.log, keys.positions, pollIntervalMs),
      readModels: readModelsOn(commands, keys.base, false),
    };
  }

  async close(): Promise<void> {
    this.parts.commits.close();
    await this.parts.readModels.close();
    await this.commands.close();
  }
}

/**
 * Read models on `commands`' client under the store base `base`; `ownsConnection`: whether their
 * close closes the client. Their watcher subscribes on a connection of its own, while watched.
 */
export function readModelsOn(commands: RedisCommands, base: string, ownsConnection: boolean): RedisReadModels {
  const keys = new ReadModelKeys(base);
  const name = `${commands.client.options.connectionName ?? 'annals'}-watch`;
  return new RedisReadModels(commands, keys, new ReadModelWatcher(() => subscriberOf(commands.client, name), keys.channel), ownsConnection);
}

/** @deprecated Use `RedisBackend` (from `openRedis`). */
export const RedisAdapter = RedisBackend;
/** @deprecated Use `RedisBackend` (from `openRedis`). */
export type RedisAdapter = RedisBackend;

/**
 * Checks the version of the store's key layout and records this one (on open, after the
 * scripts are loaded): a store a newer Annals has written is refused, and left as it is.
 */
export async function checkKeyLayout(commands: RedisCommands, keys: StoreKeys, location: string): Promise<SchemaState> {
  const found = Number(await commands.run(SCRIPTS.schema, [keys.schema, keys.positions], [REDIS_SCHEMA_VERSION]));
  if (found > REDIS_SCHEMA_VERSION) throw new SchemaVersionError(location, found, REDIS_SCHEMA_VERSION);
  return { version: REDIS_SCHEMA_VERSION, migratedFrom: found };
}
