import { toAnnalsError } from './errors.js';
import { RedisCommands } from './commands.js';
import { checkConnectionOptions, connect, createClient } from './connection.js';
import { DEFAULT_KEY_PREFIX, StoreKeys } from './keys.js';
import { splitOptions } from './open.js';
import type { RedisOptions } from './options.js';
import { readModelsOn } from './redis-backend.js';
import type { RedisReadModels } from './redis-read-models.js';
import { READ_MODEL_SCRIPTS } from './scripts/index.js';

/** Options of `openRedisReadModels`: where the keys go, and how to connect. */
export type RedisReadModelOptions = Pick<RedisOptions, 'keyPrefix' | 'connection'>;

/**
 * Opens read models (the query store) on Redis alone, with a connection of their own, from a
 * `redis://` URL: `redis://host:port/db?keyPrefix=orders:`. For read models fed by another log,
 * e.g. a PostgreSQL log projected into Redis. With the same key prefix as a Redis event store,
 * they are that store's read models (`openRedis(…).parts.readModels`). Their `close` closes
 * the connection.
 */
export async function openRedisReadModels(url: string, options: RedisReadModelOptions = {}): Promise<RedisReadModels> {
  const { connectionUrl, fromUrl } = splitOptions(url, { keyPrefix: 'text' });
  const merged: RedisReadModelOptions = { ...fromUrl, ...options };
  const keys = new StoreKeys(merged.keyPrefix ?? DEFAULT_KEY_PREFIX);
  checkConnectionOptions(merged.connection);
  const client = createClient(connectionUrl, merged.connection);
  try {
    await connect(client);
    const commands = new RedisCommands(client);
    await commands.loadScripts(Object.values(READ_MODEL_SCRIPTS));
    return readModelsOn(commands, keys.base, true);
  } catch (error) {
    client.disconnect();
    throw toAnnalsError(error);
  }
}
