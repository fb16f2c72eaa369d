import { InvalidArgumentError } from '../../core/errors.js';
import { checkStoreOptions, EventStore, type EventStoreOptions } from '../../core/event-store.js';
import { assertPositiveIntegers, takeUrlOptions, type UrlOptionSpec } from '../../backend/url-options.js';
import { RedisCommands } from './commands.js';
import { checkConnectionOptions, connect, createClient, DEFAULT_CONNECTION_NAME, serverOf } from './connection.js';
import { durabilityWarning, readDurability } from './durability.js';
import { toAnnalsError } from './errors.js';
import { DEFAULT_KEY_PREFIX, StoreKeys } from './keys.js';
import type { RedisLogger, RedisOptions } from './options.js';
import { checkKeyLayout, RedisBackend } from './redis-backend.js';
import { ALL_SCRIPTS } from './scripts/index.js';

/** Options of `openRedisStore` and `openRedis`: the backend's and the EventStore's. */
export type RedisStoreOptions = RedisOptions & EventStoreOptions;

const DEFAULT_POLL_INTERVAL_MS = 1000;
/** Annals' options in a `redis://` URL's query, the core's `pageSize` too. */
const URL_OPTIONS = { keyPrefix: 'text', pollIntervalMs: 'positive integer', pageSize: 'positive integer', maxEventBytes: 'positive integer' } as const;
/**
 * ioredis takes every query parameter as a connection option, as text, and over the options
 * given in code: so only `family` (which it parses as a number) is left to it. Every other
 * connection option goes in `connection`, where the ones the store depends on are refused.
 */
const DRIVER_PARAMETERS = ['family'];

/** Servers the default logger has warned about already: once per process is enough for a person to read. */
const warnedServers = new Set<string>();

const consoleLogger: RedisLogger = {
  warn: (facts, message) => {
    const server = String((facts as { server?: unknown }).server);
    if (warnedServers.has(server)) return;
    warnedServers.add(server);
    console.warn(`[annals] ${message}`);
  },
};

/**
 * Opens a Redis event store from a `redis://` (or `rediss://`, TLS) URL:
 * `redis://[user:password@]host:port/db?keyPrefix=orders:`. Annals' own options (keyPrefix,
 * pollIntervalMs, pageSize) may be given in the URL's query and are taken out of it before the
 * rest goes to ioredis; options passed in code win over the URL's.
 */
export async function openRedisStore(url: string, options: RedisStoreOptions = {}): Promise<EventStore> {
  const { merged, backend } = await open(url, options);
  return new EventStore(backend, merged);
}

/**
 * The backend alone, opened from the same URL and options as `openRedisStore`: for reading its
 * `durability` and `keys`, and for an EventStore of one's own (`new EventStore(backend)`).
 */
export async function openRedis(url: string, options: RedisStoreOptions = {}): Promise<RedisBackend> {
  return (await open(url, options)).backend;
}

/** @deprecated Use `openRedis`. */
export const openRedisAdapter = openRedis;

async function open(url: string, options: RedisStoreOptions): Promise<{ merged: RedisStoreOptions; backend: RedisBackend }> {
  const { connectionUrl, fromUrl } = splitOptions(url, URL_OPTIONS);
  const merged: RedisStoreOptions = { ...fromUrl, ...options };
  // Every option is checked before anything connects.
  checkStoreOptions(merged);
  const keys = new StoreKeys(merged.keyPrefix ?? DEFAULT_KEY_PREFIX);
  assertPositiveIntegers(merged, ['pollIntervalMs']);
  const pollIntervalMs = merged.pollIntervalMs ?? DEFAULT_POLL_INTERVAL_MS;
  const logger = merged.logger ?? consoleLogger;
  if (typeof logger?.warn !== 'function') throw new InvalidArgumentError('logger', logger, 'an object with a warn(facts, message) method, such as a pino logger');
  checkConnectionOptions(merged.connection);

  const client = createClient(connectionUrl, merged.connection);
  const name = client.options.connectionName ?? DEFAULT_CONNECTION_NAME;
  try {
    await connect(client);
    const durability = await readDurability(client);
    const commands = new RedisCommands(client);
    await commands.loadScripts(ALL_SCRIPTS);
    const schema = await checkKeyLayout(commands, keys, `redis://${serverOf(client)}/${client.options.db ?? 0} under ${keys.base}`);
    const backend = new RedisBackend(commands, keys, durability, schema, () => watcherClient(client, `${name}-watch`), pollIntervalMs);
    if (!durability.safe) logger.warn({ durability, server: serverOf(client) }, durabilityWarning(durability, serverOf(client)));
    return { merged, backend };
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

/** The URL without Annals' options (`spec`), and those options, checked; the rest is left to ioredis. */
export function splitOptions(url: string, spec: UrlOptionSpec): { connectionUrl: string; fromUrl: RedisStoreOptions } {
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new InvalidArgumentError('redis URL', url, 'redis://[user:password@]host:port/db (or rediss:// for TLS)');
  }
  if (parsed.protocol !== 'redis:' && parsed.protocol !== 'rediss:') {
    throw new InvalidArgumentError('redis URL', url, 'a redis:// or rediss:// URL');
  }
  const fromUrl = takeUrlOptions('redis', parsed.searchParams, spec, DRIVER_PARAMETERS);
  return { connectionUrl: parsed.toString(), fromUrl };
}
