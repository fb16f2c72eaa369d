import { InvalidArgumentError } from '../../core/errors.js';
import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import { checkConnectionOptions, connect, createClient, DEFAULT_CONNECTION_NAME, serverOf } from './connection.js';
import { durabilityWarning, readDurability } from './durability.js';
import { toAnnalsError } from './errors.js';
import { DEFAULT_KEY_PREFIX, StoreKeys } from './keys.js';
import type { RedisLogger, RedisOptions } from './options.js';
import { RedisAdapter } from './redis-adapter.js';
import { ALL_SCRIPTS } from './scripts/index.js';

export type RedisStoreOptions = RedisOptions & EventStoreOptions;

const DEFAULT_POLL_INTERVAL_MS = 1000;
const URL_OPTIONS = ['keyPrefix', 'pollIntervalMs', 'pageSize'] as const;

const consoleLogger: RedisLogger = {
  warn: (_facts, message) => console.warn(`[annals] ${message}`),
};

/**
 * Opens a Redis event store from a `redis://` (or `rediss://`, TLS) URL:
 * `redis://[user:password@]host:port/db?keyPrefix=orders:`. Annals' own options (keyPrefix,
 * pollIntervalMs, pageSize) may be given in the URL's query and are taken out of it before the
 * rest goes to ioredis; options passed in code win over the URL's.
 */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<EventStore> {
  const { merged, adapter } = await open(url, options);
  return new EventStore(adapter, merged);
}

/**
 * The adapter alone, opened from the same URL and options as `openRedisStore`: for reading its
 * `durability` and `keys`, and for wrapping in an EventStore of one's own.
 */
export async function openRedisAdapter(url: string, options: RedisStoreOptions = {}): Promise<RedisAdapter> {
  return (await open(url, options)).adapter;
}

async function open(url: string, options: RedisStoreOptions): Promise<{ merged: RedisStoreOptions; adapter: RedisAdapter }> {
  const { connectionUrl, fromUrl } = splitOptions(url);
  const merged: RedisStoreOptions = { ...fromUrl, ...options };
  // Every option is checked before anything connects.
  checkStoreOptions(merged);
  const keys = new StoreKeys(merged.keyPrefix ?? DEFAULT_KEY_PREFIX);
  const pollIntervalMs = merged.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  if (!(Number.isSafeInteger(pollIntervalMs) && pollIntervalMs >= 1)) {
    throw new InvalidArgumentError('pollIntervalMs', pollIntervalMs, 'an integer >= 1 (milliseconds)');
  }
  const logger = merged.logger ?? consoleLogger;
  if (typeof logger?.warn !== 'function') throw new InvalidArgumentError('logger', logger, 'an object with a warn(facts, message) method, such as a pino logger');
  checkConnectionOptions(merged.connection);

  const client = createClient(connectionUrl, merged.connection);
  const name = client.options.connectionName ?? DEFAULT_CONNECTION_NAME;
  try {
    await connect(client);
    const durability = await readDurability(client);
    const adapter = new RedisAdapter(client, keys, durability, () => watcherClient(client, `${name}-watch`), pollIntervalMs);
    await adapter.loadScripts(ALL_SCRIPTS);
    await adapter.checkSchema(`redis://${serverOf(client)}/${client.options.db ?? 0} under ${keys.base}`);
    if (!durability.safe) logger.warn({ durability, server: serverOf(client) }, durabilityWarning(durability, serverOf(client)));
    return { merged, adapter };
  } catch (error) {
    client.disconnect();
    throw toAnnalsError(error);
  }
}

function watcherClient(client: ReturnType<typeof createClient>, connectionName: string): ReturnType<typeof createClient> {
  const watcher = client.duplicate({ connectionName });
  watcher.on('error', () => undefined);
  return watcher;
}

function splitOptions(url: string): { connectionUrl: string; fromUrl: RedisStoreOptions } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('redis URL', url, 'redis://[user:password@]host:port/db (or rediss:// for TLS)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidArgumentError('redis URL', url, 'a redis:// or rediss:// URL');
  }
  const fromUrl: Record<string, unknown> = {};
  for (const key of URL_OPTIONS) {
    const value = parsed.searchParams.get(key);
    if (value === null) continue;
    parsed.searchParams.delete(key);
    fromUrl[key] = key === 'keyPrefix' ? value : Number(value);
  }
  return { connectionUrl: parsed.toString(), fromUrl };
}
